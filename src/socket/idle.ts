import type { SchedulerAction, SchedulerLike, Subscription } from 'rxjs';
import { IdleTimeoutError } from '../errors';

/**
 * The zombie check of one open connection: calls `watched.idle` with an {@link IdleTimeoutError} once no sign
 * of life (a frame or a protocol pong) has come for `ms`. It reads a counter of signs of life
 * instead of a clock, so a busy connection costs no timer work and no clock read per frame: a
 * timer looks at the counter every half of `ms`, and two looks in a row that find it unchanged
 * mean silence. A silent link is therefore failed between `ms` and `1.5 * ms` after its last sign
 * of life (exactly `ms` when it never sent anything after the open).
 *
 * While `watched.held()` is true (the consumer paused the socket: no frame can arrive), silence does not
 * count: the check restarts its full window at every look during the hold, so a link is failed
 * between `ms` and `1.5 * ms` of silence after reading resumed.
 *
 * @param watched The connection: its signs of life (the error's `seen` is how many came since the
 *   check started, at the open), whether it is held, and where a zombie is reported.
 * @returns The running check: unsubscribe to stop it.
 * @internal
 */
export function idleCheck(ms: number, scheduler: SchedulerLike, watched: IdleWatched): Subscription {
  const step = Math.max(1, Math.ceil(ms / 2));
  const atOpen = watched.signs();
  const check: IdleState = { ms, step, looks: Math.ceil(ms / step), atOpen, seen: atOpen, quiet: 0, watched };
  return scheduler.schedule(look, step, check);
}

/** What the idle check watches: its signs of life, whether reading is held, and where a zombie is reported. @internal */
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
  readonly atOpen: number;
  seen: number;
  quiet: number;
  readonly watched: IdleWatched;
}

/** One look at the counter (a module function: nothing is made per connection but the state). */
function look(this: SchedulerAction<IdleState>, check?: IdleState): void {
  const state = check as IdleState;
  const { watched } = state;
  const now = watched.signs();
  // A look during our own hold does not count, nor does the one after it (the resume may come just
  // before it): a link is failed at least `ms` after the resume.
  state.quiet = watched.held() ? -1 : now === state.seen ? state.quiet + 1 : 0;
  state.seen = now;
  if (state.quiet >= state.looks) watched.idle(new IdleTimeoutError({ idleMs: state.ms, seen: state.seen - state.atOpen }));
  else this.schedule(state, state.step);
}
