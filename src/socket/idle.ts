import type { SchedulerAction, SchedulerLike, Subscription } from 'rxjs';
import { IdleTimeoutError } from '../errors';

/**
 * The zombie check of one open connection: calls `onIdle` with an {@link IdleTimeoutError} once no sign
 * of life (a frame or a protocol pong) has come for `ms`. It reads a counter of signs of life
 * instead of a clock, so a busy connection costs no timer work and no clock read per frame: a
 * timer looks at the counter every half of `ms`, and two looks in a row that find it unchanged
 * mean silence. A silent link is therefore failed between `ms` and `1.5 * ms` after its last sign
 * of life (exactly `ms` when it never sent anything after the open).
 *
 * While `held()` is true (the consumer paused the socket: no frame can arrive), silence does not
 * count: the check restarts its full window at every look during the hold, so a link is failed
 * between `ms` and `1.5 * ms` of silence after reading resumed.
 *
 * @param signs How many signs of life so far (only ever grows); the error's `seen` is how many
 *   came since the check started (the open).
 * @param held Whether reading is paused on purpose right now.
 * @returns The running check: unsubscribe to stop it.
 * @internal
 */
export function idleCheck(ms: number, scheduler: SchedulerLike, signs: () => number, held: () => boolean, onIdle: (error: IdleTimeoutError) => void): Subscription {
  const step = Math.max(1, Math.ceil(ms / 2));
  const looks = Math.ceil(ms / step);
  const atOpen = signs();
  let seen = atOpen;
  let quiet = 0;
  return scheduler.schedule(function (this: SchedulerAction<unknown>) {
    const now = signs();
    // A look during our own hold does not count, nor does the one after it (the resume may come just
    // before it): a link is failed at least `ms` after the resume.
    quiet = held() ? -1 : now === seen ? quiet + 1 : 0;
    seen = now;
    if (quiet >= looks) onIdle(new IdleTimeoutError({ idleMs: ms, seen: seen - atOpen }));
    else this.schedule(undefined, step);
  }, step);
}
