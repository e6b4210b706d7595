import type { SchedulerAction, SchedulerLike, Subscription } from 'rxjs';
import { IdleTimeoutError } from '../errors';

/**
 * A silence check that reads a counter instead of a clock: calls `watched.idle` with an
 * {@link IdleTimeoutError} once no sign of life (a value, a frame, a pong) has come for `ms`. What
 * it watches only counts its signs of life, so a busy source costs no timer work and no clock read
 * per value.
 *
 * The check looks at the counter every *step* of `Math.ceil(ms / 2)` ms (at least 1 ms) from its
 * start, and reports at the second look in a row that finds it unchanged (the first, when `ms` is
 * 1 ms or less). A silence is therefore reported after at least two steps (`ms`, or `ms + 1` for
 * an odd `ms`) and before three: between `ms` and about `1.5 * ms` after the last sign of life,
 * and at two steps exactly when nothing came after the start. A sign of life in the same instant
 * as a look counts for that look when it was scheduled first.
 *
 * While `watched.held()` is true (reading is paused on purpose: nothing can arrive), silence does
 * not count: the look during the hold and the one right after it start the window again, so a
 * silence is reported at least `ms` after reading resumed.
 *
 * Used by `idleTimeout` and by each open connection of `managedSocket$`.
 *
 * @param ms The silence allowed, in ms (> 0).
 * @param watched The signs of life, whether reading is held, and where a silence is reported.
 * @param uncounted The signs of life the report's `seen` leaves out. Defaults to those that came
 *   before the check started.
 * @returns The running check: unsubscribe to stop it.
 * @internal
 */
export function idleCheck(ms: number, scheduler: SchedulerLike, watched: IdleWatched, uncounted = watched.signs()): Subscription {
  const step = Math.max(1, Math.ceil(ms / 2));
  const check: IdleState = { ms, step, looks: Math.ceil(ms / step), uncounted, seen: watched.signs(), quiet: 0, watched };
  return scheduler.schedule(look, step, check);
}

/** What the idle check watches: its signs of life, whether reading is held, and where a silence is reported. @internal */
export interface IdleWatched {
  /** How many signs of life so far (only ever grows). */
  signs(): number;
  /** Whether reading is paused on purpose right now. */
  held(): boolean;
  /** No sign of life for too long. */
  idle(error: IdleTimeoutError): void;
}

interface IdleState {
  readonly ms: number;
  readonly step: number;
  readonly looks: number;
  readonly uncounted: number;
  seen: number;
  quiet: number;
  readonly watched: IdleWatched;
}

/** One look at the counter (a module function: nothing is made per check but the state). */
function look(this: SchedulerAction<IdleState>, check?: IdleState): void {
  const state = check as IdleState;
  const { watched } = state;
  const now = watched.signs();
  // A look during a hold does not count, nor does the one after it (the resume may come just
  // before it): a silence is reported at least `ms` after the resume.
  state.quiet = watched.held() ? -1 : now === state.seen ? state.quiet + 1 : 0;
  state.seen = now;
  if (state.quiet >= state.looks) watched.idle(new IdleTimeoutError({ idleMs: state.ms, seen: state.seen - state.uncounted }));
  else this.schedule(state, state.step);
}
