import type { SchedulerLike } from 'rxjs';

/** Context of a {@link VirtualTimeBoundError}. */
export interface VirtualTimeBoundInfo {
  /** Which bound was passed: the connection attempts, the frames, or the fake sockets. */
  readonly bound: 'attempts' | 'frames' | 'sockets';
  /** The configured limit (`maxAttempts`, `maxFrames` or `maxSockets`). */
  readonly limit: number;
  /** The frame at which it was passed. */
  readonly frame: number;
  /** How many connection attempts (for `sockets`: fake sockets) had started by then. */
  readonly attempts: number;
}

/**
 * A socket under {@link createSocketHarness} started more connection attempts than `maxAttempts`,
 * or was still busy after `maxFrames`, or {@link createFakeWebSockets} was asked for more sockets
 * than `maxSockets`: a retry loop that never ends, which would otherwise keep
 * `TestScheduler.flush()` running until memory runs out. Thrown by the flush, which then drops
 * every pending action.
 */
export class VirtualTimeBoundError extends Error {
  override readonly name = 'VirtualTimeBoundError';
  /** Which bound, its limit, and where the socket was. */
  readonly info: VirtualTimeBoundInfo;

  constructor(info: VirtualTimeBoundInfo) {
    const what =
      info.bound === 'attempts'
        ? `Socket harness: more than ${info.limit} connection attempts (maxAttempts) by frame ${info.frame}`
        : info.bound === 'frames'
          ? `Socket harness: still busy after frame ${info.limit} (maxFrames), at frame ${info.frame} after ${info.attempts} connection attempts`
          : `FakeWebSockets: more than ${info.limit} sockets (maxSockets) by frame ${info.frame}`;
    super(`${what}: a retry loop that never ends? Raise the bound if the test needs more.`);
    this.info = info;
  }
}

/**
 * Ends the flush of `scheduler` with `error`. An error thrown by an observer is reported out of
 * band and a retry loop goes on; one thrown by a scheduled action ends `TestScheduler.flush()`,
 * which drops every pending action and rethrows it.
 *
 * @internal
 */
export function failFlush(scheduler: SchedulerLike, error: Error): void {
  scheduler.schedule(() => {
    throw error;
  });
}
