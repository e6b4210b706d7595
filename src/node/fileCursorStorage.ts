import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { InvalidOptionError } from '../errors';
import type { CursorStorage, ResumeCursorState } from '../cursor';

const OP = 'fileCursorStorage';

/** One temp-file name per write, unique within the process (the pid makes it unique across processes). */
let writes = 0;

/**
 * Creates a {@link CursorStorage} that keeps a resume cursor's state in a JSON file, so a Node job
 * resumes where its last run stopped.
 *
 * Synchronous, like the interface: `load()` reads the file (a missing file means "nothing saved
 * yet": `null`), `save()` writes the state to a temp file in the same directory and renames it over
 * the file. The rename is atomic, so a crash or a kill in the middle of a save leaves the previous
 * state or the new one, never half a file. The directory is created on the first save. (The write
 * is not fsync'ed: after a power loss the last saves may be missing, never corrupt.)
 *
 * ```text
 * run 1:  cursor --1--2--3--|      cursor.json: {"version":1,"mode":"contiguous","cursor":3,...}
 * > createResumeCursor({ storage: fileCursorStorage('cursor.json') })
 * run 2:  cursor 3--4--5--         (resumes after 3)
 * ```
 *
 * ## Example
 * ```ts
 * import { createResumeCursor, fileCursorStorage, managedSocket$ } from 'rxjs-managed-socket/node';
 *
 * const cursor = createResumeCursor({ mode: 'perKey', start: 0, storage: fileCursorStorage('.state/cursor.json') });
 * const socket = managedSocket$({ url: 'ws://127.0.0.1:8080', ...protocol, resume: cursor });
 * console.log('resuming from', cursor.value);
 * // Output: resuming from 0 on the first run, then from the last seq delivered by the previous run
 * ```
 *
 * Errors: `load()` throws {@link InvalidOptionError} (option `path`) when the file is not JSON, and
 * the file system's error (`EACCES`, `EISDIR`, ...) when it cannot be read; a JSON value that is not
 * a cursor state is reported by `createResumeCursor` (option `storage`). `save()` throws the file
 * system's error (the cursor then undoes the change) and leaves no temp file behind. Throws
 * {@link InvalidOptionError} at once when `path` is not a non-empty string.
 *
 * @see {@link createResumeCursor}, {@link memoryCursorStorage}
 * @param path The JSON file, absolute or relative to the working directory.
 * @returns A storage to give to `createResumeCursor` (or to `managedSocket$`'s `resume.storage`).
 */
export function fileCursorStorage(path: string): CursorStorage {
  if (typeof path !== 'string' || path === '') {
    throw new InvalidOptionError({ operator: OP, option: 'path', reason: 'a non-empty file path', value: path });
  }
  const dir = dirname(path);
  let dirReady = false;

  return {
    load: (): ResumeCursorState | null => {
      let text: string;
      try {
        text = readFileSync(path, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw error;
      }
      try {
        return JSON.parse(text) as ResumeCursorState;
      } catch (error) {
        const detail = error instanceof Error ? error.message : String(error);
        throw new InvalidOptionError({
          operator: OP,
          option: 'path',
          reason: `a file holding a saved cursor state as JSON, but this one is not JSON (${detail})`,
          value: path,
        });
      }
    },
    save: (state: ResumeCursorState): void => {
      if (!dirReady) {
        mkdirSync(dir, { recursive: true });
        dirReady = true;
      }
      const temp = join(dir, `.${basename(path)}.${process.pid}.${++writes}.tmp`);
      try {
        writeFileSync(temp, `${JSON.stringify(state)}\n`, 'utf8');
        renameSync(temp, path);
      } catch (error) {
        rmSync(temp, { force: true });
        throw error;
      }
    },
  };
}
