import { InvalidOptionError } from '../errors';
import { MAX_TIMER_DELAY } from './longTimer';

/**
 * Creation-time option checks shared by every operator. Each returns the value, typed, or throws
 * an {@link InvalidOptionError} naming the operator and the option.
 */

/** A duration in ms: a finite number >= 0 (Infinity when `allowInfinity`). */
export function duration(operator: string, option: string, value: unknown, allowInfinity = false): number {
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0 || (!allowInfinity && !Number.isFinite(value))) {
    const reason = allowInfinity ? 'a number >= 0 (or Infinity)' : 'a finite number >= 0';
    throw new InvalidOptionError({ operator, option, reason, value });
  }
  return value;
}

/** A count: an integer >= `min` (Infinity when `allowInfinity`). */
export function count(operator: string, option: string, value: unknown, min = 0, allowInfinity = false): number {
  const ok =
    typeof value === 'number' &&
    ((Number.isInteger(value) && value >= min) || (allowInfinity && value === Infinity));
  if (!ok) {
    const reason = `an integer >= ${min}${allowInfinity ? ' (or Infinity)' : ''}`;
    throw new InvalidOptionError({ operator, option, reason, value });
  }
  return value;
}

/** A fraction in [0, 1]. */
export function fraction(operator: string, option: string, value: unknown): number {
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
    throw new InvalidOptionError({ operator, option, reason: 'a number from 0 to 1', value });
  }
  return value;
}

/** A function (callbacks and policies). */
export function func<F extends (...args: never[]) => unknown>(operator: string, option: string, value: unknown): F {
  if (typeof value !== 'function') {
    throw new InvalidOptionError({ operator, option, reason: 'a function', value });
  }
  return value as F;
}

/** One of a fixed set of strings. */
export function oneOf<S extends string>(operator: string, option: string, value: unknown, allowed: readonly S[]): S {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new InvalidOptionError({ operator, option, reason: `one of ${allowed.map((a) => `'${a}'`).join(', ')}`, value });
  }
  return value as S;
}

/**
 * A {@link duration} that drives a timer: also at most 2^31 - 1 ms (about 24.8 days), since Node
 * and browsers run a longer timer at once. `Infinity` passes when allowed (no timer is made then).
 *
 * @internal
 */
export function timerDuration(operator: string, option: string, value: unknown, allowInfinity = false): number {
  const ms = duration(operator, option, value, allowInfinity);
  if (ms !== Infinity && ms > MAX_TIMER_DELAY) {
    const reason = `at most ${MAX_TIMER_DELAY} ms (about 24.8 days: a longer timer fires at once)${allowInfinity ? ', or Infinity' : ''}`;
    throw new InvalidOptionError({ operator, option, reason, value });
  }
  return ms;
}
