import { BehaviorSubject, defer } from 'rxjs';
import { InvalidOptionError, InvalidSequenceError } from '../errors';
import { count, func, oneOf } from '../internal/validate';
import { isSeq } from '../internal/seq';
import { addAhead, advance, newTrack, sortedAhead, trackOf } from './track';
import type { Key, Track } from './track';
import { parseState, sameState } from './state';
import { MODES } from './types';
import type { ResumeCursor, ResumeCursorConfig, ResumeCursorKeyState, ResumeCursorState } from './types';

const OP = 'createResumeCursor';

/**
 * Creates a gap-safe resume cursor: the seq a handshake sends on every reconnect so the server
 * replays only what was missed.
 *
 * It never claims a seq that was not delivered: when 1, 2, 4 have arrived and 3 has not, the
 * cursor stays at 2 and remembers 4, so a reconnect before 3 arrives asks for everything after 2,
 * and the replayed 4 is recognised and dropped. The one exception is bounded memory: when more
 * than `window` seqs wait above a hole, the cursor gives up on the hole and tells `onSkip`.
 *
 * ```text
 * delivered:  --1--2--4-----3--
 * > createResumeCursor({ start: 0 }).value$
 * value$:     0-1--2--------4--
 * ```
 *
 * The cursor is state that outlives connections: create it outside the per-connection code and
 * hand it to {@link resumeFrom} and to the handshake. With `start: null` (the default) the first
 * seq delivered (per key) becomes the base; set `start` when the server's numbering is known.
 *
 * ## Example
 * Resume a reordered feed.
 * ```ts
 * import { createResumeCursor } from 'rxjs-managed-socket';
 *
 * const cursor = createResumeCursor({ start: 0 });
 * for (const seq of [1, 2, 4]) cursor.markDelivered(seq);
 * console.log(cursor.value, cursor.isDelivered(4), cursor.isDelivered(3));
 * cursor.markDelivered(3);
 * console.log(cursor.value);
 * // Output:
 * // 2 true false
 * // 4
 * ```
 *
 * Errors: a bad option, a saved state of another mode, or a malformed saved state throws
 * {@link InvalidOptionError}. On the cursor, a seq that is not a safe integer >= 0 throws
 * {@link InvalidSequenceError}; a missing key in `'perKey'` mode (or a key in the other modes)
 * throws a `TypeError`.
 *
 * @see {@link resumeFrom}
 * @see {@link memoryCursorStorage}
 * @param config The {@link ResumeCursorConfig}.
 * @returns A new {@link ResumeCursor}, loaded from `storage` when it holds a state.
 */
export function createResumeCursor(config: ResumeCursorConfig = {}): ResumeCursor {
  if (typeof config !== 'object' || config === null) {
    throw new InvalidOptionError({ operator: OP, option: 'config', reason: 'a config object', value: config });
  }
  const { mode = 'contiguous', start = null, window = 10_000, storage, onSkip }: ResumeCursorConfig = config;

  oneOf(OP, 'mode', mode, MODES);
  if (start !== null && !isSeq(start)) {
    throw new InvalidOptionError({ operator: OP, option: 'start', reason: 'null or a safe integer >= 0', value: start });
  }
  count(OP, 'window', window, 0);
  if (storage !== undefined) {
    if (typeof storage !== 'object' || storage === null || typeof storage.load !== 'function' || typeof storage.save !== 'function') {
      throw new InvalidOptionError({ operator: OP, option: 'storage', reason: 'an object with load() and save()', value: storage });
    }
  }
  if (onSkip !== undefined) func(OP, 'onSkip', onSkip);

  const perKey = mode === 'perKey';

  // The state. One track outside 'perKey' mode; one per key in it.
  let single: Track = newTrack(start);
  let tracks = new Map<Key, Track>();
  // 'perKey': the lowest cursor over the keys, worked out when it is read (a handshake, a
  // watcher of value$), not at every delivery: `stale` says a key moved since.
  let minC = 0;
  let stale = false;
  // True while onSkip runs: the cursor is between two consistent states.
  let skipping = false;

  const recomputeMin = (): void => {
    stale = false;
    minC = Infinity;
    for (const t of tracks.values()) if ((t.c as number) < minC) minC = t.c as number;
  };

  const currentValue = (): number | null => {
    if (!perKey) return single.c;
    if (tracks.size === 0) return start;
    if (stale) recomputeMin();
    return minC;
  };

  const install = (next: Track | Map<Key, Track>): void => {
    if (next instanceof Map) {
      tracks = next;
      recomputeMin();
    } else single = next;
  };

  /** Gives up on the lowest hole of `t` so that `pending` (a seq above the cursor) can fit. */
  const skipLowestHole = (t: Track, key: Key | undefined, pending?: number): void => {
    const c = t.c as number;
    const lowest = Math.min(t.heap.size > 0 ? t.heap.peek() : Infinity, pending ?? Infinity);
    if (onSkip !== undefined) {
      skipping = true;
      try {
        onSkip({ from: c + 1, to: lowest - 1, key });
      } finally {
        skipping = false;
      }
    }
    t.c = lowest - 1;
  };

  /** Rebuilds tracks from a checked state and makes every ahead set fit the window. */
  const build = (state: ResumeCursorState | null): Track | Map<Key, Track> => {
    if (state === null) return perKey ? new Map<Key, Track>() : newTrack(start);
    const fit = (t: Track, key: Key | undefined): Track => {
      advance(t);
      while (t.ahead.size > window) {
        skipLowestHole(t, key);
        advance(t);
      }
      return t;
    };
    if (state.mode === 'perKey') {
      const map = new Map<Key, Track>();
      for (const k of state.keys) map.set(k.key, fit(trackOf(k.cursor, k.ahead), k.key));
      return map;
    }
    return fit(trackOf(state.cursor, state.ahead), undefined);
  };

  const snapshot = (): ResumeCursorState => {
    if (!perKey) {
      return { version: 1, mode: mode as 'ordered' | 'contiguous', cursor: single.c, ahead: sortedAhead(single) };
    }
    const keys: ResumeCursorKeyState[] = [];
    for (const [key, t] of tracks) keys.push({ key, cursor: t.c as number, ahead: sortedAhead(t) });
    return { version: 1, mode: 'perKey', keys };
  };

  // Load once. The default storage is memory that nobody else can read, so it is not written to.
  const loaded = storage === undefined ? null : parseState(storage.load(), mode, OP, 'storage', true);
  install(build(loaded));
  let lastSaved: ResumeCursorState | undefined = storage === undefined ? undefined : snapshot();
  if (loaded !== null && storage !== undefined && !sameState(loaded, lastSaved as ResumeCursorState)) {
    // The window trimmed the loaded state: that is a change, so it is saved.
    storage.save(lastSaved as ResumeCursorState);
  }

  // value$ is brought up to date when someone subscribes and, while someone listens, at every
  // change: a cursor nobody watches pays no Subject work per delivered event.
  const subject = new BehaviorSubject<number | null>(currentValue());
  const publish = (): void => {
    const v = currentValue();
    if (v !== subject.getValue()) subject.next(v);
  };
  const value$ = defer(() => {
    publish();
    return subject;
  });

  /** Saves (undoing the change in memory if saving fails), then publishes the new value. */
  const commit = (): void => {
    if (storage !== undefined) {
      const state = snapshot();
      try {
        storage.save(state);
      } catch (err) {
        install(build(lastSaved as ResumeCursorState));
        throw err;
      }
      lastSaved = state;
    }
    if (subject.observed) publish();
  };

  const keyArg = (key: unknown, method: string): Key | undefined => {
    if (!perKey) {
      if (key !== undefined) throw new TypeError(`ResumeCursor.${method}: a key is only accepted in 'perKey' mode (mode is '${mode}')`);
      return undefined;
    }
    if (typeof key === 'string') return key;
    if (typeof key === 'number' && Number.isFinite(key)) return key === 0 ? 0 : key; // -0 -> 0, as JSON would
    throw new TypeError(`ResumeCursor.${method}: in 'perKey' mode the key must be a string or a finite number (got ${typeof key})`);
  };

  const seqArg = (seq: unknown): number => {
    if (!isSeq(seq)) throw new InvalidSequenceError({ seq, value: seq });
    return seq;
  };

  const notWhileSkipping = (method: string): void => {
    if (skipping) throw new Error(`ResumeCursor.${method}: called from inside onSkip`);
  };

  const trackFor = (key: Key | undefined): Track | undefined => (key === undefined ? single : tracks.get(key));

  const isDelivered = (seq: number, key?: string | number): boolean => {
    const s = seqArg(seq);
    const t = trackFor(keyArg(key, 'isDelivered'));
    const c = t === undefined ? start : t.c;
    return c !== null && (s <= c || (t !== undefined && t.ahead.has(s)));
  };

  const markDelivered = (seq: number, key?: string | number): boolean => {
    const s = seqArg(seq);
    const k = keyArg(key, 'markDelivered');
    notWhileSkipping('markDelivered');
    const existing = trackFor(k);
    const t = existing ?? newTrack(start);
    const before = t.c;

    if (t.c === null) {
      t.c = s; // the first seq sets the base
    } else if (s <= t.c || t.ahead.has(s)) {
      return false;
    } else if (mode === 'ordered' || s === t.c + 1) {
      t.c = s;
      advance(t);
    } else {
      if (t.ahead.size >= window) skipLowestHole(t, k, s);
      if (s === t.c + 1) t.c = s;
      else addAhead(t, s);
      advance(t);
    }

    if (perKey) {
      if (existing === undefined) tracks.set(k as Key, t);
      // Only a key that was at the minimum (or a new one) can move it.
      if (existing === undefined || before === minC) stale = true;
    }
    commit();
    return true;
  };

  const reset = (state?: ResumeCursorState | null): void => {
    notWhileSkipping('reset');
    const checked = state === undefined || state === null ? null : parseState(state, mode, 'ResumeCursor.reset', 'state', false);
    install(build(checked));
    commit();
  };

  return {
    mode,
    start,
    get value() {
      return currentValue();
    },
    value$,
    get: (key?: string | number) => {
      const k = keyArg(key, 'get');
      if (k === undefined) return currentValue();
      return tracks.get(k)?.c ?? start;
    },
    keys: () => [...tracks.keys()],
    isDelivered,
    markDelivered,
    snapshot,
    reset,
  };
}
