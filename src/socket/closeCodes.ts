import { CloseError, InsecureUrlError, TokenError, UpgradeRefusedError } from '../errors';

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

/**
 * A change to a default list of close codes: `add` extends it, `remove` takes codes out of it.
 *
 * @example
 * ```ts
 * import type { CloseCodeTable } from 'rxjs-managed-socket';
 *
 * // 1008 and the others stay permanent; 4100 joins them; 1009 (message too big) is retried.
 * const closeCodes: CloseCodeTable = { permanent: { add: [4100], remove: [1009] } };
 * ```
 */
export interface CloseCodeChange {
  /** Codes added to the default list. */
  readonly add?: readonly number[];
  /** Codes taken out of the default list. */
  readonly remove?: readonly number[];
}

/**
 * The close codes that decide the default classification; see {@link classifyFailure}.
 *
 * A list (`permanent: [4100]`) **replaces** the default list (kept so for backward
 * compatibility: 1008 is then no longer permanent); a {@link CloseCodeChange}
 * (`permanent: { add: [4100] }`) extends or trims it.
 */
export interface CloseCodeTable {
  /**
   * Codes that mean "do not try again": 1002 protocol error, 1003 unsupported data, 1007 invalid
   * payload, 1008 policy violation (bad token), 1009 message too big, 1010 missing extension.
   * A list replaces these; `{ add, remove }` changes them.
   * @default [1002, 1003, 1007, 1008, 1009, 1010]
   */
  readonly permanent?: readonly number[] | CloseCodeChange;
  /**
   * Authentication failures the server reports with an application code: permanent.
   * @default { from: 4400, to: 4499 }
   */
  readonly authFailure?: CloseCodeRange;
  /**
   * Codes that mean "your token expired": the token is refreshed and the socket reconnects.
   * A list replaces these; `{ add, remove }` changes them.
   * @default [4001]
   */
  readonly reauth?: readonly number[] | CloseCodeChange;
}

const DEFAULT_PERMANENT: readonly number[] = [1002, 1003, 1007, 1008, 1009, 1010];
const DEFAULT_AUTH_FAILURE: CloseCodeRange = { from: 4400, to: 4499 };
const DEFAULT_REAUTH: readonly number[] = [4001];

/** The default close-code lists, for a `closeCodes` that extends them. @internal */
export const DEFAULT_CLOSE_CODES = { permanent: DEFAULT_PERMANENT, authFailure: DEFAULT_AUTH_FAILURE, reauth: DEFAULT_REAUTH } as const;

/** A list as given (it replaces the default), or the default changed by `{ add, remove }`. @internal */
export function resolveCodes(given: readonly number[] | CloseCodeChange | undefined, defaults: readonly number[]): readonly number[] {
  if (given === undefined) return defaults;
  if (isCodeList(given)) return given;
  const removed = new Set(given.remove ?? []);
  return [...defaults.filter((code) => !removed.has(code)), ...(given.add ?? [])];
}

function isCodeList(given: readonly number[] | CloseCodeChange): given is readonly number[] {
  return Array.isArray(given);
}

/** HTTP statuses of a refused upgrade that mean "not allowed": reauth once, then permanent. */
const AUTH_STATUSES: readonly number[] = [401, 403];
/** HTTP statuses of a refused upgrade that mean "later": transient, with the Retry-After floor. */
const LATER_STATUSES: readonly number[] = [408, 425, 429];

/**
 * The default failure classifier of `managedSocket$`.
 *
 * Permanent: the close codes of `table.permanent` and `table.authFailure`, a {@link TokenError}
 * for the very first token, an {@link InsecureUrlError}, and an upgrade refused with a 4xx HTTP
 * status other than 401, 403, 408, 425 and 429. Reauth: the codes of `table.reauth`, and an upgrade
 * refused with 401 or 403 (the socket makes that permanent when there is no token provider, or
 * when the upgrade is refused again right after a new token). Transient: everything else:
 * network errors, 1000/1001 (a restarting server), 1006, 1011-1013, idle and connect timeouts,
 * resyncs, an upgrade refused with 408, 425, 429 or 5xx, and a failed token refresh once a token
 * was obtained.
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
  if (error instanceof UpgradeRefusedError) {
    const { status } = error.info;
    if (AUTH_STATUSES.includes(status)) return 'reauth';
    return status >= 400 && status < 500 && !LATER_STATUSES.includes(status) ? 'permanent' : 'transient';
  }
  if (!(error instanceof CloseError)) return 'transient';
  const { code } = error.info;
  const { authFailure = DEFAULT_AUTH_FAILURE } = table;
  if (resolveCodes(table.reauth, DEFAULT_REAUTH).includes(code)) return 'reauth';
  if (resolveCodes(table.permanent, DEFAULT_PERMANENT).includes(code) || (code >= authFailure.from && code <= authFailure.to)) return 'permanent';
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
 * close, as `retry-after=<seconds>` (or `Retry-After: <seconds>`), or in the `Retry-After` header
 * of a refused upgrade (Node `ws` only), in ms; `undefined` when there is none.
 *
 * @internal
 */
export function retryHintOf(error: unknown): number | undefined {
  if (error instanceof UpgradeRefusedError) return error.info.retryAfterMs;
  if (!(error instanceof CloseError) || (error.info.code !== 1012 && error.info.code !== 1013)) return undefined;
  const match = RETRY_HINT.exec(error.info.reason);
  return match === null ? undefined : Number(match[1]) * 1000;
}

/** A classifier's answer as a verdict. @internal */
export function toVerdict(answer: FailureKind | FailureVerdict): FailureVerdict {
  return typeof answer === 'string' ? { kind: answer } : answer;
}
