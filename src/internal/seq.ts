import { InvalidSequenceError } from '../errors';

/**
 * Reads a sequence number and checks it: a safe integer >= 0. Anything else (NaN, a fraction,
 * a negative number, a string, a number beyond 2^53) throws {@link InvalidSequenceError}.
 */
export function readSeq<T>(seqOf: (value: T) => number, value: T): number {
  const seq: unknown = seqOf(value);
  if (!isSeq(seq)) throw new InvalidSequenceError({ seq, value });
  return seq;
}

/** A usable sequence number: a safe integer >= 0. */
export function isSeq(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}
