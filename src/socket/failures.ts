import { SequenceGapError, ServerResetError, UpgradeRefusedError } from '../errors';
import type { FailureVerdict } from './closeCodes';
import { createResyncBudget } from './resync';
import type { ResyncBudget } from './resync';
import type { SocketOptions } from './options';

/**
 * What the socket does after a failure, decided once per failure: the classifier's verdict,
 * except that
 * - a hole the replay could not fill `gaps.maxResyncs` times in a row is permanent;
 * - a server reset is transient with `resets.policy: 'restart'` and permanent with `'fail'`;
 * - an upgrade refused as unauthorised (a `'reauth'` verdict on an {@link UpgradeRefusedError})
 *   is permanent without a token provider, or when it comes again right after a new token.
 *
 * @internal
 */
export interface FailurePolicy {
  /** The verdict on `error`; asking again about the same error gives the same answer. */
  verdictOf(error: unknown): FailureVerdict;
  /** A connection became ready: refusals in a row start again from zero. */
  connected(): void;
}

const PERMANENT: FailureVerdict = { kind: 'permanent' };
const TRANSIENT: FailureVerdict = { kind: 'transient' };

/** The policy of one socket (its resync budget lives here). @internal */
export function createFailurePolicy(options: Pick<SocketOptions<unknown, unknown>, 'classify' | 'gaps'>, hasToken: boolean): FailurePolicy {
  return new Failures(options.classify, options.gaps?.maxResyncs ?? Infinity, hasToken);
}

class Failures implements FailurePolicy {
  // The attempt's end and the retry both ask about the same error: decide once.
  private last: { readonly error: unknown; readonly verdict: FailureVerdict } | null = null;
  private refusedAuth = false;
  /** Made at the first hole given up on (never without `gaps`). */
  private resyncs: ResyncBudget | null = null;

  constructor(
    private readonly classify: (error: unknown) => FailureVerdict,
    private readonly maxResyncs: number,
    private readonly hasToken: boolean,
  ) {}

  verdictOf(error: unknown): FailureVerdict {
    const { last } = this;
    if (last !== null && last.error === error) return last.verdict;
    const verdict = this.decide(error);
    this.last = { error, verdict };
    return verdict;
  }

  connected(): void {
    this.refusedAuth = false;
  }

  private decide(error: unknown): FailureVerdict {
    if (error instanceof SequenceGapError && !(this.resyncs ??= createResyncBudget(this.maxResyncs)).spend(error)) return PERMANENT;
    if (error instanceof ServerResetError) return error.info.policy === 'fail' ? PERMANENT : TRANSIENT;
    const verdict = this.classify(error);
    const authRefusal = error instanceof UpgradeRefusedError && verdict.kind === 'reauth';
    const again = this.refusedAuth;
    this.refusedAuth = authRefusal;
    return authRefusal && (!this.hasToken || again) ? PERMANENT : verdict;
  }
}
