import { InvalidOptionError } from '../errors';
import { isSeq } from '../internal/seq';
import { MODES } from './types';
import type { CursorStorage, ResumeCursorKeyState, ResumeCursorMode, ResumeCursorState } from './types';
import type { Key } from './track';

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

/** @internal */
export function copyState(state: ResumeCursorState): ResumeCursorState {
  return JSON.parse(JSON.stringify(state)) as ResumeCursorState;
}

/** @internal */
export function sameState(a: ResumeCursorState, b: ResumeCursorState): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Checks a state from storage or `reset()`: the right mode, and well-formed. Returns a copy with
 * its ahead seqs sorted, or null for "nothing stored".
 */
/** @internal */
export function parseState(
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

  const tokenOf = (value: unknown, where: string): { token?: number } => {
    if (value === undefined || value === null) return {};
    if (typeof value !== 'number' || !Number.isFinite(value)) throw bad(`${where}token must be a finite number`);
    return { token: value };
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
      const where = `key ${JSON.stringify(k)}: `;
      out.push({ key: k, cursor, ahead: aheadOf(e['ahead'], cursor, where), ...tokenOf(e['token'], where) });
    }
    return { version: 1, mode: 'perKey', keys: out };
  }

  const cursor = r['cursor'];
  if (cursor !== null && !isSeq(cursor)) throw bad('cursor must be null or a safe integer >= 0');
  const ahead = aheadOf(r['ahead'], cursor, '');
  if (stateMode === 'ordered' && ahead.length > 0) throw bad("ahead must be empty in 'ordered' mode");
  return { version: 1, mode: stateMode as 'ordered' | 'contiguous', cursor, ahead, ...tokenOf(r['token'], '') };
}
