import { CloseError, InsecureUrlError, TokenError } from '../errors';

/**
 * How a managed socket treats a failure:
 * - `'permanent'`: stop, state `closed`, the error goes to the subscriber;
 * - `'reauth'`: refresh the token, then reconnect with backoff;
 * - `'transient'`: reconnect with backoff.
 */
export type FailureKind = 'permanent' | 'reauth' | 'transient';

/** An inclusive range of close codes. */
export interface CloseCodeRange {
  readonly from: number;
  readonly to: number;
}

/** The close codes that decide the default classification; see {@link classifyFailure}. */
export interface CloseCodeTable {
  /**
   * Codes that mean "do not try again": 1002 protocol error, 1003 unsupported data, 1007 invalid
   * payload, 1008 policy violation (bad token), 1009 message too big, 1010 missing extension.
   * @default [1002, 1003, 1007, 1008, 1009, 1010]
   */
  readonly permanent?: readonly number[];
  /**
   * Authentication failures the server reports with an application code: permanent.
   * @default { from: 4400, to: 4499 }
   */
  readonly authFailure?: CloseCodeRange;
  /**
   * Codes that mean "your token expired": the token is refreshed and the socket reconnects.
   * @default [4001]
   */
  readonly reauth?: readonly number[];
}

const DEFAULT_PERMANENT: readonly number[] = [1002, 1003, 1007, 1008, 1009, 1010];
const DEFAULT_AUTH_FAILURE: CloseCodeRange = { from: 4400, to: 4499 };
const DEFAULT_REAUTH: readonly number[] = [4001];

/**
 * The default failure classifier of `managedSocket$`.
 *
 * Permanent: the close codes of `table.permanent` and `table.authFailure`, a {@link TokenError}
 * for the very first token, and an {@link InsecureUrlError}. Reauth: the codes of `table.reauth`. Transient: everything else:
 * network errors, 1000/1001 (a restarting server), 1006, 1011-1013, idle and connect timeouts,
 * resyncs, and a failed token refresh once a token was obtained.
 *
 * @example
 * ```ts
 * import { classifyFailure, CloseError } from 'rxjs-managed-socket';
 *
 * classifyFailure(new CloseError({ code: 1008, reason: 'bad token', wasClean: true })); // 'permanent'
 * classifyFailure(new CloseError({ code: 1006, reason: '', wasClean: false }));         // 'transient'
 * ```
 *
 * @param error What ended the connection attempt.
 * @param table Close codes that override the defaults.
 * @returns How to treat the failure.
 */
export function classifyFailure(error: unknown, table: CloseCodeTable = {}): FailureKind {
  if (error instanceof TokenError) return error.info.initial ? 'permanent' : 'transient';
  if (error instanceof InsecureUrlError) return 'permanent';
  if (!(error instanceof CloseError)) return 'transient';
  const { code } = error.info;
  const { permanent = DEFAULT_PERMANENT, authFailure = DEFAULT_AUTH_FAILURE, reauth = DEFAULT_REAUTH } = table;
  if (reauth.includes(code)) return 'reauth';
  if (permanent.includes(code) || (code >= authFailure.from && code <= authFailure.to)) return 'permanent';
  return 'transient';
}

/**
 * What a classifier says about a failure: its kind and, optionally, a floor in ms for the wait
 * before the next attempt (a server's "try again later" hint). A plain {@link FailureKind} is the
 * same as `{ kind }`.
 */
export interface FailureVerdict {
  readonly kind: FailureKind;
  /** The next attempt waits at least this long, whatever the backoff says. */
  readonly minDelay?: number;
}

const RETRY_HINT = /retry[-_ ]?after[=: ]\s*(\d+(?:\.\d+)?)/i;

/**
 * The wait a server asked for in the reason of a 1012 (service restart) or 1013 (try again later)
 * close, as `retry-after=<seconds>` (or `Retry-After: <seconds>`), in ms; `undefined` when there is
 * none.
 *
 * @internal
 */
export function retryHintOf(error: unknown): number | undefined {
  if (!(error instanceof CloseError) || (error.info.code !== 1012 && error.info.code !== 1013)) return undefined;
  const match = RETRY_HINT.exec(error.info.reason);
  return match === null ? undefined : Number(match[1]) * 1000;
}

/** A classifier's answer as a verdict. @internal */
export function toVerdict(answer: FailureKind | FailureVerdict): FailureVerdict {
  return typeof answer === 'string' ? { kind: answer } : answer;
}
