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
export function singleTracks(mode: Exclude<ResumeCursorMode, 'perKey'>, track: Track): Tracks {
  return {
    value: () => track.c,
    find: () => track,
    add: () => undefined,
    moved: () => undefined,
    keys: () => [],
    snapshot: () => withToken({ version: 1, mode, cursor: track.c, ahead: sortedAhead(track) }, track),
    entries: () => [[undefined, track]],
  };
}

/**
 * `'perKey'`: one track per key; the value is the lowest cursor over the keys (the cursor's
 * `start` before any key), worked out when it is read (a handshake, a `value$` watcher), not at
 * every delivery. @internal
 */
export function perKeyTracks(start: number | null, tracks: Map<Key, Track>): Tracks {
  let lowest: number | null = null;
  let stale = true;
  return {
    value: () => {
      if (tracks.size === 0) return start;
      if (stale) {
        stale = false;
        lowest = Infinity;
        for (const t of tracks.values()) if ((t.c as number) < lowest) lowest = t.c as number;
      }
      return lowest;
    },
    find: (key) => tracks.get(key as Key),
    add: (key, track) => {
      tracks.set(key, track);
      stale = true;
    },
    // Only a key that was at the lowest cursor can raise it.
    moved: (before) => {
      if (!stale && before === lowest) stale = true;
    },
    keys: () => [...tracks.keys()],
    snapshot: () => {
      const keys: ResumeCursorKeyState[] = [];
      for (const [key, t] of tracks) keys.push(withToken({ key, cursor: t.c as number, ahead: sortedAhead(t) }, t));
      return { version: 1, mode: 'perKey', keys };
    },
    entries: () => tracks,
  };
}

/** A stored state carries the token at the cursor only when there is one (older states have none). */
function withToken<S extends object>(state: S, t: Track): S {
  return t.token === null ? state : { ...state, token: t.token };
}

/** The tracks of a fresh cursor (nothing delivered). @internal */
export function emptyTracks(mode: ResumeCursorMode, start: number | null): Tracks {
  return mode === 'perKey' ? perKeyTracks(start, new Map()) : singleTracks(mode, newTrack(start));
}
