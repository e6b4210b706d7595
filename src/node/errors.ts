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

/**
 * Rejects a {@link CommitLog.commit} that would need more than `window` seqs remembered above one
 * that is not committed yet: the log would have to give up on that seq (and so skip work that was
 * never done), so it refuses instead. Usually a piece of work that never finished while many after
 * it did: stop, and let the next run redo it.
 *
 * ## Example
 * ```ts
 * import { CommitWindowError } from 'rxjs-managed-socket/node';
 *
 * if (err instanceof CommitWindowError) console.log(`seq ${err.info.from} of ${String(err.info.key)} never finished`);
 * ```
 */
export class CommitWindowError extends Error {
  override readonly name = 'CommitWindowError';
  /** The seqs the log would have had to give up on, and the window. */
  readonly info: CommitWindowInfo;

  constructor(info: CommitWindowInfo) {
    super(`Commit window of ${info.window} full: seqs ${info.from}-${info.to}${info.key === undefined ? '' : ` of ${String(info.key)}`} were never committed`);
    this.info = info;
  }
}

/** Context of a {@link CommitWindowError}. */
export interface CommitWindowInfo {
  /** The first seq not committed. */
  readonly from: number;
  /** The last seq of that hole (inclusive). */
  readonly to: number;
  /** Its key (`'perKey'` mode), else `undefined`. */
  readonly key: string | number | undefined;
  /** The log's `window`. */
  readonly window: number;
}
