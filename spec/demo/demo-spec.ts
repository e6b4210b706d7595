import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

// The main demo (`npm start`) must end with a clean verdict. It imports the built package
// (dist/); here esbuild points those imports at the sources, so the suite needs no build step.
describe('demo (npm start)', () => {
  const root = join(__dirname, '../..');
  let dir: string;
  beforeAll(() => {
    // Inside the project, so the bundle's bare imports (rxjs, ws) resolve from its node_modules.
    dir = mkdtempSync(join(root, 'node_modules/.cache-rms-demo-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('should run a short, harsh session and report nothing lost, duplicated or out of order', async () => {
    const outfile = join(dir, 'demo.mjs');
    await build({
      entryPoints: [join(root, 'demo/demo.mjs')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      outfile,
      external: ['rxjs', 'ws', 'io-ts', 'fp-ts'],
      logLevel: 'silent',
      plugins: [
        {
          name: 'dist-to-src',
          setup(b) {
            b.onResolve({ filter: /\/dist\/(node|server)\.mjs$/ }, (args) => ({
              path: join(root, 'src', /\/dist\/(node|server)\.mjs$/.exec(args.path)?.[1] ?? '', 'index.ts'),
            }));
          },
        },
      ],
    });
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = execFile(
        process.execPath,
        [outfile, '--seconds', '4', '--fault-every', '300', '--rate', '200', '--seed', '3'],
        { cwd: root, timeout: 40_000 },
        (_error, out, err) => resolve({ code: child.exitCode, stdout: String(out), stderr: String(err) }),
      );
    });
    expect(stderr).toBe('');
    expect(stdout).toMatch(/verdict: lost: 0, duplicated: 0, out of order: 0 -> OK/);
    expect(stdout).toMatch(/faults injected: /);
    expect(stdout).toMatch(/orders: (\d+) sent, \1 acked, 0 failed; the server's log holds \1 -> OK/);
    expect(stdout).toMatch(/request: heads \{.*\} -> OK/);
    expect(code).toBe(0);
  }, 60_000);
});
