import { getEventListeners } from 'node:events';
import { PassThrough, Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { defer, finalize, NEVER, Observable, of, range, Subject, throwError } from 'rxjs';
import * as fc from 'fast-check';
import { toAsyncIterable, toReadable } from '../../src/node/stream';
import type { DropBufferConfig } from '../../src/node/stream';
import type { DropInfo } from '../../src/operators/dropOnFull';
import { expectInvalidOption } from '../support/invalidOption';

/** Every wait in this file is bounded by this. */
const WAIT_MS = 2_000;

/** A source that counts its subscriptions and reports whether one is active. */
function tracked<T>(source: Observable<T>) {
  const state = { subscriptions: 0, active: 0 };
  const source$ = defer(() => {
    state.subscriptions++;
    state.active++;
    return source.pipe(finalize(() => state.active--));
  });
  return { source$, state };
}

/** Collects what `onDrop` is told. */
function dropLog<T>() {
  const drops: Array<[T, DropInfo]> = [];
  return { drops, onDrop: (value: T, info: DropInfo) => void drops.push([value, info]) };
}

/** Reads an iterator to its end (bounded), returning the values and the error it ended with. */
async function drain<T>(iterator: AsyncIterator<T>, max = 10_000): Promise<{ values: T[]; error: unknown }> {
  const values: T[] = [];
  try {
    for (let i = 0; i < max; i++) {
      const r = await iterator.next();
      if (r.done) return { values, error: undefined };
      values.push(r.value);
    }
    throw new Error(`drain: more than ${max} values`);
  } catch (error) {
    return { values, error };
  }
}

/** Resolves on the next macrotask, so that pending promise callbacks have run. */
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Resolves with `promise`, or rejects when it takes longer than `ms`. */
function within<T>(promise: Promise<T>, ms = WAIT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

describe('toAsyncIterable', () => {
  describe('options', () => {
    it('should throw InvalidOptionError naming toAsyncIterable and the option', () => {
      const bad: Array<[unknown, string]> = [
        [{ capacity: -1 }, 'capacity'],
        [{ capacity: 1.5 }, 'capacity'],
        [{ capacity: NaN }, 'capacity'],
        [{ capacity: Infinity }, 'capacity'],
        [{}, 'capacity'],
        [{ capacity: 1, policy: 'lifo' }, 'policy'],
        [{ capacity: 1, policy: { priority: 3 } }, 'policy.priority'],
        [{ capacity: 1, onDrop: 'log' }, 'onDrop'],
        [{ capacity: 1, signal: {} }, 'signal'],
        [null, 'config'],
      ];
      for (const [config, option] of bad) {
        expectInvalidOption(() => toAsyncIterable(of(1), config as DropBufferConfig<number>), { operator: 'toAsyncIterable', option });
      }
      expect(() => toAsyncIterable([1, 2] as unknown as Observable<number>, { capacity: 1 })).toThrow(
        expect.objectContaining({ info: expect.objectContaining({ option: 'source$' }) }),
      );
    });
  });

  describe('iteration', () => {
    it('should yield every value in order, then be done', async () => {
      const seen: number[] = [];
      for await (const value of toAsyncIterable(of(1, 2, 3), { capacity: 10 })) seen.push(value);
      expect(seen).toEqual([1, 2, 3]);
    });

    it('should be done at once for an empty source', async () => {
      const iterator = toAsyncIterable(of<number>(), { capacity: 1 });
      await expect(iterator.next()).resolves.toEqual({ value: undefined, done: true });
      await expect(iterator.next()).resolves.toEqual({ value: undefined, done: true });
    });

    it('should not subscribe before the first next()', async () => {
      const { source$, state } = tracked(of('a'));
      const iterator = toAsyncIterable(source$, { capacity: 1 });
      expect(state.subscriptions).toBe(0);
      await expect(iterator.next()).resolves.toEqual({ value: 'a', done: false });
      expect(state.subscriptions).toBe(1);
    });

    it('should hand values that arrive later to the waiting next() calls, in call order', async () => {
      const subject = new Subject<string>();
      const iterator = toAsyncIterable(subject, { capacity: 0 });
      const first = iterator.next();
      const second = iterator.next();
      subject.next('a');
      subject.next('b');
      await expect(first).resolves.toEqual({ value: 'a', done: false });
      await expect(second).resolves.toEqual({ value: 'b', done: false });
    });

    it('should deliver the buffered values before completing', async () => {
      const subject = new Subject<number>();
      const iterator = toAsyncIterable(subject, { capacity: 5 });
      const first = iterator.next(); // subscribes
      for (const v of [1, 2, 3, 4]) subject.next(v);
      subject.complete();
      await expect(first).resolves.toEqual({ value: 1, done: false });
      expect(await drain(iterator)).toEqual({ values: [2, 3, 4], error: undefined });
      expect(subject.observed).toBe(false);
    });

    it('should complete the pending next() when the source completes', async () => {
      const subject = new Subject<number>();
      const iterator = toAsyncIterable(subject, { capacity: 5 });
      const pending = iterator.next();
      subject.complete();
      await expect(pending).resolves.toEqual({ value: undefined, done: true });
    });
  });

  describe('errors', () => {
    it('should throw the source error after the values that arrived before it, then be done', async () => {
      const subject = new Subject<number>();
      const boom = new Error('boom');
      const iterator = toAsyncIterable(subject, { capacity: 5 });
      const first = iterator.next();
      subject.next(1);
      subject.next(2);
      subject.next(3);
      subject.error(boom);
      await expect(first).resolves.toEqual({ value: 1, done: false });
      await expect(iterator.next()).resolves.toEqual({ value: 2, done: false });
      await expect(iterator.next()).resolves.toEqual({ value: 3, done: false });
      await expect(iterator.next()).rejects.toBe(boom);
      await expect(iterator.next()).resolves.toEqual({ value: undefined, done: true });
    });

    it('should reject the pending next() when the source errors', async () => {
      const subject = new Subject<number>();
      const boom = new Error('boom');
      const iterator = toAsyncIterable(subject, { capacity: 5 });
      const pending = iterator.next();
      const second = iterator.next();
      subject.error(boom);
      await expect(pending).rejects.toBe(boom);
      await expect(second).resolves.toEqual({ value: undefined, done: true });
    });

    it('should make a for-await loop throw the source error', async () => {
      const boom = new Error('boom');
      const seen: number[] = [];
      const run = async () => {
        for await (const v of toAsyncIterable(new Observable<number>((s) => (s.next(1), s.error(boom))), { capacity: 3 })) seen.push(v);
      };
      await expect(run()).rejects.toBe(boom);
      expect(seen).toEqual([1]);
    });

    it('should end with the error of a throwing onDrop, after the buffered values, and unsubscribe', async () => {
      const subject = new Subject<number>();
      const oops = new Error('onDrop failed');
      const iterator = toAsyncIterable(subject, {
        capacity: 1,
        onDrop: () => {
          throw oops;
        },
      });
      const first = iterator.next();
      subject.next(1); // delivered
      subject.next(2); // buffered
      subject.next(3); // dropped: onDrop throws
      await expect(first).resolves.toEqual({ value: 1, done: false });
      await expect(iterator.next()).resolves.toEqual({ value: 2, done: false });
      await expect(iterator.next()).rejects.toBe(oops);
      expect(subject.observed).toBe(false);
    });
  });

  describe('return() and break', () => {
    it('should unsubscribe when a for-await loop breaks', async () => {
      const subject = new Subject<number>();
      const seen: number[] = [];
      const loop = (async () => {
        for await (const v of toAsyncIterable(subject, { capacity: 10 })) {
          seen.push(v);
          if (v === 2) break;
        }
      })();
      await tick();
      expect(subject.observed).toBe(true);
      subject.next(1);
      subject.next(2);
      subject.next(3);
      await within(loop);
      expect(seen).toEqual([1, 2]);
      expect(subject.observed).toBe(false);
    });

    it('should unsubscribe when the loop body throws', async () => {
      const subject = new Subject<number>();
      const failure = new Error('handler failed');
      const loop = (async () => {
        for await (const _ of toAsyncIterable(subject, { capacity: 10 })) throw failure;
      })();
      await tick();
      subject.next(1);
      await expect(within(loop)).rejects.toBe(failure);
      expect(subject.observed).toBe(false);
    });

    it('should resolve the pending next() as done, discard the buffer and stay done', async () => {
      const { source$, state } = tracked(NEVER);
      const iterator = toAsyncIterable(source$, { capacity: 10 });
      const pending = iterator.next();
      expect(state.active).toBe(1);
      await expect(iterator.return?.()).resolves.toEqual({ value: undefined, done: true });
      await expect(pending).resolves.toEqual({ value: undefined, done: true });
      expect(state.active).toBe(0);
      await expect(iterator.next()).resolves.toEqual({ value: undefined, done: true });
      expect(state.subscriptions).toBe(1);
    });
  });

  describe('signal', () => {
    it('should unsubscribe and reject the pending next() with the abort reason', async () => {
      const { source$, state } = tracked(NEVER);
      const controller = new AbortController();
      const iterator = toAsyncIterable(source$, { capacity: 10, signal: controller.signal });
      const pending = iterator.next();
      expect(state.active).toBe(1);
      controller.abort();
      await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
      expect(state.active).toBe(0);
      await expect(iterator.next()).resolves.toEqual({ value: undefined, done: true });
    });

    it('should discard the buffered values on abort and reject the next next() with the reason', async () => {
      const subject = new Subject<number>();
      const controller = new AbortController();
      const reason = new Error('shutting down');
      const iterator = toAsyncIterable(subject, { capacity: 10, signal: controller.signal });
      const first = iterator.next();
      subject.next(1);
      subject.next(2);
      subject.next(3);
      await expect(first).resolves.toEqual({ value: 1, done: false });
      controller.abort(reason);
      expect(subject.observed).toBe(false);
      await expect(iterator.next()).rejects.toBe(reason);
    });

    it('should never subscribe with an already aborted signal', async () => {
      const { source$, state } = tracked(of(1));
      const iterator = toAsyncIterable(source$, { capacity: 1, signal: AbortSignal.abort() });
      await expect(iterator.next()).rejects.toMatchObject({ name: 'AbortError' });
      expect(state.subscriptions).toBe(0);
    });

    it('should stop listening to the signal once the end is reported', async () => {
      const controller = new AbortController();
      const iterator = toAsyncIterable(of(1), { capacity: 1, signal: controller.signal });
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
      expect(await drain(iterator)).toEqual({ values: [1], error: undefined });
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    });
  });

  describe('bounded buffer', () => {
    it("should keep the first `capacity` values and drop the newest when nobody reads ('newest')", async () => {
      const subject = new Subject<number>();
      const { drops, onDrop } = dropLog<number>();
      const iterator = toAsyncIterable(subject, { capacity: 3, onDrop });
      const first = iterator.next(); // subscribes; the first value goes straight to it
      for (let i = 0; i < 100; i++) subject.next(i);
      subject.complete();
      await expect(first).resolves.toEqual({ value: 0, done: false });
      expect(await drain(iterator)).toEqual({ values: [1, 2, 3], error: undefined });
      expect(drops).toHaveLength(96);
      expect(drops[0]).toEqual([4, { dropped: 1, received: 5, reason: 'full', index: 4, incoming: true, buffered: 3 }]);
      expect(drops[95]?.[1]).toMatchObject({ dropped: 96, received: 100, index: 99 });
    });

    it("should keep the last `capacity` values when policy is 'oldest'", async () => {
      const subject = new Subject<number>();
      const { drops, onDrop } = dropLog<number>();
      const iterator = toAsyncIterable(subject, { capacity: 3, policy: 'oldest', onDrop });
      const first = iterator.next();
      for (let i = 0; i < 100; i++) subject.next(i);
      subject.complete();
      await expect(first).resolves.toEqual({ value: 0, done: false });
      expect(await drain(iterator)).toEqual({ values: [97, 98, 99], error: undefined });
      expect(drops.map(([v]) => v)).toEqual(Array.from({ length: 96 }, (_, i) => i + 1));
      expect(drops[0]?.[1]).toEqual({ dropped: 1, received: 5, reason: 'full', index: 1, incoming: false, buffered: 3 });
    });

    it('should drop the lowest priority (the later one on a tie) with a priority policy', async () => {
      const subject = new Subject<{ id: string; p: number }>();
      const { drops, onDrop } = dropLog<{ id: string; p: number }>();
      const iterator = toAsyncIterable(subject, { capacity: 2, policy: { priority: (v) => v.p }, onDrop });
      const first = iterator.next();
      subject.next({ id: 'x', p: 0 }); // delivered
      subject.next({ id: 'a', p: 1 });
      subject.next({ id: 'b', p: 5 });
      subject.next({ id: 'c', p: 3 }); // a (1) goes
      subject.next({ id: 'd', p: 3 }); // tie with c at 3: d, the later one, goes
      subject.next({ id: 'e', p: NaN }); // NaN is the lowest: e goes
      subject.complete();
      await first;
      expect((await drain(iterator)).values.map((v) => v.id)).toEqual(['b', 'c']);
      expect(drops.map(([v, info]) => [v.id, info.incoming])).toEqual([
        ['a', false],
        ['d', true],
        ['e', true],
      ]);
    });

    it('should deliver only to a waiting next() with capacity 0', async () => {
      const subject = new Subject<number>();
      const { drops, onDrop } = dropLog<number>();
      const iterator = toAsyncIterable(subject, { capacity: 0, onDrop });
      const first = iterator.next();
      subject.next(1); // to the waiting next()
      subject.next(2); // nobody waits: dropped
      await expect(first).resolves.toEqual({ value: 1, done: false });
      const second = iterator.next();
      subject.next(3);
      await expect(second).resolves.toEqual({ value: 3, done: false });
      expect(drops.map(([v]) => v)).toEqual([2]);
    });

    it('should bound a synchronous source too', async () => {
      const { drops, onDrop } = dropLog<number>();
      const { values } = await drain(toAsyncIterable(range(0, 10_000), { capacity: 4, onDrop }));
      expect(values).toEqual([0, 1, 2, 3, 4]);
      expect(drops).toHaveLength(10_000 - 5);
    });

    it('should keep delivered + dropped = produced, in order, never holding more than capacity, for a slow reader', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 0, max: 8 }),
          fc.constantFrom<'newest' | 'oldest'>('newest', 'oldest'),
          // Each step: produce n values, then read r of them (the reader is slower or faster).
          fc.array(fc.tuple(fc.integer({ min: 0, max: 12 }), fc.integer({ min: 0, max: 4 })), { maxLength: 40 }),
          async (capacity, policy, steps) => {
            const subject = new Subject<number>();
            let dropped = 0;
            const iterator = toAsyncIterable(subject, { capacity, policy, onDrop: (_, info) => (dropped = info.dropped) });
            const delivered: number[] = [];
            let produced = 0;
            let pending: Promise<IteratorResult<number>> | null = iterator.next();
            for (const [n, r] of steps) {
              for (let i = 0; i < n; i++) subject.next(produced++);
              for (let i = 0; i < r; i++) {
                // A value was handed over, or the reader waits: the pending next() stays.
                const settled = await Promise.race([pending.then((res) => res), tick().then(() => null)]);
                if (settled === null) break;
                if (!settled.done) delivered.push(settled.value);
                pending = iterator.next();
              }
            }
            subject.complete();
            const last = await pending;
            if (!last.done) delivered.push(last.value);
            const rest = await drain(iterator);
            delivered.push(...rest.values);
            expect(rest.error).toBeUndefined();
            expect(delivered.length + dropped).toBe(produced);
            for (let i = 1; i < delivered.length; i++) expect(delivered[i]).toBeGreaterThan(delivered[i - 1] as number);
            expect(rest.values.length).toBeLessThanOrEqual(capacity); // what was held when the source ended
          },
        ),
        { numRuns: 60 },
      );
    });
  });
});

describe('toReadable', () => {
  describe('options', () => {
    it('should throw InvalidOptionError naming toReadable and the option', () => {
      const bad: Array<[unknown, string]> = [
        [{ capacity: -1 }, 'capacity'],
        [{ capacity: 1, highWaterMark: -1 }, 'highWaterMark'],
        [{ capacity: 1, highWaterMark: 0.5 }, 'highWaterMark'],
        [{ capacity: 1, policy: 'random' }, 'policy'],
        [{ capacity: 1, onDrop: 1 }, 'onDrop'],
        [{ capacity: 1, signal: 'stop' }, 'signal'],
      ];
      for (const [config, option] of bad) {
        expectInvalidOption(() => toReadable(of(1), config as DropBufferConfig<number>), { operator: 'toReadable', option });
      }
    });
  });

  describe('streaming', () => {
    it('should stream every value in order in object mode, then end', async () => {
      const stream = toReadable(of({ n: 1 }, { n: 2 }, { n: 3 }), { capacity: 10 });
      expect(stream.readableObjectMode).toBe(true);
      expect(await within(stream.toArray())).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    });

    it('should not subscribe before the first read', async () => {
      const { source$, state } = tracked(of(1));
      const stream = toReadable(source$, { capacity: 1 });
      await tick();
      expect(state.subscriptions).toBe(0);
      expect(await within(stream.toArray())).toEqual([1]);
      expect(state.subscriptions).toBe(1);
    });

    it('should push while the stream wants data, then buffer up to capacity, then drop (and count)', async () => {
      const subject = new Subject<number>();
      const { drops, onDrop } = dropLog<number>();
      const stream = toReadable(subject, { capacity: 3, highWaterMark: 2, onDrop });
      stream.read(0); // the stream asks for data: subscribes
      expect(subject.observed).toBe(true);
      for (let i = 0; i < 20; i++) subject.next(i);
      // 0, 1 are in the stream's buffer (push returned false at its highWaterMark), 2, 3, 4 wait here.
      expect(stream.readableLength).toBe(2);
      expect(drops.map(([v]) => v)).toEqual(Array.from({ length: 15 }, (_, i) => i + 5));
      expect(drops[14]?.[1]).toEqual({ dropped: 15, received: 20, reason: 'full', index: 19, incoming: true, buffered: 3 });
      subject.complete();
      expect(await within(stream.toArray())).toEqual([0, 1, 2, 3, 4]);
      expect(subject.observed).toBe(false);
    });

    it("should keep the newest values with policy 'oldest'", async () => {
      const subject = new Subject<number>();
      const stream = toReadable(subject, { capacity: 2, highWaterMark: 1, policy: 'oldest' });
      stream.read(0);
      for (let i = 0; i < 10; i++) subject.next(i);
      subject.complete();
      expect(await within(stream.toArray())).toEqual([0, 8, 9]);
    });

    it('should hold one value in the stream plus its own buffer with highWaterMark 0', async () => {
      const subject = new Subject<number>();
      let dropped = 0;
      const stream = toReadable(subject, { capacity: 2, highWaterMark: 0, onDrop: (_, info) => (dropped = info.dropped) });
      stream.read(0);
      for (let i = 0; i < 10; i++) subject.next(i);
      subject.complete();
      // The stream takes the value that finds it empty (push() already returns false), 2 wait here.
      expect(await within(stream.toArray())).toEqual([0, 1, 2]);
      expect(dropped).toBe(7);
    });

    it('should pipe through pipeline() into a slow Writable with a bounded buffer: delivered + dropped = produced', async () => {
      const produced = 400;
      const capacity = 8;
      const highWaterMark = 4;
      let dropped = 0;
      let maxReadable = 0;
      let maxBuffered = 0;
      // A fast producer that never waits: one value per macrotask, like frames off a socket.
      const source$ = new Observable<number>((subscriber) => {
        let i = 0;
        let handle: NodeJS.Immediate;
        const emit = () => {
          subscriber.next(i++);
          if (i < produced) handle = setImmediate(emit);
          else subscriber.complete();
        };
        handle = setImmediate(emit);
        return () => clearImmediate(handle);
      });
      const readable = toReadable(source$, {
        capacity,
        highWaterMark,
        onDrop: (_, info) => {
          dropped = info.dropped;
          maxBuffered = Math.max(maxBuffered, info.buffered);
        },
      });
      const written: number[] = [];
      // A slow consumer: each write takes a few ms, and it holds at most one value.
      const slow = new Writable({
        objectMode: true,
        highWaterMark: 1,
        write(value: number, _encoding, callback) {
          maxReadable = Math.max(maxReadable, readable.readableLength);
          written.push(value);
          setTimeout(callback, 2);
        },
      });
      await within(pipeline(readable, new PassThrough({ objectMode: true, highWaterMark: 1 }), slow), 10_000);
      expect(dropped).toBeGreaterThan(0);
      expect(written.length + dropped).toBe(produced);
      for (let i = 1; i < written.length; i++) expect(written[i]).toBeGreaterThan(written[i - 1] as number);
      expect(maxReadable).toBeLessThanOrEqual(highWaterMark);
      expect(maxBuffered).toBe(capacity); // drops only ever happen with a full buffer, never beyond it
      expect(written).toContain(0);
    }, 15_000);
  });

  describe('ending', () => {
    it('should unsubscribe on destroy()', async () => {
      const { source$, state } = tracked(NEVER);
      const stream = toReadable(source$, { capacity: 1 });
      stream.read(0);
      expect(state.active).toBe(1);
      stream.destroy();
      expect(state.active).toBe(0);
      await within(new Promise((resolve) => stream.once('close', resolve)));
    });

    it('should unsubscribe when the pipeline fails downstream', async () => {
      const subject = new Subject<number>();
      const failure = new Error('disk full');
      const sink = new Writable({ objectMode: true, write: (_v, _e, callback) => callback(failure) });
      const done = pipeline(toReadable(subject, { capacity: 1 }), sink);
      await tick();
      subject.next(1);
      await expect(within(done)).rejects.toBe(failure);
      expect(subject.observed).toBe(false);
    });

    it('should error the stream with the source error', async () => {
      const boom = new Error('boom');
      const stream = toReadable(throwError(() => boom), { capacity: 1 });
      await expect(within(pipeline(stream, new Writable({ objectMode: true, write: (_v, _e, cb) => cb() })))).rejects.toBe(boom);
      expect(stream.destroyed).toBe(true);
    });

    it('should error the stream with the error of a throwing onDrop and unsubscribe', async () => {
      const subject = new Subject<number>();
      const oops = new Error('onDrop failed');
      const stream = toReadable(subject, {
        capacity: 0,
        highWaterMark: 1,
        onDrop: () => {
          throw oops;
        },
      });
      const errored = new Promise((resolve) => stream.once('error', resolve));
      stream.read(0);
      subject.next(1); // in the stream's buffer
      subject.next(2); // dropped: onDrop throws
      await expect(within(errored)).resolves.toBe(oops);
      expect(subject.observed).toBe(false);
    });

    it('should destroy with a TypeError on a null value', async () => {
      const stream = toReadable(of(1, null, 2), { capacity: 5 });
      await expect(within(stream.toArray())).rejects.toThrow(TypeError);
    });

    it('should destroy with an AbortError and unsubscribe when the signal aborts', async () => {
      const { source$, state } = tracked(NEVER);
      const controller = new AbortController();
      const stream = toReadable(source$, { capacity: 1, signal: controller.signal });
      const errored = new Promise<unknown>((resolve) => stream.once('error', resolve));
      stream.read(0);
      expect(state.active).toBe(1);
      controller.abort();
      await expect(within(errored)).resolves.toMatchObject({ name: 'AbortError' });
      expect(state.active).toBe(0);
    });

    it('should deliver what waited in the buffer before ending', async () => {
      const subject = new Subject<string>();
      const stream = toReadable(subject, { capacity: 10, highWaterMark: 1 });
      stream.read(0);
      for (const v of ['a', 'b', 'c', 'd']) subject.next(v);
      subject.complete();
      const ended = new Promise((resolve) => stream.once('end', resolve));
      expect(await within(Readable.prototype.toArray.call(stream))).toEqual(['a', 'b', 'c', 'd']);
      await within(ended);
    });
  });
});
