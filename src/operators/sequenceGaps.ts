import { asyncScheduler, ignoreElements, Observable, tap } from 'rxjs';
import type { MonoTypeOperatorFunction, SchedulerLike, Subscription } from 'rxjs';
import { InvalidOptionError, SequenceGapError } from '../errors';
import type { SequenceGapInfo } from '../errors';
import { readSeq } from '../internal/seq';
import * as check from '../internal/validate';
import { MinHeap } from '../internal/minHeap';

const OP = 'sequenceGaps';

/** Options of {@link sequenceGaps}. */
export interface SequenceGapsConfig<T> {
  /**
   * The last seq already delivered before this stream started (a resume cursor). The first value
   * expected is then `start + 1`; pass `-1` when the sequence starts at 0 and nothing was delivered.
   * `null` lets the first value set the base: it is emitted whatever its seq.
   * @default null
   */
  start?: number | null;
  /**
   * The most values held back while waiting for a hole to fill (an integer >= 0, or Infinity
   * when `maxWait` is finite). When one more would be held, the lowest hole is given up on at once
   * with reason `'window'`. `0` never holds anything: every hole is given up on as soon as it is
   * seen.
   * @default 1000
   */
  window?: number;
  /**
   * How long, in ms, a hole may stay open before it is given up on with reason `'timeout'`
   * (a number >= 0, or Infinity to rely on `window` alone). A hole's clock starts when the first
   * value beyond it arrives, so the values held ahead of it never wait longer than this. `0` lets
   * only values that arrive in the same synchronous burst (the same task) fill a hole.
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
 * whatever `seqOf`, `onGap` or `onLate` throws. Throws {@link InvalidOptionError} at creation time
 * for an invalid option.
 *
 * @see {@link resumeFrom}
 * @see {@link dedupe}
 * @param seqOf Reads the sequence number (a safe integer >= 0) of a value.
 * @param config Reorder window, timeout and reporting options.
 * @returns A function that returns an Observable of the source values in seq order, without
 * duplicates, with unfilled holes reported and skipped (or turned into an error).
 */
export function sequenceGaps<T>(seqOf: (value: T) => number, config?: SequenceGapsConfig<T>): MonoTypeOperatorFunction<T> {
  check.func(OP, 'seqOf', seqOf);
  const {
    start = null,
    window = 1000,
    maxWait = 1000,
    gapAction = 'skip',
    onGap,
    onLate,
    scheduler = asyncScheduler,
  } = config ?? {};
  if (start !== null && !(Number.isSafeInteger(start) && start >= -1)) {
    throw new InvalidOptionError({ operator: OP, option: 'start', reason: 'null or a safe integer >= -1', value: start });
  }
  check.count(OP, 'window', window, 0, true);
  check.duration(OP, 'maxWait', maxWait, true);
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
      // All state lives here, one set per subscription.
      /** Held values by seq, in arrival order (so the first entry is the one that has waited longest). */
      const held = new Map<number, { readonly value: T; readonly at: number }>();
      /** The held seqs, for the lowest one. */
      const heap = new MinHeap();
      let based = start !== null;
      /** The last seq emitted (or `start`). Only meaningful once `based`. */
      let last = start ?? -1;
      let timer: Subscription | null = null;

      /** Emits the held values that are now contiguous with `last`. */
      const drain = () => {
        while (heap.size > 0 && heap.peek() === last + 1) {
          const seq = heap.pop();
          const entry = held.get(seq) as { readonly value: T };
          held.delete(seq);
          last = seq;
          subscriber.next(entry.value);
        }
      };

      /** Gives up on the lowest hole: report it, then skip it (and drain) or throw. */
      const giveUp = (reason: SequenceGapInfo['reason']) => {
        const lowest = heap.peek();
        const gap: SequenceGapInfo = { from: last + 1, to: lowest - 1, lastContiguous: last, reason };
        onGap?.(gap);
        if (gapAction === 'error') throw new SequenceGapError(gap);
        last = lowest - 1;
        drain();
      };

      /** When the longest-waiting held value arrived (the current hole has been open since then). */
      const oldestArrival = (): number => {
        const first = held.values().next();
        return first.done ? Infinity : first.value.at;
      };

      const onTimer = () => {
        timer = null;
        try {
          // Values held beyond the next hole may already have waited `maxWait` too: give that one up as well.
          while (held.size > 0 && oldestArrival() + maxWait <= scheduler.now()) giveUp('timeout');
          arm();
        } catch (err) {
          subscriber.error(err);
        }
      };

      /**
       * Keeps one timer pending while anything is held. It may fire early (the oldest value was
       * released since it was set): `onTimer` then just sets it again for the new deadline.
       */
      const arm = () => {
        if (held.size === 0) {
          timer?.unsubscribe();
          timer = null;
        } else if (timer === null && maxWait !== Infinity) {
          timer = scheduler.schedule(onTimer, Math.max(0, oldestArrival() + maxWait - scheduler.now()));
        }
      };

      const onValue = (value: T) => {
        const seq = readSeq(seqOf, value);
        if (!based) {
          based = true;
          last = seq;
          subscriber.next(value);
          return;
        }
        if (seq <= last || held.has(seq)) {
          onLate?.(value, seq);
          return;
        }
        if (seq === last + 1) {
          last = seq;
          subscriber.next(value);
          drain();
        } else {
          held.set(seq, { value, at: scheduler.now() });
          heap.push(seq);
          if (held.size > window) giveUp('window');
        }
        arm();
      };

      const onComplete = () => {
        // Nothing can fill the remaining holes any more.
        while (held.size > 0) giveUp('complete');
      };

      subscriber.add(() => {
        timer?.unsubscribe();
        timer = null;
        held.clear();
        heap.clear();
      });
      // Values go straight to `subscriber` from onValue, drain and the timer (no Subject and merge
      // in between: fewer hops per value). Subscribing `subscriber` itself links the inner
      // subscription to it, so a synchronous source stops as soon as the consumer unsubscribes. A
      // throw in onValue or onComplete becomes the output's error; completion follows the flush.
      source.pipe(tap({ next: onValue, complete: onComplete }), ignoreElements()).subscribe(subscriber);
    });
}
