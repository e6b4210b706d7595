/**
 * Typed errors emitted or thrown by rxjs-managed-socket.
 *
 * Every class sets `name` and carries a readonly `info` object with the context of the failure,
 * so consumers can branch with `instanceof` and rethrow anything else.
 *
 * @packageDocumentation
 */

/**
 * Thrown synchronously when an operator or factory is created with an invalid option
 * (a negative or NaN duration, a non-integer count, a missing callback, ...).
 *
 * It extends `TypeError`, so code that already checks for `TypeError` keeps working.
 *
 * @example
 * ```ts
 * import { idleTimeout, InvalidOptionError } from 'rxjs-managed-socket';
 *
 * try {
 *   idleTimeout(-1);
 * } catch (err) {
 *   if (err instanceof InvalidOptionError) console.log(err.info.option); // 'ms'
 * }
 * ```
 */
export class InvalidOptionError extends TypeError {
  override readonly name = 'InvalidOptionError';
  /** Which option of which operator was rejected, and the value it was given. */
  readonly info: InvalidOptionInfo;

  constructor(info: InvalidOptionInfo) {
    super(`${info.operator}: invalid option \`${info.option}\`: ${info.reason} (got ${describe(info.value)})`);
    this.info = info;
  }
}

/** Context of an {@link InvalidOptionError}. */
export interface InvalidOptionInfo {
  /** The operator or factory that rejected the option, e.g. `'retryBackoff'`. */
  readonly operator: string;
  /** The option's name, e.g. `'initialInterval'`. */
  readonly option: string;
  /** What the option must be, e.g. `'a finite number >= 0'`. */
  readonly reason: string;
  /** The rejected value. */
  readonly value: unknown;
}

/**
 * Emitted by {@link idleTimeout} when the source stays silent for longer than allowed.
 *
 * @example
 * ```ts
 * import { IdleTimeoutError } from 'rxjs-managed-socket';
 *
 * if (err instanceof IdleTimeoutError) console.log(`silent for ${err.info.idleMs} ms`);
 * ```
 */
export class IdleTimeoutError extends Error {
  override readonly name = 'IdleTimeoutError';
  /** How long the source was silent and how many values it had emitted. */
  readonly info: IdleTimeoutInfo;

  constructor(info: IdleTimeoutInfo) {
    super(`No value for ${info.idleMs} ms (after ${info.seen} value${info.seen === 1 ? '' : 's'})`);
    this.info = info;
  }
}

/** Context of an {@link IdleTimeoutError}. */
export interface IdleTimeoutInfo {
  /** The configured silence limit, in milliseconds. */
  readonly idleMs: number;
  /** How many values the source emitted on this subscription before it went silent. */
  readonly seen: number;
}

/**
 * Emitted by {@link sequenceGaps} with `gapAction: 'error'` when a hole in the sequence is not
 * filled in time; the subscriber can resume from `info.lastContiguous`.
 *
 * @example
 * ```ts
 * import { SequenceGapError } from 'rxjs-managed-socket';
 *
 * if (err instanceof SequenceGapError) console.log(`missing ${err.info.from}..${err.info.to}`);
 * ```
 */
export class SequenceGapError extends Error {
  override readonly name = 'SequenceGapError';
  /** The missing range and the last seq that was delivered without a hole. */
  readonly info: SequenceGapInfo;

  constructor(info: SequenceGapInfo) {
    super(`Sequence gap: ${info.from}..${info.to} missing (last contiguous ${info.lastContiguous})`);
    this.info = info;
  }
}

/** A hole in a sequence: every seq from `from` to `to` (inclusive) is missing. */
export interface SequenceGapInfo {
  /** First missing seq. */
  readonly from: number;
  /** Last missing seq (inclusive). */
  readonly to: number;
  /** The highest seq below which nothing was missing when the gap was given up on. */
  readonly lastContiguous: number;
  /** Why the gap was given up on: it stayed open too long, or the reorder window filled up. */
  readonly reason: 'timeout' | 'window';
}

/**
 * Emitted by {@link sequenceGaps} and {@link resumeFrom} when `seqOf` returns something that is
 * not a safe integer >= 0 (NaN, a fraction, a negative number, a string, a number beyond 2^53).
 *
 * @example
 * ```ts
 * import { InvalidSequenceError } from 'rxjs-managed-socket';
 *
 * if (err instanceof InvalidSequenceError) console.log('bad seq', err.info.seq, 'in', err.info.value);
 * ```
 */
export class InvalidSequenceError extends Error {
  override readonly name = 'InvalidSequenceError';
  /** The value whose seq was invalid, and that seq. */
  readonly info: InvalidSequenceInfo;

  constructor(info: InvalidSequenceInfo) {
    super(`Invalid sequence number ${describe(info.seq)}: expected a safe integer >= 0`);
    this.info = info;
  }
}

/** Context of an {@link InvalidSequenceError}. */
export interface InvalidSequenceInfo {
  /** What `seqOf` returned. */
  readonly seq: unknown;
  /** The value it was read from. */
  readonly value: unknown;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'object' && value !== null) return Array.isArray(value) ? 'an array' : 'an object';
  return String(value);
}
