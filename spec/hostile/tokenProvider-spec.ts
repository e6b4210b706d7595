/**
 * Token providers that fail: throw, error, complete empty, never answer. In virtual time on fake
 * WebSockets (the timing is the point), plus one real-time case for a rejected Promise. A first
 * token that cannot be had is permanent (a `TokenError` to the subscriber, no socket opened); a
 * refresh that fails later is transient (back off, ask again).
 */
import { EMPTY, NEVER, throwError } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { TokenError } from '../../src/errors';
import type { TokenProvider } from '../../src/socket/auth';
import { managedSocket$ } from '../../src/socket/managedSocket';
import type { ManagedSocketConfig } from '../../src/socket/config';
import { referenceProtocol } from '../../src/server/referenceClient';
import type { ClientFrame, ServerFrame } from '../../src/server/protocol';
import { createFakeWebSockets } from '../../src/testing/fakeWebSocket';
import { createSocketHarness } from '../../src/testing/harness';
import { until } from './harness';

describe('managedSocket$ with a failing token provider', () => {
  let ts: TestScheduler;
  beforeEach(() => {
    ts = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  });

  const TOKEN_TIMEOUT = 100;

  function setup(token: TokenProvider, overrides: Partial<ManagedSocketConfig<ServerFrame, ClientFrame>> = {}) {
    const { fake, socket, events, ofType } = createSocketHarness<ServerFrame, ClientFrame>(ts, {
      url: 'ws://127.0.0.1:1/feed',
      ...referenceProtocol(),
      resume: { start: 0 },
      token,
      tokenTimeout: TOKEN_TIMEOUT,
      retry: { initialInterval: 10, jitter: 0 },
      idleTimeout: 0,
      ...overrides,
    });
    const seen = { values: 0, error: undefined as unknown, errorAt: -1 };
    const subscription = socket.subscribe({
      next: () => seen.values++,
      error: (err: unknown) => {
        seen.error = err;
        seen.errorAt = ts.now();
      },
    });
    return { fake, socket, events, seen, subscription, ofType };
  }

  describe('for the first token', () => {
    const cases: Array<[string, () => TokenProvider, TokenError['info']['reason'], number]> = [
      [
        'throws',
        () => () => {
          throw new Error('vault unreachable');
        },
        'failed',
        0,
      ],
      ['returns an Observable that errors', () => () => throwError(() => new Error('401 from the auth server')), 'failed', 0],
      ['returns an Observable that completes empty', () => () => EMPTY, 'empty', 0],
      ['returns an empty string', () => () => '', 'empty', 0],
      ['returns an Observable that never emits', () => () => NEVER, 'timeout', TOKEN_TIMEOUT],
      ['returns a Promise that never settles', () => () => new Promise<string>(() => undefined), 'timeout', TOKEN_TIMEOUT],
    ];

    it.each(cases)('should end with a permanent TokenError and open no socket when the provider %s', (_name, provider, reason, at) => {
      ts.run(() => {
        const { fake, socket, seen, ofType } = setup(provider());
        ts.flush();

        expect(seen.error).toBeInstanceOf(TokenError);
        expect(seen.error).toMatchObject({ name: 'TokenError', info: { reason, initial: true } });
        expect(seen.errorAt).toBe(at);
        expect(fake.sockets).toHaveLength(0);
        expect(ofType('reconnecting')).toHaveLength(0);
        expect(ofType('disconnected')).toEqual([{ type: 'disconnected', error: seen.error, kind: 'permanent' }]);
        expect(ofType('closed')).toEqual([{ type: 'closed', error: seen.error }]);
        expect(socket.metrics()).toMatchObject({ connections: 0, reconnectAttempts: 0 });
      });
    });

    it('should keep the cause of a thrown provider error', () => {
      ts.run(() => {
        const cause = new Error('vault unreachable');
        const { seen } = setup(() => {
          throw cause;
        });
        ts.flush();
        expect((seen.error as TokenError).info.cause).toBe(cause);
      });
    });
  });

  describe('for a refresh, once a token was had', () => {
    /** A provider answering from a script, one entry per call; the last entry repeats. */
    const scripted = (...script: Array<() => ReturnType<TokenProvider>>) => {
      let calls = 0;
      const provider = jest.fn(() => (script[Math.min(calls++, script.length - 1)] as () => ReturnType<TokenProvider>)());
      return provider;
    };
    const helloTokens = (fake: ReturnType<typeof createFakeWebSockets>) =>
      fake.sockets.map((s) => (s.sentJson().find((f) => (f as { type?: string }).type === 'hello') as { token?: string } | undefined)?.token);

    it('should treat a provider that throws after 4001 as transient: back off, ask again, reconnect and resume', () => {
      ts.run(() => {
        const provider = scripted(
          () => 't1',
          () => {
            throw new Error('auth server down');
          },
          () => 't3',
        );
        const { fake, socket, seen, ofType } = setup(provider);
        ts.schedule(() => fake.latest().receive({ type: 'event', topic: 'a', seq: 1, id: 'a:1', data: null }), 3);
        ts.schedule(() => fake.latest().serverClose(4001, 'token expired'), 5);
        ts.schedule(() => fake.latest().receive({ type: 'event', topic: 'a', seq: 2, id: 'a:2', data: null }), 100);
        ts.schedule(() => socket.close(), 200);
        ts.flush();

        expect(seen.error).toBeUndefined();
        expect(seen.values).toBe(2);
        const failures = ofType('disconnected').map((d) => [d.kind, (d.error as Error).name]);
        expect(failures.slice(0, 2)).toEqual([
          ['reauth', 'CloseError'],
          ['transient', 'TokenError'],
        ]);
        expect(ofType('disconnected')[1]?.error).toMatchObject({ info: { reason: 'failed', initial: false } });
        expect(ofType('reconnecting').map((r) => [r.attempt, r.delay])).toEqual([
          [1, 10],
          [2, 20],
        ]);
        // The token the server refused is not offered again: the next socket carries a new one.
        expect(helloTokens(fake)).toEqual(['t1', 't3']);
        expect(provider).toHaveBeenCalledTimes(3);
      });
    });

    it('should time a refresh that never answers out after tokenTimeout, as transient, and try again', () => {
      ts.run(() => {
        const provider = scripted(
          () => 't1',
          () => NEVER,
          () => 't3',
        );
        const { fake, socket, seen, ofType } = setup(provider);
        ts.schedule(() => fake.latest().serverClose(4001, 'token expired'), 5);
        ts.schedule(() => socket.close(), 400);
        ts.flush();

        expect(seen.error).toBeUndefined();
        const tokenFailure = ofType('disconnected').find((d) => d.error instanceof TokenError);
        expect(tokenFailure).toMatchObject({ kind: 'transient', error: { info: { reason: 'timeout', initial: false } } });
        expect(helloTokens(fake)).toEqual(['t1', 't3']);
      });
    });
  });

  it('should end with a permanent TokenError when the first token Promise rejects (real time)', async () => {
    const fake = createFakeWebSockets();
    const socket = managedSocket$({ url: 'ws://127.0.0.1:1', WebSocketCtor: fake.WebSocketCtor, token: () => Promise.reject(new Error('no')) });
    let error: unknown;
    socket.subscribe({ error: (err: unknown) => (error = err) });
    await until(() => error !== undefined, 2_000, 'the TokenError');
    expect(error).toMatchObject({ name: 'TokenError', info: { reason: 'failed', initial: true } });
    expect(fake.sockets).toHaveLength(0);
  });
});
