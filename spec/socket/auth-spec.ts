import { TestScheduler } from 'rxjs/testing';
import { RecordingScheduler } from '../support/recordingScheduler';
import { EMPTY, lastValueFrom, NEVER, Observable, of, throwError } from 'rxjs';
import { jwtExpiry, TokenCache, tokenRefresh$, TokenProvider, TokenValue } from '../../src/socket/auth';
import type { TokenInfo } from '../../src/socket/auth';
import { TokenError } from '../../src/errors';

/** An unsigned JWT with the given payload. */
const jwt = (payload: object): string => {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none' })}.${part(payload)}.sig`;
};

describe('jwtExpiry', () => {
  it('should read exp (seconds) as epoch ms', () => {
    expect(jwtExpiry(jwt({ exp: 1_700_000_000 }))).toBe(1_700_000_000_000);
  });

  it('should decode base64url payloads with - and _ and without padding', () => {
    const token = jwt({ sub: '~~~???>>>', exp: 100 });
    const payload = token.split('.')[1] as string;
    expect(payload).toMatch(/-/);
    expect(payload).toMatch(/_/);
    expect(payload.length % 4).not.toBe(0);
    expect(jwtExpiry(token)).toBe(100_000);
  });

  it.each([
    ['an opaque token', 'opaque-token'],
    ['two parts', 'a.b'],
    ['four parts', 'a.b.c.d'],
    ['four parts whose second is a payload with exp', `${jwt({ exp: 100 })}.extra`],
    ['a payload that is not base64 JSON', 'a.!!!.c'],
    ['no exp', jwt({ sub: 'x' })],
    ['a string exp', jwt({ exp: '100' })],
    ['a payload that is not an object', `a.${Buffer.from('42').toString('base64url')}.c`],
    ['an empty string', ''],
  ])('should return null for %s', (_what, token) => {
    expect(jwtExpiry(token)).toBeNull();
  });
});

describe('TokenCache', () => {
  let ts: TestScheduler;
  beforeEach(() => {
    ts = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  });

  /** A cache on the test scheduler, refreshing 10 ms before expiry, with a 50 ms provider limit. */
  const cache = (provider: TokenProvider, refreshBefore = 10, tokenTimeout = 50) => new TokenCache(provider, refreshBefore, tokenTimeout, ts);

  it('should fetch the first token and then serve it from the cache', () => {
    ts.run(({ expectObservable }) => {
      const provider = jest.fn(() => 't1');
      const tokens = cache(provider);
      expect(tokens.info).toBeNull();
      expectObservable(tokens.get$(false)).toBe('(a|)', { a: { token: 't1', expiresAt: null } });
      ts.flush();
      expectObservable(tokens.get$(false)).toBe('(a|)', { a: { token: 't1', expiresAt: null } });
      ts.flush();
      expect(provider).toHaveBeenCalledTimes(1);
      expect(tokens.info).toEqual({ token: 't1', expiresAt: null });
    });
  });

  it('should fetch again when forced', () => {
    ts.run(() => {
      const values = ['t1', 't2'];
      const tokens = cache(() => values.shift() as string);
      const seen: string[] = [];
      tokens.get$(false).subscribe((info) => seen.push(info.token));
      tokens.get$(true).subscribe((info) => seen.push(info.token));
      expect(seen).toEqual(['t1', 't2']);
      expect(tokens.info?.token).toBe('t2');
    });
  });

  it('should fetch again once the cached token is within refreshBefore of its expiry', () => {
    ts.run(() => {
      const provider = jest.fn((): TokenValue => ({ token: `t${provider.mock.calls.length}`, expiresAt: 100 }));
      const tokens = cache(provider);
      const seen: Array<[number, string]> = [];
      const get = () => tokens.get$(false).subscribe((info) => seen.push([ts.now(), info.token]));
      get();
      ts.schedule(get, 89); //  11 ms before expiry: still fresh
      ts.schedule(get, 90); //  10 ms before: stale
      ts.flush();
      expect(seen).toEqual([
        [0, 't1'],
        [89, 't1'],
        [90, 't2'],
      ]);
    });
  });

  it("should take the expiry from the provider, else from the JWT's exp, else none", () => {
    ts.run(() => {
      const read = (value: TokenValue) => {
        let info: unknown;
        cache(() => value)
          .get$(false)
          .subscribe((i) => (info = i));
        return info;
      };
      const token = jwt({ exp: 7 });
      expect(read({ token, expiresAt: 123 })).toEqual({ token, expiresAt: 123 });
      expect(read({ token })).toEqual({ token, expiresAt: 7000 });
      expect(read({ token, expiresAt: null })).toEqual({ token, expiresAt: 7000 });
      expect(read(token)).toEqual({ token, expiresAt: 7000 });
      expect(read({ token: 'opaque' })).toEqual({ token: 'opaque', expiresAt: null });
    });
  });

  it('should take the first value of an Observable provider and unsubscribe', () => {
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      // prettier-ignore
      const token$ = cold('--ab-|', { a: 't1', b: 't2' });
      const subs = '       ^-!';
      expectObservable(cache(() => token$).get$(false)).toBe('--(a|)', { a: { token: 't1', expiresAt: null } });
      expectSubscriptions(token$.subscriptions).toBe(subs);
    });
  });

  it('should accept a Promise provider', async () => {
    const tokens = new TokenCache(() => Promise.resolve('t1'), 10, 10_000, ts);
    await expect(lastValueFrom(tokens.get$(false))).resolves.toEqual({ token: 't1', expiresAt: null });
  });

  describe('failures', () => {
    /** What the provider threw or errored with: the TokenError keeps it as `info.cause`. */
    const cause = new Error('x');
    const cases: Array<[string, TokenProvider, TokenError['info']['reason'], unknown]> = [
      [
        'throws',
        () => {
          throw cause;
        },
        'failed',
        cause,
      ],
      ['errors', () => throwError(() => cause), 'failed', cause],
      ['completes empty', () => EMPTY, 'empty', undefined],
      ['returns an empty string', () => '', 'empty', undefined],
      ['returns an empty token field', () => ({ token: '' }), 'empty', undefined],
      ['returns no token field (a missing access_token)', () => ({ token: undefined as never }), 'empty', undefined],
      ['returns a token that is not a string', () => ({ token: 42 as never }), 'empty', undefined],
    ];
    it.each(cases)('should error with a TokenError when the provider %s', (_what, provider, reason, cause) => {
      ts.run(({ expectObservable }) => {
        expectObservable(cache(provider).get$(false)).toBe('#', undefined, new TokenError({ reason, initial: true, cause }));
      });
    });

    it('should error with a timeout TokenError and unsubscribe when the provider does not answer in time', () => {
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        // prettier-ignore
        const token$ = cold('-');
        const subs = '       ^-------------------------------------------------!';
        expectObservable(cache(() => token$).get$(false)).toBe('50ms #', undefined, new TokenError({ reason: 'timeout', initial: true }));
        expectSubscriptions(token$.subscriptions).toBe(subs);
      });
    });

    it('should keep the cause, and say initial: false once a token was had', () => {
      ts.run(() => {
        const cause = new Error('auth server down');
        let calls = 0;
        const tokens = cache((): Observable<TokenValue> => (calls++ === 0 ? of('t1') : throwError(() => cause)));
        tokens.get$(false).subscribe();
        let error: unknown;
        tokens.get$(true).subscribe({ error: (e: unknown) => (error = e) });
        expect(error).toBeInstanceOf(TokenError);
        expect((error as TokenError).info).toEqual({ reason: 'failed', initial: false, cause });
        expect(tokens.info?.token).toBe('t1'); // the cached token stays
      });
    });

    it('should not repeat what the provider said in its message', () => {
      ts.run(() => {
        let error: unknown;
        cache(() => throwError(() => new Error('token SECRET-1 rejected')))
          .get$(false)
          .subscribe({ error: (e: unknown) => (error = e) });
        expect((error as Error).message).toBe('Token provider failed');
        expect(new TokenError({ reason: 'timeout', initial: false }).message).toBe('Token provider timed out');
        expect(new TokenError({ reason: 'empty', initial: false }).message).toBe('Token provider returned no token');
      });
    });

    it('should call the provider again on the next get after a failure', () => {
      ts.run(() => {
        let calls = 0;
        const tokens = cache((): Observable<TokenValue> => (calls++ === 0 ? NEVER : of('t2')));
        const seen: unknown[] = [];
        tokens.get$(false).subscribe({ error: (e: unknown) => seen.push((e as TokenError).info.reason) });
        ts.schedule(() => tokens.get$(false).subscribe((info) => seen.push(info.token)), 60);
        ts.flush();
        expect(seen).toEqual(['timeout', 't2']);
      });
    });
  });
});

describe('TokenCache without a token', () => {
  it('should be stale and have no refresh time before the first fetch', () => {
    const tokens = new TokenCache(() => 't1', 10, 50, new TestScheduler(() => undefined));
    expect(tokens.info).toBeNull();
    expect(tokens.isStale(0)).toBe(true);
    expect(tokens.refreshAt()).toBeNull();
  });
});

describe('tokenRefresh$', () => {
  let ts: TestScheduler;
  beforeEach(() => {
    ts = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  });

  /** A cache whose first token (from `first`) is fetched at once; every later fetch goes to `later`. */
  const fetched = (first: TokenValue, later: () => Observable<TokenValue>, refreshBefore = 10) => {
    let calls = 0;
    const provider = jest.fn((): Observable<TokenValue> => (calls++ === 0 ? of(first) : later()));
    const tokens = new TokenCache(provider, refreshBefore, 50, ts);
    tokens.get$(false).subscribe();
    return { tokens, provider };
  };

  it('should complete at once, asking for nothing, without a token or without an expiry', () => {
    ts.run(({ expectObservable }) => {
      const provider = jest.fn(() => 't1');
      const empty = new TokenCache(provider, 10, 50, ts);
      expectObservable(tokenRefresh$(empty, ts, () => true)).toBe('|');
      const noExpiry = fetched('opaque', () => of('t2'));
      expectObservable(tokenRefresh$(noExpiry.tokens, ts, () => true)).toBe('|');
      ts.flush();
      expect(provider).not.toHaveBeenCalled();
      expect(noExpiry.provider).toHaveBeenCalledTimes(1);
    });
  });

  it('should complete at once for a token that expires at this very moment', () => {
    ts.run(() => {
      const { tokens, provider } = fetched({ token: 't1', expiresAt: 100 }, () => of('t2'));
      const refreshed: TokenInfo[] = [];
      let completedAt: number | undefined;
      ts.schedule(() => tokenRefresh$(tokens, ts, (next) => refreshed.push(next) > 0).subscribe({ complete: () => (completedAt = ts.now()) }), 100);
      ts.flush();
      expect(completedAt).toBe(100);
      expect(provider).toHaveBeenCalledTimes(1);
      expect(refreshed).toEqual([]);
    });
  });

  it('should retry a failing refresh halfway to the expiry, down to a 1 ms wait, then error', () => {
    ts.run(({ expectObservable }) => {
      const cause = new Error('auth server down');
      const { tokens, provider } = fetched({ token: 't1', expiresAt: 100 }, () => throwError(() => cause));
      const failed: Array<[number, number]> = [];
      const refresh$ = tokenRefresh$(tokens, ts, () => true, (_error, retryIn) => failed.push([ts.now(), retryIn]));
      // due at 90; 10 ms left: wait 5; at 95: 2; at 97 (3 left): 1; at 98 (2 left): 1; at 99 (1 left): give up
      expectObservable(refresh$).toBe('99ms #', undefined, new TokenError({ reason: 'failed', initial: false, cause }));
      ts.flush();
      expect(failed).toEqual([
        [90, 5],
        [95, 2],
        [97, 1],
        [98, 1],
      ]);
      expect(provider).toHaveBeenCalledTimes(6);
    });
  });

  describe('a far expiry', () => {

    it('should wait for a refresh 60 days ahead in timers of at most 2^31 - 1 ms (a longer one fires at once), and refresh once, on time', async () => {
      const scheduler = new RecordingScheduler();
      const day = 86_400_000;
      const tokens = new TokenCache(() => ({ token: 't1', expiresAt: 60 * day }), 10, 50, scheduler);
      await lastValueFrom(tokens.get$(false));
      const refreshedAt: number[] = [];
      const subscription = tokenRefresh$(tokens, scheduler, () => {
        refreshedAt.push(scheduler.now());
        return false;
      }).subscribe();
      scheduler.flush();
      subscription.unsubscribe();
      expect(refreshedAt).toEqual([60 * day - 10]);
      expect(scheduler.delays.length).toBeGreaterThan(1);
      expect(Math.max(...scheduler.delays)).toBeLessThanOrEqual(2 ** 31 - 1);
    });
  });
});
