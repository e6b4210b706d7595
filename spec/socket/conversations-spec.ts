/**
 * Issue #13 (conversations with a server), on fake WebSockets in virtual time: close codes that
 * extend the defaults, token reuse and per-connect tokens, metrics by cause and round-trip time,
 * the ready handshake, refused upgrades, server resets, and what close() does with the outbox.
 */
import { TestScheduler } from 'rxjs/testing';
import type { Observable } from 'rxjs';
import { managedSocket$ } from '../../src/socket/managedSocket';
import type { ManagedSocketConfig } from '../../src/socket/config';
import type { ManagedSocketEvent } from '../../src/socket/lifecycle';
import type { TokenValue } from '../../src/socket/auth';
import { classifyFailure } from '../../src/socket/closeCodes';
import { retryAfterMs, upgradeErrorOf } from '../../src/socket/upgrade';
import { createFakeWebSockets } from '../../src/testing/fakeWebSocket';
import type { FakeWebSocket, FakeWebSockets } from '../../src/testing/fakeWebSocket';
import { createSocketHarness, scheduleAt, subscribeUntil as subscribeUntilFrame } from '../../src/testing/harness';
import { CloseError, DeliveryError, ReadyTimeoutError, ServerResetError, UpgradeRefusedError } from '../../src/errors';
import type { WebSocketLike } from '../../src/socket/transport';
import { expectInvalidOption } from '../support/invalidOption';

type Msg =
  | { type: 'event'; topic: string; seq: number }
  | { type: 'welcome'; epoch?: string }
  | { type: 'pong' }
  | { type: 'reply'; id: string; data?: unknown }
  | { type: 'ack'; id: string };
type Cmd = { type: string; [key: string]: unknown };

const ev = (seq: number, topic = 'a'): Msg => ({ type: 'event', topic, seq });

describe('managedSocket$ conversations', () => {
  let ts: TestScheduler;
  beforeEach(() => {
    ts = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  });

  function setup(overrides: Partial<ManagedSocketConfig<Msg, Cmd>> = {}, onConnect?: (socket: FakeWebSocket, index: number) => void) {
    let created = 0;
    const fakeOptions = onConnect === undefined ? {} : { fake: { openAfter: 1, onConnect: (socket: FakeWebSocket) => onConnect(socket, created++) } };
    return createSocketHarness<Msg, Cmd>(ts, {
      url: 'ws://test',
      handshake: ({ resumeFromSeq, token }) => ({ type: 'hello', resumeFromSeq, ...(token === null ? {} : { token }) }),
      seqOf: (m) => (m.type === 'event' ? m.seq : undefined),
      isControl: (m) => m.type !== 'event',
      topics: { subscribe: (topics) => ({ type: 'subscribe', topics }), unsubscribe: (topics) => ({ type: 'unsubscribe', topics }) },
      retry: { initialInterval: 10, jitter: 0 },
      idleTimeout: 0,
      ...overrides,
    }, fakeOptions);
  }
  /** Refuses the upgrade of the sockets whose index is in `statuses`, as soon as they are created. */
  const refusing =
    (statuses: Record<number, [number, string?]>) =>
    (socket: FakeWebSocket, index: number): void => {
      const refusal = statuses[index];
      if (refusal !== undefined) ts.schedule(() => socket.refuseUpgrade(...refusal), 0);
    };
  const at = (frame: number, work: () => void) => scheduleAt(ts, frame, work);
  const subscribeUntil = <T>(source: Observable<T>, frame: number) => subscribeUntilFrame(ts, source, frame);
  const ofType = <K extends ManagedSocketEvent['type']>(events: ManagedSocketEvent[], type: K) =>
    events.filter((e): e is Extract<ManagedSocketEvent, { type: K }> => e.type === type);
  const socketAt = (fake: FakeWebSockets, index: number): FakeWebSocket => {
    const s = fake.sockets[index];
    if (!s) throw new Error(`no socket ${index}`);
    return s;
  };

  describe('options', () => {
    const fake = createFakeWebSockets();
    const base: ManagedSocketConfig<Msg, Cmd> = { url: 'ws://test', WebSocketCtor: fake.WebSocketCtor, seqOf: (m) => (m.type === 'event' ? m.seq : undefined) };
    const invalid: Array<[string, Partial<ManagedSocketConfig<Msg, Cmd>>]> = [
      ['closeCodes', { closeCodes: 5 as never }],
      ['closeCodes.permanent', { closeCodes: { permanent: 'x' as never } }],
      ['closeCodes.permanent', { closeCodes: { permanent: [1.5] } }],
      ['closeCodes.permanent.add', { closeCodes: { permanent: { add: ['4100'] as never } } }],
      ['closeCodes.reauth.remove', { closeCodes: { reauth: { remove: 4001 as never } } }],
      ['ready.isReady', { ready: { isReady: 'welcome' as never } }],
      ['ready.isReady', { ready: null as never }],
      ['ready.timeout', { ready: { isReady: () => true, timeout: -1 } }],
      ['resets', { resets: 'restart' as never }],
      ['resets.policy', { resets: { policy: 'ignore' as never } }],
      ['resets.epochOf', { resets: { epochOf: 'epoch' as never } }],
      ['resets.fallback', { resets: { fallback: true as never } }],
      ['heartbeat.isReply', { heartbeat: { interval: 10, message: () => ({ type: 'ping' }), isReply: 'pong' as never } }],
      ['heartbeat.message', { heartbeat: { interval: 10, message: undefined as never } }],
      ['requests.idOf', { requests: { replyIdOf: () => 1 } as never }],
      ['requests.replyIdOf', { requests: { idOf: () => 1, replyIdOf: 1 as never } }],
      ['requests.timeout', { requests: { idOf: () => 1, replyIdOf: () => 1, timeout: -1 } }],
      ['requests.onReconnect', { requests: { idOf: () => 1, replyIdOf: () => 1, onReconnect: 'retry' as never } }],
      ['acks.idOf', { acks: null as never }],
      ['acks.ackIdOf', { acks: { idOf: () => 1 } as never }],
      ['acks.timeout', { acks: { idOf: () => 1, ackIdOf: () => 1, timeout: NaN } }],
    ];
    it.each(invalid)('should throw InvalidOptionError for a bad %s', (option, overrides) => {
      expectInvalidOption(() => managedSocket$({ ...base, ...overrides }), { operator: 'managedSocket$', option });
    });

    it('should still refuse a zero first backoff and still take a retry.minDelay floor', () => {
      expectInvalidOption(() => managedSocket$({ ...base, retry: { initialInterval: 0 } }), { operator: 'managedSocket$', option: 'retry.initialInterval' });
      ts.run(() => {
        const { fake: f, socket, events } = setup({ retry: { initialInterval: 10, jitter: 0, minDelay: () => 250 } });
        at(3, () => f.latest().drop());
        subscribeUntil(socket, 300);
        ts.flush();
        expect(ofType(events, 'reconnecting').map((e) => e.delay)).toEqual([250]);
      });
    });
  });

  describe('closeCodes', () => {
    const close = (code: number) => new CloseError({ code, reason: '', wasClean: true });

    it('should extend the default permanent list with { add }, keeping 1008', () => {
      const table = { permanent: { add: [4100] } };
      expect(classifyFailure(close(4100), table)).toBe('permanent');
      expect(classifyFailure(close(1008), table)).toBe('permanent');
      expect(classifyFailure(close(1006), table)).toBe('transient');
    });

    it('should take codes out of a default list with { remove }', () => {
      expect(classifyFailure(close(1009), { permanent: { remove: [1009] } })).toBe('transient');
      expect(classifyFailure(close(1008), { permanent: { remove: [1009] } })).toBe('permanent');
      expect(classifyFailure(close(4001), { reauth: { remove: [4001], add: [4010] } })).toBe('transient');
      expect(classifyFailure(close(4010), { reauth: { remove: [4001], add: [4010] } })).toBe('reauth');
    });

    it('should still replace the default list with a plain list (backward compatible)', () => {
      expect(classifyFailure(close(1008), { permanent: [4100] })).toBe('transient');
      expect(classifyFailure(close(4100), { permanent: [4100] })).toBe('permanent');
    });

    it('should stop a socket on an added code', () => {
      ts.run(() => {
        const { fake, socket } = setup({ closeCodes: { permanent: { add: [4100] } } });
        at(3, () => fake.latest().serverClose(4100));
        const seen = subscribeUntil(socket, 100);
        ts.flush();
        expect(fake.sockets).toHaveLength(1);
        expect((seen.error as CloseError).info.code).toBe(4100);
      });
    });
  });

  describe('tokens', () => {
    it('should fetch a token shorter-lived than refreshBefore once per connection, not twice', () => {
      ts.run(() => {
        // Every token lives 1,000 ms (far less than the default 5 minutes of refreshBefore): each
        // is refreshed halfway, and the refresh (no in-band message) reconnects with the new one.
        const token = jest.fn((): TokenValue => ({ token: `t${token.mock.calls.length}`, expiresAt: ts.now() + 1_000 }));
        const { fake, socket, events } = setup({ token });
        subscribeUntil(socket, 2_200);
        ts.flush();
        const connections = ofType(events, 'connected').length;
        expect(connections).toBe(5); // at 1, 502, 1003, 1504, 2005
        expect(token).toHaveBeenCalledTimes(connections);
        // each connection said hello with the token fetched for it
        expect(fake.sockets.map((s) => (s.sentJson()[0] as { token: string }).token)).toEqual(['t1', 't2', 't3', 't4', 't5']);
      });
    });

    it('should fetch a token for every connect with tokenPerConnect', () => {
      ts.run(() => {
        const token = jest.fn((): string => `t${token.mock.calls.length}`);
        const { fake, socket } = setup({ token, tokenPerConnect: true });
        at(3, () => fake.latest().drop());
        at(20, () => fake.latest().drop());
        subscribeUntil(socket, 60);
        ts.flush();
        expect(token).toHaveBeenCalledTimes(3);
        expect(fake.sockets.map((s) => (s.sentJson()[0] as { token: string }).token)).toEqual(['t1', 't2', 't3']);
      });
    });

    it('should reuse the cached token across reconnects without tokenPerConnect', () => {
      ts.run(() => {
        const token = jest.fn(() => 'same');
        const { fake, socket } = setup({ token });
        at(3, () => fake.latest().drop());
        at(20, () => fake.latest().drop());
        subscribeUntil(socket, 60);
        ts.flush();
        expect(fake.sockets).toHaveLength(3);
        expect(token).toHaveBeenCalledTimes(1);
      });
    });
  });

  describe('metrics', () => {
    it('should count repeats by stage and drops by cause', () => {
      ts.run(() => {
        const { fake, socket } = setup({ dedupe: { window: 10 }, idOf: (m) => (m.type === 'event' ? `${m.seq}` : undefined), outbox: { capacity: 0, overflow: 'drop-newest' } });
        socket.send({ type: 'msg' }); // dropped: no room
        at(2, () => [ev(1), ev(2), ev(3), ev(2)].forEach((m) => fake.latest().receive(m))); // 2 again: late, gaps stage
        subscribeUntil(socket, 10);
        ts.flush();
        expect(socket.metrics()).toMatchObject({
          duplicates: 1,
          duplicatesFromGaps: 1,
          duplicatesFromCursor: 0,
          duplicatesFromDedupe: 0,
          drops: 1,
          dropsFromOutbox: 1,
          dropsFromConsumer: 0,
        });
      });
    });

    it('should count a repeat the cursor drops as from the cursor when there is no reorder stage', () => {
      ts.run(() => {
        const { fake, socket, events } = setup({ gaps: false });
        at(2, () => [ev(1), ev(2), ev(1)].forEach((m) => fake.latest().receive(m)));
        subscribeUntil(socket, 10);
        ts.flush();
        expect(ofType(events, 'duplicate')).toEqual([{ type: 'duplicate', seq: 1, key: undefined, stage: 'cursor' }]);
        expect(socket.metrics()).toMatchObject({ duplicates: 1, duplicatesFromCursor: 1 });
      });
    });

    it('should measure the round-trip time of a heartbeat from the ping to the reply isReply accepts', () => {
      ts.run(() => {
        const { fake, socket } = setup({ heartbeat: { interval: 100, message: () => ({ type: 'ping' }), isReply: (m) => m.type === 'pong' } });
        at(1 + 100 + 7, () => fake.latest().receive({ type: 'pong' })); // ping at 101, pong at 108
        at(1 + 200 + 3, () => fake.latest().receive({ type: 'welcome' })); // not a reply: ignored
        at(1 + 200 + 12, () => fake.latest().receive({ type: 'pong' })); // ping at 201, pong at 213
        const seen: Array<number | null> = [];
        at(150, () => seen.push(socket.metrics().rttMs));
        at(250, () => seen.push(socket.metrics().rttMs));
        subscribeUntil(socket, 260);
        expect(socket.metrics().rttMs).toBeNull();
        ts.flush();
        expect(seen).toEqual([7, 12]);
      });
    });

    it('should measure the round-trip time of a protocol ping to its pong', () => {
      ts.run(() => {
        const { fake, socket } = setup({ pingInterval: 100 });
        at(1 + 100 + 4, () => fake.latest().pong());
        subscribeUntil(socket, 150);
        ts.flush();
        expect(socket.metrics().rttMs).toBe(4);
      });
    });
  });

  describe('ready handshake', () => {
    const ready = { isReady: (m: Msg) => m.type === 'welcome', timeout: 50 };

    it('should flush nothing and count nothing as connected until the server answers the hello', () => {
      ts.run(() => {
        const { fake, socket, timeline } = setup({ ready });
        socket.subscribeTopics('a');
        socket.send({ type: 'msg', n: 1 });
        const states: string[] = [];
        socket.state$.subscribe((s) => states.push(`${ts.now()}:${s}`));
        at(5, () => socket.send({ type: 'msg', n: 2 })); // open, not ready: queued
        at(6, () => expect(socketAt(fake, 0).sentJson()).toEqual([{ type: 'hello', resumeFromSeq: null }]));
        at(10, () => fake.latest().receive({ type: 'welcome' }));
        subscribeUntil(socket, 20);
        ts.flush();
        expect(socketAt(fake, 0).sentJson()).toEqual([
          { type: 'hello', resumeFromSeq: null },
          { type: 'subscribe', topics: ['a'] },
          { type: 'msg', n: 1 },
          { type: 'msg', n: 2 },
        ]);
        expect(timeline.filter((t) => t.endsWith(':connected'))).toEqual(['10:connected']);
        expect(states.slice(0, 3)).toEqual(['0:idle', '0:connecting', '10:open']);
      });
    });

    it('should end the attempt with a ReadyTimeoutError (transient) when no answer comes in time', () => {
      ts.run(() => {
        const { fake, socket, events } = setup({ ready });
        at(1 + 50 + 10 + 5, () => fake.latest().receive({ type: 'welcome' })); // the second socket is answered
        const seen = subscribeUntil(socket, 100);
        ts.flush();
        expect(seen.error).toBeUndefined();
        const disconnected = ofType(events, 'disconnected');
        expect(disconnected).toHaveLength(1);
        expect(disconnected[0]?.error).toBeInstanceOf(ReadyTimeoutError);
        expect(disconnected[0]).toMatchObject({ kind: 'transient', error: { name: 'ReadyTimeoutError', info: { timeoutMs: 50 } } });
        expect(ofType(events, 'connected')).toHaveLength(1);
      });
    });

    it('should keep a connection that was answered in time open past ready.timeout', () => {
      ts.run(() => {
        const { fake, socket, events } = setup({ ready });
        at(10, () => fake.latest().receive({ type: 'welcome' }));
        subscribeUntil(socket, 500);
        ts.flush();
        expect(ofType(events, 'disconnected')).toEqual([]);
        expect(ofType(events, 'connected')).toHaveLength(1);
        expect(fake.sockets).toHaveLength(1);
      });
    });

    it('should not reset the backoff for a socket that opens but never answers', () => {
      ts.run(() => {
        const { socket, events } = setup({ ready, retry: { initialInterval: 10, jitter: 0, resetAfter: 1 } });
        subscribeUntil(socket, 300);
        ts.flush();
        // each attempt opens (1 ms) and times out (50 ms); the waits keep doubling
        expect(ofType(events, 'reconnecting').map((e) => e.delay)).toEqual([10, 20, 40, 80]);
        expect(ofType(events, 'connected')).toEqual([]);
      });
    });
  });

  describe('refused upgrades', () => {
    it('should stop with an UpgradeRefusedError after one attempt on 401 without a token provider', () => {
      ts.run(() => {
        const { fake, socket } = setup({}, refusing({ 0: [401] }));
        const seen = subscribeUntil(socket, 100);
        ts.flush();
        expect(fake.sockets).toHaveLength(1);
        expect(seen.error).toBeInstanceOf(UpgradeRefusedError);
        expect(seen.error).toMatchObject({ name: 'UpgradeRefusedError', info: { status: 401 } });
      });
    });

    it('should fetch a new token once on 403 with a token provider, then stop when refused again', () => {
      ts.run(() => {
        const token = jest.fn((): string => `t${token.mock.calls.length}`);
        const { fake, socket, events } = setup({ token }, refusing({ 0: [403], 1: [403] }));
        const seen = subscribeUntil(socket, 200);
        ts.flush();
        expect(fake.sockets).toHaveLength(2);
        expect(token).toHaveBeenCalledTimes(2);
        expect(ofType(events, 'disconnected').map((e) => e.kind)).toEqual(['reauth', 'permanent']);
        expect((seen.error as UpgradeRefusedError).info.status).toBe(403);
      });
    });

    it('should fetch a new token on 401 and go on when the new one is accepted', () => {
      ts.run(() => {
        const token = jest.fn((): string => `t${token.mock.calls.length}`);
        // socket 0 refused; socket 1 opens with t2 and is cut; socket 2 refused again: after a good
        // connection that is a first refusal, worth a new token; socket 3 opens
        const { fake, socket, events } = setup({ token }, refusing({ 0: [401], 2: [401] }));
        const seen = subscribeUntil(socket, 200);
        at(20, () => fake.latest().drop());
        ts.flush();
        expect(seen.error).toBeUndefined();
        expect(fake.sockets).toHaveLength(4);
        expect(token).toHaveBeenCalledTimes(3);
        expect(ofType(events, 'disconnected').map((e) => e.kind)).toEqual(['reauth', 'transient', 'reauth']);
      });
    });

    it('should wait at least what Retry-After says on 429 and 503', () => {
      ts.run(() => {
        const { socket, events } = setup({}, refusing({ 0: [429, '3'], 1: [503] }));
        subscribeUntil(socket, 10_000);
        ts.flush();
        expect(ofType(events, 'disconnected').map((e) => e.kind)).toEqual(['transient', 'transient']);
        expect(ofType(events, 'reconnecting').map((e) => e.delay)).toEqual([3_000, 20]);
      });
    });

    it('should classify the statuses of a refused upgrade', () => {
      const refused = (status: number) => new UpgradeRefusedError({ status });
      expect([401, 403].map((s) => classifyFailure(refused(s)))).toEqual(['reauth', 'reauth']);
      expect([408, 425, 429, 500, 502, 503].map((s) => classifyFailure(refused(s)))).toEqual(Array(6).fill('transient'));
      expect([400, 404, 426].map((s) => classifyFailure(refused(s)))).toEqual(['permanent', 'permanent', 'permanent']);
    });

    it('should read Retry-After as seconds or as an HTTP date', () => {
      const now = Date.parse('2026-01-01T00:00:00Z');
      expect(retryAfterMs('120', now)).toBe(120_000);
      expect(retryAfterMs(' 1.5 ', now)).toBe(1_500);
      expect(retryAfterMs('1.25', now)).toBe(1_250);
      // Digits with something else around them are not delay-seconds (and no date either).
      expect(retryAfterMs('12abc', now)).toBeUndefined();
      expect(retryAfterMs('x5', now)).toBeUndefined();
      expect(retryAfterMs('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000);
      expect(retryAfterMs('Wed, 31 Dec 2025 23:59:00 GMT', now)).toBe(0);
      expect(retryAfterMs('soon', now)).toBeUndefined();
      expect(retryAfterMs(undefined, now)).toBeUndefined();
    });

    it('should turn the close of a refused socket into an UpgradeRefusedError, with retryAfterMs only when the header was readable', () => {
      const now = Date.parse('2026-01-01T00:00:00Z');
      const close = new CloseError({ code: 1006, reason: '', wasClean: false });
      const socketWith = (retryAfter: string | undefined) => ({ upgradeRefusal: { status: 503, retryAfter } }) as unknown as WebSocketLike;
      const waited = upgradeErrorOf(close, socketWith('2'), now) as UpgradeRefusedError;
      expect(waited).toBeInstanceOf(UpgradeRefusedError);
      expect(waited.info).toEqual({ status: 503, retryAfterMs: 2000 });
      const unread = upgradeErrorOf(close, socketWith('soon'), now) as UpgradeRefusedError;
      expect(unread.info).toStrictEqual({ status: 503 });
      expect('retryAfterMs' in unread.info).toBe(false);
      expect(upgradeErrorOf(close, null, now)).toBe(close);
    });

    it('should keep a 1006 close of a socket that was never refused a CloseError', () => {
      ts.run(() => {
        const { socket, events } = setup({}, (s, index) => index === 0 && ts.schedule(() => s.refuse(), 0));
        subscribeUntil(socket, 30);
        ts.flush();
        expect(ofType(events, 'disconnected')[0]?.error).toBeInstanceOf(CloseError);
      });
    });
  });

  describe('server resets', () => {
    const epochs = { epochOf: (m: Msg) => (m.type === 'welcome' ? m.epoch : undefined) };

    it('should see a new epoch, report it, rewind the cursor and deliver from the new beginning', () => {
      ts.run(() => {
        const { fake, socket, events } = setup({ resets: epochs, resume: { start: 0 } });
        at(2, () => [{ type: 'welcome', epoch: 'e1' } as Msg, ev(1), ev(2), ev(3)].forEach((m) => fake.latest().receive(m)));
        at(5, () => fake.latest().drop()); // the server restarts with an empty log
        at(17, () => [{ type: 'welcome', epoch: 'e2' } as Msg, ev(1)].forEach((m) => fake.latest().receive(m)));
        at(40, () => [{ type: 'welcome', epoch: 'e2' } as Msg, ev(1), ev(2)].forEach((m) => fake.latest().receive(m)));
        const seen = subscribeUntil(socket, 60);
        ts.flush();
        expect(ofType(events, 'reset')).toEqual([
          { type: 'reset', info: { reason: 'epoch', policy: 'restart', previousEpoch: 'e1', epoch: 'e2', cursor: 3 } },
        ]);
        expect(socketAt(fake, 1).sentJson()[0]).toEqual({ type: 'hello', resumeFromSeq: 3 });
        expect(socketAt(fake, 2).sentJson()[0]).toEqual({ type: 'hello', resumeFromSeq: 0 });
        expect(seen.values).toEqual([ev(1), ev(2), ev(3), ev(1), ev(2)]);
        expect(socket.metrics().resets).toBe(1);
        expect(ofType(events, 'disconnected').map((e) => e.error)).toEqual([expect.any(CloseError), expect.any(ServerResetError)]);
      });
    });

    it('should reconnect at once after a reset, with the backoff count left as it was', () => {
      ts.run(() => {
        const { fake, socket, events, timeline } = setup({ resets: epochs, resume: { start: 0 } });
        at(2, () => [{ type: 'welcome', epoch: 'e1' } as Msg, ev(1), ev(2)].forEach((m) => fake.latest().receive(m)));
        at(5, () => fake.latest().drop()); //  attempt 1 waits 10: connecting at 15, open at 16
        at(17, () => fake.latest().receive({ type: 'welcome', epoch: 'e2' })); // the reset: connecting at 17, open at 18
        at(19, () => [{ type: 'welcome', epoch: 'e2' } as Msg, ev(1)].forEach((m) => fake.latest().receive(m)));
        at(30, () => fake.latest().drop()); // attempt 2 of the same backoff: it waits 20
        const seen = subscribeUntil(socket, 60);
        ts.flush();
        expect(timeline.filter((t) => /:(connecting|connected|disconnected|reconnecting|reset)$/.test(t))).toEqual([
          '0:connecting', '1:connected',
          '5:disconnected', '5:reconnecting', '15:connecting', '16:connected',
          '17:reset', '17:disconnected', '17:connecting', '18:connected',
          '30:disconnected', '30:reconnecting', '50:connecting', '51:connected',
        ]);
        expect(ofType(events, 'disconnected').map((e) => [e.kind, e.error?.constructor])).toEqual([
          ['transient', CloseError],
          ['reconnect', ServerResetError],
          ['transient', CloseError],
        ]);
        expect(ofType(events, 'reconnecting').map((e) => [e.attempt, e.delay])).toEqual([
          [1, 10],
          [2, 20],
        ]);
        expect(socketAt(fake, 2).sentJson()[0]).toEqual({ type: 'hello', resumeFromSeq: 0 });
        expect(seen.values).toEqual([ev(1), ev(2), ev(1)]);
      });
    });

    it('should wait the backoff after a second reset in a row (a server with a new epoch on every connection)', () => {
      ts.run(() => {
        let n = 0;
        const { fake, socket, events, timeline } = setup({ resets: epochs, resume: { start: 0 } }, (s) =>
          ts.schedule(() => s.receive({ type: 'welcome', epoch: `e${++n}` }), 2),
        );
        at(5, () => fake.latest().drop()); // attempt 1 waits 10
        const seen = subscribeUntil(socket, 60);
        ts.flush();
        // Each welcome comes 2 frames after its socket: e1 at 2; e2 at 17 is a reset (the next socket
        // at once); e3 at 19 is a reset in a row: attempt 2 waits 20; e4 at 41 (at once); e5 at 43...
        expect(timeline.filter((t) => /:(connecting|reset|reconnecting)$/.test(t))).toEqual([
          '0:connecting', '5:reconnecting',
          '15:connecting', '17:reset', '17:connecting', '19:reset', '19:reconnecting',
          '39:connecting', '41:reset', '41:connecting', '43:reset', '43:reconnecting',
        ]);
        expect(ofType(events, 'reconnecting').map((e) => [e.attempt, e.delay])).toEqual([
          [1, 10],
          [2, 20],
          [3, 40],
        ]);
        expect(seen.values).toEqual([]);
      });
    });

    it('should deliver the new numbering through a dedupe window that saw the same ids before', () => {
      ts.run(() => {
        const { fake, socket, events } = setup({ resets: epochs, resume: { start: 0 }, dedupe: {} });
        at(2, () => [{ type: 'welcome', epoch: 'e1' } as Msg, ev(1), ev(2)].forEach((m) => fake.latest().receive(m)));
        at(5, () => fake.latest().drop());
        at(17, () => fake.latest().receive({ type: 'welcome', epoch: 'e2' }));
        at(40, () => [{ type: 'welcome', epoch: 'e2' } as Msg, ev(1), ev(2), ev(2)].forEach((m) => fake.latest().receive(m)));
        const seen = subscribeUntil(socket, 60);
        ts.flush();
        expect(seen.values).toEqual([ev(1), ev(2), ev(1), ev(2)]);
        expect(ofType(events, 'duplicate')).toHaveLength(1); // the second 2 of the new numbering
      });
    });

    it('should read the epoch from the ready reply only, when the connection waits for one', () => {
      ts.run(() => {
        const epochOf = jest.fn(epochs.epochOf);
        const { fake, socket, events } = setup({ resets: { epochOf }, ready: { isReady: (m) => m.type === 'welcome' }, resume: { start: 0 } });
        at(2, () => [{ type: 'welcome', epoch: 'e1' } as Msg, ev(1), ev(2), ev(3)].forEach((m) => fake.latest().receive(m)));
        at(5, () => fake.latest().drop());
        at(17, () => [{ type: 'welcome', epoch: 'e2' } as Msg, ev(1)].forEach((m) => fake.latest().receive(m)));
        subscribeUntil(socket, 30);
        ts.flush();
        expect(epochOf).toHaveBeenCalledTimes(2); // one welcome per connection; never an event
        expect(ofType(events, 'reset')).toHaveLength(1);
        expect(ofType(events, 'connected')).toHaveLength(1); // the second welcome was a reset, not a ready connection
      });
    });

    it("should end the stream with a ServerResetError with policy 'fail'", () => {
      ts.run(() => {
        const { fake, socket, events } = setup({ resets: { ...epochs, policy: 'fail' }, resume: { start: 0 } });
        at(2, () => [{ type: 'welcome', epoch: 'e1' } as Msg, ev(1)].forEach((m) => fake.latest().receive(m)));
        at(5, () => fake.latest().drop());
        at(17, () => [{ type: 'welcome', epoch: 'e2' } as Msg, ev(1)].forEach((m) => fake.latest().receive(m)));
        const seen = subscribeUntil(socket, 60);
        ts.flush();
        expect(seen.values).toEqual([ev(1)]);
        expect(seen.error).toBeInstanceOf(ServerResetError);
        expect(seen.error).toMatchObject({ info: { reason: 'epoch', policy: 'fail', cursor: 1 } });
        expect(ofType(events, 'reset')).toHaveLength(1);
        expect(fake.sockets).toHaveLength(2);
      });
    });

    it('should see a reset without epochs when, after a reconnect, seqs come far below the cursor', () => {
      ts.run(() => {
        const { fake, socket, events } = setup({ resume: { start: 0 } });
        at(2, () => Array.from({ length: 10 }, (_, i) => ev(i + 1)).forEach((m) => fake.latest().receive(m)));
        at(5, () => fake.latest().drop());
        at(17, () => [ev(1), ev(2)].forEach((m) => fake.latest().receive(m)));
        at(40, () => [ev(1), ev(2)].forEach((m) => fake.latest().receive(m)));
        const seen = subscribeUntil(socket, 60);
        ts.flush();
        expect(ofType(events, 'reset')).toEqual([{ type: 'reset', info: { reason: 'seq', policy: 'restart', seq: 1, cursor: 10 } }]);
        expect(socketAt(fake, 2).sentJson()[0]).toEqual({ type: 'hello', resumeFromSeq: 0 });
        expect(seen.values.map((m) => (m as { seq: number }).seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 1, 2]);
      });
    });

    it('should take a late or resent event near the cursor for a repeat, not a reset', () => {
      ts.run(() => {
        const { fake, socket, events } = setup({ resume: { start: 0 } });
        at(2, () => Array.from({ length: 10 }, (_, i) => ev(i + 1)).forEach((m) => fake.latest().receive(m)));
        at(5, () => fake.latest().drop());
        at(17, () => [ev(8), ev(9), ev(10), ev(11)].forEach((m) => fake.latest().receive(m)));
        const seen = subscribeUntil(socket, 60);
        ts.flush();
        expect(ofType(events, 'reset')).toEqual([]);
        expect(ofType(events, 'duplicate')).toHaveLength(3);
        expect(seen.values).toHaveLength(11);
      });
    });

    it('should take one stale event right after a reconnect for a repeat, not a reset', () => {
      ts.run(() => {
        const { fake, socket, events } = setup({ resume: { start: 0 } });
        at(2, () => Array.from({ length: 10 }, (_, i) => ev(i + 1)).forEach((m) => fake.latest().receive(m)));
        at(5, () => fake.latest().drop());
        at(17, () => [ev(2), ev(11), ev(12)].forEach((m) => fake.latest().receive(m)));
        const seen = subscribeUntil(socket, 60);
        ts.flush();
        expect(ofType(events, 'reset')).toEqual([]);
        expect(seen.values).toHaveLength(12);
        expect(fake.sockets).toHaveLength(2);
      });
    });

    it('should take an old event in the middle of a connection for a repeat, not a reset', () => {
      ts.run(() => {
        const { fake, socket, events } = setup({ resume: { start: 0 } });
        at(2, () => [...Array.from({ length: 10 }, (_, i) => ev(i + 1)), ev(1), ev(11)].forEach((m) => fake.latest().receive(m)));
        const seen = subscribeUntil(socket, 60);
        ts.flush();
        expect(ofType(events, 'reset')).toEqual([]);
        expect(ofType(events, 'duplicate')).toHaveLength(1);
        expect(seen.values).toHaveLength(11);
        expect(fake.sockets).toHaveLength(1);
      });
    });

    it('should see a reset on the first connection of a cursor restored from storage', () => {
      ts.run(() => {
        const stored = { version: 1 as const, mode: 'contiguous' as const, cursor: 500, ahead: [] };
        const { fake, socket, events } = setup({ resume: { storage: { load: () => stored, save: () => undefined } } });
        at(2, () => [ev(1), ev(2)].forEach((m) => fake.latest().receive(m)));
        subscribeUntil(socket, 30);
        ts.flush();
        expect(ofType(events, 'reset')).toEqual([{ type: 'reset', info: { reason: 'seq', policy: 'restart', seq: 1, cursor: 500 } }]);
        expect(socketAt(fake, 1).sentJson()[0]).toEqual({ type: 'hello', resumeFromSeq: 0 });
      });
    });

    it('should keep the old behaviour (repeats) with resets: false', () => {
      ts.run(() => {
        const { fake, socket, events } = setup({ resume: { start: 0 }, resets: false });
        at(2, () => Array.from({ length: 10 }, (_, i) => ev(i + 1)).forEach((m) => fake.latest().receive(m)));
        at(5, () => fake.latest().drop());
        at(17, () => [ev(1), ev(2)].forEach((m) => fake.latest().receive(m)));
        subscribeUntil(socket, 60);
        ts.flush();
        expect(ofType(events, 'reset')).toEqual([]);
        expect(fake.sockets).toHaveLength(2);
      });
    });

    it('should rewind every key of a per-key cursor', () => {
      ts.run(() => {
        const { fake, socket, events } = setup({
          keyOf: (m) => (m as { topic: string }).topic,
          resume: { start: 0 },
          resets: epochs,
          handshake: ({ cursor }) => ({ type: 'hello', resume: cursor?.snapshot() }),
        });
        at(2, () => [{ type: 'welcome', epoch: 'e1' } as Msg, ev(1, 'a'), ev(2, 'a'), ev(1, 'b')].forEach((m) => fake.latest().receive(m)));
        at(5, () => fake.latest().drop());
        at(17, () => fake.latest().receive({ type: 'welcome', epoch: 'e2' }));
        subscribeUntil(socket, 60);
        ts.flush();
        expect(ofType(events, 'reset')).toHaveLength(1);
        expect(socketAt(fake, 2).sentJson()[0]).toEqual({
          type: 'hello',
          resume: { version: 1, mode: 'perKey', keys: [{ key: 'a', cursor: 0, ahead: [] }, { key: 'b', cursor: 0, ahead: [] }] },
        });
      });
    });
  });

  describe('close() and the outbox', () => {
    it('should drop and report, with the message, what is still queued when close() is called during a reconnect', () => {
      ts.run(() => {
        const { fake, socket, events } = setup();
        at(3, () => fake.latest().drop());
        at(5, () => socket.send({ type: 'msg', n: 1 }));
        at(6, () => socket.close());
        subscribeUntil(socket, 60);
        ts.flush();
        expect(ofType(events, 'dropped')).toEqual([{ type: 'dropped', reason: 'closed', message: { type: 'msg', n: 1 } }]);
        expect(socket.metrics()).toMatchObject({ drops: 1, dropsFromOutbox: 1 });
        expect(fake.sockets).toHaveLength(1);
      });
    });
  });

  describe('request()', () => {
    const requests = {
      idOf: (m: Cmd) => (m.type === 'req' ? (m['id'] as string) : undefined),
      replyIdOf: (m: Msg) => (m.type === 'reply' ? m.id : undefined),
      timeout: 100,
    };
    const req = (id: string): Cmd => ({ type: 'req', id });

    it('should send the request and emit its reply, which does not reach the stream', () => {
      ts.run(({ expectObservable }) => {
        const { fake, socket } = setup({ requests, isControl: () => false });
        const seen = subscribeUntil(socket, 30);
        at(5, () => expectObservable(socket.request(req('r1'))).toBe('8ms (a|)', { a: { type: 'reply', id: 'r1', data: 42 } }));
        at(8, () => fake.latest().receive({ type: 'reply', id: 'r1', data: 42 }));
        at(9, () => fake.latest().receive({ type: 'reply', id: 'r9' })); // answers nothing: a plain message
        ts.flush();
        expect(socketAt(fake, 0).sentJson()).toEqual([{ type: 'hello', resumeFromSeq: null }, req('r1')]);
        expect(seen.values).toEqual([{ type: 'reply', id: 'r9' }]);
      });
    });

    it('should send a request made before the connection is ready once it is, after the replay', () => {
      ts.run(() => {
        const { fake, socket } = setup({ requests, ready: { isReady: (m) => m.type === 'welcome' } });
        socket.subscribeTopics('a');
        const replies: unknown[] = [];
        socket.request(req('r1')).subscribe((r) => replies.push(r));
        socket.subscribe();
        at(4, () => fake.latest().receive({ type: 'welcome' }));
        at(6, () => fake.latest().receive({ type: 'reply', id: 'r1' }));
        at(20, () => socket.close());
        ts.flush();
        expect(socketAt(fake, 0).sentJson()).toEqual([{ type: 'hello', resumeFromSeq: null }, { type: 'subscribe', topics: ['a'] }, req('r1')]);
        expect(replies).toEqual([{ type: 'reply', id: 'r1' }]);
      });
    });

    it('should fail with a DeliveryError on timeout, and report the request as dropped', () => {
      ts.run(({ expectObservable }) => {
        const { socket, events } = setup({ requests });
        subscribeUntil(socket, 200);
        const error = new DeliveryError({ kind: 'request', reason: 'timeout', id: 'r1', message: req('r1'), timeoutMs: 30 });
        at(5, () => expectObservable(socket.request(req('r1'), { timeout: 30 })).toBe('35ms #', undefined, error));
        ts.flush();
        expect(ofType(events, 'dropped')).toEqual([{ type: 'dropped', reason: 'undelivered', message: req('r1'), error: error.info }]);
        expect(socket.metrics()).toMatchObject({ drops: 1, dropsFromOutbox: 1 });
      });
    });

    it("should fail a request whose connection is lost before the reply, with onReconnect 'fail' (the default)", () => {
      ts.run(() => {
        const { fake, socket } = setup({ requests });
        subscribeUntil(socket, 60);
        let error: unknown;
        at(5, () => socket.request(req('r1')).subscribe({ error: (e: unknown) => (error = e) }));
        at(7, () => fake.latest().drop());
        ts.flush();
        expect(error).toBeInstanceOf(DeliveryError);
        expect(error).toMatchObject({ info: { kind: 'request', reason: 'disconnected', id: 'r1' } });
        expect(socketAt(fake, 1).sentJson()).toEqual([{ type: 'hello', resumeFromSeq: null }]);
      });
    });

    it('should send an idempotent request again on the next connection and take the reply there', () => {
      ts.run(() => {
        const { fake, socket } = setup({ requests });
        subscribeUntil(socket, 60);
        const replies: unknown[] = [];
        at(5, () => socket.request(req('r1'), { idempotent: true }).subscribe((r) => replies.push(r)));
        at(6, () => socket.request(req('r2'), { idempotent: true }).subscribe((r) => replies.push(r)));
        at(7, () => fake.latest().drop()); // reconnect at 17, open at 18
        at(20, () => fake.latest().receive({ type: 'reply', id: 'r2' }));
        at(21, () => fake.latest().receive({ type: 'reply', id: 'r1' }));
        ts.flush();
        expect(socketAt(fake, 1).sentJson()).toEqual([{ type: 'hello', resumeFromSeq: null }, req('r1'), req('r2')]);
        expect(replies).toEqual([{ type: 'reply', id: 'r2' }, { type: 'reply', id: 'r1' }]);
      });
    });

    it("should resend every request with onReconnect 'resend'", () => {
      ts.run(() => {
        const { fake, socket } = setup({ requests: { ...requests, onReconnect: 'resend' } });
        subscribeUntil(socket, 60);
        at(5, () => socket.request(req('r1')).subscribe({ error: () => undefined }));
        at(7, () => fake.latest().drop());
        ts.flush();
        expect(socketAt(fake, 1).sentJson()).toEqual([{ type: 'hello', resumeFromSeq: null }, req('r1')]);
      });
    });

    it('should refuse a request without an id or with the id of a pending one, and forget one unsubscribed', () => {
      ts.run(() => {
        const { fake, socket } = setup({ requests, isControl: () => false });
        const seen = subscribeUntil(socket, 60);
        const errors: unknown[] = [];
        at(5, () => {
          socket.request({ type: 'other' }).subscribe({ error: (e: unknown) => errors.push(e) });
          socket.request(req('r1')).subscribe({ error: (e: unknown) => errors.push(e) });
          socket.request(req('r1')).subscribe({ error: (e: unknown) => errors.push(e) });
          socket.request(req('r2')).subscribe().unsubscribe();
        });
        at(8, () => fake.latest().receive({ type: 'reply', id: 'r2' })); // forgotten: a plain message
        ts.flush();
        expect(errors.map((e) => (e as DeliveryError).info.reason)).toEqual(['no-id', 'duplicate-id', 'closed']); // r1 fails when the socket closes at 60
        expect(seen.values).toEqual([{ type: 'reply', id: 'r2' }]);
      });
    });

    it('should fail what is pending when the socket closes', () => {
      ts.run(() => {
        const { socket } = setup({ requests: { ...requests, timeout: Infinity } });
        socket.subscribe();
        let error: unknown;
        at(5, () => socket.request(req('r1')).subscribe({ error: (e: unknown) => (error = e) }));
        at(6, () => socket.close());
        ts.flush();
        expect(error).toMatchObject({ name: 'DeliveryError', info: { reason: 'closed', id: 'r1' } });
      });
    });

    it('should throw InvalidOptionError when called without a requests config', () => {
      const { socket } = createSocketHarness<Msg, Cmd>(ts, { url: 'ws://test' });
      expectInvalidOption(() => socket.request(req('r1')), { operator: 'managedSocket$', option: 'requests' });
      expectInvalidOption(() => socket.sendAcked(req('r1')), { operator: 'managedSocket$', option: 'acks' });
    });
  });

  describe('sendAcked()', () => {
    const acks = {
      idOf: (m: Cmd) => (m.type === 'pub' ? (m['id'] as string) : undefined),
      ackIdOf: (m: Msg) => (m.type === 'ack' ? m.id : undefined),
    };
    const pub = (id: string): Cmd => ({ type: 'pub', id });
    const sentPubs = (socket: FakeWebSocket) => socket.sentJson().filter((m) => (m as Cmd).type === 'pub');

    it('should complete on the ack, and send what was not acked again, in order, after a cut', () => {
      ts.run(() => {
        const { fake, socket } = setup({ acks });
        subscribeUntil(socket, 100);
        const done: string[] = [];
        const send = (id: string) => socket.sendAcked(pub(id)).subscribe({ complete: () => done.push(id) });
        at(5, () => ['m1', 'm2', 'm3'].forEach(send));
        at(6, () => fake.latest().receive({ type: 'ack', id: 'm1' }));
        at(7, () => fake.latest().drop()); // m2, m3 sent, not acked; reconnect at 17, open at 18
        at(10, () => send('m4')); // while disconnected
        at(20, () => ['m2', 'm3', 'm4'].forEach((id) => fake.latest().receive({ type: 'ack', id })));
        ts.flush();
        expect(sentPubs(socketAt(fake, 0))).toEqual([pub('m1'), pub('m2'), pub('m3')]);
        expect(sentPubs(socketAt(fake, 1))).toEqual([pub('m2'), pub('m3'), pub('m4')]);
        expect(done).toEqual(['m1', 'm2', 'm3', 'm4']);
      });
    });

    it('should hand back a message given up on after acks.timeout, as a dropped event and a DeliveryError', () => {
      ts.run(() => {
        const { socket, events } = setup({ acks: { ...acks, timeout: 50 } });
        subscribeUntil(socket, 100);
        let error: unknown;
        at(5, () => socket.sendAcked(pub('m1')).subscribe({ error: (e: unknown) => (error = e) }));
        ts.flush();
        expect(error).toMatchObject({ name: 'DeliveryError', info: { kind: 'ack', reason: 'timeout', id: 'm1', message: pub('m1'), timeoutMs: 50 } });
        expect(ofType(events, 'dropped')).toEqual([{ type: 'dropped', reason: 'undelivered', message: pub('m1'), error: expect.objectContaining({ reason: 'timeout' }) }]);
      });
    });

    it('should keep an ack from reaching the stream, and look for acks only while something waits', () => {
      ts.run(() => {
        const ackIdOf = jest.fn(acks.ackIdOf);
        const { fake, socket } = setup({ acks: { ...acks, ackIdOf }, isControl: () => false });
        const seen = subscribeUntil(socket, 100);
        at(3, () => fake.latest().receive(ev(1))); // nothing waits: ackIdOf not asked
        at(5, () => socket.sendAcked(pub('m1')).subscribe());
        at(6, () => fake.latest().receive({ type: 'ack', id: 'm1' }));
        at(7, () => fake.latest().receive({ type: 'ack', id: 'm1' })); // a repeat: nothing waits
        ts.flush();
        expect(ackIdOf).toHaveBeenCalledTimes(1);
        expect(seen.values).toEqual([ev(1), { type: 'ack', id: 'm1' }]);
      });
    });
  });
});
