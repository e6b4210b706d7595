// Child processes for the bench: fork one, wait for its messages with a deadline, stop it.
import { fork } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PROCS = join(dirname(fileURLToPath(import.meta.url)), '..', 'procs');

/**
 * Forks `bench/procs/<name>.mjs`. `execArgv` replaces the parent's (e.g. ['--expose-gc']).
 * Returns { child, next(type, timeoutMs), send(message), stop() }: `next` resolves with the next
 * message of that type (or rejects when the child exits first or time is up).
 */
export function spawnProc(name, { execArgv = [], args = [], env = process.env } = {}) {
  const child = fork(join(PROCS, `${name}.mjs`), args, { execArgv, env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const queue = [];
  const waiting = [];
  let exited = null;
  child.on('message', (message) => {
    const i = waiting.findIndex((w) => w.type === message.type || (message.type === 'error' && w.type !== 'error'));
    if (i === -1) {
      queue.push(message);
      return;
    }
    const [w] = waiting.splice(i, 1);
    if (message.type === 'error' && w.type !== 'error') w.reject(new Error(`${name}: ${message.error}`));
    else w.resolve(message);
  });
  child.on('exit', (code, signal) => {
    exited = { code, signal };
    for (const w of waiting.splice(0)) w.reject(new Error(`${name} exited (code ${code}, signal ${signal}) while waiting for '${w.type}'`));
  });
  const next = (type, timeoutMs = 120_000) =>
    new Promise((resolve, reject) => {
      const i = queue.findIndex((m) => m.type === type || m.type === 'error');
      if (i !== -1) {
        const [message] = queue.splice(i, 1);
        if (message.type === 'error' && type !== 'error') reject(new Error(`${name}: ${message.error}`));
        else resolve(message);
        return;
      }
      if (exited) {
        reject(new Error(`${name} exited (code ${exited.code}, signal ${exited.signal}) before '${type}'`));
        return;
      }
      const timer = setTimeout(() => {
        const j = waiting.indexOf(entry);
        if (j !== -1) waiting.splice(j, 1);
        reject(new Error(`${name}: no '${type}' within ${timeoutMs} ms`));
      }, timeoutMs);
      const entry = {
        type,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      waiting.push(entry);
    });
  const send = (message) => child.send(message);
  /** Asks the child to exit, then kills it (this child, by its own handle) if it has not within 2 s. */
  const stop = async () => {
    if (exited) return;
    const done = new Promise((resolve) => child.once('exit', resolve));
    try {
      child.send({ cmd: 'exit' });
    } catch {
      // the IPC channel is already closed
    }
    const timer = setTimeout(() => child.kill('SIGKILL'), 2_000);
    await done;
    clearTimeout(timer);
  };
  return { child, next, send, stop };
}

/** Reports an uncaught failure to the parent, then exits: every proc installs this. */
export function reportErrors() {
  const fail = (err) => {
    process.send?.({ type: 'error', error: err instanceof Error ? `${err.stack ?? err.message}` : String(err) });
    setTimeout(() => process.exit(1), 50);
  };
  process.on('uncaughtException', fail);
  process.on('unhandledRejection', fail);
  process.on('disconnect', () => process.exit(0));
}

/** A high-resolution wall clock (ms), comparable across processes on one machine. */
export const now = () => performance.timeOrigin + performance.now();
