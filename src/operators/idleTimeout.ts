import { asyncScheduler, identity, Observable, tap } from 'rxjs';
import type { MonoTypeOperatorFunction, SchedulerAction, SchedulerLike } from 'rxjs';
import { IdleTimeoutError, InvalidOptionError } from '../errors';
import { timerDuration } from '../internal/validate';

const OP = 'idleTimeout';

/** Options of {@link idleTimeout}. */
export interface IdleTimeoutOptions {
  /**
   * The scheduler for the silence timer.
   * @default asyncScheduler
   */
  scheduler?: SchedulerLike;
}

/**
 * Errors with an {@link IdleTimeoutError} when the source stays silent for `ms` milliseconds.
 *
 * A connection that still looks open but delivers nothing (a "zombie") is found out and ended, so
 * a retry operator downstream can open a fresh one. The clock starts at subscription and restarts
 * at every value; completion and errors pass through and stop it.
 *
 * ```text
 * --a----b------------
 * > idleTimeout(5)
 * --a----b----#
 * ```
 *
 * A value that arrives exactly `ms` after the previous one (or after subscription) races the
 * timer: in virtual time it wins when it was scheduled first, as the values of `cold` and `hot`
 * observables are; with real timers either may run first. `0` and `Infinity` turn the check off.
 *
 * ## Example
 * Restart a feed that goes quiet for 30 s.
 * ```ts
 * import { catchError, concat, EMPTY, interval, NEVER, take } from 'rxjs';
 * import { idleTimeout, IdleTimeoutError } from 'rxjs-managed-socket';
 *
 * // ticks 0, 1, 2 (one a second), then stays open but silent
 * const feed$ = concat(interval(1_000).pipe(take(3)), NEVER);
 *
 * feed$
 *   .pipe(
 *     idleTimeout(30_000),
 *     catchError((err: unknown) => {
 *       if (err instanceof IdleTimeoutError) console.log(`silent ${err.info.idleMs} ms after ${err.info.seen} values`);
 *       return EMPTY;
 *     }),
 *   )
 *   .subscribe(console.log);
 * // Output:
 * // 0
 * // 1
 * // 2
 * // silent 30000 ms after 3 values
 * ```
 *
 * Errors: {@link IdleTimeoutError} with `info: { idleMs, seen }` (`seen` = values before the
 * silence) when the limit is reached; the source's own errors unchanged. Creating it with a bad
 * `ms` throws {@link InvalidOptionError}.
 *
 * @param ms The longest silence allowed, in milliseconds: a number >= 0 and at most 2^31 - 1 (about
 *   24.8 days: a longer timer fires at once in Node and browsers), or `0` or `Infinity` for off.
 * @param options The {@link IdleTimeoutOptions}.
 * @returns An operator that mirrors the source until it has been silent for `ms` milliseconds.
 */
export function idleTimeout<T>(ms: number, options: IdleTimeoutOptions = {}): MonoTypeOperatorFunction<T> {
  timerDuration(OP, 'ms', ms, true);
  if (typeof options !== 'object' || options === null) {
    throw new InvalidOptionError({ operator: OP, option: 'options', reason: 'an options object', value: options });
  }
  const { scheduler = asyncScheduler } = options;

  if (ms === 0 || ms === Infinity) return identity;

  return (source) =>
    new Observable<T>((subscriber) => {
      let seen = 0;
      /** When the current silence began: the subscription, then each value. */
      let since = scheduler.now();
      // The source goes straight to `subscriber`, so a synchronous source stops as soon as the
      // consumer unsubscribes.
      source
        .pipe(
          tap(() => {
            seen++;
            since = scheduler.now();
          }),
        )
        .subscribe(subscriber);
      if (subscriber.closed) return;
      // One timer per subscription, not one per value (that costs a timer-list insert and removal
      // per value): a value only moves `since`, and the timer, when it finds that values came since
      // it was set, sets itself again for the time that is left.
      subscriber.add(
        scheduler.schedule(function (this: SchedulerAction<unknown>) {
          const now = scheduler.now();
          const left = ms - (now - since);
          // With fractional times (virtual time after a jittered backoff) `left` can be too small to
          // move the clock: the silence has lasted `ms`, or this timer would spin at one frame.
          if (now + left <= now) subscriber.error(new IdleTimeoutError({ idleMs: ms, seen }));
          else this.schedule(undefined, left);
        }, ms),
      );
    });
}
