import { IdleTimeoutError, InvalidOptionError, InvalidSequenceError, SequenceGapError } from '../src/errors';
import { count, duration, fraction, func, oneOf } from '../src/internal/validate';
import { isSeq } from '../src/internal/seq';
import { expectInvalidOption } from './support/invalidOption';

describe('errors', () => {
  it('should give each class its name, its info and instanceof Error', () => {
    const cases: Array<[Error & { info: unknown }, string]> = [
      [new InvalidOptionError({ operator: 'op', option: 'x', reason: 'a number', value: 'y' }), 'InvalidOptionError'],
      [new IdleTimeoutError({ idleMs: 5, seen: 1 }), 'IdleTimeoutError'],
      [new SequenceGapError({ from: 3, to: 4, lastContiguous: 2, reason: 'timeout' }), 'SequenceGapError'],
      [new InvalidSequenceError({ seq: 'a', value: {} }), 'InvalidSequenceError'],
    ];
    for (const [err, name] of cases) {
      expect(err).toBeInstanceOf(Error);
      expect(err.name).toBe(name);
      expect(err.info).toBeDefined();
      expect(err.message.length).toBeGreaterThan(0);
    }
  });

  it('should make InvalidOptionError a TypeError that names the operator and option', () => {
    const err = new InvalidOptionError({ operator: 'idleTimeout', option: 'ms', reason: 'a finite number >= 0', value: -1 });
    expect(err).toBeInstanceOf(TypeError);
    expect(err.message).toBe('idleTimeout: invalid option `ms`: a finite number >= 0 (got -1)');
  });

  it('should describe rejected values without dumping them', () => {
    const msg = (value: unknown) => new InvalidOptionError({ operator: 'o', option: 'p', reason: 'r', value }).message;
    expect(msg('s')).toContain('(got "s")');
    expect(msg(() => 1)).toContain('(got a function)');
    expect(msg({ token: 'secret' })).toContain('(got an object)');
    expect(msg([1])).toContain('(got an array)');
    expect(msg(NaN)).toContain('(got NaN)');
  });
});

describe('option checks', () => {
  it('should accept valid durations and reject negative, NaN and (unless allowed) Infinity', () => {
    expect(duration('o', 'd', 0)).toBe(0);
    expect(duration('o', 'd', Infinity, true)).toBe(Infinity);
    for (const bad of [-1, NaN, Infinity, '5', undefined]) expectInvalidOption(() => duration('o', 'd', bad), { operator: 'o', option: 'd', value: bad });
  });

  it('should accept integer counts and reject fractions, values below min and (unless allowed) Infinity', () => {
    expect(count('o', 'c', 0)).toBe(0);
    expect(count('o', 'c', Infinity, 0, true)).toBe(Infinity);
    for (const bad of [-1, 1.5, NaN, Infinity, null]) expectInvalidOption(() => count('o', 'c', bad), { operator: 'o', option: 'c', value: bad });
    expect(() => count('o', 'c', 0, 1)).toThrow('an integer >= 1');
  });

  it('should check fractions, functions and enumerations', () => {
    expect(fraction('o', 'f', 0.5)).toBe(0.5);
    expectInvalidOption(() => fraction('o', 'f', 1.1), { operator: 'o', option: 'f', value: 1.1 });
    expectInvalidOption(() => fraction('o', 'f', NaN), { operator: 'o', option: 'f', value: NaN });
    const f = () => 1;
    expect(func('o', 'f', f)).toBe(f);
    expect(() => func('o', 'f', 1)).toThrow('a function');
    expect(oneOf('o', 'm', 'a', ['a', 'b'])).toBe('a');
    expect(() => oneOf('o', 'm', 'c', ['a', 'b'])).toThrow("one of 'a', 'b'");
  });
});

describe('isSeq', () => {
  it('should accept safe integers >= 0 and nothing else', () => {
    for (const seq of [0, 1, 2 ** 40, Number.MAX_SAFE_INTEGER]) expect(isSeq(seq)).toBe(true);
    for (const seq of [-1, 1.5, NaN, Infinity, 2 ** 53, '3', null, undefined, {}]) expect(isSeq(seq)).toBe(false);
  });
});
