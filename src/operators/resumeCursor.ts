import { BehaviorSubject, defer } from 'rxjs';
import type { Observable } from 'rxjs';
import { InvalidOptionError, InvalidSequenceError } from '../errors';
import { count, func, oneOf } from '../internal/validate';
import { MinHeap } from '../internal/minHeap';
import { isSeq } from '../internal/seq';

const OP = 'createResumeCursor';
const MODES = ['ordered', 'contiguous', 'perKey'] as const;

/**
 * How a {@link ResumeCursor} turns delivered seqs into the one number a handshake resumes from.
 *
 * - `'ordered'`: one sequence that always arrives in order (it may skip numbers). The cursor is
 *   the highest seq delivered. A seq that arrives late, below it, is taken for a replay.
 * - `'contiguous'`: one dense sequence (every integer is used) that may arrive reordered. The
 *   cursor is the highest `c` such that every seq from the base up to `c` was delivered.
 * - `'perKey'`: one dense sequence per key (job, topic, ...). Each key has its own contiguous
 *   cursor; {@link ResumeCursor.value} is the lowest of them.
 */
export type ResumeCursorMode = (typeof MODES)[number];

/** The state of one key of a `'perKey'` cursor, as stored in a {@link ResumeCursorState}. */
export interface ResumeCursorKeyState {
  /** The key, as `keyOf` returned it. */
  readonly key: string | number;
  /** Every seq of this key up to this one was delivered (or lies before the key's base). */
  readonly cursor: number;
  /** Seqs of this key delivered above a hole, in ascending order. */
  readonly ahead: readonly number[];
}

/** The state of an `'ordered'` or `'contiguous'` cursor, as stored in a {@link ResumeCursorState}. */
export interface ResumeCursorSequenceState {
  /** Format version of the stored state. */
  readonly version: 1;
  /** The mode the state was written by. */
  readonly mode: 'ordered' | 'contiguous';
  /** The cursor: the last seq that counts as delivered, or `null` when nothing is known yet. */
  readonly cursor: number | null;
  /** Seqs delivered above a hole, in ascending order. Always empty in `'ordered'` mode. */
  readonly ahead: readonly number[];
}

/** The state of a `'perKey'` cursor, as stored in a {@link ResumeCursorState}. */
export interface ResumeCursorPerKeyState {
  /** Format version of the stored state. */
  readonly version: 1;
  /** The mode the state was written by. */
  readonly mode: 'perKey';
  /** One entry per key that has delivered something, in the order the keys were first seen. */
  readonly keys: readonly ResumeCursorKeyState[];
}

/**
 * Everything a {@link ResumeCursor} knows, as plain JSON (numbers, strings, arrays, objects):
 * what {@link ResumeCursor.snapshot} returns and what a {@link CursorStorage} saves and loads.
 */
export type ResumeCursorState = ResumeCursorSequenceState | ResumeCursorPerKeyState;

/**
 * Where a {@link ResumeCursor} keeps its state between runs of the program. Both methods are
 * synchronous, like `localStorage`; a Node process can read and write a file.
 *
 * ## Example
 * ```ts
 * import { createResumeCursor } from 'rxjs-managed-socket';
 *
 * const cursor = createResumeCursor({
 *   start: 0,
 *   storage: {
 *     load: () => JSON.parse(localStorage.getItem('feed-cursor') ?? 'null'),
 *     save: (state) => localStorage.setItem('feed-cursor', JSON.stringify(state)),
 *   },
 * });
 * ```
 */
export interface CursorStorage {
  /**
   * Returns the state saved by an earlier run, or `null`/`undefined` when there is none. Called
   * once, when the cursor is created. If it throws, so does {@link createResumeCursor}.
   */
  load(): ResumeCursorState | null | undefined;
  /**
   * Stores the new state. Called after every change, with a fresh object. If it throws, the
   * change is undone in memory and the error propagates out of the call that made the change.
   */
  save(state: ResumeCursorState): void;
}

/** What {@link ResumeCursorConfig.onSkip} is told when the cursor gives up on a hole. */
export interface ResumeCursorSkip {
  /** The first seq given up on. */
  readonly from: number;
  /** The last seq given up on (inclusive). */
  readonly to: number;
  /** The key whose sequence had the hole; `undefined` outside `'perKey'` mode. */
  readonly key: string | number | undefined;
}

/** Configuration of {@link createResumeCursor}. */
export interface ResumeCursorConfig {
  /**
   * How seqs are counted; see {@link ResumeCursorMode}. `'contiguous'` is the safe choice for a
   * single sequence: it stays correct when events arrive reordered.
   * @default 'contiguous'
   */
  mode?: ResumeCursorMode;
  /**
   * The last seq already delivered (for every key, in `'perKey'` mode): `0` when the server
   * numbers from 1 and nothing was received yet. `null` means "unknown": the first seq
   * delivered (per key) becomes the base, and anything below it that arrives later is taken for
   * a replay. A safe integer >= 0, or `null`. Ignored when `storage` holds a saved state.
   * @default null
   */
  start?: number | null;
  /**
   * The most seqs remembered above a hole, per key (an integer >= 0). When one more would be
   * needed, the cursor gives up on the lowest hole and reports it to `onSkip`. `0` tolerates no
   * reordering at all.
   * @default 10_000
   */
  window?: number;
  /**
   * Where the state is loaded from once, at creation, and saved to after every change.
   * The default keeps it in memory, for the life of the cursor object.
   * @default memoryCursorStorage()
   */
  storage?: CursorStorage;
  /**
   * Called when the `window` is full and the cursor moves past a hole it will no longer wait
   * for (`'contiguous'` and `'perKey'` modes). It runs before the cursor moves, so it can read the
   * old value; if it throws, the cursor is left unchanged and the error propagates out of
   * {@link ResumeCursor.markDelivered} (and so out of {@link resumeFrom}, which errors). Throwing
   * here is how to make the cursor strict: fail and reconnect instead of losing the hole.
   * It must not call `markDelivered` or `reset`.
   * @default undefined
   */
  onSkip?(skip: ResumeCursorSkip): void;
}

/**
 * The resume position of a feed: what has been delivered, and the seq to resume from after a
 * reconnect. Create it once with {@link createResumeCursor} and share it across reconnects.
 */
export interface ResumeCursor {
  /** The mode the cursor was created with. */
  readonly mode: ResumeCursorMode;
  /**
   * The `start` it was created with: the resume point of a key never seen (`'perKey'` mode), e.g.
   * for a topic subscribed for the first time.
   */
  readonly start: number | null;
  /**
   * The seq to resume from: every seq up to it counts as delivered (the lowest per-key cursor in
   * `'perKey'` mode). `null` while nothing is known.
   */
  readonly value: number | null;
  /** {@link ResumeCursor.value} now, then each time it changes. Never completes. */
  readonly value$: Observable<number | null>;
  /**
   * The cursor of one key (`'perKey'` mode; `start` for a key never seen). Outside `'perKey'`
   * mode, call it without a key to read {@link ResumeCursor.value}.
   */
  get(key?: string | number): number | null;
  /** The keys that have delivered something, in first-seen order (always empty outside `'perKey'`). */
  keys(): Array<string | number>;
  /** Whether `seq` (of `key`) counts as delivered already, i.e. arriving now it is a replay. */
  isDelivered(seq: number, key?: string | number): boolean;
  /** Records `seq` (of `key`) as delivered. Returns `false` when it already was (a replay). */
  markDelivered(seq: number, key?: string | number): boolean;
  /** A copy of the whole state, as plain JSON. */
  snapshot(): ResumeCursorState;
  /** Forgets everything and goes back to `start`, or to the given state; then saves. */
  reset(state?: ResumeCursorState | null): void;
}

/** One sequence: its cursor and the seqs delivered above a hole (a Set, plus a min-heap). */
interface Track {
  c: number | null;
  readonly ahead: Set<number>;
  readonly heap: MinHeap;
}

type Key = string | number;

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

/**
 * Creates the in-memory {@link CursorStorage}: what a cursor uses when given none.
 *
 * Give the same storage to a second cursor to simulate a restart of the program, in a test or a
 * demo: the second cursor loads where the first one stopped. It keeps copies, so changing a saved
 * or loaded object does not change what is stored.
 *
 * ```text
 * cursor A (storage s):  --1--2--3--
 * > createResumeCursor({ storage: s }) after A stops
 * cursor B (storage s):  3----------
 * ```
 *
 * ## Example
 * A second cursor on the same storage picks up where the first one stopped.
 * ```ts
 * import { createResumeCursor, memoryCursorStorage } from 'rxjs-managed-socket';
 *
 * const storage = memoryCursorStorage();
 * const first = createResumeCursor({ start: 0, storage });
 * first.markDelivered(1);
 * first.markDelivered(2);
 * const second = createResumeCursor({ start: 0, storage });
 * console.log(second.value);
 * // Output:
 * // 2
 * ```
 *
 * It throws nothing; a malformed `initial` state is reported by {@link createResumeCursor} as an
 * {@link InvalidOptionError} naming `storage`.
 *
 * @param initial A state to start with, as if saved by an earlier run.
 * @returns A storage that keeps the last saved state in memory.
 */
export function memoryCursorStorage(initial: ResumeCursorState | null = null): CursorStorage {
  let stored: ResumeCursorState | null = initial === null ? null : copyState(initial);
  return {
    load: () => (stored === null ? null : copyState(stored)),
    save: (state: ResumeCursorState) => {
      stored = copyState(state);
    },
  };
}

function newTrack(c: number | null): Track {
  return { c, ahead: new Set<number>(), heap: new MinHeap() };
}

function trackOf(c: number | null, ahead: readonly number[]): Track {
  const t = newTrack(c);
  for (const s of ahead) addAhead(t, s);
  return t;
}

/** Moves the cursor over the seqs remembered right above it. */
function advance(t: Track): void {
  while (t.heap.size > 0 && t.heap.peek() === (t.c as number) + 1) {
    const s = t.heap.pop();
    t.ahead.delete(s);
    t.c = s;
  }
}

function addAhead(t: Track, s: number): void {
  t.ahead.add(s);
  t.heap.push(s);
}

function sortedAhead(t: Track): number[] {
  return [...t.ahead].sort((a, b) => a - b);
}

/** A deep copy through JSON, which is what a real storage would give back. */
function copyState(state: ResumeCursorState): ResumeCursorState {
  return JSON.parse(JSON.stringify(state)) as ResumeCursorState;
}

function sameState(a: ResumeCursorState, b: ResumeCursorState): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Checks a state from storage or `reset()`: the right mode, and well-formed. Returns a copy with
 * its ahead seqs sorted, or null for "nothing stored".
 */
function parseState(
  raw: unknown,
  mode: ResumeCursorMode,
  operator: string,
  option: string,
  fromStorage: boolean,
): ResumeCursorState | null {
  if (fromStorage && (raw === null || raw === undefined)) return null;
  const what = fromStorage ? 'load() to return null, undefined or a ResumeCursorState' : 'a ResumeCursorState';
  const bad = (detail: string): InvalidOptionError =>
    new InvalidOptionError({ operator, option, reason: `${what} (${detail})`, value: raw });

  if (typeof raw !== 'object' || raw === null) throw bad('not an object');
  const r = raw as Record<string, unknown>;
  if (r['version'] !== 1) throw bad('version must be 1');
  const stateMode = r['mode'];
  if (typeof stateMode !== 'string' || !(MODES as readonly string[]).includes(stateMode)) throw bad('unknown mode');
  if (stateMode !== mode) {
    throw fromStorage
      ? new InvalidOptionError({ operator, option: 'mode', reason: `'${stateMode}', the mode of the state in storage`, value: mode })
      : bad(`its mode is '${stateMode}', the cursor's is '${mode}'`);
  }

  const aheadOf = (value: unknown, cursor: number | null, where: string): number[] => {
    if (!Array.isArray(value)) throw bad(`${where}ahead must be an array`);
    const sorted = [...(value as unknown[])].sort((a, b) => Number(a) - Number(b));
    sorted.forEach((s, i) => {
      if (!isSeq(s)) throw bad(`${where}ahead holds ${String(s)}, not a safe integer >= 0`);
      if (cursor === null) throw bad(`${where}ahead must be empty while the cursor is null`);
      if (s <= cursor) throw bad(`${where}ahead holds ${s}, not above the cursor`);
      if (i > 0 && sorted[i - 1] === s) throw bad(`${where}ahead holds ${s} twice`);
    });
    return sorted as number[];
  };

  if (stateMode === 'perKey') {
    const keys = r['keys'];
    if (!Array.isArray(keys)) throw bad('keys must be an array');
    const seen = new Set<Key>();
    const out: ResumeCursorKeyState[] = [];
    for (const entry of keys as unknown[]) {
      if (typeof entry !== 'object' || entry === null) throw bad('each key entry must be an object');
      const e = entry as Record<string, unknown>;
      let key = e['key'];
      if (typeof key === 'number' && Number.isFinite(key)) key = key === 0 ? 0 : key;
      else if (typeof key !== 'string') throw bad('each key must be a string or a finite number');
      const k = key as Key;
      if (seen.has(k)) throw bad(`key ${JSON.stringify(k)} appears twice`);
      seen.add(k);
      const cursor = e['cursor'];
      if (!isSeq(cursor)) throw bad(`the cursor of key ${JSON.stringify(k)} must be a safe integer >= 0`);
      out.push({ key: k, cursor, ahead: aheadOf(e['ahead'], cursor, `key ${JSON.stringify(k)}: `) });
    }
    return { version: 1, mode: 'perKey', keys: out };
  }

  const cursor = r['cursor'];
  if (cursor !== null && !isSeq(cursor)) throw bad('cursor must be null or a safe integer >= 0');
  const ahead = aheadOf(r['ahead'], cursor, '');
  if (stateMode === 'ordered' && ahead.length > 0) throw bad("ahead must be empty in 'ordered' mode");
  return { version: 1, mode: stateMode as 'ordered' | 'contiguous', cursor, ahead };
}
