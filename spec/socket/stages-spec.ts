import { TestScheduler } from 'rxjs/testing';
import { EMPTY, Subject } from 'rxjs';
import { managedSocket$ } from '../../src/socket/managedSocket';
import type { ManagedSocketConfig } from '../../src/socket/config';
import type { ManagedSocketEvent } from '../../src/socket/lifecycle';
import { resolveOptions } from '../../src/socket/options';
import { createResyncBudget } from '../../src/socket/resync';
import { createFakeWebSockets } from '../../src/testing/fakeWebSocket';
import type { FakeWebSocketOptions } from '../../src/testing/fakeWebSocket';
import { createSocketHarness, scheduleAt } from '../../src/testing/harness';
import { CloseError, InvalidOptionError, SequenceGapError, UrlError } from '../../src/errors';

type Msg = { type: 'event'; topic: string; seq: number; id?: string } | { type: 'pong' };
type Cmd = { type: string; [key: string]: unknown };
const ev = (seq: number, topic = 'a'): Msg => ({ type: 'event', topic, seq, id: `${topic}:${seq}` });

describe('managedSocket$ stages', () => {
  let ts: TestScheduler;
  beforeEach(() => {
    ts = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  });

  const at = (frame: number, work: () => void) => scheduleAt(ts, frame, work);

  /** A socket on the harness with deterministic retry (no jitter) and no idle timeout. */
  function setup(overrides: Partial<ManagedSocketConfig<Msg, Cmd>> = {}, fakeOptions: FakeWebSocketOptions = {}) {
    return createSocketHarness<Msg, Cmd>(
      ts,
      {
        url: 'ws://test',
        handshake: ({ resumeFromSeq }) => ({ type: 'hello', resumeFromSeq }),
        seqOf: (m) => (m.type === 'event' ? m.seq : undefined),
        retry: { initialInterval: 10, jitter: 0 },
        idleTimeout: 0,
        ...overrides,
      },
      { fake: fakeOptions },
    );
  }
  const ofType = <K extends ManagedSocketEvent['type']>(events: ManagedSocketEvent[], type: K) =>
    events.filter((e): e is Extract<ManagedSocketEvent, { type: K }> => e.type === type);

  describe('defaults', () => {
    const fake = createFakeWebSockets();
    const base = { url: 'ws://test', WebSocketCtor: fake.WebSocketCtor };

    it('should pin every default of the socket', () => {
      const options = resolveOptions<Msg, Cmd>({ ...base, seqOf: (m) => (m.type === 'event' ? m.seq : undefined) });
      expect(options.retry).toEqual({ initialInterval: 1000, maxInterval: 30_000, jitter: 0.5, resetAfter: 10_000 });
      expect(options.gaps).toEqual({ window: 1000, maxWait: 5000, maxResyncs: 3 });
      expect(options).toMatchObject({
        maxMessageSize: 1_048_576,
        connectTimeout: 10_000,
        idleMs: 30_000,
        closeTimeout: 5_000,
        pingInterval: 0,
        refreshBefore: 300_000,
        tokenTimeout: 10_000,
        secureOnly: false,
        outbox: { mode: 'stateful', capacity: 1000, maxAge: Infinity, overflow: 'error' },
        // a sequenced stream with the cursor on: the watermark is the duplicate filter
        dedupeWindow: undefined,
      });
    });

    it('should leave the id window to the cursor when resume is on, unless asked for, and turn it on with a window of 10,000 when resume is off', () => {
      const seqOf = (m: Msg) => (m.type === 'event' ? m.seq : undefined);
      expect(resolveOptions<Msg, Cmd>({ ...base, seqOf, idOf: (m) => (m.type === 'event' ? m.id : undefined) }).dedupeWindow).toBeUndefined();
      expect(resolveOptions<Msg, Cmd>({ ...base, seqOf, idOf: (m) => (m.type === 'event' ? m.id : undefined), dedupe: {} }).dedupeWindow).toBe(10_000);
      expect(resolveOptions<Msg, Cmd>({ ...base, seqOf, resume: false }).dedupeWindow).toBe(10_000);
      expect(resolveOptions<Msg, Cmd>({ ...base, seqOf, dedupe: { window: 5 } }).dedupeWindow).toBe(5);
      expect(resolveOptions<Msg, Cmd>({ ...base, seqOf, idOf: () => 1, dedupe: false }).dedupeWindow).toBeUndefined();
      expect(resolveOptions<Msg, Cmd>({ ...base, idOf: () => 1 }).dedupeWindow).toBeUndefined(); // no seqOf: no sequence stages
    });

    it('should refuse a zero first backoff, which would reconnect in a tight loop', () => {
      expect(() => managedSocket$({ ...base, retry: { initialInterval: 0 } })).toThrow(InvalidOptionError);
      expect(() => managedSocket$({ ...base, gaps: { maxResyncs: -1 }, seqOf: () => 1 })).toThrow(InvalidOptionError);
    });

    it('should reset the backoff once a connection has been open for 10 s (the default resetAfter)', () => {
      ts.run(() => {
        // Every connection is dropped: at 2 ms (quickly), or at 10,001 ms after the open (stable).
        const stableFrom = 100;
        const { fake, socket, events } = setup({ retry: { initialInterval: 10, jitter: 0 } });
        const sub = socket.subscribe();
        const drop = (index: number, after: number) => at(ts.now() + after, () => fake.sockets[index]?.drop());
        // socket 0 opens at 1, dropped at 3: wait 10; socket 1 opens at 14, dropped at 16: wait 20
        at(3, () => fake.sockets[0]?.drop());
        at(16, () => fake.sockets[1]?.drop());
        // socket 2 opens at 37 and stays up over 10 s: the count resets, so its drop waits 10 again;
        // socket 3 opens at 10,111 and stays up just under 10 s: no reset, its drop waits 20
        at(stableFrom, () => drop(2, 10_000));
        at(10_111, () => drop(3, 9_990));
        at(30_000, () => sub.unsubscribe());
        ts.flush();
        expect(ofType(events, 'reconnecting').map((e) => e.delay)).toEqual([10, 20, 10, 20]);
      });
    });
  });

  describe('a url function that gives no URL', () => {
    it('should fail the attempt with a UrlError and retry it with backoff, a bounded number of times', () => {
      ts.run(() => {
        const url = jest.fn(() => EMPTY);
        const { fake, socket, events } = setup({ url, retry: { initialInterval: 100, jitter: 0, maxInterval: 400 } });
        const seen: { error?: unknown } = {};
        const sub = socket.subscribe({ error: (error: unknown) => (seen.error = error) });
        at(1000, () => sub.unsubscribe());
        ts.flush();
        expect(fake.sockets).toHaveLength(0);
        // attempts at 0, 100, 300, 700: the backoff doubles up to maxInterval, the URL function is asked each time
        expect(url).toHaveBeenCalledTimes(4);
        expect(ofType(events, 'reconnecting').map((e) => e.delay)).toEqual([100, 200, 400, 400]);
        expect(ofType(events, 'disconnected').map((e) => e.error)).toEqual([1, 2, 3, 4].map((attempt) => new UrlError({ attempt, reason: 'empty' })));
        expect(ofType(events, 'disconnected').map((e) => e.kind)).toEqual(['transient', 'transient', 'transient', 'transient']);
        expect(seen.error).toBeUndefined();
      });
    });
  });

  describe('the connect context', () => {
    it('should tell the url function how many attempts failed in a row and why, and start again after an open', () => {
      ts.run(() => {
        const contexts: Array<{ attempt: number; retries: number; lastError: unknown }> = [];
        let created = 0;
        const { fake, socket } = setup(
          {
            url: ({ attempt, retries, lastError }) => {
              contexts.push({ attempt, retries, lastError });
              return retries >= 2 ? 'ws://backup' : 'ws://primary';
            },
            retry: { initialInterval: 10, jitter: 0, resetAfter: Infinity },
          },
          // the primary refuses the first two connections; the third attempt fails over to the backup, which opens
          { openAfter: null, onConnect: (s) => ts.schedule(() => (++created <= 2 ? s.refuse() : s.open()), 1) },
        );
        const refused = new CloseError({ code: 1006, reason: '', wasClean: false });
        const sub = socket.subscribe();
        at(200, () => fake.sockets[2]?.drop());
        at(300, () => sub.unsubscribe());
        ts.flush();
        expect(fake.sockets.map((s) => s.url)).toEqual(['ws://primary', 'ws://primary', 'ws://backup', 'ws://primary']);
        expect(contexts).toEqual([
          { attempt: 1, retries: 0, lastError: undefined },
          { attempt: 2, retries: 1, lastError: refused },
          { attempt: 3, retries: 2, lastError: refused },
          // the backup opened: a later failure starts the count again
          { attempt: 4, retries: 1, lastError: refused },
        ]);
      });
    }, 10_000);
  });

  describe('failure policy', () => {
    it("should wait at least the classifier's minDelay before the next attempt", () => {
      ts.run(() => {
        const { fake, events } = (() => {
          const s = setup({ classify: () => ({ kind: 'transient', minDelay: 500 }) });
          s.socket.subscribe();
          return s;
        })();
        at(5, () => fake.latest().drop());
        at(600, () => undefined);
        ts.flush();
        expect(ofType(events, 'reconnecting').map((e) => e.delay)).toEqual([500]);
      });
    });

    it('should honour a retry-after hint in the reason of a 1013 close by default, and a minDelay of the retry config', () => {
      ts.run(() => {
        const hinted = setup();
        const floored = setup({ retry: { initialInterval: 10, jitter: 0, minDelay: () => 70 } });
        const subs = [hinted.socket.subscribe(), floored.socket.subscribe()];
        at(5, () => hinted.fake.latest().serverClose(1013, 'overloaded; retry-after=2'));
        at(5, () => floored.fake.latest().serverClose(1013, 'overloaded'));
        at(3000, () => subs.forEach((s) => s.unsubscribe()));
        ts.flush();
        expect(ofType(hinted.events, 'reconnecting').map((e) => e.delay)).toEqual([2000]);
        expect(ofType(floored.events, 'reconnecting').map((e) => e.delay)).toEqual([70]);
      });
    });

    it("should let a user's retryNow cut a wait short, beside reconnect()", () => {
      ts.run(() => {
        const userRetryNow = new Subject<void>();
        const { fake, socket, timeline } = setup({ retry: { initialInterval: 1000, jitter: 0, retryNow: userRetryNow } });
        const sub = socket.subscribe();
        at(5, () => fake.latest().drop());
        at(50, () => userRetryNow.next());
        at(60, () => sub.unsubscribe());
        ts.flush();
        expect(timeline.filter((t) => t.endsWith(':connecting'))).toEqual(['0:connecting', '50:connecting']);
      });
    });
  });

  describe('resync budget', () => {
    it('should spend one resync per failure on the same hole, and start again for another hole', () => {
      const budget = createResyncBudget(2);
      const hole = (key: string, lastContiguous: number) => new SequenceGapError({ from: lastContiguous + 1, to: lastContiguous + 1, lastContiguous, reason: 'timeout', key });
      expect([budget.spend(hole('a', 1)), budget.spend(hole('a', 1)), budget.spend(hole('a', 1))]).toEqual([true, true, false]);
      expect(budget.spend(hole('b', 1))).toBe(true);
      expect(budget.spend(hole('a', 1))).toBe(true);
      expect(createResyncBudget(0).spend(hole('a', 1))).toBe(false);
    });

    /** A server that always skips seq 2: the hole can never be filled. */
    const skipping = (maxResyncs?: number) => {
      const s = setup({ gaps: { maxWait: 5, ...(maxResyncs === undefined ? {} : { maxResyncs }) } }, {
        onConnect: (socket) =>
          ts.schedule(() => {
            socket.receive(ev(1));
            socket.receive(ev(3));
          }, 2),
      });
      const seen: { error?: unknown } = {};
      const sub = s.socket.subscribe({ error: (error: unknown) => (seen.error = error) });
      at(10_000, () => sub.unsubscribe());
      ts.flush();
      return { ...s, seen };
    };

    it('should resync 3 times in a row for a hole the replay cannot fill (the default), then end with the SequenceGapError', () => {
      ts.run(() => {
        const { fake, events, seen } = skipping();
        const gap = { from: 2, to: 2, lastContiguous: 1, reason: 'timeout' as const };
        expect(ofType(events, 'gap')).toHaveLength(4);
        expect(fake.sockets).toHaveLength(4); // the first connection and 3 resyncs
        expect(ofType(events, 'disconnected').map((e) => e.kind)).toEqual(['transient', 'transient', 'transient', 'permanent']);
        expect(seen.error).toEqual(new SequenceGapError(gap));
      });
    });

    it('should take gaps.maxResyncs', () => {
      ts.run(() => {
        const { fake, seen } = skipping(1);
        expect(fake.sockets).toHaveLength(2);
        expect(seen.error).toBeInstanceOf(SequenceGapError);
      });
    });
  });

  describe('decode once', () => {
    it('should run seqOf, keyOf and idOf once per event and seqOf once per other message, through reorder, cursor and dedupe', () => {
      ts.run(() => {
        const calls = { seqOf: 0, keyOf: 0, idOf: 0 };
        const { fake, socket } = setup({
          seqOf: (m) => (calls.seqOf++, m.type === 'event' ? m.seq : undefined),
          keyOf: (m) => (calls.keyOf++, m.type === 'event' ? m.topic : ''),
          idOf: (m) => (calls.idOf++, m.type === 'event' ? m.id : undefined),
          dedupe: { window: 100 },
          resume: { start: 0 },
        });
        const values: Msg[] = [];
        const sub = socket.subscribe((m) => values.push(m));
        // reordered, a replay and a resend of a delivered event, and a message that is not an event
        at(5, () => [ev(2), ev(1), ev(3), ev(3), { type: 'pong' } as Msg, ev(1, 'b')].forEach((m) => fake.latest().receive(m)));
        at(10, () => sub.unsubscribe());
        ts.flush();
        expect(values).toEqual([ev(1), ev(2), ev(3), { type: 'pong' }, ev(1, 'b')]);
        expect(calls).toEqual({ seqOf: 6, keyOf: 5, idOf: 5 });
      });
    });
  });

  describe('resync budget across holes of one key', () => {
    it('should start again when the same key fails at another hole, after making progress', () => {
      const budget = createResyncBudget(2);
      const hole = (lastContiguous: number) => new SequenceGapError({ from: lastContiguous + 1, to: lastContiguous + 1, lastContiguous, reason: 'timeout', key: 'a' });
      expect([budget.spend(hole(1)), budget.spend(hole(1))]).toEqual([true, true]);
      // the resyncs got the stream past seq 1; the next hole is another one
      expect([budget.spend(hole(5)), budget.spend(hole(5)), budget.spend(hole(5))]).toEqual([true, true, false]);
    });
  });
});
