import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { filter, of, Subject, take } from 'rxjs';
import type { Observable } from 'rxjs';
import { toAsyncIterable, toReadable } from '../../src/node/stream';
import type { DropBufferConfig, Pausable } from '../../src/node/stream';
import { BackpressureError } from '../../src/node/errors';
import { managedSocket$ } from '../../src/node';
import { startReferenceServer } from '../../src/server/referenceServer';
import type { ReferenceServer } from '../../src/server/referenceServer';
import { referenceProtocol } from '../../src/server/referenceClient';
import type { EventFrame } from '../../src/server/protocol';
import type { ManagedSocketEvent } from '../../src/socket/lifecycle';
import { expectInvalidOption } from '../support/invalidOption';

/**
 * A source that can pause, as a socket does: while paused, what the "server" sends waits (like
 * TCP), and `resume()` delivers it synchronously, in order. `slack` values still arrive after a
 * pause (frames already read from the connection).
 */
function pausableSource(slack = 0) {
  const subject = new Subject<number>();
  const held: number[] = [];
  const log: string[] = [];
  let paused = false;
  let late = 0;
  /** complete() was called while values were held: the end comes after them, as on a socket. */
  let ending = false;
  const control: Pausable & { send(value: number): void; complete(): void; readonly paused: boolean } = {
    pause: () => {
      log.push('pause');
      paused = true;
      late = slack;
      return true;
    },
    resume: () => {
      log.push('resume');
      paused = false;
      while (!paused && held.length > 0) subject.next(held.shift() as number);
      if (ending && held.length === 0) subject.complete();
    },
    send: (value: number) => {
      if (paused && late-- <= 0) held.push(value);
      else subject.next(value);
    },
    complete: () => {
      if (held.length === 0) subject.complete();
      else ending = true;
    },
    get paused() {
      return paused;
    },
  };
  return { source$: subject.asObservable(), control, held, log };
}

/** Resolves on the next macrotask, so that pending promise callbacks have run. */
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('lossless mode (pause)', () => {
  describe('options', () => {
    const pausable: Pausable = { pause: () => true, resume: () => undefined };
    it('should throw InvalidOptionError naming the adapter and the option', () => {
      const bad: Array<[unknown, string]> = [
        [{ capacity: 2, pause: {} }, 'pause'],
        [{ capacity: 2, pause: 'socket' }, 'pause'],
        [{ capacity: 2, pause: pausable, policy: 'oldest' }, 'policy'],
        [{ capacity: 2, pause: pausable, onDrop: () => undefined }, 'onDrop'],
        [{ capacity: 2, pause: pausable, resumeAt: 2 }, 'resumeAt'],
        [{ capacity: 2, pause: pausable, resumeAt: -1 }, 'resumeAt'],
        [{ capacity: 2, pause: pausable, resumeAt: 0.5 }, 'resumeAt'],
        [{ capacity: 2, resumeAt: 1 }, 'resumeAt'],
      ];
      for (const [config, option] of bad) {
        expectInvalidOption(() => toAsyncIterable(of(1), config as DropBufferConfig<number>), { operator: 'toAsyncIterable', option });
        expectInvalidOption(() => toReadable(of(1), config as DropBufferConfig<number>), { operator: 'toReadable', option });
      }
    });

    it('should accept capacity 0 with resumeAt 0, and resumeAt just below capacity', () => {
      expect(() => toAsyncIterable(of(1), { capacity: 0, pause: pausable })).not.toThrow();
      expect(() => toAsyncIterable(of(1), { capacity: 3, pause: pausable, resumeAt: 2 })).not.toThrow();
    });
  });

  describe('toAsyncIterable', () => {
    it('should pause at capacity, keep what still arrives, resume at resumeAt, and drop nothing', async () => {
      const { source$, control, log } = pausableSource(2);
      const iterator = toAsyncIterable(source$, { capacity: 3, pause: control, resumeAt: 1 });
      const first = iterator.next(); // subscribes; waits for a value
      for (let n = 1; n <= 10; n++) control.send(n);
      // 1 went to the waiting next(); 2, 3, 4 filled the buffer (pause); 5, 6 were already read.
      expect(log).toEqual(['pause']);
      expect(control.paused).toBe(true);
      const got: number[] = [(await first).value as number];
      for (let i = 0; i < 4; i++) got.push((await iterator.next()).value as number);
      // Reading 5 left only 6 waiting (resumeAt 1): resumed; the held 7..10 arrived at once and
      // filled the buffer again (5 >= capacity): paused again.
      expect(log).toEqual(['pause', 'resume', 'pause']);
      control.complete();
      for (let r = await iterator.next(); !r.done; r = await iterator.next()) got.push(r.value);
      expect(got).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    });

    it('should keep the order when resume() emits synchronously while a value is taken', async () => {
      const { source$, control } = pausableSource();
      const iterator = toAsyncIterable(source$, { capacity: 1, pause: control });
      const first = iterator.next();
      for (let n = 1; n <= 6; n++) control.send(n); // 1 taken, 2 buffered (pause), 3..6 held
      const got = [(await first).value];
      for (let i = 0; i < 5; i++) got.push((await iterator.next()).value);
      expect(got).toEqual([1, 2, 3, 4, 5, 6]);
    });

    it('should end with a BackpressureError after the buffered values when the source cannot pause', async () => {
      const subject = new Subject<number>();
      const iterator = toAsyncIterable(subject, { capacity: 2, pause: { pause: () => false, resume: () => undefined } });
      const first = iterator.next();
      for (let n = 1; n <= 4; n++) subject.next(n);
      expect((await first).value).toBe(1);
      expect((await iterator.next()).value).toBe(2);
      expect((await iterator.next()).value).toBe(3);
      const error = await iterator.next().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(BackpressureError);
      expect((error as BackpressureError).info).toEqual({ capacity: 2, buffered: 2 });
      expect(subject.observed).toBe(false);
    });

    it('should end with a BackpressureError when the source lets go of the pause (paused turns false)', async () => {
      const subject = new Subject<number>();
      const state = { paused: false };
      const pausable: Pausable = {
        pause: () => {
          state.paused = true;
          return true;
        },
        resume: () => (state.paused = false),
        get paused() {
          return state.paused;
        },
      };
      const iterator = toAsyncIterable(subject, { capacity: 2, pause: pausable });
      const first = iterator.next();
      for (let n = 1; n <= 3; n++) subject.next(n); // 1 taken, 2 and 3 wait: paused
      subject.next(4); // slack: the pause still holds
      state.paused = false; // a socket that cannot pause opened
      subject.next(5);
      const got = [(await first).value];
      for (let i = 0; i < 4; i++) got.push((await iterator.next()).value);
      expect(got).toEqual([1, 2, 3, 4, 5]); // what arrived is delivered first
      await expect(iterator.next()).rejects.toBeInstanceOf(BackpressureError);
      expect(subject.observed).toBe(false);
    });

    it('should resume the source when the consumer stops while it is paused (return, abort)', async () => {
      for (const stop of ['return', 'abort'] as const) {
        const { source$, control, log } = pausableSource();
        const controller = new AbortController();
        const iterator = toAsyncIterable(source$, { capacity: 1, pause: control, signal: controller.signal });
        const first = iterator.next();
        for (let n = 1; n <= 3; n++) control.send(n);
        await first;
        expect(log).toEqual(['pause']);
        if (stop === 'return') await iterator.return?.();
        else controller.abort();
        expect(log).toEqual(['pause', 'resume']);
      }
    });
  });

  describe('toReadable', () => {
    it('should read every value through a slow Writable, pausing and resuming the source', async () => {
      const { source$, control, log } = pausableSource(1);
      const got: number[] = [];
      const sink = new Writable({
        objectMode: true,
        highWaterMark: 1,
        write(value: number, _enc, done) {
          got.push(value);
          setImmediate(done); // slow: one value per macrotask
        },
      });
      const piped = pipeline(toReadable(source$, { capacity: 4, highWaterMark: 1, pause: control }), sink);
      await tick();
      for (let n = 1; n <= 50; n++) control.send(n);
      control.complete();
      await piped;
      expect(got).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
      expect(log.filter((e) => e === 'pause').length).toBeGreaterThan(0);
      expect(log.filter((e) => e === 'pause').length).toBe(log.filter((e) => e === 'resume').length);
    });
  });

  describe('on a real socket', () => {
    let server: ReferenceServer | undefined;
    afterEach(async () => {
      await server?.stop();
      server = undefined;
    });

    it('should carry every event through a stalled consumer without dropping, and not time the paused link out', async () => {
      server = await startReferenceServer();
      const total = 3_000;
      const socket = managedSocket$({ url: server.url, ...referenceProtocol(), resume: { start: 0 }, idleTimeout: 150, retry: { initialInterval: 50 } });
      const events: ManagedSocketEvent[] = [];
      const watch = socket.events$.subscribe((e) => events.push(e));
      socket.subscribeTopics('orders');
      const events$: Observable<EventFrame> = socket.pipe(
        filter((f): f is EventFrame => f.type === 'event'),
        take(total),
      );
      const seqs: number[] = [];
      let sawPaused = false;
      try {
        const iterator = toAsyncIterable(events$, { capacity: 100, pause: socket });
        const first = iterator.next();
        await server.waitFor((s) => s.openConnections().some((c) => c.topics.includes('orders')), 5_000);
        for (let n = 1; n <= total; n++) server.publish('orders', { n, pad: 'x'.repeat(200) });
        seqs.push(((await first).value as EventFrame).seq);
        // Stall for longer than idleTimeout while the socket is paused.
        await new Promise((resolve) => setTimeout(resolve, 400));
        sawPaused = socket.paused;
        for (let r = await iterator.next(); !r.done; r = await iterator.next()) seqs.push(r.value.seq);
      } finally {
        watch.unsubscribe();
      }
      expect(sawPaused).toBe(true);
      expect(seqs).toEqual(Array.from({ length: total }, (_, i) => i + 1));
      expect(events.filter((e) => e.type === 'disconnected' || e.type === 'dropped')).toEqual([]);
      expect(socket.paused).toBe(false);
    }, 20_000);
  });
});
