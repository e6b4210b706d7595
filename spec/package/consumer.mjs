#!/usr/bin/env node
/**
 * Consumer test: installs the package the way a user does and uses it. Run after `npm run build`
 * (CI runs it; `npm test` does not, since it packs and installs):
 *
 *   node spec/package/consumer.mjs          # KEEP=1 keeps the scratch project for a look
 *
 * 1. `npm pack` the repo into a temp dir (scripts ignored: it packs the dist/ that is there).
 * 2. A scratch project in another temp dir installs the tarball plus rxjs, io-ts, fp-ts, ws,
 *    typescript and @types/node from the registry, at the versions this repo has installed
 *    (`--prefer-offline`: after `npm ci` they come from the npm cache).
 * 3. ESM (`.mjs`): imports every entry by name, then connects the root `managedSocket$` (with the
 *    `ws` constructor) to the installed reference server, receives an event, survives a killed
 *    connection and receives the next one.
 * 4. CJS (`.cjs`): the same with `require`, through the `/node` entry.
 * 5. TypeScript: type-checks consumer files (with `skipLibCheck: false`, so our .d.ts files are
 *    checked too) with `moduleResolution` node16 (an .mts and a .cts file), bundler, and a
 *    browser-like setup (DOM lib, no @types/node) for the root and /testing entries. The files
 *    hold `@ts-expect-error` lines, so types that decay to `any` fail the check.
 *
 * Every step is bounded in time; both temp dirs are removed at the end. Exits 1 on any failure.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const started = Date.now();

/** The version of a package installed in the repo, so the consumer gets the same one. */
const installed = (name) => JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version;

const packDir = mkdtempSync(join(tmpdir(), 'consumer-pack-'));
const app = mkdtempSync(join(tmpdir(), 'consumer-app-'));
let failed = false;

function run(title, command, args, options = {}, quiet = false) {
  const t0 = Date.now();
  const result = spawnSync(command, args, { cwd: app, encoding: 'utf8', timeout: 120_000, ...options });
  const ms = Date.now() - t0;
  if (result.status !== 0) {
    console.log(`FAIL ${title} (${ms} ms, exit ${result.status ?? result.signal})`);
    if (result.error) console.log(String(result.error));
    console.log(result.stdout);
    console.log(result.stderr);
    failed = true;
    return undefined;
  }
  console.log(`ok   ${title} (${ms} ms)`);
  const out = result.stdout.trim();
  if (out && !quiet) console.log(out.replace(/^/gm, '       '));
  return result.stdout;
}

try {
  if (!existsSync(join(ROOT, 'dist', 'index.mjs'))) throw new Error('dist/ is missing: run `npm run build` first');

  const packed = run('npm pack', 'npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', packDir], { cwd: ROOT }, true);
  if (packed === undefined) throw new Error('npm pack failed');
  const tarball = join(packDir, JSON.parse(packed.slice(packed.indexOf('[')))[0].filename);

  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer-app', version: '0.0.0', private: true }, null, 2));
  writeFiles();

  const deps = ['rxjs', 'io-ts', 'fp-ts', 'ws', 'typescript', '@types/node'].map((name) => `${name}@${installed(name)}`);
  const install = run(`npm install ${pkg.name} (tarball) + ${deps.join(' ')}`, 'npm', [
    'install',
    '--no-audit',
    '--no-fund',
    '--no-package-lock',
    '--ignore-scripts',
    '--prefer-offline',
    '--loglevel=error',
    tarball,
    ...deps,
  ], { timeout: 300_000 });
  if (install === undefined) throw new Error('npm install failed');

  run('ESM: import every entry, connect to the reference server, reconnect', process.execPath, ['esm.mjs'], { timeout: 30_000 });
  run('CJS: require every entry, connect to the reference server, reconnect', process.execPath, ['cjs.cjs'], { timeout: 30_000 });
  const tsc = join(app, 'node_modules', 'typescript', 'bin', 'tsc');
  for (const config of ['tsconfig.node16.json', 'tsconfig.bundler.json', 'tsconfig.browser.json']) {
    run(`tsc -p ${config}`, process.execPath, [tsc, '-p', config], { timeout: 120_000 });
  }
} catch (err) {
  console.log(`FAIL ${err instanceof Error ? err.message : String(err)}`);
  failed = true;
} finally {
  rmSync(packDir, { recursive: true, force: true });
  if (process.env.KEEP) console.log(`kept the scratch project in ${app}`);
  else rmSync(app, { recursive: true, force: true });
}

console.log(`consumer: ${failed ? 'FAILED' : 'OK'} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
process.exit(failed ? 1 : 0);

// ---------------------------------------------------------------------------------------------
// The scratch project's files

function writeFiles() {
  const write = (name, text) => {
    mkdirSync(dirname(join(app, name)), { recursive: true });
    writeFileSync(join(app, name), `${text.trim()}\n`);
  };

  // The connect-kill-reconnect story, shared by the ESM and the CJS program. `socket$` is the
  // factory under test, `server` a started reference server.
  const story = `
async function until(predicate, what) {
  for (const deadline = Date.now() + 5000; !predicate(); await new Promise((resolve) => setTimeout(resolve, 5))) {
    if (Date.now() > deadline) throw new Error('timed out waiting for ' + what);
  }
}

async function story(label, socket$, server, rx) {
  const { filter, firstValueFrom, take, timeout, toArray } = rx;
  const socket = socket$({ url: server.url, ...referenceProtocol(), resume: { start: 0 }, retry: { initialInterval: 20, maxInterval: 100 } });
  const states = [];
  socket.state$.subscribe((state) => states.push(state));
  socket.subscribeTopics('prices');
  const subscribed = (s) => s.openConnections().some((c) => c.sessionId !== null && c.topics.includes('prices'));
  const firstSession = server.nextSession(5000);
  const received = firstValueFrom(socket.pipe(filter((f) => f.type === 'event'), take(2), toArray(), timeout(10000)));
  await firstSession;
  await server.waitFor(subscribed, 5000);
  server.publish('prices', { bid: 1 });
  await until(() => socket.metrics().messagesIn > 0, 'the first event');
  const secondSession = server.nextSession(5000);
  if (server.killAll() !== 1) throw new Error(label + ': expected one connection to kill');
  await secondSession;
  await server.waitFor(subscribed, 5000);
  server.publish('prices', { bid: 2 });
  const events = await received;
  const seqs = events.map((e) => e.topic + '#' + e.seq).join(',');
  if (seqs !== 'prices#1,prices#2') throw new Error(label + ': received ' + seqs);
  if (!(socket instanceof rx.Observable)) throw new Error(label + ': the socket is not an Observable of the app\\'s rxjs');
  if (!states.includes('reconnecting')) throw new Error(label + ': no reconnecting state in ' + states.join(','));
  console.log(label + ': received ' + seqs + ' across a killed connection; states ' + [...new Set(states)].join(' > '));
}`;

  write(
    'esm.mjs',
    `
import * as rx from 'rxjs';
import WebSocket from 'ws';
import { managedSocket$, retryBackoff, IdleTimeoutError } from 'rxjs-managed-socket';
import { managedSocket$ as nodeSocket$ } from 'rxjs-managed-socket/node';
import { createFakeWebSockets, FakeWebSocket } from 'rxjs-managed-socket/testing';
import { startReferenceServer, referenceProtocol, decodeServerFrame } from 'rxjs-managed-socket/server';
import { createRequire } from 'node:module';

const watchdog = setTimeout(() => { console.error('esm.mjs: timed out'); process.exit(1); }, 20000);
const version = createRequire(import.meta.url)('rxjs-managed-socket/package.json').version;
for (const [name, value] of Object.entries({ managedSocket$, retryBackoff, IdleTimeoutError, nodeSocket$, createFakeWebSockets, FakeWebSocket, startReferenceServer, referenceProtocol, decodeServerFrame })) {
  if (typeof value !== 'function') throw new Error(name + ' is ' + typeof value);
}
${story}
const server = await startReferenceServer();
try {
  await story('ESM root entry + ws', (config) => managedSocket$({ WebSocketCtor: WebSocket, ...config }), server, rx);
} finally {
  await server.stop();
  clearTimeout(watchdog);
}
console.log('ESM: all four entries of rxjs-managed-socket@' + version + ' import');
`,
  );

  write(
    'cjs.cjs',
    `
const rx = require('rxjs');
const { managedSocket$, retryBackoff, IdleTimeoutError } = require('rxjs-managed-socket');
const node = require('rxjs-managed-socket/node');
const { createFakeWebSockets, FakeWebSocket } = require('rxjs-managed-socket/testing');
const { startReferenceServer, referenceProtocol, decodeServerFrame } = require('rxjs-managed-socket/server');
const { version } = require('rxjs-managed-socket/package.json');

const watchdog = setTimeout(() => { console.error('cjs.cjs: timed out'); process.exit(1); }, 20000);
for (const [name, value] of Object.entries({ managedSocket$, retryBackoff, IdleTimeoutError, nodeSocket$: node.managedSocket$, createFakeWebSockets, FakeWebSocket, startReferenceServer, referenceProtocol, decodeServerFrame })) {
  if (typeof value !== 'function') throw new Error(name + ' is ' + typeof value);
}
${story}
(async () => {
  const server = await startReferenceServer();
  try {
    await story('CJS /node entry', node.managedSocket$, server, rx);
  } finally {
    await server.stop();
    clearTimeout(watchdog);
  }
  console.log('CJS: all four entries of rxjs-managed-socket@' + version + ' require');
})().catch((err) => { console.error(err); process.exit(1); });
`,
  );

  // Type-level use of every entry. `@ts-expect-error` lines fail the check if types were `any`.
  const typed = (extra = '') => `
import { of, type Observable } from 'rxjs';
import { managedSocket$, retryBackoff, IdleTimeoutError, type ManagedSocket, type ConnectionState, type ManagedSocketEvent } from 'rxjs-managed-socket';
import { createFakeWebSockets } from 'rxjs-managed-socket/testing';
${extra}
const fakes = createFakeWebSockets();
const socket: ManagedSocket<{ kind: 'tick'; seq: number }, { kind: 'hello' }> = managedSocket$<{ kind: 'tick'; seq: number }, { kind: 'hello' }>({
  url: 'ws://127.0.0.1:1',
  WebSocketCtor: fakes.WebSocketCtor,
  seqOf: (message) => message.seq,
});
export const state$: Observable<ConnectionState> = socket.state$;
export const events$: Observable<ManagedSocketEvent> = socket.events$;
export const retried: Observable<number> = of(1).pipe(retryBackoff({ initialInterval: 10, maxRetries: 3 }));
export const isIdle = (err: unknown): boolean => err instanceof IdleTimeoutError && err.info.idleMs > 0;
socket.send({ kind: 'hello' });
// @ts-expect-error: outbound messages are typed
socket.send({ kind: 'bye' });
// @ts-expect-error: initialInterval is a number
retryBackoff({ initialInterval: 'soon' });
`;
  const nodeAndServer = `
import { managedSocket$ as nodeSocket$ } from 'rxjs-managed-socket/node';
import { startReferenceServer, referenceProtocol, type ServerFrame, type ClientFrame, type ReferenceServer } from 'rxjs-managed-socket/server';

export const reference = nodeSocket$<ServerFrame, ClientFrame>({ url: 'ws://127.0.0.1:1', ...referenceProtocol() });
reference.send({ type: 'ping', id: 1 });
// @ts-expect-error: not a client frame of the reference protocol
reference.send({ type: 'nope' });
export async function serve(): Promise<ReferenceServer> {
  const server = await startReferenceServer({ retain: 10 });
  server.publish('prices', { bid: 1 });
  return server;
}
`;
  write('src/app.mts', typed(nodeAndServer));
  write('src/app.cts', typed(nodeAndServer));
  write('src/app.ts', typed(nodeAndServer));
  write('src/browser.ts', typed());

  const base = { strict: true, noEmit: true, skipLibCheck: false, target: 'ES2020', esModuleInterop: true };
  const tsconfig = (options, files) => JSON.stringify({ compilerOptions: { ...base, ...options }, files }, null, 2);
  write('tsconfig.node16.json', tsconfig({ module: 'node16', moduleResolution: 'node16', lib: ['ES2020'], types: ['node'] }, ['src/app.mts', 'src/app.cts']));
  write('tsconfig.bundler.json', tsconfig({ module: 'ESNext', moduleResolution: 'bundler', lib: ['ES2020'], types: ['node'] }, ['src/app.ts']));
  write('tsconfig.browser.json', tsconfig({ module: 'ESNext', moduleResolution: 'bundler', lib: ['ES2020', 'DOM'], types: [] }, ['src/browser.ts']));
}
