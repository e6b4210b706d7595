import { InvalidOptionError } from '../errors';
import { count, func, oneOf } from '../internal/validate';
import type { CommitLog } from './commitLog';

const OP = 'processCommitted';

/** Configuration of {@link processCommitted}. */
export interface ProcessCommittedConfig<T> {
  /** Where each event is committed once its work is done. */
  log: CommitLog;
  /**
   * The work for one event: write it to a database, call an API, ... An event is committed only
   * after this resolved. `signal` is aborted when the run stops with `onStop: 'abandon'` (or fails),
   * so long work can give up early. A rejection stops the run (see {@link processCommitted}).
   */
  work(event: T, signal: AbortSignal): Promise<unknown> | unknown;
  /** The event's seq, as the socket's `seqOf` reads it. */
  seqOf(event: T): number;
  /**
   * The event's key in a `'perKey'` log (the topic), as the socket's `keyOf` reads it.
   * @default undefined (no key)
   */
  keyOf?(event: T): string | number;
  /**
   * How many events may be worked on at once. Above 1, work finishes out of order; the log's
   * position still only moves over events that are all done.
   * @default 1
   */
  concurrency?: number;
  /**
   * Aborting it stops the run: no new event is taken, and in-flight work is finished and
   * committed, or abandoned, per `onStop`.
   * @default undefined
   */
  signal?: AbortSignal;
  /**
   * What a stop by `signal` does with in-flight work. `'finish'`: wait for it and commit it.
   * `'abandon'`: abort its signal, do not wait, never commit it (the next run does it again).
   * @default 'finish'
   */
  onStop?: 'finish' | 'abandon';
}

/** What {@link processCommitted} did. */
export interface ProcessCommittedResult {
  /** Events whose work finished and whose commit was saved. */
  readonly committed: number;
  /** Events in flight at a stop with `onStop: 'abandon'`: not committed, so done again by the next run. */
  readonly abandoned: number;
  /** Why the run ended: the events ran out (`'end'`), or `signal` was aborted (`'signal'`). */
  readonly stoppedBy: 'end' | 'signal';
}

/**
 * Runs a job's work over a stream of events and commits each event after its work is done:
 * at-least-once processing. The committed position never passes an event whose work is not done,
 * also with `concurrency` above 1, so after a crash the next run starts from the last committed
 * event and redoes only work that was in flight.
 *
 * ```text
 * events:  --1--2--3--4--|
 * work:      [1 ][2    ][3][4 ]        (concurrency 2: 3 finishes before 2)
 * > processCommitted(events, { log, work, seqOf, concurrency: 2 })
 * commits:  -----1------2,3--4--|      (the position waits for 2 before it passes 3)
 * ```
 *
 * Stops when the events end, or on `signal` (in-flight work finished or abandoned per `onStop`);
 * then waits for the commits to be saved and returns. Closing the iterator (its `return()`) stops
 * the source: for a managed socket behind `toAsyncIterable`, that unsubscribes.
 *
 * ## Example
 * ```ts
 * import { managedSocket$, openCommitLog, processCommitted, toAsyncIterable } from 'rxjs-managed-socket/node';
 *
 * const log = await openCommitLog({ storage, mode: 'perKey', start: 0 });
 * const socket = managedSocket$({ url, ...referenceProtocol(), resume: log.socketCursor() });
 * socket.subscribeTopics('orders');
 * const controller = new AbortController();
 * process.once('SIGTERM', () => controller.abort());
 * const result = await processCommitted(toAsyncIterable(events$(socket), { capacity: 100, pause: socket }), {
 *   log,
 *   work: (event) => insertOrder(event), // idempotent on event.id: effectively-once
 *   seqOf: (event) => event.seq,
 *   keyOf: (event) => event.topic,
 *   concurrency: 4,
 *   signal: controller.signal,
 * });
 * console.log(result);
 * // Output: { committed: 1234, abandoned: 0, stoppedBy: 'signal' }
 * ```
 *
 * Errors: the first failure of `work`, `seqOf`, `keyOf`, a commit (its save), or the source,
 * after the other in-flight work has settled (what finished is committed); the failed event is not
 * committed. Throws {@link InvalidOptionError} at once for a bad option.
 *
 * @see {@link openCommitLog}, {@link toAsyncIterable}
 * @param events The events, e.g. `toAsyncIterable(socket, { capacity, pause: socket })`.
 * @param config The log, the work, how to read seq and key, concurrency, and how to stop.
 * @returns What was committed and why the run ended.
 */
export function processCommitted<T>(events: AsyncIterable<T>, config: ProcessCommittedConfig<T>): Promise<ProcessCommittedResult> {
  return run(events, checkConfig<T>(events, config));
}

type Checked<T> = Required<Omit<ProcessCommittedConfig<T>, 'keyOf' | 'signal'>> & Pick<ProcessCommittedConfig<T>, 'keyOf' | 'signal'>;

async function run<T>(events: AsyncIterable<T>, checked: Checked<T>): Promise<ProcessCommittedResult> {
  const { log, work, seqOf, keyOf, concurrency, signal, onStop } = checked;

  const iterator = events[Symbol.asyncIterator]();
  const workSignal = new AbortController();
  const inFlight = new Set<Promise<void>>();
  let committed = 0;
  let abandoned = false;
  let failure: { readonly error: unknown } | null = null;

  // One promise that settles the loop's waits: a stop by signal, or the first failure.
  let wake!: () => void;
  const woken = new Promise<'wake'>((resolve) => (wake = () => resolve('wake')));
  const onAbort = (): void => wake();
  signal?.addEventListener('abort', onAbort, { once: true });

  const fail = (error: unknown): void => {
    if (failure === null) failure = { error };
    wake();
  };

  const start = (event: T): void => {
    const task = (async () => {
      const seq = seqOf(event);
      const key = keyOf?.(event);
      await work(event, workSignal.signal);
      if (abandoned) return;
      await log.commit(seq, key);
      committed++;
    })()
      .catch(fail)
      .finally(() => inFlight.delete(task));
    inFlight.add(task);
  };

  let stoppedBy: ProcessCommittedResult['stoppedBy'] = 'end';
  try {
    for (;;) {
      if (failure !== null) break;
      if (signal?.aborted) {
        stoppedBy = 'signal';
        break;
      }
      if (inFlight.size >= concurrency) {
        await Promise.race([woken, ...inFlight]);
        continue;
      }
      const next = await Promise.race([iterator.next(), woken]);
      if (next === 'wake') continue;
      if (next.done === true) break;
      start(next.value);
    }
  } catch (error) {
    fail(error); // the source failed
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }

  // Stop the source (for a managed socket: unsubscribe), then settle the work in flight.
  await Promise.resolve(iterator.return?.()).catch(() => undefined);
  let left = 0;
  if (failure === null && stoppedBy === 'signal' && onStop === 'abandon') {
    abandoned = true;
    left = inFlight.size;
    workSignal.abort();
  } else {
    if (failure !== null) workSignal.abort();
    await Promise.all(inFlight);
  }
  const saved = log.flush();
  if (failure !== null) {
    await saved.catch(() => undefined);
    throw (failure as { readonly error: unknown }).error;
  }
  await saved;
  return { committed, abandoned: left, stoppedBy };
}

function checkConfig<T>(events: unknown, config: unknown): Checked<T> {
  if (typeof events !== 'object' || events === null || typeof (events as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] !== 'function') {
    throw new InvalidOptionError({ operator: OP, option: 'events', reason: 'an async iterable', value: events });
  }
  if (typeof config !== 'object' || config === null) {
    throw new InvalidOptionError({ operator: OP, option: 'config', reason: 'a config object', value: config });
  }
  const { log, work, seqOf, keyOf, concurrency = 1, signal, onStop = 'finish' } = config as ProcessCommittedConfig<T>;
  const l = log as Partial<CommitLog> | null;
  if (typeof l !== 'object' || l === null || typeof l.commit !== 'function' || typeof l.flush !== 'function') {
    throw new InvalidOptionError({ operator: OP, option: 'log', reason: 'a CommitLog (openCommitLog)', value: log });
  }
  func(OP, 'work', work);
  func(OP, 'seqOf', seqOf);
  if (keyOf !== undefined) func(OP, 'keyOf', keyOf);
  count(OP, 'concurrency', concurrency, 1);
  if (signal !== undefined) {
    const s = signal as Partial<AbortSignal> | null;
    if (typeof s !== 'object' || s === null || typeof s.aborted !== 'boolean' || typeof s.addEventListener !== 'function') {
      throw new InvalidOptionError({ operator: OP, option: 'signal', reason: 'an AbortSignal', value: signal });
    }
  }
  oneOf(OP, 'onStop', onStop, ['finish', 'abandon'] as const);
  return { log, work, seqOf, keyOf, concurrency, signal, onStop };
}
