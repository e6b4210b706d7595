import { TestScheduler } from 'rxjs/testing';
import type { Observable } from 'rxjs';
import { managedSocket$ } from '../../src/socket/managedSocket';
import type { ManagedSocketConfig } from '../../src/socket/config';
import type { ManagedSocketEvent } from '../../src/socket/lifecycle';
import { FakeWebSocket } from '../../src/testing/fakeWebSocket';
import type { FakeWebSocketOptions } from '../../src/testing/fakeWebSocket';
import { createSocketHarness, scheduleAt, subscribeUntil as subscribeUntilFrame } from '../../src/testing/harness';
import type { WebSocketCtor } from '../../src/socket/transport';
import { IdleTimeoutError } from '../../src/errors';

type Msg = { type: 'event'; seq: number } | { type: 'pong' };
type Cmd = { type: string; [key: string]: unknown };

const ev = (seq: number): Msg => ({ type: 'event', seq });

describe('managedSocket$ pause() and resume()', () => {
  let ts: TestScheduler;
  beforeEach(() => {
    ts = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  });

  function setup(overrides: Partial<ManagedSocketConfig<Msg, Cmd>> = {}, fakeOptions: FakeWebSocketOptions = {}) {
    return createSocketHarness<Msg, Cmd>(
      ts,
      {
        url: 'ws://test',
        handshake: ({ resumeFromSeq }) => ({ type: 'hello', resumeFromSeq }),
        seqOf: (m) => (m.type === 'event' ? m.seq : undefined),
        isControl: (m) => m.type !== 'event',
        retry: { initialInterval: 10, jitter: 0 },
        idleTimeout: 0,
        ...overrides,
      },
      { fake: fakeOptions },
    );
  }
  const at = (frame: number, work: () => void) => scheduleAt(ts, frame, work);
  const subscribeUntil = <T>(source: Observable<T>, frame: number) => subscribeUntilFrame(ts, source, frame);
  const disconnects = (events: ManagedSocketEvent[]) => events.filter((e) => e.type === 'disconnected');

  it('should stop reading while paused and deliver the held frames in order at resume', () => {
    ts.run(() => {
      const { fake, socket } = setup();
      const seen: Array<[number, number]> = [];
      at(5, () => fake.latest().receive(ev(1)));
      at(10, () => expect(socket.pause()).toBe(true));
      at(12, () => fake.latest().receive(ev(2)));
      at(14, () => fake.latest().receive(ev(3)));
      at(20, () => socket.resume());
      const sub = socket.subscribe((m) => m.type === 'event' && seen.push([ts.now(), m.seq]));
      at(30, () => sub.unsubscribe());
      at(11, () => expect([socket.paused, fake.latest().paused]).toEqual([true, true]));
      at(21, () => expect([socket.paused, fake.latest().paused]).toEqual([false, false]));
      ts.flush();
      expect(seen).toEqual([
        [5, 1],
        [20, 2], // held by the paused socket (TCP), not by this process
        [20, 3],
      ]);
    });
  });

  it('should pause each new socket as it opens while the pause holds, and not before it opens', () => {
    ts.run(() => {
      const { fake, socket } = setup({}, { openAfter: 3 });
      at(1, () => socket.pause()); // before the first open
      at(2, () => expect(fake.latest().paused).toBe(false)); // connecting: nothing to pause yet
      at(10, () => fake.latest().drop()); // reconnect at 20, open at 23
      subscribeUntil(socket, 40);
      at(4, () => expect(fake.sockets[0]?.paused).toBe(true));
      at(24, () => expect(fake.sockets[1]?.paused).toBe(true));
      at(30, () => socket.resume());
      at(31, () => expect(fake.sockets[1]?.paused).toBe(false));
      ts.flush();
      expect(fake.sockets).toHaveLength(2);
      // The handshake is still sent on a paused socket: pausing stops reading, not writing.
      expect(fake.sockets[1]?.sentJson()).toEqual([{ type: 'hello', resumeFromSeq: null }]);
    });
  });

  it('should not take our own pause for a zombie: the idle window starts again at the resume', () => {
    ts.run(() => {
      const { fake, socket, events, timeline } = setup({ idleTimeout: 30 });
      at(5, () => socket.pause());
      at(200, () => socket.resume()); // 195 silent ms while paused: no idle timeout
      subscribeUntil(socket, 260); // before a second socket (reconnect 10 ms after the first failure) could go idle too
      ts.flush();
      expect(disconnects(events)).toEqual([{ type: 'disconnected', error: new IdleTimeoutError({ idleMs: 30, seen: 0 }), kind: 'transient' }]);
      // Silent after the resume: failed between 30 and 45 ms after it (looks every 15 ms).
      const idleAt = Number((timeline.find((e) => e.endsWith(':disconnected')) ?? '').split(':')[0]);
      expect(idleAt).toBeGreaterThanOrEqual(230);
      expect(idleAt).toBeLessThanOrEqual(245);
      expect(fake.sockets[0]?.terminated).toBe(true);
    });
  });

  it('should still fail a silent link after idleTimeout when it was never paused', () => {
    ts.run(() => {
      const { socket, events } = setup({ idleTimeout: 30 });
      subscribeUntil(socket, 40);
      ts.flush();
      expect(disconnects(events)).toHaveLength(1);
    });
  });

  it('should return false and change nothing when the transport cannot pause; the idle check goes on', () => {
    ts.run(() => {
      /** A browser-like socket: no pause(), no resume(). */
      class BrowserLike extends FakeWebSocket {
        override pause = undefined as unknown as () => void;
        override resume = undefined as unknown as () => void;
      }
      const Ctor = class extends BrowserLike {
        constructor(url: string, protocols?: string | string[]) {
          super(url, protocols, undefined, { openAfter: 0, answerClose: true, closeDelay: 0, scheduler: ts });
          ts.schedule(() => this.open(), 1);
        }
      } as unknown as WebSocketCtor;
      const socket = managedSocket$<Msg, Cmd>({ url: 'ws://test', WebSocketCtor: Ctor, idleTimeout: 30, retry: { initialInterval: 100, jitter: 0 }, scheduler: ts });
      const events: ManagedSocketEvent[] = [];
      socket.events$.subscribe((e) => events.push(e));
      const results: boolean[] = [];
      at(5, () => results.push(socket.pause()));
      subscribeUntil(socket, 60);
      ts.flush();
      expect(results).toEqual([false]);
      // Paused between connections (recorded), then a socket opens that cannot pause: the pause ends.
      const second = managedSocket$<Msg, Cmd>({ url: 'ws://test', WebSocketCtor: Ctor, idleTimeout: 0, scheduler: ts });
      expect(second.pause()).toBe(true);
      expect(second.paused).toBe(true);
      const sub = second.subscribe();
      ts.flush(); // the socket opens
      expect(second.paused).toBe(false);
      sub.unsubscribe();
      expect(socket.paused).toBe(false);
      expect(disconnects(events)).toHaveLength(1);
    });
  });

  it('should resume before a graceful close, so that the peer close frame can be read', () => {
    ts.run(() => {
      const { fake, socket } = setup();
      at(5, () => socket.pause());
      at(10, () => socket.close());
      subscribeUntil(socket, 50);
      at(11, () => expect(fake.latest().paused).toBe(false));
      ts.flush();
      expect(socket.paused).toBe(false);
      expect(fake.latest().closedByClient).toEqual({ code: 1000, reason: 'client closed' });
    });
  });

  it('should resume a paused socket it lets go of on unsubscribe', () => {
    ts.run(() => {
      const { fake, socket } = setup();
      at(5, () => socket.pause());
      subscribeUntil(socket, 10);
      ts.flush();
      expect(fake.latest().paused).toBe(false);
      expect(fake.latest().readyState).toBe(3);
    });
  });
});
