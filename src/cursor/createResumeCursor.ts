import { BehaviorSubject, defer } from 'rxjs';
import type { Observable } from 'rxjs';
import { InvalidOptionError, InvalidSequenceError } from '../errors';
import { count, func, oneOf } from '../internal/validate';
import { isSeq } from '../internal/seq';
import { advance, deliver, newTrack, trackOf } from './track';
import { emptyTracks, perKeyTracks, singleTracks } from './modes';
import type { Tracks } from './modes';
import type { Key, Track } from './track';
import { parseState, sameState } from './state';
import { MODES } from './types';
import type { CursorStorage, ResumeCursor, ResumeCursorConfig, ResumeCursorMode, ResumeCursorState } from './types';

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
  return new Cursor(mode, start, newKeys, window, storage, onSkip);
}

/**
 * The cursor: its state is its fields (the tracks, one implementation per mode in modes.ts), its
 * methods are on the prototype. `value$`'s subject is made when first subscribed.
 *
 * @internal
 */
export class Cursor implements ResumeCursor {
  /** Where the track of a key never seen starts. */
  private readonly unseen: number | null;
  private readonly perKey: boolean;
  private readonly ordered: boolean;
  // The tracks; replaced whole by reset() and a failed save.
  private tracks: Tracks;
  // True while onSkip runs: the cursor is between two consistent states.
  private skipping = false;
  private lastSaved: ResumeCursorState | undefined;
  private subject: BehaviorSubject<number | null> | null = null;
  readonly value$: Observable<number | null>;

  constructor(
    readonly mode: ResumeCursorMode,
    readonly start: number | null,
    readonly newKeys: 'start' | 'first',
    private readonly window: number,
    private readonly storage: CursorStorage | undefined,
    private readonly onSkip: ((skip: { readonly from: number; readonly to: number; readonly key: string | number | undefined }) => void) | undefined,
  ) {
    this.perKey = mode === 'perKey';
    this.ordered = mode === 'ordered';
    this.unseen = this.perKey && newKeys === 'first' ? null : start;
    // Load once. The default storage is memory that nobody else can read, so it is not written to.
    const loaded = storage === undefined ? null : parseState(storage.load(), mode, OP, 'storage', true);
    this.tracks = this.build(loaded);
    this.lastSaved = storage === undefined ? undefined : this.tracks.snapshot();
    if (loaded !== null && storage !== undefined && !sameState(loaded, this.lastSaved as ResumeCursorState)) {
      // The window trimmed the loaded state: that is a change, so it is saved.
      storage.save(this.lastSaved as ResumeCursorState);
    }
    // value$ is brought up to date when someone subscribes and, while someone listens, at every
    // change: a cursor nobody watches pays no Subject work per delivered event.
    this.value$ = defer(() => {
      this.subject ??= new BehaviorSubject<number | null>(this.tracks.value());
      this.publish();
      return this.subject;
    });
  }

  get value(): number | null {
    return this.tracks.value();
  }

  get(key?: string | number): number | null {
    const k = this.keyArg(key, 'get');
    if (k === undefined) return this.tracks.value();
    const t = this.tracks.find(k);
    return t === undefined ? this.unseen : t.c;
  }

  keys(): Key[] {
    return this.tracks.keys();
  }

  snapshot(): ResumeCursorState {
    return this.tracks.snapshot();
  }

  isDelivered(seq: number, key?: string | number): boolean {
    const s = seqArg(seq);
    const t = this.tracks.find(this.keyArg(key, 'isDelivered'));
    const c = t === undefined ? this.unseen : t.c;
    return c !== null && (s <= c || (t !== undefined && t.ahead.has(s)));
  }

  markDelivered(seq: number, key?: string | number, token?: number): boolean {
    const s = seqArg(seq);
    const k = this.keyArg(key, 'markDelivered');
    if (token !== undefined && (typeof token !== 'number' || !Number.isFinite(token))) {
      throw new TypeError(`ResumeCursor.markDelivered: the token must be a finite number (got ${String(token)})`);
    }
    this.notWhileSkipping('markDelivered');
    const { tracks } = this;
    const existing = tracks.find(k);
    const t = existing ?? newTrack(this.unseen);
    const before = t.c;
    if (!deliver(t, s, this.ordered, this.window, this, k, token)) return false;
    if (existing === undefined) tracks.add(k as Key, t);
    else tracks.moved(before);
    this.commit();
    return true;
  }

  /**
   * The managed socket's in-order step: `seq` is the next one of `key`'s track, already checked
   * (a safe integer >= 0, a key of the right kind), nothing waits above it, no storage saves and
   * nobody watches `value$`: the cursor moves and `true` comes back. In any other case nothing
   * changes and `false` says to call {@link Cursor.markDelivered}.
   *
   * @internal
   */
  next(seq: number, key: Key | undefined, token: number | undefined): boolean {
    if (this.storage !== undefined || this.skipping || (this.subject !== null && this.subject.observed)) return false;
    const t = this.tracks.find(key);
    if (t === undefined || t.c === null || seq !== t.c + 1 || t.ahead.size !== 0) return false;
    const before = t.c;
    t.c = seq;
    if (token !== undefined) t.token = token;
    this.tracks.moved(before);
    return true;
  }

  reset(state?: ResumeCursorState | null): void {
    this.notWhileSkipping('reset');
    const checked = state === undefined || state === null ? null : parseState(state, this.mode, 'ResumeCursor.reset', 'state', false);
    this.tracks = this.build(checked);
    this.commit();
  }

  resumeToken(keys?: Iterable<string | number>): number | null {
    const acc = { lowest: Infinity };
    if (keys === undefined) {
      for (const [, t] of this.tracks.entries()) if (!this.joins(t, acc)) return null;
    } else {
      for (const key of keys) if (!this.joins(this.tracks.find(this.keyArg(key, 'resumeToken')), acc)) return null;
    }
    return acc.lowest === Infinity ? null : acc.lowest;
  }

  /** Whether a track can join the minimum (it lacks nothing whose token is unknown); lowers `acc.lowest`. */
  private joins(t: Track | undefined, acc: { lowest: number }): boolean {
    // A key never seen lacks nothing when its first event will be its base.
    if (t === undefined) return this.unseen === null;
    // No token at the cursor: nothing was delivered (and nothing is lacked), or what is lacked has unknown tokens.
    if (t.token === null) return t.c === null;
    if (t.token < acc.lowest) acc.lowest = t.token;
    return true;
  }

  /** Gives up on the lowest hole of `t` so that `pending` (a seq above the cursor) can fit. */
  /** @internal */
  skipLowestHole(t: Track, key: Key | undefined, pending?: number): void {
    const c = t.c as number;
    const lowest = Math.min(t.heap.size > 0 ? t.heap.peek() : Infinity, pending ?? Infinity);
    const { onSkip } = this;
    if (onSkip !== undefined) {
      this.skipping = true;
      try {
        onSkip({ from: c + 1, to: lowest - 1, key });
      } finally {
        this.skipping = false;
      }
    }
    t.c = lowest - 1;
  }

  /** Rebuilds the tracks from a checked state and makes every ahead set fit the window. */
  private build(state: ResumeCursorState | null): Tracks {
    if (state === null) return emptyTracks(this.mode, this.start);
    const fit = (t: Track, key: Key | undefined): Track => {
      advance(t);
      while (t.ahead.size > this.window) {
        this.skipLowestHole(t, key);
        advance(t);
      }
      return t;
    };
    if (state.mode === 'perKey') {
      const map = new Map<Key, Track>();
      for (const k of state.keys) map.set(k.key, fit(trackOf(k.cursor, k.ahead, k.token ?? null), k.key));
      return perKeyTracks(this.start, map);
    }
    return singleTracks(state.mode, fit(trackOf(state.cursor, state.ahead, state.token ?? null), undefined));
  }

  /** Saves (undoing the change in memory if saving fails), then publishes the new value. */
  private commit(): void {
    const { storage } = this;
    if (storage !== undefined) {
      const state = this.tracks.snapshot();
      try {
        storage.save(state);
      } catch (err) {
        this.tracks = this.build(this.lastSaved as ResumeCursorState);
        throw err;
      }
      this.lastSaved = state;
    }
    if (this.subject !== null && this.subject.observed) this.publish();
  }

  private publish(): void {
    const subject = this.subject as BehaviorSubject<number | null>;
    const v = this.tracks.value();
    if (v !== subject.getValue()) subject.next(v);
  }

  private keyArg(key: unknown, method: string): Key | undefined {
    if (!this.perKey) {
      if (key !== undefined) throw new TypeError(`ResumeCursor.${method}: a key is only accepted in 'perKey' mode (mode is '${this.mode}')`);
      return undefined;
    }
    if (typeof key === 'string') return key;
    if (typeof key === 'number' && Number.isFinite(key)) return key === 0 ? 0 : key; // -0 -> 0, as JSON would
    throw new TypeError(`ResumeCursor.${method}: in 'perKey' mode the key must be a string or a finite number (got ${typeof key})`);
  }

  private notWhileSkipping(method: string): void {
    if (this.skipping) throw new Error(`ResumeCursor.${method}: called from inside onSkip`);
  }
}

function seqArg(seq: unknown): number {
  if (!isSeq(seq)) throw new InvalidSequenceError({ seq, value: seq });
  return seq;
}
