import { newTrack, sortedAhead } from './track';
import type { Key, Track } from './track';
import type { ResumeCursorKeyState, ResumeCursorMode, ResumeCursorState } from './types';

/**
 * Where a cursor keeps its tracks, and how it turns them into the one value a handshake sends:
 * one implementation per shape. `'ordered'` and `'contiguous'` keep one track (they differ only in
 * how a seq advances it, see `deliver` in track.ts); `'perKey'` keeps one track per key and sends
 * the lowest of them.
 *
 * @internal
 */
export interface Tracks {
  /** The value a handshake resumes from. */
  value(): number | null;
  /** The track of `key` (`undefined` outside 'perKey'), or `undefined` for a key not seen yet. */
  find(key: Key | undefined): Track | undefined;
  /** Adds the track of a key seen for the first time ('perKey' only). */
  add(key: Key, track: Track): void;
  /** A track of `key` moved from `before`: what the value is made of may have changed. */
  moved(before: number | null): void;
  /** The keys seen so far, in first-seen order. */
  keys(): Key[];
  /** Everything, as plain JSON. */
  snapshot(): ResumeCursorState;
  /** Every track with its key (`undefined` outside 'perKey'). */
  entries(): Iterable<readonly [Key | undefined, Track]>;
}

/** `'ordered'` and `'contiguous'`: one track; its cursor is the value. @internal */
class SingleTracks implements Tracks {
  constructor(
    private readonly mode: Exclude<ResumeCursorMode, 'perKey'>,
    private readonly track: Track,
  ) {}

  value(): number | null {
    return this.track.c;
  }

  find(): Track {
    return this.track;
  }

  add(): void {
    // one track, made with the cursor
  }

  moved(): void {
    // the track's cursor is the value: nothing to recompute
  }

  keys(): Key[] {
    return [];
  }

  snapshot(): ResumeCursorState {
    const { track } = this;
    return withToken({ version: 1, mode: this.mode, cursor: track.c, ahead: sortedAhead(track) }, track);
  }

  entries(): Iterable<readonly [Key | undefined, Track]> {
    return [[undefined, this.track]];
  }
}

/** `'perKey'`: one track per key; the value is the lowest cursor, recomputed only when it may have moved. @internal */
class PerKeyTracks implements Tracks {
  private lowest: number | null = null;
  private stale = true;
  /** The key found last and its track (tracks are never removed, only added or replaced whole). */
  private lastKey: Key | undefined = undefined;
  private lastTrack: Track | undefined = undefined;

  constructor(
    private readonly start: number | null,
    private readonly tracks: Map<Key, Track>,
  ) {}

  value(): number | null {
    if (this.tracks.size === 0) return this.start;
    if (this.stale) {
      this.stale = false;
      let lowest = Infinity;
      for (const t of this.tracks.values()) if ((t.c as number) < lowest) lowest = t.c as number;
      this.lowest = lowest;
    }
    return this.lowest;
  }

  find(key: Key | undefined): Track | undefined {
    // The last key's track first: a feed's events often come in runs of one key.
    if (key === this.lastKey && this.lastTrack !== undefined) return this.lastTrack;
    const track = this.tracks.get(key as Key);
    this.lastKey = key;
    this.lastTrack = track;
    return track;
  }

  add(key: Key, track: Track): void {
    this.tracks.set(key, track);
    this.stale = true;
  }

  // Only a key that was at the lowest cursor can raise it.
  moved(before: number | null): void {
    if (!this.stale && before === this.lowest) this.stale = true;
  }

  keys(): Key[] {
    return [...this.tracks.keys()];
  }

  snapshot(): ResumeCursorState {
    const keys: ResumeCursorKeyState[] = [];
    for (const [key, t] of this.tracks) keys.push(withToken({ key, cursor: t.c as number, ahead: sortedAhead(t) }, t));
    return { version: 1, mode: 'perKey', keys };
  }

  entries(): Iterable<readonly [Key | undefined, Track]> {
    return this.tracks;
  }
}

/** One track for `'ordered'` and `'contiguous'`. @internal */
export function singleTracks(mode: Exclude<ResumeCursorMode, 'perKey'>, track: Track): Tracks {
  return new SingleTracks(mode, track);
}

/** One track per key for `'perKey'`. @internal */
export function perKeyTracks(start: number | null, tracks: Map<Key, Track>): Tracks {
  return new PerKeyTracks(start, tracks);
}

function withToken<S extends object>(state: S, t: Track): S {
  return t.token === null ? state : { ...state, token: t.token };
}

/** The tracks of a fresh cursor (nothing delivered). @internal */
export function emptyTracks(mode: ResumeCursorMode, start: number | null): Tracks {
  return mode === 'perKey' ? perKeyTracks(start, new Map()) : singleTracks(mode, newTrack(start));
}
