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
  let last: { readonly key: unknown; readonly lastContiguous: number } | null = null;
  let inARow = 0;
  return {
    spend: ({ info }) => {
      const key = info.key;
      const same = last !== null && last.key === key && last.lastContiguous === info.lastContiguous;
      inARow = same ? inARow + 1 : 1;
      last = { key, lastContiguous: info.lastContiguous };
      return inARow <= maxResyncs;
    },
  };
}
