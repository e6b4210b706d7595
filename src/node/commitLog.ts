import { InvalidOptionError } from '../errors';
import { createResumeCursor, memoryCursorStorage } from '../cursor';
import type { CursorStorage, ResumeCursor, ResumeCursorMode, ResumeCursorSkip, ResumeCursorState } from '../cursor';
import { count, oneOf } from '../internal/validate';
import { isSeq } from '../internal/seq';
import { CommitWindowError } from './errors';

const OP = 'openCommitLog';

/**
 * Where a {@link CommitLog} keeps the committed position: like {@link CursorStorage}, but both
 * methods return Promises, so the state can live in a database or a remote store
 * ({@link redisCursorStore}). `save()` must resolve only once the state is durable as far as the
 * store goes: a commit is acknowledged after it.
 *
 * ## Example
 * ```ts
 * import type { AsyncCursorStorage } from 'rxjs-managed-socket/node';
 *
 * const storage: AsyncCursorStorage = {
 *   load: async () => JSON.parse((await db.get('orders-job')) ?? 'null'),
 *   save: async (state) => db.put('orders-job', JSON.stringify(state)),
 * };
 * ```
 */
export interface AsyncCursorStorage {
  /** The state saved by an earlier run, or `null`/`undefined` when there is none. Called once, by {@link openCommitLog}. */
  load(): Promise<ResumeCursorState | null | undefined>;
  /** Stores the state. Calls never overlap: the next starts after this one settled. A rejection fails the commits it carried. */
  save(state: ResumeCursorState): Promise<void>;
}

/** Configuration of {@link openCommitLog}. */
export interface CommitLogConfig {
  /** Where the committed position is loaded from and saved to: asynchronous, or a synchronous {@link CursorStorage} such as `fileCursorStorage`. */
  storage: AsyncCursorStorage | CursorStorage;
  /**
   * How seqs are counted, as for {@link createResumeCursor}: `'perKey'` for a feed numbered per
   * topic (the reference server), `'contiguous'` for one dense sequence.
   * @default 'contiguous'
   */
  mode?: ResumeCursorMode;
  /**
   * The last seq already handled when nothing was committed yet (`0` when the server numbers
   * from 1). `null`: the first seq committed becomes the base.
   * @default null
   */
  start?: number | null;
  /**
   * The most seqs committed above an uncommitted one (per key). One more makes `commit()` reject
   * with a {@link CommitWindowError}: the position never skips work that was not done.
   * @default 10_000
   */
  window?: number;
}

/**
 * The committed position of a job: what its work has finished, kept in a storage, gap-safe.
 * Created by {@link openCommitLog}.
 */
export interface CommitLog {
  /**
   * The committed position in memory (read it; do not mark it: use {@link CommitLog.commit}). It
   * may be ahead of the storage by the commits whose save is still running.
   */
  readonly cursor: ResumeCursor;
  /**
   * A new in-memory cursor that starts at the committed position, for the socket's `resume`
   * option: the socket's cursor then follows what is *received* (for reconnects within the run),
   * while this log follows what is *done* (for the next run).
   */
  socketCursor(): ResumeCursor;
  /**
   * Records that the work of `seq` (of `key`) is done. The position moves only over seqs that are
   * all done: committing 5 before 4 keeps it at 3 until 4 is committed. Resolves once a save that
   * includes this commit has succeeded; rejects when that save fails (and so does every later
   * commit: the log is failed), or at once on a bad seq or a full `window`.
   */
  commit(seq: number, key?: string | number): Promise<void>;
  /** Resolves when every commit made so far is saved (at once when there is none pending). */
  flush(): Promise<void>;
  /** Commits made and not yet saved. */
  readonly pending: number;
}

interface Deferred {
  readonly promise: Promise<void>;
  resolve(): void;
  reject(error: unknown): void;
  count: number;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // A failed save is reported to each commit's caller; this keeps a batch nobody awaits from
  // being an unhandled rejection.
  promise.catch(() => undefined);
  return { promise, resolve, reject, count: 0 };
}

/**
 * Opens the committed position of a job, for at-least-once processing: an event's seq is
 * committed after its work is done, and a restarted job resumes from the last committed event.
 *
 * The log holds a gap-safe {@link ResumeCursor} (so work may finish out of order) and saves it to
 * the storage after each commit, one save at a time: commits that arrive while a save runs are
 * saved together by the next one. `commit()` resolves once its save succeeded, so a commit the job
 * saw resolve is never lost.
 *
 * ```text
 * work done:  --1--2-----4--3--
 * > log.commit(seq)
 * position:   0-1--2--------4--     (4 before 3: it waits at 2)
 * ```
 *
 * ## Example
 * ```ts
 * import { fileCursorStorage, managedSocket$, openCommitLog, toAsyncIterable } from 'rxjs-managed-socket/node';
 *
 * const log = await openCommitLog({ storage: fileCursorStorage('.state/orders.json'), mode: 'perKey', start: 0 });
 * const socket = managedSocket$({ url, ...referenceProtocol(), resume: log.socketCursor() });
 * socket.subscribeTopics('orders');
 * for await (const event of toAsyncIterable(events$(socket), { capacity: 100, pause: socket })) {
 *   await save(event);                        // the work
 *   await log.commit(event.seq, event.topic); // then the position
 * }
 * // Output: after a crash, the next run starts after the last committed event
 * ```
 *
 * Errors: rejects with the storage's `load()` error, or an {@link InvalidOptionError} for a bad
 * option or a stored state of another mode (option `storage` or `mode`), thrown at once for a bad
 * option.
 *
 * @see {@link processCommitted}, {@link redisCursorStore}, {@link fileCursorStorage}
 * @param config The storage and how seqs are counted.
 * @returns The log, loaded from the storage.
 */
export function openCommitLog(config: CommitLogConfig): Promise<CommitLog> {
  if (typeof config !== 'object' || config === null) {
    throw new InvalidOptionError({ operator: OP, option: 'config', reason: 'a config object', value: config });
  }
  const { storage, mode = 'contiguous', start = null, window = 10_000 } = config;
  const s = storage as Partial<AsyncCursorStorage> | null;
  if (typeof s !== 'object' || s === null || typeof s.load !== 'function' || typeof s.save !== 'function') {
    throw new InvalidOptionError({ operator: OP, option: 'storage', reason: 'an object with load() and save()', value: storage });
  }
  oneOf(OP, 'mode', mode, ['ordered', 'contiguous', 'perKey'] as const);
  count(OP, 'window', window, 0);
  if (start !== null && !isSeq(start)) {
    throw new InvalidOptionError({ operator: OP, option: 'start', reason: 'null or a safe integer >= 0', value: start });
  }
  return (async () => {
    const loaded = (await storage.load()) ?? null;
    return createLog(storage, loaded, mode, start, window);
  })();
}

function createLog(storage: AsyncCursorStorage | CursorStorage, loaded: ResumeCursorState | null, mode: ResumeCursorMode, start: number | null, window: number): CommitLog {
  const onSkip = (skip: ResumeCursorSkip): void => {
    throw new CommitWindowError({ ...skip, window });
  };
  let cursor: ResumeCursor;
  try {
    cursor = createResumeCursor({ mode, start, window, storage: memoryCursorStorage(loaded), onSkip });
  } catch (error) {
    if (error instanceof InvalidOptionError) throw new InvalidOptionError({ ...error.info, operator: OP });
    throw error;
  }

  /** The save running now, and the batch of commits that waits for the next one. */
  let running: Deferred | null = null;
  let next: Deferred | null = null;
  let failure: { readonly error: unknown } | null = null;

  const run = (): void => {
    const batch = next as Deferred;
    next = null;
    running = batch;
    const state = cursor.snapshot();
    Promise.resolve()
      .then(() => storage.save(state))
      .then(
        () => {
          running = null;
          batch.resolve();
          if (next !== null) run();
        },
        (error: unknown) => {
          running = null;
          failure = { error };
          batch.reject(error);
          next?.reject(error);
          next = null;
        },
      );
  };

  return {
    cursor,
    socketCursor: () => createResumeCursor({ mode, start, window, storage: memoryCursorStorage(cursor.snapshot()) }),
    commit: (seq: number, key?: string | number): Promise<void> => {
      if (failure !== null) return Promise.reject(failure.error);
      let changed: boolean;
      try {
        changed = cursor.markDelivered(seq, key);
      } catch (error) {
        return Promise.reject(error);
      }
      if (!changed) return (next ?? running)?.promise ?? Promise.resolve(); // already committed: wait for its save
      next ??= deferred();
      next.count++;
      const { promise } = next;
      if (running === null) run();
      return promise;
    },
    flush: (): Promise<void> => {
      if (failure !== null) return Promise.reject(failure.error);
      return (next ?? running)?.promise ?? Promise.resolve();
    },
    get pending() {
      return (running?.count ?? 0) + (next?.count ?? 0);
    },
  };
}
