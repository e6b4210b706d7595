import { catchError, defaultIfEmpty, defer, EMPTY, map, Observable, of, retry, SchedulerLike, switchMap, take, throwError, timeout } from 'rxjs';
import { TokenError } from '../errors';
import { toObservable } from '../internal/toObservable';
import { longTimer } from '../internal/longTimer';

/** A token, with its expiry (epoch ms) when the provider knows it. */
export type TokenValue = string | { readonly token: string; readonly expiresAt?: number | null };

/**
 * Where tokens come from: called for the first connection, before a token expires, and after the
 * server closed with an auth code. Return the token as a value, a Promise or an Observable (its
 * first value is used).
 */
export type TokenProvider = () => TokenValue | PromiseLike<TokenValue> | Observable<TokenValue>;

/** A token and when it expires (epoch ms, `null` when unknown). */
export interface TokenInfo {
  readonly token: string;
  readonly expiresAt: number | null;
}

/**
 * Reads the `exp` claim (seconds) of a JWT as epoch ms, or `null` when the token is not a JWT or
 * has no numeric `exp`. The signature is not checked: this is only used to schedule a refresh.
 *
 * @internal
 */
export function jwtExpiry(token: string): number | null {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[1] === undefined) return null;
  try {
    const base64 = parts[1].replace(/-/g, '+').replace(/_/g, '/');
    const payload: unknown = JSON.parse(globalThis.atob(base64.padEnd(base64.length + ((4 - (base64.length % 4)) % 4), '=')));
    if (typeof payload === 'object' && payload !== null && 'exp' in payload && typeof payload.exp === 'number') return payload.exp * 1000;
  } catch {
    // Not a JWT: no expiry.
  }
  return null;
}

function toInfo(value: TokenValue): TokenInfo {
  if (typeof value === 'string') return { token: value, expiresAt: jwtExpiry(value) };
  return { token: value.token, expiresAt: value.expiresAt ?? (typeof value.token === 'string' ? jwtExpiry(value.token) : null) };
}

/**
 * The token of a managed socket: cached across connections, fetched again when forced or when it
 * is due for a refresh (see {@link TokenCache.refreshAt}). Provider failures become
 * {@link TokenError}s that never carry the token.
 *
 * @internal
 */
export class TokenCache {
  private current: TokenInfo | null = null;
  /** When the current token was fetched (scheduler time). */
  private fetchedAt = 0;

  constructor(
    private readonly provider: TokenProvider,
    private readonly refreshBefore: number,
    private readonly tokenTimeout: number,
    private readonly scheduler: SchedulerLike,
  ) {}

  /** The cached token, if any. */
  get info(): TokenInfo | null {
    return this.current;
  }

  /**
   * When the cached token is due for a refresh: `refreshBefore` ms before its expiry, or halfway
   * through its life when it lives shorter than that (so a short-lived token is used, not fetched
   * again at once); `null` without a token or an expiry.
   */
  refreshAt(): number | null {
    const current = this.current;
    if (current === null || current.expiresAt === null) return null;
    return current.expiresAt - Math.min(this.refreshBefore, Math.max(0, current.expiresAt - this.fetchedAt) / 2);
  }

  /** Whether the cached token should be replaced before it is used. */
  isStale(now: number): boolean {
    if (this.current === null) return true;
    const due = this.refreshAt();
    return due !== null && now >= due;
  }

  /** The token to use now: the cached one unless `force` or stale, else a fresh one. */
  get$(force: boolean): Observable<TokenInfo> {
    return defer(() => {
      const cached = this.current;
      if (cached !== null && !force && !this.isStale(this.scheduler.now())) return of(cached);
      const initial = this.current === null;
      return defer(() => toObservable(this.provider())).pipe(
        take(1),
        map((value) => {
          const info = toInfo(value);
          if (typeof info.token !== 'string' || info.token === '') throw new TokenError({ reason: 'empty', initial });
          return info;
        }),
        defaultIfEmpty(null),
        map((info) => {
          if (info === null) throw new TokenError({ reason: 'empty', initial });
          this.current = info;
          this.fetchedAt = this.scheduler.now();
          return info;
        }),
        timeout({ first: this.tokenTimeout, with: () => throwError(() => new TokenError({ reason: 'timeout', initial })), scheduler: this.scheduler }),
        catchError((cause: unknown) => throwError(() => (cause instanceof TokenError ? cause : new TokenError({ reason: 'failed', initial, cause })))),
      );
    });
  }
}

/**
 * While a connection is open: fetches a new token when the current one is due
 * ({@link TokenCache.refreshAt}: `refreshBefore` ms ahead of its expiry, or halfway through a
 * shorter life) and hands it to `onRefreshed`, which uses it (in-band) and returns `true` to go on
 * refreshing, or `false` to stop (the connection will be replaced). A failed fetch does not drop a
 * healthy connection: it is reported to `onFailed` and tried again, halfway to the expiry each
 * time, until the token really expired; only then does this error with the {@link TokenError}.
 * Never emits.
 *
 * @internal
 */
export function tokenRefresh$(
  tokens: TokenCache,
  scheduler: SchedulerLike,
  onRefreshed: (next: TokenInfo) => boolean,
  onFailed: (error: unknown, retryIn: number) => void = () => undefined,
): Observable<never> {
  const info = tokens.info;
  const due = tokens.refreshAt();
  if (info === null || info.expiresAt === null || due === null) return EMPTY;
  const expiresAt = info.expiresAt;
  const now = scheduler.now();
  // A token that is already expired cannot be refreshed ahead of time: the server's auth close
  // will make the next attempt fetch one. This also keeps a provider that keeps returning
  // expired tokens from being called in a loop.
  if (expiresAt <= now) return EMPTY;
  // A far expiry (a long-lived JWT) is waited for in steps: a timer above 2^31 - 1 ms fires at once.
  return longTimer(Math.max(0, due - now), scheduler).pipe(
    switchMap(() =>
      tokens.get$(true).pipe(
        retry({
          delay: (error: unknown) => {
            const left = expiresAt - scheduler.now();
            const wait = Math.floor(left / 2);
            if (wait < 1) return throwError(() => error);
            onFailed(error, wait);
            return longTimer(wait, scheduler);
          },
        }),
      ),
    ),
    switchMap((next) => (onRefreshed(next) ? tokenRefresh$(tokens, scheduler, onRefreshed, onFailed) : EMPTY)),
  );
}
