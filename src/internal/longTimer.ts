import { NEVER, switchMap, timer } from 'rxjs';
import type { Observable, SchedulerLike } from 'rxjs';

/**
 * The longest delay a timer takes as it is: 2^31 - 1 ms (about 24.8 days). Node and browsers run
 * a longer `setTimeout`/`setInterval` after 1 ms instead.
 *
 * @internal
 */
export const MAX_TIMER_DELAY = 2 ** 31 - 1;

/**
 * `timer(ms, scheduler)` for any delay: a wait longer than {@link MAX_TIMER_DELAY} is taken in
 * steps of at most that, so it does not fire at once; `Infinity` never fires. Emits `0` once,
 * then completes.
 *
 * @internal
 */
export function longTimer(ms: number, scheduler: SchedulerLike): Observable<0> {
  if (ms === Infinity) return NEVER;
  if (ms <= MAX_TIMER_DELAY) return timer(ms, scheduler);
  return timer(MAX_TIMER_DELAY, scheduler).pipe(switchMap(() => longTimer(ms - MAX_TIMER_DELAY, scheduler)));
}
