import { from, ignoreElements, merge, Observable, Subject, tap } from 'rxjs';
import type { ObservableInput, OperatorFunction, Subscription } from 'rxjs';
import * as check from '../internal/validate';
import { checkDropPolicy, DropBuffer } from '../internal/dropBuffer';
import type { Waiting } from '../internal/dropBuffer';

const OP = 'dropOnFull';

/**
 * Which value to drop when a value arrives and the buffer is full.
 *
 * - `'newest'`: the value that just arrived.
 * - `'oldest'`: the value that has waited longest in the buffer; the new one is queued.
 * - `{ priority }`: the value with the lowest `priority(value)` among the buffered ones and the
 *   new one; on a tie, the one that arrived last. `NaN` counts as the lowest priority.
 */
export type DropPolicy<T> = 'newest' | 'oldest' | { readonly priority: (value: T) => number };

/** Context passed to `onDrop` for each dropped value. */
export interface DropInfo {
  /** Values dropped on this subscription so far, this one included. */
  readonly dropped: number;
  /** Values received from the source on this subscription so far, the latest included. */
  readonly received: number;
  /** Why the value was dropped: the buffer was full (the only reason today). */
  readonly reason: 'full';
  /** The dropped value's arrival index (0-based), the `index` that `work` would have been given. */
  readonly index: number;
  /** `true` when the value that just arrived was dropped, `false` when a buffered value was evicted for it. */
  readonly incoming: boolean;
  /** Values waiting in the buffer after the drop (always the capacity: drops only happen when it is full). */
  readonly buffered: number;
}

/** Options of {@link dropOnFull}. */
export interface DropOnFullConfig<T> {
  /**
   * How many `work` calls may run at once: an integer >= 1, or Infinity (then nothing ever waits,
   * nothing is dropped, and the operator behaves like `mergeMap`).
   * @default 1
   */
  concurrency?: number;
  /**
   * Which value to drop when the buffer is full. See {@link DropPolicy}. Buffered values always
   * start in arrival order, whatever the policy. `priority` is called once per value that has to
   * wait, and a drop under it scans the buffer (O(capacity)); the other policies are O(1).
   * @default 'newest'
   */
  policy?: DropPolicy<T>;
  /**
   * Called for every dropped value, after the buffer has been updated. A throw errors the output.
   * @default undefined
   */
  onDrop?: (value: T, info: DropInfo) => void;
}

/**
 * Runs `work` for each value with bounded concurrency, keeping at most `capacity` values waiting,
 * and drops (and reports) values instead of blocking or growing when that buffer is full.
 *
 * Like `concatMap` (or `mergeMap` with `concurrency`), but a slow consumer can never make memory
 * grow or push back on the source: the source is never paused, and what does not fit is counted,
 * reported through `onDrop`, and skipped.
 *
 * ```text
 * source:  -a-b-c-d--------e-|
 *          > dropOnFull(1, v => timer(4).pipe(map(() => v.toUpperCase())))
 * output:  -----A---B---D------(E|)
 * ```
 * (c arrives while a runs and b waits: the buffer is full, so c is dropped and passed to `onDrop`.
 * With `policy: 'oldest'`, c would evict b instead: `-----A---C---D------(E|)`.)
 *
 * A value that arrives while fewer than `concurrency` calls run starts at once; otherwise it waits
 * in the buffer, or, if `capacity` values already wait, one value is dropped according to `policy`.
 * `capacity: 0` never buffers: with `concurrency: 1` it behaves like `exhaustMap`. Waiting values
 * start in arrival order as running calls complete. `work` is given the value and its arrival
 * index (dropped values keep their index, so indexes can skip). The output completes once the
 * source has completed and every running and buffered call has finished. An error from the
 * source, from `work` (thrown or emitted), or from `policy.priority` or `onDrop` errors the output
 * at once; the buffer is dropped and running calls are unsubscribed, as on unsubscription.
 *
 * ## Example
 * ```ts
 * import { interval, take, timer, map } from 'rxjs';
 * import { dropOnFull } from 'rxjs-managed-socket';
 *
 * interval(10)
 *   .pipe(
 *     take(6),
 *     dropOnFull(1, (n) => timer(22).pipe(map(() => `done ${n}`)), {
 *       onDrop: (n, info) => console.log(`dropped ${n} (${info.dropped} so far)`),
 *     }),
 *   )
 *   .subscribe(console.log);
 * // Output:
 * // dropped 2 (1 so far)
 * // done 0
 * // dropped 4 (2 so far)
 * // done 1
 * // done 3
 * // done 5
 * ```
 *
 * Errors: whatever the source, `work`, `policy.priority` or `onDrop` throws or emits as an error.
 * Throws {@link InvalidOptionError} at creation time for an invalid `capacity`, `work` or option.
 *
 * @param capacity How many values may wait while `concurrency` calls run: an integer >= 0.
 * @param work Turns a value (and its arrival index) into the work to run for it.
 * @param config Concurrency, drop policy and drop reporting.
 * @returns A function that returns an Observable of everything `work` emits, for the values that
 * were not dropped.
 */
export function dropOnFull<T, R>(
  capacity: number,
  work: (value: T, index: number) => ObservableInput<R>,
  config?: DropOnFullConfig<T>,
): OperatorFunction<T, R> {
  check.count(OP, 'capacity', capacity, 0);
  check.func(OP, 'work', work);
  const { concurrency = 1, policy = 'newest', onDrop } = config ?? {};
  check.count(OP, 'concurrency', concurrency, 1, true);
  const checkedPolicy = checkDropPolicy<T>(OP, policy);
  if (onDrop !== undefined) check.func(OP, 'onDrop', onDrop);

  return (source) =>
    new Observable<R>((subscriber) => {
      // All state lives here, one set per subscription.
      const waiting = new DropBuffer<T>(capacity, checkedPolicy);
      /** The work still running (synchronous work that completed at once is never added). */
      const runningWork = new Set<Subscription>();
      let running = 0;
      let received = 0;
      let dropped = 0;
      let arrivals = 0;
      let sourceDone = false;
      let releasing = false;
      /** Completes when the source is done and so is all the work: the output completes with it. */
      const allDone = new Subject<never>();

      const drop = (entry: Waiting<T>, incoming: boolean) => {
        dropped++;
        onDrop?.(entry.value, { dropped, received, reason: 'full', index: entry.index, incoming, buffered: waiting.size });
      };

      /** A value that has just arrived: started now, or put in the queue (made an entry only then). */
      const arrive = (value: T): void => {
        received++;
        const index = arrivals++;
        // A non-empty queue means a release is in progress (re-entrant arrival): keep arrival order.
        if (running < concurrency && waiting.size === 0) {
          running++;
          start(value, index);
        } else {
          waiting.offer({ value, index, priority: 0 }, drop);
        }
      };

      const finishIfDone = () => {
        if (sourceDone && running === 0 && waiting.size === 0) allDone.complete();
      };

      /** One work's run: its results go on; its end frees a place (a class: no closures per value). */
      class Run {
        completed = false;
        subscription: Subscription | undefined = undefined;
        next(result: R): void {
          subscriber.next(result);
        }
        error(err: unknown): void {
          subscriber.error(err);
        }
        complete(): void {
          this.completed = true;
          if (this.subscription !== undefined) runningWork.delete(this.subscription);
          running--;
          release();
          finishIfDone();
        }
      }

      const start = (value: T, index: number) => {
        let input: ObservableInput<R>;
        try {
          input = work(value, index);
        } catch (err) {
          subscriber.error(err);
          return;
        }
        const run = new Run();
        // `run.subscription` is unset while `subscribe` runs: synchronous work completes before it returns.
        const subscription = from(input).subscribe(run);
        if (!run.completed) {
          run.subscription = subscription;
          runningWork.add(subscription);
        }
      };

      const release = () => {
        if (releasing) return;
        releasing = true;
        try {
          while (running < concurrency && waiting.size > 0 && !subscriber.closed) {
            running++;
            const { value, index } = waiting.shift() as Waiting<T>;
            start(value, index);
          }
        } finally {
          releasing = false;
        }
      };

      subscriber.add(() => {
        for (const subscription of runningWork) subscription.unsubscribe();
        runningWork.clear();
        waiting.clear();
      });
      // The source goes straight to `subscriber` (through operators), so a synchronous source
      // stops as soon as the consumer unsubscribes. Its values are taken by `tap`; work results
      // are sent to `subscriber` by `start`.
      merge(
        source.pipe(
          tap({
            next: arrive,
            complete: () => {
              sourceDone = true;
              release();
              finishIfDone();
            },
          }),
          ignoreElements(),
        ),
        allDone,
      ).subscribe(subscriber);
    });
}
