import { BehaviorSubject, defer } from 'rxjs';
import { InvalidOptionError, InvalidSequenceError } from '../errors';
import { count, func, oneOf } from '../internal/validate';
import { isSeq } from '../internal/seq';
import { advance, deliver, newTrack, trackOf } from './track';
import { emptyTracks, perKeyTracks, singleTracks } from './modes';
import type { Tracks } from './modes';
import type { Key, Track } from './track';
import { parseState, sameState } from './state';
import { MODES } from './types';
import type { ResumeCursor, ResumeCursorConfig, ResumeCursorState } from './types';

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
  const { mode = 'contiguous', start = null, newKeys = 'start', window = 10_000, storage, onSkip }: ResumeCursorConfig = config;

  oneOf(OP, 'mode', mode, MODES);
  oneOf(OP, 'newKeys', newKeys, ['start', 'first']);
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
  /** Where the track of a key never seen starts. */
  const unseen = perKey && newKeys === 'first' ? null : start;

  // The tracks, one implementation per mode (modes.ts); replaced whole by reset() and a failed save.
  let tracks: Tracks = emptyTracks(mode, start);
  // True while onSkip runs: the cursor is between two consistent states.
  let skipping = false;

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

  /** Rebuilds the tracks from a checked state and makes every ahead set fit the window. */
  const build = (state: ResumeCursorState | null): Tracks => {
    if (state === null) return emptyTracks(mode, start);
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
      for (const k of state.keys) map.set(k.key, fit(trackOf(k.cursor, k.ahead, k.token ?? null), k.key));
      return perKeyTracks(start, map);
    }
    return singleTracks(state.mode, fit(trackOf(state.cursor, state.ahead, state.token ?? null), undefined));
  };

  // Load once. The default storage is memory that nobody else can read, so it is not written to.
  const loaded = storage === undefined ? null : parseState(storage.load(), mode, OP, 'storage', true);
  tracks = build(loaded);
  let lastSaved: ResumeCursorState | undefined = storage === undefined ? undefined : tracks.snapshot();
  if (loaded !== null && storage !== undefined && !sameState(loaded, lastSaved as ResumeCursorState)) {
    // The window trimmed the loaded state: that is a change, so it is saved.
    storage.save(lastSaved as ResumeCursorState);
  }

  // value$ is brought up to date when someone subscribes and, while someone listens, at every
  // change: a cursor nobody watches pays no Subject work per delivered event.
  const subject = new BehaviorSubject<number | null>(tracks.value());
  const publish = (): void => {
    const v = tracks.value();
    if (v !== subject.getValue()) subject.next(v);
  };
  const value$ = defer(() => {
    publish();
    return subject;
  });

  /** Saves (undoing the change in memory if saving fails), then publishes the new value. */
  const commit = (): void => {
    if (storage !== undefined) {
      const state = tracks.snapshot();
      try {
        storage.save(state);
      } catch (err) {
        tracks = build(lastSaved as ResumeCursorState);
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

  const isDelivered = (seq: number, key?: string | number): boolean => {
    const s = seqArg(seq);
    const t = tracks.find(keyArg(key, 'isDelivered'));
    const c = t === undefined ? unseen : t.c;
    return c !== null && (s <= c || (t !== undefined && t.ahead.has(s)));
  };

  const ordered = mode === 'ordered';
  const markDelivered = (seq: number, key?: string | number, token?: number): boolean => {
    const s = seqArg(seq);
    const k = keyArg(key, 'markDelivered');
    if (token !== undefined && (typeof token !== 'number' || !Number.isFinite(token))) {
      throw new TypeError(`ResumeCursor.markDelivered: the token must be a finite number (got ${String(token)})`);
    }
    notWhileSkipping('markDelivered');
    const existing = tracks.find(k);
    const t = existing ?? newTrack(unseen);
    const before = t.c;
    if (!deliver(t, s, ordered, window, (pending) => skipLowestHole(t, k, pending), token)) return false;
    if (existing === undefined) tracks.add(k as Key, t);
    else tracks.moved(before);
    commit();
    return true;
  };

  const reset = (state?: ResumeCursorState | null): void => {
    notWhileSkipping('reset');
    const checked = state === undefined || state === null ? null : parseState(state, mode, 'ResumeCursor.reset', 'state', false);
    tracks = build(checked);
    commit();
  };

  /** Whether a track can join the minimum (it lacks nothing whose token is unknown); lowers `acc.lowest`. */
  const joins = (t: Track | undefined, acc: { lowest: number }): boolean => {
    // A key never seen lacks nothing when its first event will be its base.
    if (t === undefined) return unseen === null;
    // No token at the cursor: nothing was delivered (and nothing is lacked), or what is lacked has unknown tokens.
    if (t.token === null) return t.c === null;
    if (t.token < acc.lowest) acc.lowest = t.token;
    return true;
  };
  const resumeToken = (keys?: Iterable<string | number>): number | null => {
    const acc = { lowest: Infinity };
    if (keys === undefined) {
      for (const [, t] of tracks.entries()) if (!joins(t, acc)) return null;
    } else {
      for (const key of keys) if (!joins(tracks.find(keyArg(key, 'resumeToken')), acc)) return null;
    }
    return acc.lowest === Infinity ? null : acc.lowest;
  };

  return {
    mode,
    start,
    newKeys,
    get value() {
      return tracks.value();
    },
    value$,
    get: (key?: string | number) => {
      const k = keyArg(key, 'get');
      if (k === undefined) return tracks.value();
      const t = tracks.find(k);
      return t === undefined ? unseen : t.c;
    },
    keys: () => tracks.keys(),
    isDelivered,
    markDelivered,
    snapshot: () => tracks.snapshot(),
    resumeToken,
    reset,
  };
}
