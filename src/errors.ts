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
    const where = info.key === undefined ? '' : ` in ${String(info.key)}`;
    super(`Sequence gap${where}: ${info.from}..${info.to} missing (last contiguous ${info.lastContiguous})`);
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
  /**
   * Why the gap was given up on: it stayed open too long, the reorder window filled up, or the
   * source completed with the hole still open.
   */
  readonly reason: 'timeout' | 'window' | 'complete';
  /** The key of the sequence, when the stream has several (`sequenceGaps`' `keyOf`). */
  readonly key?: string | number;
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

/**
 * The socket closed, or failed to open. Emitted to the subscriber of a managed socket when the close
 * is permanent (see {@link classifyFailure}); otherwise reported on `events$` while it reconnects.
 *
 * @example
 * ```ts
 * import { CloseError } from 'rxjs-managed-socket';
 *
 * if (err instanceof CloseError && err.info.code === 1008) console.log('refused:', err.info.reason);
 * ```
 */
export class CloseError extends Error {
  override readonly name = 'CloseError';
  /** The close code, the reason the peer gave, and whether the closing handshake completed. */
  readonly info: CloseInfo;

  constructor(info: CloseInfo) {
    super(`WebSocket closed with code ${info.code}${info.reason ? ` (${info.reason})` : ''}`);
    this.info = info;
  }
}

/** Context of a {@link CloseError}. */
export interface CloseInfo {
  /** The WebSocket close code (1006 when the connection dropped without a close frame). */
  readonly code: number;
  /** The reason string sent with the close frame, if any. */
  readonly reason: string;
  /** Whether the closing handshake completed. */
  readonly wasClean: boolean;
}

/**
 * The socket did not open within `connectTimeout`.
 *
 * @example
 * ```ts
 * import { ConnectTimeoutError } from 'rxjs-managed-socket';
 *
 * if (err instanceof ConnectTimeoutError) console.log(`no open after ${err.info.timeoutMs} ms`);
 * ```
 */
export class ConnectTimeoutError extends Error {
  override readonly name = 'ConnectTimeoutError';
  /** The configured limit. */
  readonly info: { readonly timeoutMs: number };

  constructor(info: { readonly timeoutMs: number }) {
    super(`WebSocket did not open within ${info.timeoutMs} ms`);
    this.info = info;
  }
}

/**
 * An inbound frame was refused: too large, binary where text was expected, not JSON, or not valid
 * for the io-ts codec. Reported on `events$` and counted; the stream goes on.
 *
 * @example
 * ```ts
 * import { DecodeError } from 'rxjs-managed-socket';
 *
 * socket.events$.subscribe((e) => {
 *   if (e.type === 'decodeError') console.log(e.error.info.kind, e.error.info.errors);
 * });
 * ```
 */
export class DecodeError extends Error {
  override readonly name = 'DecodeError';
  /** What was wrong, the raw frame (cut to 256 characters) and the codec's messages. */
  readonly info: DecodeErrorInfo;

  constructor(info: DecodeErrorInfo) {
    super(`Inbound frame refused (${info.kind})${info.errors.length ? `: ${info.errors[0]}` : ''}`);
    this.info = info;
  }
}

/** Context of a {@link DecodeError}. */
export interface DecodeErrorInfo {
  /**
   * `size`: above `maxMessageSize` (UTF-8 bytes for text, bytes for binary); `binary`: a binary
   * frame without a wire format, or one it cannot read (a `Blob`); `json`: not JSON;
   * `deserialize`: the wire format's `deserialize` threw; `batch`: `eventsOf` threw or returned
   * something other than an array; `codec`: failed the io-ts codec; `seq`: the seq it carries is
   * not a safe integer >= 0 (or `seqOf` threw), or its resume token is not a finite number (or
   * `resumeTokenOf` threw); `key`: the key it carries is not a string or a finite number (or
   * `keyOf` threw); `id`: `idOf` threw on it.
   */
  readonly kind: 'size' | 'binary' | 'json' | 'deserialize' | 'batch' | 'codec' | 'seq' | 'key' | 'id';
  /** The raw frame, or its first 256 characters; `undefined` for binary frames. */
  readonly raw: string | undefined;
  /** Size of the frame in characters (text) or bytes (binary). */
  readonly size: number;
  /** Human-readable validation messages (io-ts paths), empty for other kinds. */
  readonly errors: readonly string[];
  /** For one event of a batch frame (`eventsOf`): its position in the batch; the others go on. */
  readonly index?: number;
}

/**
 * `send()` was called while the outbox was full and its overflow policy is `'error'`. The message
 * was not accepted; everything accepted before it is still queued.
 *
 * @example
 * ```ts
 * import { OutboxOverflowError } from 'rxjs-managed-socket';
 *
 * try { socket.send(msg); } catch (err) { if (err instanceof OutboxOverflowError) retryLater(msg); }
 * ```
 */
export class OutboxOverflowError extends Error {
  override readonly name = 'OutboxOverflowError';
  /** The outbox capacity that was reached. */
  readonly info: { readonly capacity: number };

  constructor(info: { readonly capacity: number }) {
    super(`Outbox full (${info.capacity} messages): message not accepted`);
    this.info = info;
  }
}

/**
 * The token provider failed (threw, rejected, errored, completed without a token, or did not answer
 * within `tokenTimeout`). The token itself never appears in this error.
 *
 * @example
 * ```ts
 * import { TokenError } from 'rxjs-managed-socket';
 *
 * if (err instanceof TokenError) console.log('could not get a token:', err.info.reason);
 * ```
 */
export class TokenError extends Error {
  override readonly name = 'TokenError';
  /** Why, and whether this was the first token (a missing first token is permanent). */
  readonly info: { readonly reason: 'failed' | 'empty' | 'timeout'; readonly initial: boolean; readonly cause?: unknown };

  constructor(info: { readonly reason: 'failed' | 'empty' | 'timeout'; readonly initial: boolean; readonly cause?: unknown }) {
    super(`Token provider ${info.reason === 'timeout' ? 'timed out' : info.reason === 'empty' ? 'returned no token' : 'failed'}`);
    this.info = info;
  }
}

/**
 * `secureOnly` is set and the URL of an attempt is `ws://` to a host that is not loopback.
 * Permanent: the socket does not retry it. The URL itself is not kept (it may carry a token).
 *
 * @example
 * ```ts
 * import { InsecureUrlError } from 'rxjs-managed-socket';
 *
 * if (err instanceof InsecureUrlError) console.log(`refused plain ws:// to ${err.info.host}`);
 * ```
 */
export class InsecureUrlError extends Error {
  override readonly name = 'InsecureUrlError';
  /** The host that would have been reached without TLS. */
  readonly info: { readonly host: string };

  constructor(info: { readonly host: string }) {
    super(`Refused an unencrypted ws:// connection to ${info.host} (secureOnly)`);
    this.info = info;
  }
}

/**
 * The `url` function of a connection attempt gave no URL: its Promise or Observable completed
 * without a value. Transient by default: the socket retries it with backoff, like a refused
 * connection, rather than spinning.
 *
 * @example
 * ```ts
 * import { UrlError } from 'rxjs-managed-socket';
 *
 * if (err instanceof UrlError) console.log(`attempt ${err.info.attempt}: the url function gave no URL`);
 * ```
 */
export class UrlError extends Error {
  override readonly name = 'UrlError';
  /** The attempt whose URL was missing, and why. */
  readonly info: { readonly attempt: number; readonly reason: 'empty' };

  constructor(info: { readonly attempt: number; readonly reason: 'empty' }) {
    super(`The url function gave no URL for attempt ${info.attempt} (it completed without a value)`);
    this.info = info;
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'object' && value !== null) return Array.isArray(value) ? 'an array' : 'an object';
  return String(value);
}
