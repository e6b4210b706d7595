/**
 * A real redis-server for the specs, on 127.0.0.1 at a free port, in its own temp dir. `npm test`
 * installs the Debian package first when it is missing (scripts/ensure-redis.mjs).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestRedis {
  readonly port: number;
  readonly url: string;
  /** Stops the server (SIGTERM: with `persist`, it writes its data) and starts it again on the same port and dir. */
  restart(downMs?: number): Promise<void>;
  /** Stops the server (SIGTERM), keeping its dir: `up()` starts it again. */
  down(): Promise<void>;
  /** Starts it again after `down()`, on the same port and dir. */
  up(): Promise<void>;
  /** Stops it; removes its dir. */
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1 (free now; the server takes it right after). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once something accepts connections on the port; rejects after `ms`. */
async function reachable(port: number, ms = 5_000, failed: () => boolean = () => false): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (failed()) throw new Error('redis-server could not start');
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`redis-server did not listen on ${port} within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Starts redis-server. `persist`: an append-only file fsync'ed on every write, so that a
 * restart keeps what was written (for the restart specs); otherwise nothing is persisted.
 */
export async function startRedis(options: { persist?: boolean } = {}): Promise<TestRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'rms-redis-'));
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--daemonize', 'no', '--loglevel', 'warning'];
  args.push(...(options.persist ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no']));
  let child: ChildProcess | null = null;
  let stderr = '';

  const up = async (): Promise<void> => {
    const started = spawn('redis-server', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    started.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    let spawnError: Error | null = null;
    started.once('error', (error) => (spawnError = error));
    child = started;
    try {
      await reachable(port, 5_000, () => spawnError !== null || started.exitCode !== null);
    } catch (error) {
      started.kill('SIGKILL');
      const missing = (spawnError as NodeJS.ErrnoException | null)?.code === 'ENOENT';
      if (missing) throw new Error('redis-server is not installed: run `node scripts/ensure-redis.mjs` (npm test runs it first)');
      throw new Error(`${(error as Error).message}: ${stderr}`);
    }
  };
  const down = async (): Promise<void> => {
    const running = child;
    child = null;
    if (running === null || running.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
    running.kill('SIGTERM');
    const timer = setTimeout(() => running.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };

  await up();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    restart: async (downMs = 0) => {
      await down();
      if (downMs > 0) await new Promise((resolve) => setTimeout(resolve, downMs));
      await up();
    },
    down,
    up,
    stop: async () => {
      await down();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
