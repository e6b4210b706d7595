/**
 * managedSocket$ in a real browser: headless Chromium (the build that the `@sparticuz/chromium`
 * npm package ships, driven by playwright-core; see spec/support/chromium.ts) loads the library as an ES module, with `rxjs` resolved by an import map to
 * rxjs's own ESM build, and runs it on the browser's WebSocket against the reference server on
 * 127.0.0.1. The server cuts the connection; the page must reconnect and resume with nothing lost
 * and nothing repeated, and its state$ must show it.
 *
 * The page's module is bundled here with esbuild (rxjs external, io-ts and fp-ts inlined), from
 * src/index.ts by default so a fresh clone's `npm test` needs no build, or from the built
 * dist/index.mjs with `BROWSER_SPEC_ENTRY=dist` (after `npm run build`). `referenceProtocol()`
 * comes from src/server/referenceClient.ts, which only needs the io-ts codecs.
 *
 * It never skips: the browser comes with `npm install` (or from CHROMIUM_PATH=/path/to/chrome).
 */
import { existsSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { build } from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import { chromiumLaunch } from '../support/chromium';
import { startReferenceServer, ReferenceServer } from '../../src/server/referenceServer';
import type { ConnectionState, ManagedSocketMetrics } from '../../src/index';

jest.setTimeout(30_000);

const ROOT = path.join(__dirname, '..', '..');
const ENTRY = process.env.BROWSER_SPEC_ENTRY === 'dist' ? path.join(ROOT, 'dist', 'index.mjs') : path.join(ROOT, 'src', 'index.ts');
const WAIT = 10_000;

/** What the page records, read back with `page.evaluate`. */
interface PageLog {
  readonly states: ConnectionState[];
  readonly lifecycle: string[];
  readonly events: { topic: string; seq: number; data: unknown }[];
  readonly errors: string[];
  readonly sharesRxjs: boolean;
  readonly hasNativeWebSocket: boolean;
  metrics(): ManagedSocketMetrics;
  close(): void;
  completed: boolean;
}

/**
 * The page: an import map for rxjs, then a module that
 * builds a managed socket on the browser's own WebSocket (no WebSocketCtor given) and records what
 * it sees in `globalThis.__log`.
 */
const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>rxjs-managed-socket</title><link rel="icon" href="data:,">
<script type="importmap">{ "imports": { "rxjs": "/vendor/rxjs.js" } }</script>
</head><body>
<script type="module">
import { Observable } from 'rxjs';
import { managedSocket$, referenceProtocol } from '/lib.js';

const url = new URLSearchParams(location.search).get('ws');
const socket = managedSocket$({
  url,
  ...referenceProtocol(),
  resume: { start: 0 },
  retry: { initialInterval: 50, maxInterval: 200 },
  idleTimeout: 0,
});
const log = {
  states: [], lifecycle: [], events: [], errors: [], completed: false,
  sharesRxjs: socket instanceof Observable,
  hasNativeWebSocket: typeof WebSocket === 'function',
  metrics: () => socket.metrics(),
  close: () => socket.close().subscribe(),
};
socket.state$.subscribe((state) => log.states.push(state));
socket.events$.subscribe((event) => log.lifecycle.push(event.type));
socket.subscribeTopics('prices');
socket.subscribe({
  next: (frame) => { if (frame.type === 'event') log.events.push({ topic: frame.topic, seq: frame.seq, data: frame.data }); },
  error: (err) => log.errors.push(String(err)),
  complete: () => { log.completed = true; },
});
globalThis.__log = log;
</script>
</body></html>`;

/** One ES module bundled by esbuild for the browser, rxjs left as a bare import (the import map's). */
async function bundle(contents: string, loader: 'ts' | 'js', external: string[]): Promise<string> {
  const result = await build({
    stdin: { contents, resolveDir: ROOT, sourcefile: 'browser-entry.ts', loader },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2020',
    write: false,
    logLevel: 'silent',
    external,
  });
  const text = result.outputFiles[0]?.text;
  if (text === undefined) throw new Error('esbuild produced no output');
  return text;
}

/**
 * The page's two modules: the library (the entry plus `referenceProtocol`, with io-ts and fp-ts
 * inlined and rxjs imported by name) and rxjs itself as one ES module (its ESM build uses
 * extensionless imports, which a browser cannot load file by file), so the page and the library
 * share the one rxjs the import map names.
 */
async function bundlePage(): Promise<{ library: string; rxjs: string }> {
  const client = path.join(ROOT, 'src', 'server', 'referenceClient.ts');
  const [library, rxjs] = await Promise.all([
    bundle(`export * from ${JSON.stringify(ENTRY)};\nexport { referenceProtocol } from ${JSON.stringify(client)};`, 'ts', ['rxjs', 'rxjs/*']),
    bundle(`export * from 'rxjs';`, 'js', []),
  ]);
  if (/from\s*["'](node:|ws["'])/.test(library)) throw new Error('the browser bundle imports a Node module');
  return { library, rxjs };
}

/** A static server on 127.0.0.1 for the page and its two modules. */
async function startStaticServer(files: { library: string; rxjs: string }): Promise<http.Server> {
  const routes: Record<string, [string, string]> = {
    '/': ['text/html; charset=utf-8', PAGE],
    '/lib.js': ['text/javascript; charset=utf-8', files.library],
    '/vendor/rxjs.js': ['text/javascript; charset=utf-8', files.rxjs],
  };
  const server = http.createServer((req, res) => {
    const route = routes[new URL(req.url ?? '/', 'http://127.0.0.1').pathname];
    res.writeHead(route ? 200 : 404, { 'content-type': route?.[0] ?? 'text/plain', 'cache-control': 'no-store' });
    res.end(route?.[1] ?? 'not found');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return server;
}

describe('managedSocket$ in Chromium', () => {
  let browser: Browser | undefined;
  let page: Page;
  let statics: http.Server | undefined;
  let server: ReferenceServer | undefined;
  const pageProblems: string[] = [];

  /**
   * Evaluates `expression` in the page with `log` bound to its `globalThis.__log`. A string, not a
   * function, so coverage instrumentation of this file cannot leak into the page.
   */
  const read = <T>(expression: string): Promise<T> => page.evaluate(`((log) => ${expression})(globalThis.__log)`) as Promise<T>;
  /** Waits until `expression` (with `log` bound) holds in the page; a timeout says what the page reported. */
  const until = async (expression: string): Promise<void> => {
    try {
      await page.waitForFunction(`((log) => log !== undefined && (${expression}))(globalThis.__log)`, undefined, { timeout: WAIT });
    } catch (err) {
      const seen = await read<unknown>('log && { states: log.states, lifecycle: log.lifecycle, events: log.events.length, errors: log.errors }').catch(() => null);
      throw new Error(`page: ${expression} did not hold within ${WAIT} ms\npage problems: ${JSON.stringify(pageProblems.slice(0, 10))}\npage log: ${JSON.stringify(seen)}\n${String(err)}`);
    }
  };

  beforeAll(async () => {
    if (!existsSync(ENTRY)) throw new Error(`${ENTRY} is missing (BROWSER_SPEC_ENTRY=dist needs \`npm run build\` first)`);
    statics = await startStaticServer(await bundlePage());
    server = await startReferenceServer();
    const { executablePath, args } = await chromiumLaunch();
    browser = await chromium.launch({ executablePath, args: [...args], headless: true, timeout: 20_000 });
    page = await browser.newPage();
    page.setDefaultTimeout(WAIT);
    page.on('pageerror', (err) => pageProblems.push(`pageerror: ${err.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') pageProblems.push(`console.error: ${message.text()}`);
    });
    page.on('requestfailed', (request) => pageProblems.push(`request failed: ${request.url()}`));
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await new Promise<void>((resolve) => (statics ? statics.close(() => resolve()) : resolve()));
  });

  it('should receive events, reconnect after a cut connection and resume with nothing lost', async () => {
    const ref = server as ReferenceServer;
    const subscribed = (s: ReferenceServer) => s.openConnections().some((c) => c.sessionId !== null && c.topics.includes('prices'));
    const { port } = (statics as http.Server).address() as AddressInfo;

    const firstSession = ref.nextSession(WAIT);
    await page.goto(`http://127.0.0.1:${port}/?ws=${encodeURIComponent(ref.url)}`);
    await until('true');
    expect(await read<boolean[]>('[log.hasNativeWebSocket, log.sharesRxjs]')).toEqual([true, true]);
    await firstSession;
    await ref.waitFor(subscribed, WAIT);

    // Live events on the first connection.
    for (const bid of [1, 2, 3]) ref.publish('prices', { bid });
    await until('log.events.length === 3');

    // Cut it (the page sees 1006); publish while it is down: those must come back through resume.
    const secondSession = ref.nextSession(WAIT);
    expect(ref.killAll()).toBe(1);
    for (const bid of [4, 5]) ref.publish('prices', { bid });
    await secondSession;
    await ref.waitFor(subscribed, WAIT);
    for (const bid of [6, 7]) ref.publish('prices', { bid });
    await until('log.events.length >= 7');

    const events = await read<PageLog['events']>('log.events');
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(events.map((e) => (e.data as { bid: number }).bid)).toEqual([1, 2, 3, 4, 5, 6, 7]);

    // The second hello asked to resume after seq 3.
    const hellos = ref.received.filter((r) => r.frame?.type === 'hello').map((r) => r.frame);
    expect(hellos).toHaveLength(2);
    expect(hellos[1]).toMatchObject({ type: 'hello', resume: { prices: 3 } });

    // The state changes, as the page saw them (a reconnect attempt stays 'reconnecting' until open).
    const states = await read<ConnectionState[]>('log.states');
    expect(states.filter((s, i) => s !== states[i - 1])).toEqual(['idle', 'connecting', 'open', 'reconnecting', 'open']);
    const lifecycle = await read<string[]>('log.lifecycle');
    expect(lifecycle.filter((t) => t === 'connected')).toHaveLength(2);
    expect(lifecycle).toContain('disconnected');
    const metrics = await read<ManagedSocketMetrics>('log.metrics()');
    expect(metrics).toMatchObject({ connections: 2, disconnects: 1, duplicates: 0, gaps: 0, drops: 0, decodeErrors: 0 });

    // A graceful close from the page: the server sees the connection go, the page completes.
    await read<void>('log.close()');
    await until('log.completed');
    await ref.waitFor((s) => s.connections === 0, WAIT);
    expect((await read<ConnectionState[]>('log.states')).slice(-2)).toEqual(['closing', 'closed']);
    expect(await read<string[]>('log.errors')).toEqual([]);
    expect(pageProblems).toEqual([]);
  });
});
