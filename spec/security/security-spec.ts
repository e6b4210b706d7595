/**
 * Security basics, over real sockets to 127.0.0.1 (and a guarded constructor where a URL must
 * not be reached at all): tokens stay out of logs, errors, events, metrics and state; in Node the
 * token can travel in a header instead of the URL or the hello; `secureOnly` refuses plain
 * `ws://` off loopback; oversized frames are refused before they are parsed and not kept whole.
 */
import { inspect } from 'node:util';
import { CloseError, InsecureUrlError, TokenError } from '../../src/errors';
import { managedSocket$ } from '../../src/node';
import type { ManagedSocketLogger } from '../../src/socket/config';
import type { WebSocketCtor } from '../../src/socket/transport';
import { referenceProtocol } from '../../src/server/referenceClient';
import { startReferenceServer } from '../../src/server/referenceServer';
import type { ReferenceServer } from '../../src/server/referenceServer';
import { createFakeWebSockets } from '../../src/testing/fakeWebSocket';
import { pause, startClient, until } from '../hostile/harness';
import type { Client } from '../hostile/harness';

jest.setTimeout(15_000);

/** Every string reachable from `value`: own keys (enumerable or not), error names, messages, stacks, causes. */
function dump(value: unknown, seen = new Set<unknown>()): string {
  if (typeof value === 'string') return value;
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return String(value);
  if (seen.has(value)) return '';
  seen.add(value);
  const parts: string[] = [inspect(value, { depth: 8, showHidden: true })];
  if (value instanceof Error) parts.push(String(value), value.stack ?? '');
  for (const key of Reflect.ownKeys(value)) {
    parts.push(String(key));
    try {
      parts.push(dump((value as Record<PropertyKey, unknown>)[key], seen));
    } catch {
      // a throwing getter: nothing to read
    }
  }
  return parts.join('\n');
}

const SENTINEL = 'SeNtInEl';

describe('security', () => {
  let server: ReferenceServer | undefined;
  let client: Client | undefined;

  afterEach(async () => {
    client?.stop();
    client = undefined;
    await server?.stop();
    server = undefined;
  });

  /** Starts the reference server of a test. */
  async function serve(...args: Parameters<typeof startReferenceServer>): Promise<ReferenceServer> {
    server = await startReferenceServer(...args);
    return server;
  }

  it('should have a leak detector that sees into errors, their info and their causes', () => {
    const secret = `${SENTINEL}-probe`;
    expect(dump(new CloseError({ code: 1008, reason: secret, wasClean: true }))).toContain(secret);
    expect(dump(new TokenError({ reason: 'failed', initial: true, cause: new Error(secret) }))).toContain(secret);
    expect(dump([{ type: 'disconnected', error: Object.assign(new Error('x'), { url: `ws://h/?token=${secret}` }) }])).toContain(secret);
    expect(dump({ type: 'connected', attempt: 1 })).not.toContain(SENTINEL);
  });

  describe('tokens', () => {
    it('should keep the token out of logs, events, errors, metrics and state, through every kind of failure', async () => {
      let clock = Date.now();
      const valid = new Set<string>();
      const server = await serve({
        verifyToken: (token) => (valid.has(token) ? { expiresAt: clock + 60_000 } : null),
        now: () => clock,
      });
      const issued: string[] = [];
      const logs: string[] = [];
      const log =
        (level: string) =>
        (message: string, event: unknown): void => {
          logs.push(`${level} ${message} ${dump(event)}`);
        };
      const logger: ManagedSocketLogger = { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
      const c = startClient(server.url, {
        // The token in the URL too (a query parameter), so errors carrying a URL would leak it.
        url: ({ token }) => `${server.url}/?token=${token ?? ''}`,
        token: () => {
          const token = `${SENTINEL}-${issued.length + 1}-${'x'.repeat(20)}`;
          issued.push(token);
          if (issued.length < 3) valid.add(token); // the third is refused: 1008
          return token;
        },
        logger,
      });
      client = c;
      await server.waitFor((s) => s.openConnections().some((conn) => conn.topics.includes('a')));
      server.publish('a', 1);
      await until(() => c.received.length === 1);

      // Expiry: 4001, a new token, a reconnect.
      clock += 120_000;
      let next = server.nextSession(5_000);
      server.checkExpiry();
      await next;
      // Transient closes and a cut.
      next = server.nextSession(5_000);
      server.closeAll(1011, 'internal error');
      await next;
      next = server.nextSession(5_000);
      server.killAll();
      await next;
      // Upgrades refused with HTTP 503, then a restart (connections refused at the TCP level).
      const retriesBefore = c.ofType('reconnecting').length;
      server.refuse(true, 503);
      server.killAll();
      await until(() => c.ofType('reconnecting').length >= retriesBefore + 2, 5_000, 'a retry refused with 503');
      server.refuse(false);
      await server.restart({ downtimeMs: 100 });
      await server.waitFor((s) => s.openConnections().some((conn) => conn.topics.includes('a')));
      // A frame that does not decode (its raw text is reported).
      server.sendRaw('{"type":"event","broken":');
      server.publish('a', 2);
      await until(() => c.received.length === 2);
      // Expiry again, and this time the new token is refused: 1008, permanent.
      clock += 120_000;
      server.checkExpiry();
      await until(() => c.error !== undefined, 5_000, 'the permanent refusal');

      // The sentinel really was in play: on the wire, in the hello and in the URL...
      expect(issued).toHaveLength(3);
      const hellos = server.received.filter((r) => r.frame?.type === 'hello').map((r) => r.raw);
      expect(hellos.some((raw) => raw.includes(`${SENTINEL}-1`))).toBe(true);
      expect(hellos.some((raw) => raw.includes(`${SENTINEL}-3`))).toBe(true);
      // ...and the client met failures of every kind.
      const kinds = c.ofType('disconnected').map((d) => d.kind);
      expect(kinds).toEqual(expect.arrayContaining(['reauth', 'transient', 'permanent']));
      expect(c.ofType('decodeError')).toHaveLength(1);
      expect(logs.length).toBeGreaterThan(10);

      // ...but nowhere the application can see it.
      const everything = [
        ['logs', logs.join('\n')],
        ['events', dump(c.events)],
        ['states', dump(c.states)],
        ['metrics', dump(c.socket.metrics())],
        ['error', dump(c.error)],
        ['cursor', dump(c.socket.cursor?.snapshot())],
      ] as const;
      for (const [where, text] of everything) expect({ where, leaks: text.includes(SENTINEL) }).toEqual({ where, leaks: false });
    });

    it('should carry the token in an Authorization header in Node, out of the URL and the hello', async () => {
      const tokens: string[] = [];
      const server = await serve({ verifyToken: (token) => (token.startsWith(SENTINEL) ? {} : null) });
      const c = startClient(server.url, {
        ...referenceProtocol({ tokenInHello: false }),
        resume: { start: 0 },
        token: () => {
          tokens.push(`${SENTINEL}-h${tokens.length + 1}`);
          return tokens[tokens.length - 1] as string;
        },
        transportOptions: ({ token }) => ({ headers: { authorization: `Bearer ${token ?? ''}` } }),
      });
      client = c;
      await server.waitFor((s) => s.openConnections().some((conn) => conn.topics.includes('a')));
      const next = server.nextSession(5_000);
      server.killAll(); // and again after a reconnect
      const second = await next;

      expect(second.tokenSource).toBe('header');
      expect(server.openConnections().every((conn) => conn.tokenSource === 'header' && !conn.path.includes(SENTINEL))).toBe(true);
      const hellos = server.received.filter((r) => r.frame?.type === 'hello');
      expect(hellos).toHaveLength(2);
      for (const hello of hellos) expect(hello.raw).not.toContain(SENTINEL);
      expect(tokens).toEqual([`${SENTINEL}-h1`]); // cached across the plain reconnect
    });
  });

  describe('secureOnly', () => {
    /** A constructor that records URLs and never touches the network. */
    function guardedCtor(): { Ctor: WebSocketCtor; urls: string[] } {
      const fake = createFakeWebSockets({ openAfter: null });
      const urls: string[] = [];
      const Ctor = function (url: string, protocols?: string | string[], options?: never) {
        urls.push(url);
        return new fake.WebSocketCtor(url, protocols, options);
      } as unknown as WebSocketCtor;
      return { Ctor, urls };
    }

    it.each([
      ['a plain ws:// URL to a public host', 'ws://feed.example.com/live'],
      ['a plain ws:// URL to a private address', 'ws://10.0.0.7:8080'],
      ['a plain ws:// URL to a host that looks like loopback', 'ws://127.0.0.1.example.com'],
    ])('should refuse %s with a permanent InsecureUrlError, before any socket, without the token', async (_name, base) => {
      const { Ctor, urls } = guardedCtor();
      const errors: unknown[] = [];
      const socket = managedSocket$({
        url: ({ token }) => `${base}?token=${token ?? ''}`,
        token: () => `${SENTINEL}-s`,
        WebSocketCtor: Ctor,
        secureOnly: true,
        retry: { initialInterval: 10 },
      });
      socket.subscribe({ error: (err: unknown) => errors.push(err) });
      await until(() => errors.length === 1, 2_000, 'the refusal');
      await pause(50); // a retry would have been at 10 ms

      expect(errors[0]).toBeInstanceOf(InsecureUrlError);
      expect((errors[0] as InsecureUrlError).info.host).toBe(new URL(base).hostname);
      expect(dump(errors[0])).not.toContain(SENTINEL);
      expect(urls).toEqual([]);
    });

    it.each([
      ['wss:// to a public host', 'wss://feed.example.com/live'],
      ['ws://localhost', 'ws://localhost:8080'],
      ['ws://[::1]', 'ws://[::1]:8080'],
      ['ws://127.0.0.2', 'ws://127.0.0.2:8080'],
    ])('should allow %s', async (_name, url) => {
      const { Ctor, urls } = guardedCtor();
      const errors: unknown[] = [];
      const subscription = managedSocket$({ url, WebSocketCtor: Ctor, secureOnly: true }).subscribe({ error: (err: unknown) => errors.push(err) });
      await until(() => urls.length === 1, 2_000, 'the socket');
      subscription.unsubscribe();
      expect(urls).toEqual([url]);
      expect(errors).toEqual([]);
    });

    it('should connect to ws://127.0.0.1 for real with secureOnly on', async () => {
      const server = await serve();
      const c = startClient(server.url, { secureOnly: true });
      client = c;
      await server.waitFor((s) => s.openConnections().some((conn) => conn.topics.includes('a')));
      server.publish('a', 1);
      await until(() => c.received.length === 1);
      expect(c.error).toBeUndefined();
    });
  });

  describe('oversized frames', () => {
    it('should refuse a frame above maxMessageSize before parsing it, keep only 256 characters of it, and keep the connection', async () => {
      const server = await serve();
      const c = startClient(server.url, { maxMessageSize: 64 * 1_024 });
      client = c;
      await server.waitFor((s) => s.openConnections().some((conn) => conn.topics.includes('a')));
      // 4 MB of valid JSON: parsing it would cost time and memory, and it would decode as a pong.
      const huge = JSON.stringify({ type: 'pong', id: 'z'.repeat(4 * 1_048_576) });
      const parse = jest.spyOn(JSON, 'parse');
      server.sendRaw(huge);
      server.publish('a', 1);
      await until(() => c.received.length === 1, 5_000, 'the event after the huge frame');

      expect(parse.mock.calls.some(([text]) => typeof text === 'string' && text.length > 64 * 1_024)).toBe(false);
      const [refused] = c.ofType('decodeError');
      expect(refused?.error.info).toMatchObject({ kind: 'size', size: huge.length });
      expect(refused?.error.info.raw).toHaveLength(256);
      expect(dump(c.events).length).toBeLessThan(100_000); // nothing kept the 4 MB
      expect(c.socket.metrics()).toMatchObject({ connections: 1, decodeErrors: 1 });
    });
  });
});
