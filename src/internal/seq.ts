import { InvalidSequenceError } from '../errors';

/**
 * Reads a sequence number and checks it: a safe integer >= 0. Anything else (NaN, a fraction,
 * a negative number, a string, a number beyond 2^53) throws {@link InvalidSequenceError}.
 */
export function readSeq<T>(seqOf: (value: T) => number, value: T): number {
  const seq: unknown = seqOf(value);
  if (!Number.isSafeInteger(seq) || (seq as number) < 0) throw new InvalidSequenceError({ seq, value });
  return seq as number;
}
