import { buildSync } from 'esbuild';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/** The Angular entry points the specs use, as one module graph. */
export interface AngularModules {
  readonly core: typeof import('@angular/core');
  readonly interop: typeof import('@angular/core/rxjs-interop');
}

let loaded: AngularModules | undefined;

/**
 * Loads the real `@angular/core` and `@angular/core/rxjs-interop` for a jest spec, for
 * `jest.mock('@angular/core', () => angular().core)`.
 *
 * Angular 21 ships ES modules only, and this jest runs CommonJS (ts-jest) without transforming
 * `node_modules`. So both entry points are compiled to one CommonJS file with esbuild (about 0.1 s):
 * one file, so they share one injection context and one signal graph; with `rxjs` left external,
 * so Angular and the spec use the same rxjs. The file is written under `node_modules/.cache` (so
 * that `require('rxjs')` resolves from it), loaded, and removed. No TestBed, no `@angular/compiler`:
 * a spec creates services with `Injector.create`.
 *
 * @returns The two modules, the same objects on every call.
 */
export function angular(): AngularModules {
  if (loaded !== undefined) return loaded;
  const root = join(__dirname, '..', '..', '..');
  const dir = join(root, 'node_modules', '.cache', 'rxjs-managed-socket-spec');
  const file = join(dir, `angular-${process.pid}-${Date.now()}.cjs`);
  mkdirSync(dir, { recursive: true });
  try {
    buildSync({
      stdin: {
        contents: "export * as core from '@angular/core';\nexport * as interop from '@angular/core/rxjs-interop';\n",
        resolveDir: root,
        loader: 'js',
      },
      bundle: true,
      format: 'cjs',
      platform: 'node',
      external: ['rxjs', 'rxjs/*'],
      logLevel: 'error',
      outfile: file,
    });
    loaded = jest.requireActual<AngularModules>(file);
  } finally {
    rmSync(file, { force: true });
  }
  return loaded;
}
