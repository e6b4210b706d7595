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

/**
 * A {@link redisCursorStore} consumer does not hold the lease on its job's name (any more): its
 * saves are refused, and its lease's `signal` is aborted with this error. `reason` says why:
 * `'taken'` (the lease is not ours: it ran out and another consumer may hold it), `'fenced'` (a
 * consumer with a newer fencing token has written), `'expired'` (it could not be renewed before it
 * ran out, e.g. while Redis was unreachable), `'not-held'` (a save before `acquire()` or after
 * `release()`).
 *
 * ## Example
 * ```ts
 * import { LeaseLostError } from 'rxjs-managed-socket/node';
 *
 * if (err instanceof LeaseLostError) console.log(`lease ${err.info.token} on ${err.info.name} lost: ${err.info.reason}`);
 * ```
 */
export class LeaseLostError extends Error {
  override readonly name = 'LeaseLostError';
  /** Which lease was lost, and why. */
  readonly info: LeaseLostInfo;

  constructor(info: LeaseLostInfo) {
    super(`Lease on '${info.name}' (token ${info.token}, owner ${info.owner}) not held: ${info.reason}`);
    this.info = info;
  }
}

/** Context of a {@link LeaseLostError}. */
export interface LeaseLostInfo {
  /** The job's name. */
  readonly name: string;
  /** This consumer's owner string. */
  readonly owner: string;
  /** The fencing token of the lost lease (`0` when none was held). */
  readonly token: number;
  /** Why: see {@link LeaseLostError}. */
  readonly reason: 'taken' | 'fenced' | 'expired' | 'not-held';
}
