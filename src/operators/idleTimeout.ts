import { asyncScheduler, identity, Observable, tap } from 'rxjs';
import type { MonoTypeOperatorFunction, SchedulerLike } from 'rxjs';
import { InvalidOptionError } from '../errors';
import { idleCheck } from '../internal/idleCheck';
import type { IdleWatched } from '../internal/idleCheck';
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
 * a retry operator downstream can open a fresh one. Completion and errors pass through and stop
 * the check.
 *
 * A value costs a counter increment, never a clock read or timer work: a timer looks at the count
 * every `Math.ceil(ms / 2)` ms from the subscription, and the second look in a row that finds no
 * new value errors. The silence reported has lasted at least `ms` and less than about `1.5 * ms`
 * (three looks); a source that sends nothing at all errors after `ms` exactly (`ms + 1` when `ms`
 * is odd). Here the looks come every 3 frames, at 3, 6, 9, ...: the one at 9 sees `b`, those at 12
 * and 15 see nothing new.
 *
 * ```text
 * --a----b------------
 * > idleTimeout(6)
 * --a----b-------#
 * ```
 *
 * A value in the same instant as a look counts for it when it was scheduled first, as the values
 * of `cold` and `hot` observables are in virtual time. `0` and `Infinity` turn the check off.
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
 * // The check looks every 15 s: it finds the silence at 45 s, 42 s after the last tick.
 * // Output:
 * // 0
 * // 1
 * // 2
 * // silent 30000 ms after 3 values
 * ```
 *
 * Errors: {@link IdleTimeoutError} with `info: { idleMs, seen }` (`idleMs` = `ms`, `seen` = values
 * before the silence) when the silence is found; the source's own errors unchanged. Creating it
 * with a bad `ms` throws {@link InvalidOptionError}.
 *
 * @param ms The longest silence allowed, in milliseconds: a number >= 0 and at most 2^31 - 1 (about
 *   24.8 days: a longer timer fires at once in Node and browsers), or `0` or `Infinity` for off.
 * @param options The {@link IdleTimeoutOptions}.
 * @returns An operator that mirrors the source until it has been silent for `ms` milliseconds or
 *   more (see above for how much more).
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
      // The source goes straight to `subscriber`, so a synchronous source stops as soon as the
      // consumer unsubscribes. A value only counts: no clock read, no timer work.
      source.pipe(tap(() => seen++)).subscribe(subscriber);
      if (subscriber.closed) return;
      // Started after the source, so a value in the same instant as a look was scheduled first
      // and counts for it; `seen` includes a synchronous burst from the subscription.
      const watched: IdleWatched = { signs: () => seen, held: () => false, idle: (error) => subscriber.error(error) };
      subscriber.add(idleCheck(ms, scheduler, watched, 0));
    });
}
