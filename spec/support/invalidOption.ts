/**
 * One assertion for the invalid-option contract every operator and factory keeps: a bad option
 * is refused at once with an {@link InvalidOptionError} (a `TypeError`) whose `info` names the
 * operator and the option.
 */
import { InvalidOptionError } from '../../src/errors';
import type { InvalidOptionInfo } from '../../src/errors';

/** What the error must say: the operator and the option always; the value and reason when given. */
export type ExpectedInvalidOption = Pick<InvalidOptionInfo, 'operator' | 'option'> & Partial<Pick<InvalidOptionInfo, 'reason' | 'value'>>;

function check(thrown: unknown, expected: ExpectedInvalidOption): InvalidOptionError {
  expect(thrown).toBeInstanceOf(InvalidOptionError);
  expect(thrown).toBeInstanceOf(TypeError);
  expect(thrown).toMatchObject({ name: 'InvalidOptionError', info: expected });
  return thrown as InvalidOptionError;
}

/**
 * Asserts that `fn` throws, synchronously, an {@link InvalidOptionError} naming `expected.operator`
 * and `expected.option` (and with `expected.value` and `expected.reason`, when given).
 *
 * @returns The error, for further checks.
 */
export function expectInvalidOption(fn: () => unknown, expected: ExpectedInvalidOption): InvalidOptionError {
  let threw = false;
  let thrown: unknown;
  try {
    fn();
  } catch (err) {
    threw = true;
    thrown = err;
  }
  if (!threw) throw new Error(`expected ${expected.operator} to throw InvalidOptionError for \`${expected.option}\`; it did not throw`);
  return check(thrown, expected);
}

/** {@link expectInvalidOption} for a factory that rejects: `promise` must reject with the error. */
export async function expectInvalidOptionRejection(promise: Promise<unknown>, expected: ExpectedInvalidOption): Promise<InvalidOptionError> {
  const outcome = await promise.then(
    () => ({ rejected: false, reason: undefined as unknown }),
    (reason: unknown) => ({ rejected: true, reason }),
  );
  if (!outcome.rejected) throw new Error(`expected ${expected.operator} to reject with InvalidOptionError for \`${expected.option}\`; it resolved`);
  return check(outcome.reason, expected);
}
