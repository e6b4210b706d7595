import { SequenceGapError } from '../errors';

/**
 * How many times in a row the socket may resync for the same hole. A resync reconnects and
 * resumes from the last contiguous seq, so the server replays the hole; when the same hole (same
 * key, same last contiguous seq) comes back after `maxResyncs` resyncs in a row, the replay cannot
 * fill it, and resyncing again would loop forever.
 *
 * @internal
 */
export interface ResyncBudget {
  /**
   * Called once per attempt that ended with a {@link SequenceGapError}: spends one resync on its
   * hole, and says whether one was left (`true`: resync) or the hole is permanent (`false`).
   */
  spend(error: SequenceGapError): boolean;
}

/** A budget of `maxResyncs` resyncs in a row per hole (`Infinity`: never give up). @internal */
export function createResyncBudget(maxResyncs: number): ResyncBudget {
  return new Resyncs(maxResyncs);
}

class Resyncs implements ResyncBudget {
  private last: { readonly key: unknown; readonly lastContiguous: number } | null = null;
  private inARow = 0;

  constructor(private readonly maxResyncs: number) {}

  spend({ info }: SequenceGapError): boolean {
    const key = info.key;
    const { last } = this;
    const same = last !== null && last.key === key && last.lastContiguous === info.lastContiguous;
    this.inARow = same ? this.inARow + 1 : 1;
    this.last = { key, lastContiguous: info.lastContiguous };
    return this.inARow <= this.maxResyncs;
  }
}
