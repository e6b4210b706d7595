import { SequenceGapError } from '../errors';
import type { FailureVerdict } from './closeCodes';
import { createResyncBudget } from './resync';
import type { SocketOptions } from './options';

/**
 * What the socket does after a failure, decided once per failure: the classifier's verdict,
 * except that a hole the replay could not fill `gaps.maxResyncs` times in a row is permanent.
 *
 * @internal
 */
export interface FailurePolicy {
  /** The verdict on `error`; asking again about the same error gives the same answer. */
  verdictOf(error: unknown): FailureVerdict;
}

const PERMANENT: FailureVerdict = { kind: 'permanent' };

/** The policy of one socket (its resync budget lives here). @internal */
export function createFailurePolicy(options: Pick<SocketOptions<unknown, unknown>, 'classify' | 'gaps'>): FailurePolicy {
  const { classify, gaps } = options;
  const resyncs = createResyncBudget(gaps?.maxResyncs ?? Infinity);
  // The attempt's end and the retry both ask about the same error: decide once.
  let last: { readonly error: unknown; readonly verdict: FailureVerdict } | null = null;
  return {
    verdictOf: (error) => {
      if (last !== null && last.error === error) return last.verdict;
      const verdict = error instanceof SequenceGapError && !resyncs.spend(error) ? PERMANENT : classify(error);
      last = { error, verdict };
      return verdict;
    },
  };
}
