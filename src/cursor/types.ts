import type { Observable } from 'rxjs';

/** The modes a resume cursor can run in. @internal */
export const MODES = ['ordered', 'contiguous', 'perKey'] as const;

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
  /** The resume token of the event at `cursor`, when tokens are used and it is known. */
  readonly token?: number;
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
  /** The resume token of the event at `cursor`, when tokens are used and it is known. */
  readonly token?: number;
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
   * `'perKey'` mode: where a key never seen before starts. `'start'`: at `start`, so with a
   * number there every seq of a new key after `start` is expected, and a key that first shows up
   * at seq 500 has a hole 1-499 (the socket waits for it, then resyncs). `'first'`: the first seq
   * delivered for a new key becomes its base, as with `start: null`, while `start` stays the value
   * sent before any key was seen. The risk of `'first'`: events of a new key before its first
   * delivered one (reordered behind it, or sent before it was subscribed) are never asked for.
   * @default 'start'
   */
  newKeys?: 'start' | 'first';
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
  /** Where a key never seen starts (`'perKey'` mode); see {@link ResumeCursorConfig.newKeys}. */
  readonly newKeys: 'start' | 'first';
  /**
   * The cursor of one key (`'perKey'` mode; for a key never seen, `start`, or `null` with
   * `newKeys: 'first'`). Outside `'perKey'`
   * mode, call it without a key to read {@link ResumeCursor.value}.
   */
  get(key?: string | number): number | null;
  /** The keys that have delivered something, in first-seen order (always empty outside `'perKey'`). */
  keys(): Array<string | number>;
  /** Whether `seq` (of `key`) counts as delivered already, i.e. arriving now it is a replay. */
  isDelivered(seq: number, key?: string | number): boolean;
  /**
   * Records `seq` (of `key`) as delivered. Returns `false` when it already was (a replay).
   * `token`: the event's resume token (a finite number that does not decrease along the key's
   * seqs), remembered with the seq for {@link ResumeCursor.resumeToken}.
   */
  markDelivered(seq: number, key?: string | number, token?: number): boolean;
  /**
   * The gap-safe resume token: over `keys` (default: every key seen; outside `'perKey'` mode, the
   * one sequence), the lowest token of each key's last event delivered in order (the event at its
   * cursor, never one above a hole). `null` when no token is safe: nothing was delivered with a
   * token, or a key lacks events whose tokens are unknown (a key whose cursor is still `start`,
   * or, among the given `keys`, one never seen while `start` is a number and `newKeys` is
   * `'start'`). A key that has not delivered anything and starts from its first event lacks nothing.
   */
  resumeToken(keys?: Iterable<string | number>): number | null;
  /** A copy of the whole state, as plain JSON. */
  snapshot(): ResumeCursorState;
  /** Forgets everything and goes back to `start`, or to the given state; then saves. */
  reset(state?: ResumeCursorState | null): void;
}

/** One sequence: its cursor and the seqs delivered above a hole (a Set, plus a min-heap). */
