/**
 * Typed errors of the Node entry: lossless consumption, committed work and the Redis cursor store.
 * Each sets `name` and carries a readonly `info`, like the errors of the root entry.
 *
 * @packageDocumentation
 */

/**
 * Ends a lossless adapter ({@link toAsyncIterable} or {@link toReadable} with `pause`) when its
 * source cannot pause (`pause()` returned `false`, as a managed socket on a browser WebSocket does):
 * rather than let the buffer grow without bound, or drop what it promised to keep.
 *
 * ## Example
 * ```ts
 * import { BackpressureError } from 'rxjs-managed-socket/node';
 *
 * if (err instanceof BackpressureError) console.log(`could not pause with ${err.info.buffered} waiting`);
 * ```
 */
export class BackpressureError extends Error {
  override readonly name = 'BackpressureError';
  /** The high-water mark and how many values waited when the pause was refused. */
  readonly info: BackpressureInfo;

  constructor(info: BackpressureInfo) {
    super(`The source cannot pause: ${info.buffered} values wait (capacity ${info.capacity}); use a drop policy on this transport`);
    this.info = info;
  }
}

/** Context of a {@link BackpressureError}. */
export interface BackpressureInfo {
  /** The adapter's `capacity` (its high-water mark). */
  readonly capacity: number;
  /** Values waiting when the pause was refused. */
  readonly buffered: number;
}
