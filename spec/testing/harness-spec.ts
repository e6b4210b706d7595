import { TestScheduler } from 'rxjs/testing';
import { NEVER, of, throwError } from 'rxjs';
import { managedSocket$ } from '../../src/socket/managedSocket';
import { createFakeWebSockets, createSocketHarness, scheduleAt, subscribeUntil, VirtualTimeBoundError } from '../../src/testing';

describe('createSocketHarness', () => {
  let ts: TestScheduler;
  beforeEach(() => {
    ts = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  });

  it('should behave as in the documented example', () => {
    ts.run(() => {
      const { fake, socket, timeline, at, subscribeUntil } = createSocketHarness<{ seq: number }, object>(ts, {
        url: 'ws://test',
        seqOf: (m) => m.seq,
        retry: { initialInterval: 10, jitter: 0 },
      });
      at(2, () => fake.latest().receive({ seq: 1 }));
      at(5, () => fake.latest().drop());
      at(20, () => fake.latest().receive({ seq: 2 }));
      const seen = subscribeUntil(socket, 30);
      ts.flush();
      expect(seen.values).toEqual([{ seq: 1 }, { seq: 2 }]);
      expect(timeline.slice(0, 6)).toEqual(['0:connecting', '1:connected', '5:disconnected', '5:reconnecting', '15:connecting', '16:connected']);
    });
  });

  it('should record every event with its frame, by type, and open the fakes after 1 ms', () => {
    ts.run(() => {
      const { fake, socket, events, ofType, subscribeUntil } = createSocketHarness<unknown, unknown>(ts, { url: 'ws://a', idleTimeout: 0 });
      const seen = subscribeUntil(socket, 10);
      ts.flush();
      expect(fake.sockets.map((s) => s.url)).toEqual(['ws://a']);
      expect(ofType('connected')).toEqual([{ type: 'connected', attempt: 1 }]);
      expect(events.map((e) => e.type)).toEqual(['connecting', 'connected', 'closed']);
      expect(seen).toEqual({ values: [], error: undefined, complete: false });
    });
  });

  it('should pass the fake options on', () => {
    ts.run(() => {
      const config = { url: 'ws://a', idleTimeout: 0 };
      const { fake, socket, ofType, subscribeUntil } = createSocketHarness<unknown, unknown>(ts, config, { fake: { openAfter: null } });
      subscribeUntil(socket, 10);
      ts.flush();
      expect(fake.sockets).toHaveLength(1);
      expect(ofType('connected')).toEqual([]);
    });
  });

  describe('bounds', () => {
    it('should fail the flush fast when a url function keeps failing with no backoff', () => {
      let calls = 0;
      const run = () =>
        ts.run(() => {
          const { socket, subscribeUntil } = createSocketHarness<unknown, unknown>(
            ts,
            { url: () => (calls++, throwError(() => new Error('no route'))), retry: { initialInterval: 1, backoffDelay: () => 0, jitter: 0 }, idleTimeout: 0 },
            { maxAttempts: 50 },
          );
          subscribeUntil(socket, 1_000);
        });
      expect(run).toThrow(VirtualTimeBoundError);
      expect(run).toThrow('more than 50 connection attempts (maxAttempts) by frame 0');
      expect(calls).toBe(2 * 51); // two runs, 51 attempts each: stopped at the first one over
    });

    it('should fail the flush when the socket is still reconnecting after maxFrames, and say where', () => {
      let error: unknown;
      let fakes = 0;
      try {
        ts.run(() => {
          // The fake server never accepts: each attempt times out after 50 ms, then waits 100 ms.
          const retry = { initialInterval: 100, maxInterval: 100, jitter: 0 };
          const { fake, socket, subscribeUntil } = createSocketHarness<unknown, unknown>(
            ts,
            { url: 'ws://a', connectTimeout: 50, retry, idleTimeout: 0 },
            { fake: { openAfter: null }, maxFrames: 1_000 },
          );
          subscribeUntil(socket, Infinity);
          ts.flush();
          fakes = fake.sockets.length;
        });
      } catch (e) {
        error = e;
      }
      // Attempt 8 starts at frame 7 * 150 = 1050, the first event past the bound.
      expect(error).toEqual(new VirtualTimeBoundError({ bound: 'frames', limit: 1_000, frame: 1_050, attempts: 8 }));
      expect((error as Error).message).toBe(
        'Socket harness: still busy after frame 1000 (maxFrames), at frame 1050 after 8 connection attempts: a retry loop that never ends? Raise the bound if the test needs more.',
      );
      expect(fakes).toBe(0); // the flush threw: nothing after it ran
    });

    it('should fail fast, with maxSockets on the fake, for a socket built by the code under test', () => {
      // Defaults: a 30 s idle timeout on a server that never speaks, then reconnect, forever (the
      // default jitter, with a fixed draw so the frames are the same on every run).
      const run = () =>
        ts.run(() => {
          const fake = createFakeWebSockets({ openAfter: 1, maxSockets: 10 });
          managedSocket$({ url: 'ws://test', WebSocketCtor: fake.WebSocketCtor, retry: { random: () => 0.37 } }).subscribe();
        });
      expect(run).toThrow(VirtualTimeBoundError);
      expect(run).toThrow(/^FakeWebSockets: more than 10 sockets \(maxSockets\) by frame \d+/);
    });

    it('should not trip for a socket that stays within the bounds', () => {
      let events: readonly unknown[] = [];
      const run = () =>
        ts.run(() => {
          const harness = createSocketHarness<unknown, unknown>(ts, { url: 'ws://a', idleTimeout: 0 }, { maxAttempts: 1, maxFrames: 5 });
          harness.at(5, () => harness.fake.latest().drop()); // one attempt, one event at frame 5
          harness.subscribeUntil(harness.socket, 5);
          ts.flush();
          events = harness.timeline;
        });
      expect(run).not.toThrow();
      expect(events).toEqual(['0:connecting', '1:connected', '5:disconnected', '5:reconnecting', '5:closed']);
    });
  });
});

describe('scheduleAt and subscribeUntil', () => {
  it('should run work at absolute frames, also from inside another action', () => {
    const ts = new TestScheduler((a, e) => expect(a).toEqual(e));
    ts.run(() => {
      const log: number[] = [];
      scheduleAt(ts, 5, () => {
        log.push(ts.now());
        scheduleAt(ts, 7, () => log.push(ts.now()));
      });
      ts.flush();
      expect(log).toEqual([5, 7]);
      expect(() => scheduleAt(ts, 6, () => undefined)).toThrow(RangeError);
    });
  });

  it('should record values, error and completion, and unsubscribe at the frame', () => {
    const ts = new TestScheduler((a, e) => expect(a).toEqual(e));
    ts.run(({ cold, expectSubscriptions }) => {
      const source = cold('-a-b-c-|');
      const seen = subscribeUntil(ts, source, 4);
      expect(subscribeUntil(ts, of(1), 0)).toEqual({ values: [1], error: undefined, complete: true });
      const error = new Error('x');
      expect(subscribeUntil(ts, throwError(() => error), 0)).toEqual({ values: [], error, complete: false });
      subscribeUntil(ts, NEVER, 3);
      ts.flush();
      expect(seen).toEqual({ values: ['a', 'b'], error: undefined, complete: false });
      expectSubscriptions(source.subscriptions).toBe('^---!');
    });
  });
});
