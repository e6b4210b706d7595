import { TestScheduler } from 'rxjs/testing';
import { throwError } from 'rxjs';
import { CloseError, IdleTimeoutError, SequenceGapError, TokenError } from '../../src/errors';
import { isLibraryError, libraryErrorEquality } from './errorEquality';

/** Same message, different `info.reason`: Jest's default `toEqual` would call these equal. */
const gap = (reason: 'timeout' | 'window' | 'complete') => new SequenceGapError({ from: 3, to: 4, lastContiguous: 2, reason });

describe('libraryErrorEquality', () => {
  it('should be installed for every spec (no spec installs it itself)', () => {
    expect(gap('timeout').message).toBe(gap('complete').message);
    expect(gap('timeout')).not.toEqual(gap('complete'));
    expect(gap('timeout')).toEqual(gap('timeout'));
  });

  it('should tell errors apart by info, name and message, also nested in objects and arrays', () => {
    expect({ error: gap('timeout') }).not.toEqual({ error: gap('window') });
    expect([gap('timeout')]).not.toStrictEqual([gap('complete')]);
    expect({ error: gap('timeout') }).not.toMatchObject({ error: gap('complete') });
    expect({ error: gap('timeout') }).toEqual({ error: gap('timeout') });
    // Same class and message, a different `info.cause` (not in the message).
    expect(new TokenError({ reason: 'failed', initial: true, cause: 1 })).not.toEqual(new TokenError({ reason: 'failed', initial: true, cause: 2 }));
    // A plain Error with the same message is not a library error.
    const plain = new Error(gap('timeout').message);
    expect(gap('timeout')).not.toEqual(plain);
    expect(plain).not.toEqual(gap('timeout'));
    // Two classes with the same info shape and message are told apart by name.
    const idle = new IdleTimeoutError({ idleMs: 5, seen: 1 });
    const renamed = Object.assign(new IdleTimeoutError({ idleMs: 5, seen: 1 }), { name: 'OtherError' });
    expect(idle).not.toEqual(renamed);
  });

  it('should leave matchers against plain objects and asymmetric matchers to Jest', () => {
    const error = new CloseError({ code: 1006, reason: '', wasClean: false });
    expect(error).toMatchObject({ name: 'CloseError', info: { code: 1006 } });
    expect(error).not.toMatchObject({ name: 'CloseError', info: { code: 1000 } });
    expect({ error }).toEqual({ error: expect.any(CloseError) });
    expect(error).toEqual(new CloseError({ code: 1006, reason: '', wasClean: expect.any(Boolean) as boolean }));
    expect(new Error('a')).toEqual(new Error('a')); // plain errors: Jest's own rule
  });

  it('should decide only for errors of the library', () => {
    const equals = (a: unknown, b: unknown) => libraryErrorEquality.call({ equals: () => true }, a, b, []);
    expect(isLibraryError(gap('timeout'))).toBe(true);
    expect(isLibraryError(new Error('x'))).toBe(false);
    expect(equals(new Error('x'), new Error('x'))).toBeUndefined();
    expect(equals(gap('timeout'), { name: 'SequenceGapError' })).toBeUndefined();
    expect(equals(gap('timeout'), new Error('x'))).toBe(false);
  });

  it('should make a marble error expectation fail on a different info', () => {
    const run = (expected: SequenceGapError) =>
      new TestScheduler((actual, wanted) => expect(actual).toEqual(wanted)).run(({ expectObservable }) => {
        expectObservable(throwError(() => gap('complete'))).toBe('#', undefined, expected);
      });
    expect(() => run(gap('complete'))).not.toThrow();
    expect(() => run(gap('timeout'))).toThrow(/toEqual/);
  });
});
