import { concat, defer, filter, from, Observable, Subject } from 'rxjs';
import type { ObservableInput, OperatorFunction, Subscriber, Subscription } from 'rxjs';
import * as check from '../internal/validate';
import { checkDropPolicy, DropBuffer } from '../internal/dropBuffer';
import type { CheckedPolicy, Waiting } from '../internal/dropBuffer';

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
      const runner = new Runner(subscriber, capacity, concurrency, checkedPolicy, work, onDrop);
      subscriber.add(() => runner.stop());
      // One operator between the source and `subscriber`, so a synchronous source stops as soon as
      // the consumer unsubscribes. `filter` takes each value (and lets none through: `arrive`
      // answers false); work results go to `subscriber` from each run. Once the source completes,
      // the output waits for the work still running or waiting.
      concat(
        source.pipe(filter((value: T): value is never => runner.arrive(value))),
        defer(() => runner.sourceComplete()),
      ).subscribe(subscriber);
    });
}

/** One subscription's state: the waiting values, the running work and the counts. */
class Runner<T, R> {
  private readonly waiting: DropBuffer<T>;
  /** The work still running (synchronous work that completed at once is never added). */
  private readonly runs = new Set<Subscription>();
  private running = 0;
  private received = 0;
  private dropped = 0;
  private arrivals = 0;
  private sourceDone = false;
  private releasing = false;
  /** Completes when the source is done and so is all the work (made when the source completes). */
  private allDone: Subject<never> | null = null;

  constructor(
    readonly subscriber: Subscriber<R>,
    capacity: number,
    private readonly concurrency: number,
    policy: CheckedPolicy<T>,
    private readonly work: (value: T, index: number) => ObservableInput<R>,
    private readonly onDrop: DropOnFullConfig<T>['onDrop'],
  ) {
    this.waiting = new DropBuffer<T>(capacity, policy);
  }

  /** A value that has just arrived: started now, or put in the queue (made an entry only then). Always `false`. */
  arrive(value: T): false {
    this.received++;
    const index = this.arrivals++;
    // A non-empty queue means a release is in progress (re-entrant arrival): keep arrival order.
    if (this.running < this.concurrency && this.waiting.size === 0) {
      this.running++;
      this.start(value, index);
    } else {
      this.waiting.offer({ value, index, priority: 0 }, this.drop);
    }
    return false;
  }

  /** The source completed: what completes the output once the work still to do is done. */
  sourceComplete(): Observable<never> {
    this.sourceDone = true;
    this.allDone = new Subject<never>();
    this.release();
    this.finishIfDone();
    return this.allDone;
  }

  /** A run completed: its place is free. */
  finished(run: Run<R>): void {
    if (run.subscription !== undefined) this.runs.delete(run.subscription);
    this.running--;
    this.release();
    this.finishIfDone();
  }

  stop(): void {
    for (const subscription of this.runs) subscription.unsubscribe();
    this.runs.clear();
    this.waiting.clear();
  }

  private readonly drop = (entry: Waiting<T>, incoming: boolean): void => {
    this.dropped++;
    const { dropped, received, waiting } = this;
    this.onDrop?.(entry.value, { dropped, received, reason: 'full', index: entry.index, incoming, buffered: waiting.size });
  };

  private start(value: T, index: number): void {
    let input: ObservableInput<R>;
    try {
      input = this.work(value, index);
    } catch (err) {
      this.subscriber.error(err);
      return;
    }
    const run = new Run<R>(this as Runner<unknown, R>);
    // `run.subscription` is unset while `subscribe` runs: synchronous work completes before it returns.
    const subscription = from(input).subscribe(run);
    if (!run.completed) {
      run.subscription = subscription;
      this.runs.add(subscription);
    }
  }

  private release(): void {
    if (this.releasing || this.waiting.size === 0) return;
    this.releasing = true;
    try {
      while (this.running < this.concurrency && this.waiting.size > 0 && !this.subscriber.closed) {
        this.running++;
        const { value, index } = this.waiting.shift() as Waiting<T>;
        this.start(value, index);
      }
    } finally {
      this.releasing = false;
    }
  }

  private finishIfDone(): void {
    if (this.sourceDone && this.running === 0 && this.waiting.size === 0) this.allDone?.complete();
  }
}

/** One work's run: its results go on; its end frees a place. */
class Run<R> {
  completed = false;
  subscription: Subscription | undefined = undefined;

  constructor(private readonly runner: Runner<unknown, R>) {}

  next(result: R): void {
    this.runner.subscriber.next(result);
  }

  error(err: unknown): void {
    this.runner.subscriber.error(err);
  }

  complete(): void {
    this.completed = true;
    this.runner.finished(this);
  }
}
