import { memoryCursorStorage } from '../../src/cursor';
import type { ResumeCursorState } from '../../src/cursor';
import { openCommitLog } from '../../src/node/commitLog';
import type { AsyncCursorStorage, CommitLogConfig } from '../../src/node/commitLog';
import { processCommitted } from '../../src/node/processCommitted';
import type { ProcessCommittedConfig } from '../../src/node/processCommitted';
import { CommitWindowError } from '../../src/node/errors';
import { InvalidOptionError } from '../../src/errors';
import { expectInvalidOption } from '../support/invalidOption';

/** An async storage whose saves the test settles by hand, in order. */
function manualStorage(initial: ResumeCursorState | null = null) {
  let stored = initial;
  const saves: Array<{ state: ResumeCursorState; resolve(): void; reject(error: unknown): void }> = [];
  const storage: AsyncCursorStorage = {
    load: () => Promise.resolve(stored),
    save: (state) =>
      new Promise<void>((resolve, reject) => {
        saves.push({
          state,
          resolve: () => {
            stored = state;
            resolve();
          },
          reject,
        });
      }),
  };
  return { storage, saves, stored: () => stored };
}

/** An async storage that saves at once (after a microtask). */
function instantStorage(initial: ResumeCursorState | null = null) {
  let stored = initial;
  let count = 0;
  const storage: AsyncCursorStorage = {
    load: async () => stored,
    save: async (state) => {
      count++;
      stored = JSON.parse(JSON.stringify(state)) as ResumeCursorState;
    },
  };
  return { storage, stored: () => stored, saves: () => count };
}

/** Lets pending promise callbacks run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Whether a promise has settled yet (after the pending callbacks ran). */
async function isSettled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  promise.then(
    () => (done = true),
    () => (done = true),
  );
  await settle();
  return done;
}

const contiguous = (cursor: number | null, ahead: number[] = []): ResumeCursorState => ({ version: 1, mode: 'contiguous', cursor, ahead });

describe('openCommitLog', () => {
  it('should throw InvalidOptionError at once for a bad option', () => {
    const { storage } = instantStorage();
    const bad: Array<[unknown, string]> = [
      [null, 'config'],
      [{}, 'storage'],
      [{ storage: { load: () => null } }, 'storage'],
      [{ storage, mode: 'fifo' }, 'mode'],
      [{ storage, window: -1 }, 'window'],
      [{ storage, start: -1 }, 'start'],
      [{ storage, start: 1.5 }, 'start'],
    ];
    for (const [config, option] of bad) expectInvalidOption(() => openCommitLog(config as CommitLogConfig), { operator: 'openCommitLog', option });
  });

  it('should reject a stored state of another mode', async () => {
    const { storage } = instantStorage(contiguous(3));
    await expect(openCommitLog({ storage, mode: 'perKey' })).rejects.toBeInstanceOf(InvalidOptionError);
  });

  it('should start from the stored position, and give the socket its own cursor from there', async () => {
    const { storage } = instantStorage(contiguous(3, [5]));
    const log = await openCommitLog({ storage, start: 0 });
    expect(log.cursor.value).toBe(3);
    const socketCursor = log.socketCursor();
    expect([socketCursor.value, socketCursor.isDelivered(5), socketCursor.isDelivered(4)]).toEqual([3, true, false]);
    socketCursor.markDelivered(4); // the socket received it: the work is not done
    expect([socketCursor.value, log.cursor.value]).toEqual([5, 3]);
  });

  it('should not move past a seq whose work is not done: 5 before 4 keeps it at 3', async () => {
    const { storage, stored } = instantStorage();
    const log = await openCommitLog({ storage, start: 0 });
    await Promise.all([log.commit(1), log.commit(2), log.commit(3), log.commit(5)]);
    expect(stored()).toEqual(contiguous(3, [5]));
    await log.commit(4);
    expect(stored()).toEqual(contiguous(5));
    expect(log.cursor.value).toBe(5);
  });

  it('should resolve a commit only after a save that includes it, one save at a time, batching those that wait', async () => {
    const { storage, saves } = manualStorage();
    const log = await openCommitLog({ storage, start: 0 });
    const c1 = log.commit(1);
    await settle();
    expect(saves).toHaveLength(1); // saving {1}
    const c2 = log.commit(2);
    const c3 = log.commit(3);
    const again = log.commit(1); // committed already: waits for the save that holds it
    expect(log.pending).toBe(3);
    await settle();
    expect(saves).toHaveLength(1); // no overlapping save
    expect(await isSettled(c1)).toBe(false);
    saves[0]?.resolve();
    expect(await isSettled(c1)).toBe(true);
    expect(await isSettled(c2)).toBe(false);
    expect(saves).toHaveLength(2);
    expect(saves[1]?.state).toEqual(contiguous(3)); // 2 and 3 in one save
    saves[1]?.resolve();
    await Promise.all([c2, c3, again, log.flush()]);
    expect(log.pending).toBe(0);
  });

  it('should fail the commits of a failed save and every commit after it', async () => {
    const { storage, saves } = manualStorage();
    const log = await openCommitLog({ storage, start: 0 });
    const c1 = log.commit(1);
    await settle();
    const c2 = log.commit(2);
    const boom = new Error('store down');
    saves[0]?.reject(boom);
    await expect(c1).rejects.toBe(boom);
    await expect(c2).rejects.toBe(boom);
    await expect(log.commit(3)).rejects.toBe(boom);
    await expect(log.flush()).rejects.toBe(boom);
    expect(saves).toHaveLength(1);
  });

  it('should refuse to skip work with a CommitWindowError when the window is full', async () => {
    const { storage } = instantStorage();
    const log = await openCommitLog({ storage, start: 0, window: 2 });
    await log.commit(2);
    await log.commit(3);
    const error = await log.commit(4).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommitWindowError);
    expect((error as CommitWindowError).info).toEqual({ from: 1, to: 1, key: undefined, window: 2 });
    expect(log.cursor.value).toBe(0);
  });

  it('should take a synchronous CursorStorage (memoryCursorStorage, fileCursorStorage) too, and per-key positions', async () => {
    const storage = memoryCursorStorage();
    const log = await openCommitLog({ storage, mode: 'perKey', start: 0 });
    await Promise.all([log.commit(1, 'a'), log.commit(2, 'a'), log.commit(1, 'b')]);
    expect(storage.load()).toEqual({ version: 1, mode: 'perKey', keys: [{ key: 'a', cursor: 2, ahead: [] }, { key: 'b', cursor: 1, ahead: [] }] });
  });
});

describe('processCommitted', () => {
  /** An async iterable over `values` that records whether it was closed. */
  function source<T>(values: readonly T[], options: { hang?: boolean } = {}) {
    const state = { closed: false, taken: 0 };
    const iterable: AsyncIterable<T> = {
      [Symbol.asyncIterator]: () => ({
        next: () => {
          if (state.taken < values.length) return Promise.resolve({ value: values[state.taken++] as T, done: false });
          return options.hang ? new Promise<IteratorResult<T>>(() => undefined) : Promise.resolve({ value: undefined, done: true });
        },
        return: () => {
          state.closed = true;
          return Promise.resolve({ value: undefined, done: true });
        },
      }),
    };
    return { iterable, state };
  }

  /** Work whose completion the test controls, per seq. */
  function manualWork() {
    const started: number[] = [];
    const signals = new Map<number, AbortSignal>();
    const finishers = new Map<number, { resolve(): void; reject(e: unknown): void }>();
    const work = (seq: number, signal: AbortSignal) =>
      new Promise<void>((resolve, reject) => {
        started.push(seq);
        signals.set(seq, signal);
        finishers.set(seq, { resolve, reject });
      });
    const finish = (seq: number) => finishers.get(seq)?.resolve();
    const failWork = (seq: number, e: unknown) => finishers.get(seq)?.reject(e);
    return { work, started, signals, finish, failWork };
  }

  it('should throw InvalidOptionError at once for a bad option', async () => {
    const log = await openCommitLog({ storage: memoryCursorStorage(), start: 0 });
    const base: ProcessCommittedConfig<number> = { log, work: () => undefined, seqOf: (n) => n };
    const bad: Array<[unknown, unknown, string]> = [
      [[1], base, 'events'],
      [source([1]).iterable, null, 'config'],
      [source([1]).iterable, { ...base, log: {} }, 'log'],
      [source([1]).iterable, { ...base, work: 1 }, 'work'],
      [source([1]).iterable, { ...base, seqOf: undefined }, 'seqOf'],
      [source([1]).iterable, { ...base, keyOf: 'topic' }, 'keyOf'],
      [source([1]).iterable, { ...base, concurrency: 0 }, 'concurrency'],
      [source([1]).iterable, { ...base, signal: {} }, 'signal'],
      [source([1]).iterable, { ...base, onStop: 'drop' }, 'onStop'],
    ];
    for (const [events, config, option] of bad) {
      expectInvalidOption(() => processCommitted(events as AsyncIterable<number>, config as ProcessCommittedConfig<number>), { operator: 'processCommitted', option });
    }
  });

  it('should commit each event after its work, in seq order of completeness, with concurrency', async () => {
    const { storage, stored } = instantStorage();
    const log = await openCommitLog({ storage, start: 0 });
    const { work, started, finish } = manualWork();
    const { iterable, state } = source([1, 2, 3, 4]);
    const run = processCommitted(iterable, { log, work, seqOf: (n) => n, concurrency: 2 });
    await settle();
    expect(started).toEqual([1, 2]); // at most 2 at once
    finish(2); // 2 before 1
    await settle();
    expect(started).toEqual([1, 2, 3]);
    expect(stored()).toEqual(contiguous(0, [2])); // 2 is done, 1 is not: the position stays at 0
    finish(1);
    finish(3);
    await settle();
    expect(stored()).toEqual(contiguous(3));
    finish(4);
    await expect(run).resolves.toEqual({ committed: 4, abandoned: 0, stoppedBy: 'end' });
    expect(stored()).toEqual(contiguous(4));
    expect(state.closed).toBe(true);
  });

  it("should finish and commit the work in flight on a stop by signal with onStop 'finish', take nothing new, and close the source", async () => {
    const { storage, stored } = instantStorage();
    const log = await openCommitLog({ storage, start: 0 });
    const { work, started, finish } = manualWork();
    const { iterable, state } = source([1, 2, 3, 4, 5]);
    const controller = new AbortController();
    const run = processCommitted(iterable, { log, work, seqOf: (n) => n, concurrency: 2, signal: controller.signal });
    await settle();
    finish(1);
    await settle(); // 3 started
    controller.abort();
    await settle();
    expect(state.closed).toBe(true);
    expect(await isSettled(run)).toBe(false); // waits for 2 and 3
    finish(2);
    finish(3);
    await expect(run).resolves.toEqual({ committed: 3, abandoned: 0, stoppedBy: 'signal' });
    expect(started).toEqual([1, 2, 3]);
    expect(stored()).toEqual(contiguous(3));
  });

  it("should abandon the work in flight with onStop 'abandon': abort its signal, never commit it", async () => {
    const { storage, stored } = instantStorage();
    const log = await openCommitLog({ storage, start: 0 });
    const { work, signals, finish } = manualWork();
    const { iterable } = source([1, 2, 3], { hang: true });
    const controller = new AbortController();
    const run = processCommitted(iterable, { log, work, seqOf: (n) => n, concurrency: 3, signal: controller.signal, onStop: 'abandon' });
    await settle();
    finish(1);
    await settle();
    controller.abort(); // while waiting for a 4th event that never comes
    await expect(run).resolves.toEqual({ committed: 1, abandoned: 2, stoppedBy: 'signal' });
    expect(signals.get(2)?.aborted).toBe(true);
    finish(2); // finishes late: not committed
    await settle();
    expect(stored()).toEqual(contiguous(1));
  });

  it('should stop on a failed work, commit what finished, not the failed event, and reject with its error', async () => {
    const { storage, stored } = instantStorage();
    const log = await openCommitLog({ storage, start: 0 });
    const { work, finish, failWork, signals } = manualWork();
    const { iterable, state } = source([1, 2, 3, 4]);
    const run = processCommitted(iterable, { log, work, seqOf: (n) => n, concurrency: 2 });
    await settle();
    const boom = new Error('sink down');
    failWork(1, boom);
    await settle();
    expect(signals.get(2)?.aborted).toBe(true); // the others are told
    finish(2);
    await expect(run).rejects.toBe(boom);
    expect(stored()).toEqual(contiguous(0, [2]));
    expect(state.closed).toBe(true);
  });

  it('should process every event at least once across a crash: the next run redoes only the uncommitted work', async () => {
    const { storage } = instantStorage();
    const feed = [1, 2, 3, 4, 5, 6];
    const sink: number[] = [];
    // Run 1 "crashes" at 4: its work throws after 4 was written, before the commit.
    const log1 = await openCommitLog({ storage, start: 0 });
    const crash = new Error('crash');
    const run1 = processCommitted(source(feed).iterable, {
      log: log1,
      seqOf: (n) => n,
      work: (n) => {
        sink.push(n);
        if (n === 4) throw crash;
      },
    });
    await expect(run1).rejects.toBe(crash);
    // Run 2 resumes from the stored position (the socket would resume from it).
    const log2 = await openCommitLog({ storage, start: 0 });
    expect(log2.cursor.value).toBe(3);
    const from = log2.cursor.value ?? 0;
    await expect(processCommitted(source(feed.filter((n) => n > from)).iterable, { log: log2, seqOf: (n) => n, work: (n) => void sink.push(n) })).resolves.toEqual({
      committed: 3,
      abandoned: 0,
      stoppedBy: 'end',
    });
    expect(sink).toEqual([1, 2, 3, 4, 4, 5, 6]); // 4 twice (its work was done, its commit was not), nothing lost
  });
});
