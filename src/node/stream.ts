/**
 * Node adapters: consume an Observable (a managed socket) as an async iterable or as an objectMode
 * `Readable`, with a bounded buffer in between. What the consumer is too slow for waits in the
 * buffer; when it is full, either a value is dropped by the {@link DropPolicy} and counted, exactly
 * as {@link dropOnFull} does it, or (lossless mode, `pause`) the socket is paused until the buffer
 * drains to `resumeAt`.
 *
 * @packageDocumentation
 */
import { Readable } from 'node:stream';
import { map } from 'rxjs';
import type { Observable, Subscription } from 'rxjs';
import { InvalidOptionError } from '../errors';
import { BackpressureError } from './errors';
import * as check from '../internal/validate';
import type { DropInfo, DropPolicy } from '../operators/dropOnFull';
import { checkDropPolicy, DropBuffer } from '../internal/dropBuffer';
import type { CheckedPolicy, Waiting } from '../internal/dropBuffer';

/**
 * What the lossless mode of {@link toAsyncIterable} and {@link toReadable} pauses: a
 * {@link ManagedSocket} of the `/node` entry (its `pause()` stops reading from the TCP connection),
 * or anything with the same two methods.
 *
 * ## Example
 * ```ts
 * import { createReadStream } from 'node:fs';
 * import { fromEvent, map, takeUntil } from 'rxjs';
 * import { toAsyncIterable } from 'rxjs-managed-socket/node';
 * import type { Pausable } from 'rxjs-managed-socket/node';
 *
 * const file = createReadStream('events.ndjson', { encoding: 'utf8' });
 * const pausable: Pausable = { pause: () => void file.pause(), resume: () => void file.resume() };
 * const chunks$ = fromEvent(file, 'data').pipe(map(String), takeUntil(fromEvent(file, 'end')));
 * for await (const chunk of toAsyncIterable(chunks$, { capacity: 16, pause: pausable })) {
 *   await handle(chunk);
 * }
 * // Output: every chunk; the file is read no faster than handle() goes
 * ```
 */
export interface Pausable {
  /**
   * Stops the flow at its source. Returning `false` means "cannot pause" (a browser WebSocket):
   * the adapter then ends with a {@link BackpressureError} rather than grow without bound.
   */
  pause(): boolean | void;
  /** Lets the flow go on. */
  resume(): void;
  /**
   * Whether the pause holds (a managed socket's `paused`). When it turns `false` while the adapter
   * holds a pause (a socket that cannot pause opened meanwhile), the adapter ends with a
   * {@link BackpressureError}.
   */
  readonly paused?: boolean;
}

/**
 * Options shared by {@link toAsyncIterable} and {@link toReadable}: the buffer, and what happens
 * when it is full: drop a value by the `policy` (the default), or pause the source (`pause`).
 */
export interface DropBufferConfig<T> {
  /**
   * How many values may wait for the consumer: an integer >= 0. Required, so that the memory bound
   * is a decision. `0` buffers nothing: a value is only delivered if the consumer is waiting for one
   * at that moment (an iterator's pending `next()`, a stream that asked for data). With `pause`,
   * this is the high-water mark: the source is paused once this many values wait.
   */
  capacity: number;
  /**
   * Which value to drop when a value arrives and `capacity` values already wait; see
   * {@link DropPolicy} (`'newest'`: the one that arrived, `'oldest'`: the one that waited longest,
   * `{ priority }`: the lowest priority). Values are delivered in arrival order whatever the policy.
   * Not with `pause`.
   * @default 'newest'
   */
  policy?: DropPolicy<T>;
  /**
   * Called for every dropped value, after the buffer was updated, with the running counts
   * (`info.dropped`, `info.received`). A throw ends the consumer with that error. Not with `pause`.
   * @default undefined
   */
  onDrop?: (value: T, info: DropInfo) => void;
  /**
   * Lossless mode: instead of dropping, pause this source (the managed socket you consume, which
   * then stops reading from its TCP connection) once `capacity` values wait, and resume it when
   * the consumer has drained them to `resumeAt`. Nothing is dropped. Frames already read from the
   * connection when the pause starts (one TCP read, at most a few) still arrive and wait above
   * `capacity`, so the bound is `capacity` plus that slack, not exactly `capacity`.
   * @default undefined (drop mode)
   */
  pause?: Pausable;
  /**
   * With `pause`: the low-water mark. The source is resumed once no more than this many values
   * wait. An integer >= 0, below `capacity` (or `0`).
   * @default Math.floor(capacity / 2)
   */
  resumeAt?: number;
}

/** Options of {@link toAsyncIterable}. */
export interface ToAsyncIterableConfig<T> extends DropBufferConfig<T> {
  /**
   * Aborting it unsubscribes from the source, discards the buffer, and makes the pending (or next)
   * `next()` reject with `signal.reason` (an `AbortError` unless given another reason).
   * @default undefined
   */
  signal?: AbortSignal;
}

/** Options of {@link toReadable}. */
export interface ToReadableConfig<T> extends DropBufferConfig<T> {
  /**
   * The stream's own buffer, in values: `push()` returns `false` once this many wait in it, and
   * from then on values wait in this adapter's buffer (`capacity`) until the stream asks for more.
   * So at most `highWaterMark + capacity` values are held in memory (`1 + capacity` with
   * `highWaterMark: 0`: the stream still takes the value that finds it empty). An integer >= 0.
   * @default 16 (Node's default for objectMode streams)
   */
  highWaterMark?: number;
  /**
   * Aborting it destroys the stream with an `AbortError` (Node's `signal` stream option), which
   * unsubscribes from the source.
   * @default undefined
   */
  signal?: AbortSignal;
}

/**
 * Consumes an Observable as an async iterable, through a bounded buffer with a drop policy.
 *
 * Values the consumer is not awaiting yet wait in a buffer of `capacity`; when it is full, the
 * `policy` drops one (counted, reported to `onDrop`), or, with `pause: socket` (lossless mode), the
 * socket stops reading until the consumer has drained the buffer to `resumeAt`. Either way memory
 * stays bounded whatever the consumer does.
 *
 * ```text
 * source:     -a-b-c-d-e---|
 * consumer:   slow: takes a, then nothing until e has arrived
 * > toAsyncIterable(source$, { capacity: 2 })        (policy 'newest')
 * delivered:  a, b, c, then done          (d, e dropped: info.dropped 1, 2)
 * > toAsyncIterable(source$, { capacity: 2, policy: 'oldest' })
 * delivered:  a, d, e, then done          (b, c evicted)
 * > toAsyncIterable(source$, { capacity: 2, pause: socket, resumeAt: 0 })
 * delivered:  a, b, c, d, e, then done    (paused after c, resumed once b and c were taken)
 * ```
 *
 * Subscribes on the first `next()` (so an iterable that is never iterated never connects).
 * Completes, after the buffered values, when the source completes. A source error is thrown by the
 * `next()` that comes after the values received before it (like an Observer, the consumer sees
 * every value that arrived before the error), then the iterator is done. `return()` (a `break` out
 * of `for await`, or a throw in its body) unsubscribes and discards the buffer; so does aborting
 * `signal`, which makes the pending or next `next()` reject with `signal.reason`. Calls to `next()`
 * may overlap: they are answered in call order.
 *
 * ## Example
 * ```ts
 * import { managedSocket$, toAsyncIterable } from 'rxjs-managed-socket/node';
 *
 * const socket = managedSocket$({ url: 'ws://127.0.0.1:8080', ...protocol });
 * socket.subscribeTopics('orders');
 * let dropped = 0;
 * for await (const event of toAsyncIterable(socket, { capacity: 1_000, onDrop: (_, info) => (dropped = info.dropped) })) {
 *   await handle(event); // slow is fine: at most 1 000 events wait, the rest are counted
 *   if (done()) break;   // unsubscribes: the socket closes
 * }
 * // Output: every event handle() had time for, in order; `dropped` counts the others
 * ```
 *
 * Lossless: the socket waits for the consumer instead.
 * ```ts
 * import { managedSocket$, toAsyncIterable } from 'rxjs-managed-socket/node';
 *
 * const socket = managedSocket$({ url: 'ws://127.0.0.1:8080', ...protocol });
 * socket.subscribeTopics('orders');
 * for await (const event of toAsyncIterable(socket, { capacity: 1_000, pause: socket })) {
 *   await handle(event); // slow is fine: at 1 000 waiting events the socket stops reading
 * }
 * // Output: every event, in order, none dropped
 * ```
 *
 * Errors: the source's error, or a throw of `onDrop` or `policy.priority`, from `next()`;
 * a {@link BackpressureError} when `pause.pause()` returns `false`; `signal.reason` on abort. Throws {@link InvalidOptionError} at once for a bad option.
 *
 * @see {@link toReadable}, {@link dropOnFull}
 * @param source$ The Observable to consume (a managed socket, or any other).
 * @param config The buffer `capacity`, the drop `policy` and `onDrop` (or `pause` and `resumeAt`),
 * and an abort `signal`.
 * @returns An async iterable iterator over the source's values.
 */
export function toAsyncIterable<T>(source$: Observable<T>, config: ToAsyncIterableConfig<T>): AsyncIterableIterator<T> {
  const OP = 'toAsyncIterable';
  const settings = readConfig<T>(OP, source$, config);
  const signal = readSignal(OP, config.signal);

  const DONE: IteratorReturnResult<undefined> = { value: undefined, done: true };
  /** `next()` calls waiting for a value, oldest first. Only non-empty while the buffer is empty. */
  const waiting: Array<{ resolve(result: IteratorResult<T>): void; reject(error: unknown): void }> = [];
  /** The end (done or the error) was handed out: from now on every `next()` is done. */
  let reported = false;

  const feed = createFeed(settings, {
    offer: (value) => {
      const next = waiting.shift();
      if (next === undefined) return false;
      next.resolve({ value, done: false });
      return true;
    },
    end: () => flush(),
  });

  /** The end, once: the error for the first caller, done for everyone after. */
  const terminal = (): Promise<IteratorResult<T>> => {
    const outcome = feed.outcome;
    if (reported || outcome === null || !outcome.failed) {
      release();
      return Promise.resolve(DONE);
    }
    release();
    return Promise.reject(outcome.error);
  };

  /** Hands the end to every waiting `next()` once the buffer is empty. */
  const flush = (): void => {
    if (feed.size > 0) return;
    for (let next = waiting.shift(); next !== undefined; next = waiting.shift()) {
      terminal().then(next.resolve, next.reject);
    }
  };

  const onAbort = (): void => {
    feed.halt({ failed: true, error: signal?.reason });
    flush();
  };

  /** Lets go of the signal once the end is reported. */
  const release = (): void => {
    reported = true;
    signal?.removeEventListener('abort', onAbort);
  };

  if (signal?.aborted) feed.halt({ failed: true, error: signal.reason });
  else signal?.addEventListener('abort', onAbort, { once: true });

  const iterator: AsyncIterableIterator<T> = {
    next: (): Promise<IteratorResult<T>> => {
      if (feed.size > 0) return Promise.resolve({ value: feed.take(), done: false });
      if (feed.outcome !== null) return terminal();
      return new Promise<IteratorResult<T>>((resolve, reject) => {
        waiting.push({ resolve, reject });
        feed.start();
      });
    },
    return: (): Promise<IteratorResult<T>> => {
      feed.halt({ failed: false });
      release();
      flush();
      return Promise.resolve(DONE);
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}

/**
 * Consumes an Observable as an objectMode `Readable` with real backpressure: values are pushed
 * while the stream wants them, wait in a bounded buffer while it does not, and are dropped by the
 * `policy` (and counted) when that buffer is full, or, with `pause: socket`, the socket is paused.
 *
 * The stream's own buffer (`highWaterMark`) fills first; when `push()` returns `false`, values
 * wait here (at most `capacity`) until the stream reads again; beyond that, one is dropped per
 * arrival and reported to `onDrop`. In lossless mode (`pause`) nothing is dropped: at `capacity`
 * waiting values the socket stops reading from its TCP connection, and it reads again once the
 * stream has drained them to `resumeAt`.
 *
 * ```text
 * source:   -a-b-c-d-e-f---|
 * reader:   takes a, then stalls until the source has completed
 * > toReadable(source$, { capacity: 2, highWaterMark: 1 })
 * read:     a, b, c, d, then end   (b waited in the stream's buffer, c and d here; e, f dropped)
 * > toReadable(source$, { capacity: 2, highWaterMark: 1, pause: socket })
 * read:     a, b, c, d, e, f, then end   (the socket paused at c and d, resumed as they were read)
 * ```
 *
 * Subscribes on the first read (piping counts). Ends (`push(null)`) once the source completed and
 * the buffer is drained. A source error (or a throw of `onDrop` or `policy.priority`) destroys the
 * stream with that error at once: like any Node stream, what it still buffered is discarded (use
 * {@link toAsyncIterable} to receive every value before the error). `destroy()`, an abort of
 * `signal`, or the end of a `pipeline` unsubscribes. A `null` value cannot travel in a Node stream
 * (it means "end"): it destroys the stream with a `TypeError`; map it to something else first.
 *
 * ## Example
 * ```ts
 * import { createWriteStream } from 'node:fs';
 * import { Transform } from 'node:stream';
 * import { pipeline } from 'node:stream/promises';
 * import { take } from 'rxjs';
 * import { managedSocket$, toReadable } from 'rxjs-managed-socket/node';
 *
 * const socket = managedSocket$({ url: 'ws://127.0.0.1:8080', ...protocol });
 * socket.subscribeTopics('orders');
 * await pipeline(
 *   toReadable(socket.pipe(take(100)), { capacity: 1_000, onDrop: (_, info) => console.warn('dropped', info.dropped) }),
 *   new Transform({ writableObjectMode: true, transform: (event, _enc, done) => done(null, JSON.stringify(event) + '\n') }),
 *   createWriteStream('orders.ndjson'),
 * );
 * // Output: orders.ndjson holds 100 lines (fewer only if the disk was too slow and events were dropped)
 * ```
 *
 * Errors: the stream emits the source's error (or `onDrop`'s or `policy.priority`'s throw), a
 * `TypeError` for a `null` value, a {@link BackpressureError} when `pause.pause()` returns `false`,
 * an `AbortError` on abort. Throws {@link InvalidOptionError} at
 * once for a bad option.
 *
 * @see {@link toAsyncIterable}, {@link dropOnFull}
 * @param source$ The Observable to consume (a managed socket, or any other).
 * @param config The buffer `capacity`, the drop `policy` and `onDrop` (or `pause` and
 * `resumeAt`), the stream's `highWaterMark` and an abort `signal`.
 * @returns A readable stream in object mode.
 */
export function toReadable<T>(source$: Observable<T>, config: ToReadableConfig<T>): Readable {
  const OP = 'toReadable';
  const settings = readConfig<T>(OP, source$, config);
  const signal = readSignal(OP, config.signal);
  const highWaterMark = config.highWaterMark === undefined ? undefined : check.count(OP, 'highWaterMark', config.highWaterMark, 0);

  /** The stream asked for data (`_read`) and `push()` has not returned `false` since. */
  let wanted = false;
  let ended = false;
  let pumping = false;

  const nonNull = map((value: T): T => {
    if (value === null) throw new TypeError(`${OP}: the source emitted null, which a Node stream cannot carry (it means "end"); map it first`);
    return value;
  });

  const feed = createFeed(
    { ...settings, source$: settings.source$.pipe(nonNull) },
    {
      offer: (value) => {
        if (!wanted) return false;
        wanted = stream.push(value);
        return true;
      },
      end: () => finish(),
    },
  );

  /** Pushes buffered values while the stream wants them; ends the stream when there is nothing left. */
  const pump = (): void => {
    if (pumping) return;
    pumping = true;
    try {
      while (wanted && feed.size > 0 && !ended) wanted = stream.push(feed.take());
    } finally {
      pumping = false;
    }
    finish();
  };

  /** Passes the source's end on: an error at once, completion once the buffer is drained. */
  const finish = (): void => {
    const outcome = feed.outcome;
    if (ended || outcome === null) return;
    if (outcome.failed) {
      ended = true;
      // Node reads a falsy error as "no error": keep the failure visible.
      stream.destroy((outcome.error ?? new Error(`${OP}: the source errored with ${String(outcome.error)}`)) as Error);
    } else if (feed.size === 0) {
      ended = true;
      stream.push(null);
    }
  };

  const stream = new Readable({
    objectMode: true,
    ...(highWaterMark === undefined ? {} : { highWaterMark }),
    ...(signal === undefined ? {} : { signal }),
    read() {
      wanted = true;
      feed.start();
      pump();
    },
    destroy(error, callback) {
      ended = true;
      feed.halt({ failed: false });
      callback(error);
    },
  });
  return stream;
}

// ---------------------------------------------------------------------------------------------
// The shared buffer

/** How a feed ended: completed (or stopped by the consumer), or failed with `error`. */
type Outcome = { readonly failed: false } | { readonly failed: true; readonly error: unknown };

/** The checked options, ready for {@link createFeed}. */
interface FeedSettings<T> {
  readonly source$: Observable<T>;
  readonly capacity: number;
  readonly policy: CheckedPolicy<T>;
  readonly onDrop: ((value: T, info: DropInfo) => void) | undefined;
  /** Lossless mode: what to pause at `capacity`, and the low-water mark; `undefined` in drop mode. */
  readonly flow: { readonly source: Pausable; readonly resumeAt: number; readonly highWater: number } | undefined;
}

/** What the consumer side tells a feed. */
interface Outlet<T> {
  /** Hands `value` over now if the consumer can take it (`true`), else it is buffered. Only called with an empty buffer. */
  offer(value: T): boolean;
  /** The feed has an outcome now (the source completed or failed); called at most once. */
  end(): void;
}

/** One subscription to the source, with the bounded buffer between it and one consumer. */
interface Feed<T> {
  /** Subscribes, the first time (and never after an outcome). */
  start(): void;
  /** Values waiting in the buffer. */
  readonly size: number;
  /** Removes and returns the oldest waiting value; only call while `size > 0`. */
  take(): T;
  /** How the feed ended, or `null` while it runs. */
  readonly outcome: Outcome | null;
  /** Unsubscribes, discards the buffer and records `outcome` (the consumer stopped). Does not call `end()`. */
  halt(outcome: Outcome): void;
}

function readConfig<T>(op: string, source$: unknown, config: unknown): FeedSettings<T> {
  if (typeof source$ !== 'object' || source$ === null || typeof (source$ as { subscribe?: unknown }).subscribe !== 'function') {
    throw new InvalidOptionError({ operator: op, option: 'source$', reason: 'an Observable', value: source$ });
  }
  if (typeof config !== 'object' || config === null) {
    throw new InvalidOptionError({ operator: op, option: 'config', reason: 'an object with at least `capacity`', value: config });
  }
  const { capacity, policy, onDrop, pause, resumeAt } = config as DropBufferConfig<T>;
  check.count(op, 'capacity', capacity, 0);
  if (pause === undefined) {
    const checkedPolicy = checkDropPolicy<T>(op, policy ?? 'newest');
    if (onDrop !== undefined) check.func(op, 'onDrop', onDrop);
    if (resumeAt !== undefined) throw new InvalidOptionError({ operator: op, option: 'resumeAt', reason: 'only given with `pause`', value: resumeAt });
    return { source$: source$ as Observable<T>, capacity, policy: checkedPolicy, onDrop, flow: undefined };
  }
  const p = pause as Partial<Pausable> | null;
  if (typeof p !== 'object' || p === null || typeof p.pause !== 'function' || typeof p.resume !== 'function') {
    throw new InvalidOptionError({ operator: op, option: 'pause', reason: 'an object with pause() and resume(), such as the managed socket', value: pause });
  }
  if (policy !== undefined) throw new InvalidOptionError({ operator: op, option: 'policy', reason: 'not given with `pause` (nothing is dropped)', value: policy });
  if (onDrop !== undefined) throw new InvalidOptionError({ operator: op, option: 'onDrop', reason: 'not given with `pause` (nothing is dropped)', value: onDrop });
  const low = resumeAt ?? Math.floor(capacity / 2);
  check.count(op, 'resumeAt', low, 0);
  if (low >= capacity && low !== 0) {
    throw new InvalidOptionError({ operator: op, option: 'resumeAt', reason: `an integer below capacity (${capacity}), or 0`, value: resumeAt });
  }
  // Nothing is ever dropped: the buffer takes what arrives while the source is pausing.
  return { source$: source$ as Observable<T>, capacity: Infinity, policy: checkDropPolicy<T>(op, 'newest'), onDrop: undefined, flow: { source: pause, resumeAt: low, highWater: capacity } };
}

function readSignal(op: string, signal: unknown): AbortSignal | undefined {
  if (signal === undefined) return undefined;
  const s = signal as Partial<AbortSignal> | null;
  if (typeof s !== 'object' || s === null || typeof s.aborted !== 'boolean' || typeof s.addEventListener !== 'function') {
    throw new InvalidOptionError({ operator: op, option: 'signal', reason: 'an AbortSignal', value: signal });
  }
  return signal as AbortSignal;
}

/**
 * The one feed behind both adapters: the subscription and a {@link DropBuffer} of `capacity`
 * values with the drop policy of {@link dropOnFull} (same {@link DropInfo}). State is per call.
 */
function createFeed<T>(settings: FeedSettings<T>, outlet: Outlet<T>): Feed<T> {
  const { source$, capacity, policy, onDrop, flow } = settings;
  const buffer = new DropBuffer<T>(capacity, policy);
  let received = 0;
  let dropped = 0;
  let started = false;
  let outcome: Outcome | null = null;
  let subscription: Subscription | undefined;
  /** Lossless mode: this feed holds its source paused. */
  let paused = false;
  /** A value is being taken: what a resume emits synchronously meanwhile waits behind it. */
  let taking = false;

  /** Lossless mode: pauses the source once `highWater` values wait (and checks that a pause holds). */
  const holdIfFull = (): void => {
    if (flow === undefined || buffer.size < flow.highWater) return;
    if (paused) {
      // The source let go of our pause (a socket that cannot pause opened): fail, do not grow.
      if (flow.source.paused === false) throw new BackpressureError({ capacity: flow.highWater, buffered: buffer.size });
      return;
    }
    paused = true;
    if (flow.source.pause() === false) {
      paused = false;
      throw new BackpressureError({ capacity: flow.highWater, buffered: buffer.size });
    }
  };
  /** Lossless mode: resumes the source once no more than `resumeAt` values wait (or at the end). */
  const release = (force: boolean): void => {
    if (!paused || (flow !== undefined && !force && buffer.size > flow.resumeAt)) return;
    paused = false;
    flow?.source.resume();
  };

  const drop = (entry: Waiting<T>, incoming: boolean): void => {
    dropped++;
    onDrop?.(entry.value, { dropped, received, reason: 'full', index: entry.index, incoming, buffered: buffer.size });
  };

  const settle = (result: Outcome): void => {
    if (outcome !== null) return;
    outcome = result;
    subscription?.unsubscribe();
    release(true);
    outlet.end();
  };

  return {
    start: () => {
      if (started || outcome !== null) return;
      started = true;
      const sub = source$.subscribe({
        next: (value) => {
          if (outcome !== null) return; // a synchronous source still emitting after the end
          const entry: Waiting<T> = { value, index: received++, priority: 0 };
          try {
            if (buffer.size === 0 && !taking && outlet.offer(value)) return;
            // The consumer cannot take it: buffer it, or drop one by the policy (or pause the source).
            buffer.offer(entry, drop);
            holdIfFull();
          } catch (error) {
            settle({ failed: true, error });
          }
        },
        error: (error: unknown) => settle({ failed: true, error }),
        complete: () => settle({ failed: false }),
      });
      if (outcome !== null) sub.unsubscribe();
      else subscription = sub;
    },
    get size() {
      return buffer.size;
    },
    take: () => {
      const { value } = buffer.shift() as Waiting<T>;
      taking = true;
      try {
        release(false);
      } finally {
        taking = false;
      }
      return value;
    },
    get outcome() {
      return outcome;
    },
    halt: (result: Outcome) => {
      outcome = result;
      subscription?.unsubscribe();
      buffer.clear();
      release(true);
    },
  };
}
