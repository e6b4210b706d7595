import { asyncScheduler, ignoreElements, Observable, tap } from 'rxjs';
import type { MonoTypeOperatorFunction, SchedulerLike, Subscription } from 'rxjs';
import { InvalidOptionError, InvalidSequenceError, SequenceGapError } from '../errors';
import type { SequenceGapInfo } from '../errors';
import { isSeq } from '../internal/seq';
import * as check from '../internal/validate';
import { MinHeap } from '../internal/minHeap';

const OP = 'sequenceGaps';

/** Options of {@link sequenceGaps}. */
export interface SequenceGapsConfig<T> {
  /**
   * The last seq already delivered before this stream started (a resume cursor). The first value
   * expected is then `start + 1`; pass `-1` when the sequence starts at 0 and nothing was delivered.
   * `null` lets the first value set the base: it is emitted whatever its seq. With `keyOf`, a
   * function gives each key its own start; it is called once, when the key first appears.
   * @default null
   */
  start?: number | null | ((key: string | number) => number | null);
  /**
   * Reads the key of a value when the stream carries several independent sequences (one per
   * topic, job or partition). Each key then has its own base, held values, `window` and `maxWait`
   * clock: a hole in one key never holds back another. Keys are compared like `Map` keys.
   * @default undefined (one sequence)
   */
  keyOf?: (value: T) => string | number;
  /**
   * The most values held back (per key, with `keyOf`) while waiting for a hole to fill (an
   * integer >= 0, or Infinity when `maxWait` is finite). When one more would be held, the lowest
   * hole is given up on at once with reason `'window'`. `0` never holds anything: every hole is
   * given up on as soon as it is seen.
   * @default 1000
   */
  window?: number;
  /**
   * How long, in ms, a hole may stay open before it is given up on with reason `'timeout'`
   * (a number >= 0 and at most 2^31 - 1, about 24.8 days, or Infinity to rely on `window` alone).
   * A hole's clock starts when the first value beyond it arrives, so the values held ahead of it
   * never wait longer than this. `0` lets only values that arrive in the same synchronous burst
   * (the same task) fill a hole.
   * @default 1000
   */
  maxWait?: number;
  /**
   * What to do with a hole given up on. `'skip'`: report it through `onGap`, move past it and
   * release the held values up to the next hole. `'error'`: report it, then error with a
   * {@link SequenceGapError} whose `info.lastContiguous` is the seq to resume from.
   * @default 'skip'
   */
  gapAction?: 'skip' | 'error';
  /**
   * Called for every hole given up on (after a timeout, a full window, or the source completing),
   * before it is skipped or turned into an error. A throw errors the output.
   * @default undefined
   */
  onGap?: (gap: SequenceGapInfo) => void;
  /**
   * Called for every value dropped because its seq is already taken: at or below the last seq
   * emitted (a duplicate, or a value that arrives after its hole was given up on or below the base
   * set by the first value), or equal to a seq already held (the first copy is kept). A throw
   * errors the output.
   * @default undefined
   */
  onLate?: (value: T, seq: number) => void;
  /**
   * Let values whose `seqOf` returns `undefined` through at once, outside the sequence (a
   * stream that mixes events with other messages). Without it, such a value is an
   * `InvalidSequenceError`, like every other unusable seq.
   * @default false
   */
  passUndefined?: boolean;
  /**
   * Schedules the `maxWait` timers and provides `now()`.
   * @default asyncScheduler
   */
  scheduler?: SchedulerLike;
}

/**
 * Puts a sequenced stream back in order, holding out-of-order values in a bounded reorder window
 * and reporting every hole that is not filled in time.
 *
 * Values come out strictly in seq order with no duplicates: a value that arrives early waits until
 * the ones before it show up, and a hole that stays open too long is reported and skipped (or
 * turned into an error) instead of stalling the stream forever.
 *
 * ```text
 * source:  --1--3--4--2-----6--------7------|
 *          > sequenceGaps(v => v, { maxWait: 7 })
 * output:  --1--------(234)--------6-7------|
 * ```
 * (5 never arrives: its hole opened when 6 arrived, so it is given up on 7 frames later, reported
 * to `onGap` as `{ from: 5, to: 5, lastContiguous: 4, reason: 'timeout' }`, and 6 is released.)
 *
 * The expected seq is always the last emitted + 1. A value with that seq is emitted at once,
 * followed by every held value that is now contiguous. A value further ahead is held. A value at
 * or below the last emitted seq, or a second copy of a held seq, is dropped and passed to
 * `onLate`. When a hole is given up on (its `maxWait` ran out, the window overflowed, or the source
 * completed with values still held) it is passed to `onGap`, then skipped (`'skip'`) or turned
 * into an error (`'error'`). On completion every remaining hole is given up on at once (reported
 * with reason `'complete'`, since it can no longer fill) and the held values are emitted in order
 * before the output completes. A source error is forwarded at once and the held values are dropped.
 *
 * With `keyOf`, each key is an independent sequence with its own base, held values, window and
 * clock (a hole in one topic never holds back another), and gaps carry the key.
 *
 * Memory is one entry per held value: a jump of 10^9 seqs costs nothing more than one of 2.
 * Holding a value costs O(log window); releasing one in order costs O(log window).
 *
 * ## Example
 * ```ts
 * import { of } from 'rxjs';
 * import { sequenceGaps } from 'rxjs-managed-socket';
 *
 * of({ seq: 1 }, { seq: 3 }, { seq: 2 }, { seq: 2 }, { seq: 6 }, { seq: 4 })
 *   .pipe(
 *     sequenceGaps((m) => m.seq, {
 *       onGap: (gap) => console.log('gap', gap.from, gap.to),
 *       onLate: (_m, seq) => console.log('late', seq),
 *     }),
 *   )
 *   .subscribe((m) => console.log(m.seq));
 * // Output:
 * // 1
 * // 2
 * // 3
 * // late 2
 * // 4
 * // gap 5 5
 * // 6
 * ```
 *
 * Errors: {@link SequenceGapError} for a hole given up on with `gapAction: 'error'`;
 * {@link InvalidSequenceError} when `seqOf` returns something other than a safe integer >= 0;
 * whatever `seqOf`, `keyOf`, `onGap` or `onLate` throws; {@link InvalidOptionError} when a `start`
 * function returns an invalid start. Throws {@link InvalidOptionError} at creation time
 * for an invalid option.
 *
 * @see {@link resumeFrom}
 * @see {@link dedupe}
 * @param seqOf Reads the sequence number (a safe integer >= 0) of a value.
 * @param config Reorder window, timeout and reporting options.
 * @returns A function that returns an Observable of the source values in seq order, without
 * duplicates, with unfilled holes reported and skipped (or turned into an error).
 */
export function sequenceGaps<T>(seqOf: (value: T) => number | undefined, config?: SequenceGapsConfig<T>): MonoTypeOperatorFunction<T> {
  check.func(OP, 'seqOf', seqOf);
  const {
    start = null,
    keyOf,
    window = 1000,
    maxWait = 1000,
    gapAction = 'skip',
    onGap,
    onLate,
    passUndefined = false,
    scheduler = asyncScheduler,
  } = config ?? {};
  if (typeof start === 'function') {
    if (keyOf === undefined) {
      throw new InvalidOptionError({ operator: OP, option: 'start', reason: 'a number or null (a function needs keyOf)', value: start });
    }
  } else {
    checkStart(start);
  }
  if (keyOf !== undefined) check.func(OP, 'keyOf', keyOf);
  check.count(OP, 'window', window, 0, true);
  check.timerDuration(OP, 'maxWait', maxWait, true);
  if (window === Infinity && maxWait === Infinity) {
    const reason = 'finite when `maxWait` is Infinity (a hole would never be given up on)';
    throw new InvalidOptionError({ operator: OP, option: 'window', reason, value: window });
  }
  check.oneOf(OP, 'gapAction', gapAction, ['skip', 'error']);
  if (onGap !== undefined) check.func(OP, 'onGap', onGap);
  if (onLate !== undefined) check.func(OP, 'onLate', onLate);
  if (typeof scheduler?.schedule !== 'function' || typeof scheduler.now !== 'function') {
    throw new InvalidOptionError({ operator: OP, option: 'scheduler', reason: 'a SchedulerLike', value: scheduler });
  }

  return (source) =>
    new Observable<T>((subscriber) => {
      // All state lives in the reorder core, one per subscription; values go straight to `subscriber`.
      const core = new Reorder<T>(
        { keyed: keyOf !== undefined, window, maxWait, gapAction, scheduler },
        {
          next: (value) => subscriber.next(value),
          error: (error) => subscriber.error(error),
          startOf: typeof start === 'function' ? start : () => start,
          ...(onGap === undefined ? {} : { gap: onGap }),
          ...(onLate === undefined ? {} : { late: onLate }),
        },
      );
      const onValue = (value: T) => {
        const raw: unknown = seqOf(value);
        if (raw === undefined && passUndefined) {
          subscriber.next(value);
          return;
        }
        if (!isSeq(raw)) throw new InvalidSequenceError({ seq: raw, value });
        core.push(value, raw, keyOf === undefined ? undefined : keyOf(value));
      };
      subscriber.add(() => core.dispose());
      // Subscribing `subscriber` itself links the inner subscription to it, so a synchronous
      // source stops as soon as the consumer unsubscribes. A throw in onValue or at completion
      // (holes given up on with `gapAction: 'error'`) becomes the output's error; completion
      // follows the flush.
      source.pipe(tap({ next: onValue, complete: () => core.flush() }), ignoreElements()).subscribe(subscriber);
    });
}

/**
 * Where the reorder core's results go, called as methods: its values in order, an error from a
 * timer, the holes given up on and the late values; and where each sequence starts. @internal
 */
export interface ReorderSink<T> {
  next(value: T): void;
  error(error: unknown): void;
  /** A hole given up on (before the error, with `gapAction: 'error'`). */
  gap?(gap: SequenceGapInfo): void;
  /** A value at or below the last one passed on, or a second copy of a held one: dropped. */
  late?(value: T, seq: number): void;
  /**
   * Where the sequence of `key` starts (`null`: at its first value). Asked when the sequence's
   * track is made: at the first value of the key, or at construction without keys; when the stage
   * follows (`follow`), also at each value that finds its track holding nothing.
   */
  startOf(key: string | number | undefined): number | null;
}

/** The checked options of a {@link Reorder}. @internal */
export interface ReorderOptions {
  readonly keyed: boolean;
  readonly window: number;
  readonly maxWait: number;
  readonly gapAction: 'skip' | 'error';
  readonly scheduler: SchedulerLike;
  /**
   * The caller moves the sequences itself while nothing is held (the managed socket's cursor
   * takes in-order events without this stage): a track holding nothing reads its position from
   * `sink.startOf` at each value instead of keeping one.
   */
  readonly follow?: boolean;
}

/**
 * The single-step core of `sequenceGaps`, shared by the operator and the managed socket: one
 * sequence (track) per key, values pushed with their seq (and key) already read. In order, a
 * value is passed on at once; early ones are held until the hole fills, or given up on after
 * `maxWait` or beyond `window` held. `push` and `flush` throw a {@link SequenceGapError} for a
 * hole given up on with `gapAction: 'error'`; a timer reports it to `sink.error`.
 *
 * @internal
 */
export class Reorder<T> {
  /** The tracks by key (keyed only: without keys there is `single`). */
  private readonly tracks: Map<string | number | undefined, Track<T>> | null;
  /** The track found last (keyed only). */
  private lastTrack: Track<T> | null = null;
  /** Without keys there is one track: created up front, so `start` applies before any value. */
  private readonly single: Track<T> | undefined;
  /** The values held, across all tracks. */
  private holding = 0;

  constructor(
    private readonly options: ReorderOptions,
    private readonly sink: ReorderSink<T>,
  ) {
    this.tracks = options.keyed ? new Map() : null;
    this.single = options.keyed ? undefined : this.newTrack(undefined);
  }

  /** Whether nothing is held: every sequence is in order (a value in order may pass without this stage when it follows). */
  get idle(): boolean {
    return this.holding === 0;
  }

  /** One value, with its seq (a safe integer >= 0) and, when keyed, its key. */
  push(value: T, seq: number, key: string | number | undefined): void {
    const t = this.track(key);
    if (!t.based) {
      t.based = true;
      t.last = seq;
      this.sink.next(value);
      return;
    }
    if (seq === t.last + 1) {
      // In order: the fast path (nothing held, no timer touched).
      t.last = seq;
      this.sink.next(value);
      if (t.held !== null && t.held.size > 0) {
        this.drain(t);
        this.arm(t);
      }
      return;
    }
    if (seq <= t.last || (t.held !== null && t.held.has(seq))) {
      this.sink.late?.(value, seq);
      return;
    }
    // The first early value of this sequence: its holding places are made now (none before).
    const held = (t.held ??= new Map());
    held.set(seq, { value, at: this.options.scheduler.now() });
    this.holding++;
    (t.heap ??= new MinHeap()).push(seq);
    if (held.size > this.options.window) this.giveUp(t, 'window');
    this.arm(t);
  }

  /**
   * The in-order step: when `seq` may pass at once (the base of its sequence, or the next one with
   * nothing held), the sequence moves and `true` comes back, and the caller passes the value on
   * itself. Otherwise nothing changes: `false`, and the value goes to {@link Reorder.push}.
   */
  advance(seq: number, key: string | number | undefined): boolean {
    const t = this.track(key);
    if (!t.based) {
      t.based = true;
      t.last = seq;
      return true;
    }
    if (seq !== t.last + 1 || (t.held !== null && t.held.size > 0)) return false;
    t.last = seq;
    return true;
  }

  /** The source completed: nothing can fill the remaining holes any more. */
  flush(): void {
    for (const t of this.all()) while (heldCount(t) > 0) this.giveUp(t, 'complete');
  }

  /** Stops the timers and forgets everything held. */
  dispose(): void {
    for (const t of this.all()) {
      t.timer?.unsubscribe();
      t.timer = null;
      t.held = null;
      t.heap = null;
    }
    this.holding = 0;
    this.tracks?.clear();
    this.lastTrack = null;
  }

  private all(): Iterable<Track<T>> {
    return this.tracks === null ? [this.single as Track<T>] : this.tracks.values();
  }

  /** The track of `key`; when following, one that holds nothing is moved to where its sequence stands now. */
  private track(key: string | number | undefined): Track<T> {
    const t = this.single ?? this.trackFor(key);
    if (this.options.follow === true && heldCount(t) === 0) {
      const base = checkStart(this.sink.startOf(t.key));
      t.based = base !== null;
      t.last = base ?? -1;
    }
    return t;
  }

  private trackFor(key: string | number | undefined): Track<T> {
    // The last key's track first: a feed's events often come in runs of one key.
    const last = this.lastTrack;
    if (last !== null && last.key === key) return last;
    const tracks = this.tracks as Map<string | number | undefined, Track<T>>;
    let track = tracks.get(key);
    if (track === undefined) {
      track = this.newTrack(key);
      tracks.set(key, track);
    }
    this.lastTrack = track;
    return track;
  }

  private newTrack(key: string | number | undefined): Track<T> {
    const base = checkStart(this.sink.startOf(key));
    return { key, based: base !== null, last: base ?? -1, held: null, heap: null, timer: null };
  }

  private drain(t: Track<T>): void {
    const { held, heap } = t;
    if (held === null || heap === null) return;
    while (heap.size > 0 && heap.peek() === t.last + 1) {
      const seq = heap.pop();
      const entry = held.get(seq) as { readonly value: T };
      held.delete(seq);
      this.holding--;
      t.last = seq;
      this.sink.next(entry.value);
    }
  }

  private giveUp(t: Track<T>, reason: SequenceGapInfo['reason']): void {
    const lowest = (t.heap as MinHeap).peek();
    const hole = { from: t.last + 1, to: lowest - 1, lastContiguous: t.last, reason };
    const gap: SequenceGapInfo = this.options.keyed ? { ...hole, key: t.key } : hole;
    this.sink.gap?.(gap);
    if (this.options.gapAction === 'error') throw new SequenceGapError(gap);
    t.last = lowest - 1;
    this.drain(t);
  }

  private onTimer(t: Track<T>): void {
    t.timer = null;
    const { maxWait, scheduler } = this.options;
    try {
      // Values held beyond the next hole may already have waited `maxWait` too: give that one up as well.
      while (heldCount(t) > 0 && oldestArrival(t) + maxWait <= scheduler.now()) this.giveUp(t, 'timeout');
      this.arm(t);
    } catch (err) {
      this.sink.error(err);
    }
  }

  private arm(t: Track<T>): void {
    const { maxWait, scheduler } = this.options;
    if (heldCount(t) === 0) {
      t.timer?.unsubscribe();
      t.timer = null;
    } else if (t.timer === null && maxWait !== Infinity) {
      t.timer = scheduler.schedule(() => this.onTimer(t), Math.max(0, oldestArrival(t) + maxWait - scheduler.now()));
    }
  }
}

interface Track<T> {
  readonly key: string | number | undefined;
  based: boolean;
  last: number;
  /** Held values by seq, in arrival order (so the first entry is the one that has waited longest). */
  held: Map<number, { readonly value: T; readonly at: number }> | null;
  /** The held seqs, for the lowest one. Both are made at the first early value (`null` before). */
  heap: MinHeap | null;
  timer: Subscription | null;
}

/** When the longest-waiting held value arrived (the current hole has been open since then). */
function heldCount<T>(t: Track<T>): number {
  return t.held === null ? 0 : t.held.size;
}

function oldestArrival<T>(t: Track<T>): number {
  if (t.held === null) return Infinity;
  const first = t.held.values().next();
  return first.done ? Infinity : first.value.at;
}

/** `start`, or what a `start` function returned: null or a safe integer >= -1. */
function checkStart(start: unknown): number | null {
  if (start !== null && !(Number.isSafeInteger(start) && (start as number) >= -1)) {
    throw new InvalidOptionError({ operator: OP, option: 'start', reason: 'null or a safe integer >= -1', value: start });
  }
  return start as number | null;
}
