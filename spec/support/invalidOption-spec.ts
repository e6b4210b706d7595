import { InvalidOptionError } from '../../src/errors';
import { expectInvalidOption, expectInvalidOptionRejection } from './invalidOption';

const refuse = (info: Partial<ConstructorParameters<typeof InvalidOptionError>[0]> = {}) =>
  new InvalidOptionError({ operator: 'op', option: 'size', reason: 'a number', value: -1, ...info });

describe('expectInvalidOption', () => {
  it('should pass for an InvalidOptionError naming the operator and option, and return it', () => {
    const error = refuse();
    expect(
      expectInvalidOption(
        () => {
          throw error;
        },
        { operator: 'op', option: 'size', value: -1 },
      ),
    ).toBe(error);
  });

  it.each([
    ['does not throw', () => undefined, /it did not throw/],
    ['throws a plain TypeError', () => { throw new TypeError('size'); }, /toBeInstanceOf/],
    ['names another operator', () => { throw refuse({ operator: 'other' }); }, /toMatchObject/],
    ['names another option', () => { throw refuse({ option: 'count' }); }, /toMatchObject/],
    ['has another value', () => { throw refuse({ value: -2 }); }, /toMatchObject/],
  ])('should fail when the function %s', (_label, fn, message) => {
    expect(() => expectInvalidOption(fn, { operator: 'op', option: 'size', value: -1 })).toThrow(message);
  });

  it('should check a rejection the same way', async () => {
    const error = refuse();
    await expect(expectInvalidOptionRejection(Promise.reject(error), { operator: 'op', option: 'size' })).resolves.toBe(error);
    await expect(expectInvalidOptionRejection(Promise.resolve(1), { operator: 'op', option: 'size' })).rejects.toThrow(/it resolved/);
    await expect(expectInvalidOptionRejection(Promise.reject(refuse({ option: 'x' })), { operator: 'op', option: 'size' })).rejects.toThrow(/toMatchObject/);
  });
});
