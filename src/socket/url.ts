import { defer, of, take } from 'rxjs';
import type { Observable } from 'rxjs';
import { InsecureUrlError } from '../errors';
import { toObservable } from '../internal/toObservable';
import type { ConnectContext, ManagedSocketConfig } from './config';

/**
 * The URL of one connection attempt: the string, or what the `url` function gives for this
 * attempt (a string, a promise, or the first value of an Observable).
 *
 * @internal
 */
export function resolveUrl(url: ManagedSocketConfig<unknown, unknown>['url'], ctx: ConnectContext): Observable<string> {
  if (typeof url === 'string') return of(url);
  return defer(() => toObservable(url(ctx))).pipe(take(1));
}

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

/**
 * `secureOnly`: a `ws://` URL must point at loopback; throws {@link InsecureUrlError} otherwise.
 *
 * @internal
 */
export function checkSecure(href: string): void {
  let parsed: URL;
  try {
    parsed = new URL(href);
  } catch {
    return; // the WebSocket constructor reports a malformed URL itself
  }
  if (parsed.protocol === 'ws:' && !LOOPBACK.test(parsed.hostname)) throw new InsecureUrlError({ host: parsed.hostname });
}
