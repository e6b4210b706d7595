import { CloseError, UpgradeRefusedError } from '../errors';
import type { WebSocketLike } from './transport';

/**
 * What a transport knows about a refused upgrade: the HTTP status and the raw `Retry-After`
 * header. The `/node` entry's WebSocket sets it (from `ws`'s `unexpected-response`); a browser
 * cannot see it.
 *
 * @internal
 */
export interface UpgradeRefusal {
  readonly status: number;
  readonly retryAfter: string | undefined;
}

/** A socket that may carry an {@link UpgradeRefusal}. @internal */
export interface RefusableSocket {
  readonly upgradeRefusal?: UpgradeRefusal;
}

/**
 * The ms a `Retry-After` header asks for: delay-seconds or an HTTP date (relative to `now`, epoch
 * ms); `undefined` when absent or unreadable.
 *
 * @internal
 */
export function retryAfterMs(header: string | undefined, now: number): number | undefined {
  if (header === undefined) return undefined;
  const text = header.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * What ended an attempt, with a refused upgrade told apart: a {@link CloseError} of a socket that
 * carries an {@link UpgradeRefusal} becomes an {@link UpgradeRefusedError}.
 *
 * @internal
 */
export function upgradeErrorOf(error: unknown, socket: WebSocketLike | null, now: number): unknown {
  const refusal = (socket as RefusableSocket | null)?.upgradeRefusal;
  if (!(error instanceof CloseError) || refusal === undefined) return error;
  const wait = retryAfterMs(refusal.retryAfter, now);
  return new UpgradeRefusedError(wait === undefined ? { status: refusal.status } : { status: refusal.status, retryAfterMs: wait });
}
