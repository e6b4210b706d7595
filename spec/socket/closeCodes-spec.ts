import { classifyFailure, retryHintOf } from '../../src/socket/closeCodes';
import { CloseError, ConnectTimeoutError, IdleTimeoutError, SequenceGapError, TokenError, UpgradeRefusedError } from '../../src/errors';

const close = (code: number) => new CloseError({ code, reason: '', wasClean: true });

describe('classifyFailure', () => {
  describe('with the default table', () => {
    it.each([1002, 1003, 1007, 1008, 1009, 1010])('should call close %s permanent', (code) => {
      expect(classifyFailure(close(code))).toBe('permanent');
    });

    it.each([4400, 4401, 4450, 4499])('should call the auth failure %s permanent', (code) => {
      expect(classifyFailure(close(code))).toBe('permanent');
    });

    it('should call 4001 reauth', () => {
      expect(classifyFailure(close(4001))).toBe('reauth');
    });

    it.each([1000, 1001, 1005, 1006, 1011, 1012, 1013, 1014, 3000, 4000, 4002, 4399, 4500])('should call close %s transient', (code) => {
      expect(classifyFailure(close(code))).toBe('transient');
    });

    it('should call a TokenError permanent for the first token and transient for a refresh', () => {
      expect(classifyFailure(new TokenError({ reason: 'failed', initial: true }))).toBe('permanent');
      expect(classifyFailure(new TokenError({ reason: 'timeout', initial: true }))).toBe('permanent');
      expect(classifyFailure(new TokenError({ reason: 'failed', initial: false }))).toBe('transient');
      expect(classifyFailure(new TokenError({ reason: 'empty', initial: false }))).toBe('transient');
    });

    it('should call timeouts, resyncs and anything unknown transient', () => {
      const others: unknown[] = [
        new IdleTimeoutError({ idleMs: 1, seen: 0 }),
        new ConnectTimeoutError({ timeoutMs: 1 }),
        new SequenceGapError({ from: 2, to: 2, lastContiguous: 1, reason: 'timeout' }),
        new Error('ECONNRESET'),
        'a string',
        undefined,
        null,
        { code: 1008 }, // not a CloseError: not read as one
      ];
      for (const error of others) expect(classifyFailure(error)).toBe('transient');
    });
  });

  describe('a refused upgrade', () => {
    it('should call a status below 400 (a redirect, an odd answer) transient, like 5xx', () => {
      for (const status of [200, 301, 302, 399]) expect(classifyFailure(new UpgradeRefusedError({ status }))).toBe('transient');
      expect(classifyFailure(new UpgradeRefusedError({ status: 400 }))).toBe('permanent');
      expect(classifyFailure(new UpgradeRefusedError({ status: 499 }))).toBe('permanent');
      expect(classifyFailure(new UpgradeRefusedError({ status: 500 }))).toBe('transient');
    });
  });

  describe('with a table', () => {
    it('should replace the permanent codes, not add to them', () => {
      const table = { permanent: [4100] };
      expect(classifyFailure(close(4100), table)).toBe('permanent');
      expect(classifyFailure(close(1008), table)).toBe('transient');
      expect(classifyFailure(close(4450), table)).toBe('permanent'); // the auth range is still the default
    });

    it('should replace the auth failure range, bounds included', () => {
      const table = { authFailure: { from: 4300, to: 4309 } };
      expect(classifyFailure(close(4299), table)).toBe('transient');
      expect(classifyFailure(close(4300), table)).toBe('permanent');
      expect(classifyFailure(close(4309), table)).toBe('permanent');
      expect(classifyFailure(close(4310), table)).toBe('transient');
      expect(classifyFailure(close(4450), table)).toBe('transient');
      expect(classifyFailure(close(1008), table)).toBe('permanent');
    });

    it('should replace the reauth codes', () => {
      const table = { reauth: [4010, 4011] };
      expect(classifyFailure(close(4010), table)).toBe('reauth');
      expect(classifyFailure(close(4011), table)).toBe('reauth');
      expect(classifyFailure(close(4001), table)).toBe('transient');
    });

    it('should let a reauth code win over a permanent one', () => {
      expect(classifyFailure(close(4401), { reauth: [4401] })).toBe('reauth');
      expect(classifyFailure(close(1008), { reauth: [1008] })).toBe('reauth');
    });

    it('should not change how TokenErrors are classified', () => {
      expect(classifyFailure(new TokenError({ reason: 'failed', initial: true }), { permanent: [] })).toBe('permanent');
    });
  });
});

describe('retryHintOf', () => {
  const closeWith = (code: number, reason: string) => new CloseError({ code, reason, wasClean: true });

  it('should read the wait, in ms, from the reason of a 1012 or a 1013 close', () => {
    expect(retryHintOf(closeWith(1012, 'restarting; retry-after=2'))).toBe(2000);
    expect(retryHintOf(closeWith(1013, 'Retry-After: 1.5'))).toBe(1500);
  });

  it('should ignore a hint in the reason of any other close', () => {
    for (const code of [1000, 1001, 1006, 1011, 1014, 4000]) expect(retryHintOf(closeWith(code, 'retry-after=2'))).toBeUndefined();
  });

  it('should be undefined for a 1012 or 1013 close without a hint, and for an error that is not a close', () => {
    expect(retryHintOf(closeWith(1012, 'service restart'))).toBeUndefined();
    expect(retryHintOf(closeWith(1013, ''))).toBeUndefined();
    expect(retryHintOf(new Error('retry-after=2'))).toBeUndefined();
  });
});
