import { MinHeap } from '../internal/minHeap';

/** The state of one sequence: its cursor and what was delivered above a hole. @internal */
export interface Track {
  c: number | null;
  /**
   * The seqs delivered above a hole, and the same in a heap for the lowest. Both are shared empty
   * ones until the first such seq (nothing is ever added to those): an in-order track holds none.
   */
  ahead: ReadonlySet<number>;
  heap: MinHeap;
  /** The resume token of the event at `c`, or `null` when it is not known. */
  token: number | null;
  /** The tokens of seqs delivered above a hole (only when tokens are used). */
  tokens: Map<number, number> | null;
}

/** A key of a 'perKey' cursor. @internal */
export type Key = string | number;

/** @internal */
export function newTrack(c: number | null): Track {
  return { c, ahead: NONE_AHEAD, heap: NONE_HEAP, token: null, tokens: null };
}

const NONE_AHEAD: ReadonlySet<number> = new Set<number>();
const NONE_HEAP = new MinHeap();

/** @internal */
export function trackOf(c: number | null, ahead: readonly number[], token: number | null = null): Track {
  const t = newTrack(c);
  t.token = token;
  for (const s of ahead) addAhead(t, s);
  return t;
}

/** Moves the cursor over the seqs remembered right above it. */
/** @internal */
export function advance(t: Track): void {
  while (t.heap.size > 0 && t.heap.peek() === (t.c as number) + 1) {
    const s = t.heap.pop();
    (t.ahead as Set<number>).delete(s);
    t.c = s;
    // The token moves with the cursor when it is known; otherwise the older one stays: lower, so safe.
    const token = t.tokens?.get(s);
    if (token !== undefined) {
      t.token = token;
      (t.tokens as Map<number, number>).delete(s);
    }
  }
}

/** @internal */
export function addAhead(t: Track, s: number): void {
  if (t.ahead === NONE_AHEAD) {
    t.ahead = new Set<number>();
    t.heap = new MinHeap();
  }
  (t.ahead as Set<number>).add(s);
  t.heap.push(s);
}

/** @internal */
export function sortedAhead(t: Track): number[] {
  return [...t.ahead].sort((a, b) => a - b);
}

/** A deep copy through JSON, which is what a real storage would give back. */

/**
 * Records seq `s` as delivered on `t`, the one rule of every mode: the first seq sets the base; a
 * seq at or below the cursor, or already ahead, is a replay (`false`); `ordered` moves the cursor
 * to any higher seq; otherwise a seq above a hole waits in the ahead set until the hole fills,
 * and when `window` seqs already wait, `skipper` gives up the lowest hole first. A `token` (the
 * event's resume token) is kept with the seq: as the token at the cursor when the cursor moves to
 * it, else with the seq ahead until the cursor reaches it.
 *
 * @internal
 */
export function deliver(
  t: Track,
  s: number,
  ordered: boolean,
  window: number,
  skipper: { skipLowestHole(t: Track, key: Key | undefined, pending: number): void },
  key: Key | undefined,
  token?: number,
): boolean {
  // In order with nothing ahead (the common case): a comparison and a store.
  if (t.c !== null && s === t.c + 1 && t.ahead.size === 0) {
    t.c = s;
    if (token !== undefined) t.token = token;
    return true;
  }
  if (t.c === null) {
    t.c = s;
    if (token !== undefined) t.token = token;
    return true;
  }
  if (s <= t.c || t.ahead.has(s)) return false;
  if (ordered || s === t.c + 1) {
    t.c = s;
    if (token !== undefined) t.token = token;
  } else {
    if (t.ahead.size >= window) skipper.skipLowestHole(t, key, s);
    if (s === t.c + 1) {
      t.c = s;
      if (token !== undefined) t.token = token;
    } else {
      addAhead(t, s);
      if (token !== undefined) (t.tokens ??= new Map()).set(s, token);
    }
  }
  advance(t);
  return true;
}
