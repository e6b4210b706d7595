/**
 * A job that never loses an event, run as an active process and a standby on one feed: the Redis
 * cursor store gives one of them the lease; the other waits for it. Kill the active one (even with
 * SIGKILL, mid-work) and the standby takes over within the lease time, resuming from the last
 * committed event.
 *
 *   reference server -> managed socket -> toAsyncIterable (pause mode: nothing dropped)
 *                    -> processCommitted: work (the sink), then commit -> Redis (lease + fencing)
 *
 * The work writes each event to two Redis sinks: a list that records every delivery (`<sink>:log`,
 * where a repeat after a crash shows) and a hash keyed by event id (`<sink>:byId`, an idempotent
 * sink: a repeat overwrites the same field, so it holds each event once: effectively-once).
 *
 * Run it (the failover spec does, with a reference server and a redis-server of its own):
 *
 *   npx esbuild examples/node/failover-job.ts --bundle --platform=node --external:ioredis --outfile=.tmp/failover-job.cjs
 *   node .tmp/failover-job.cjs --url ws://127.0.0.1:8080 --redis redis://127.0.0.1:6379 --name orders-job   # terminal 1: active
 *   node .tmp/failover-job.cjs --url ws://127.0.0.1:8080 --redis redis://127.0.0.1:6379 --name orders-job   # terminal 2: standby
 */
import { parseArgs } from 'node:util';
import { filter, lastValueFrom } from 'rxjs';
import Redis from 'ioredis';
import { managedSocket$, openCommitLog, processCommitted, redisCursorStore, toAsyncIterable } from 'rxjs-managed-socket/node';
import { referenceProtocol } from 'rxjs-managed-socket/protocol';
import type { EventFrame } from 'rxjs-managed-socket/protocol';

/** Options of {@link runFailoverJob}. */
export interface FailoverJobOptions {
  /** The feed (a reference server). */
  readonly url: string;
  /** The Redis server, e.g. `redis://127.0.0.1:6379`. */
  readonly redis: string;
  /** The job's name: one lease and one committed position per name. */
  readonly name: string;
  /** The sink's key prefix in Redis. @default `${name}:sink` */
  readonly sink?: string;
  /** Topics to read. @default ['orders'] */
  readonly topics?: readonly string[];
  /** The lease time, in ms: how fast a standby takes over from a dead active job. @default 2000 */
  readonly leaseMs?: number;
  /** How long the work of one event takes, in ms (a slow sink). @default 10 */
  readonly workMs?: number;
  /** Events worked on at once. @default 4 */
  readonly concurrency?: number;
  /** Aborting it stops the job cleanly: in-flight work is finished and committed. */
  readonly signal?: AbortSignal;
  /** Where progress lines go. @default console.log */
  readonly log?: (line: string) => void;
}

/**
 * Runs the job until `signal` (or the loss of its lease): waits for the lease, resumes from the
 * committed position, works and commits each event, then releases the lease.
 *
 * ## Example
 * ```ts
 * import { runFailoverJob } from './failover-job';
 *
 * const controller = new AbortController();
 * process.once('SIGTERM', () => controller.abort());
 * const outcome = await runFailoverJob({ url: 'ws://127.0.0.1:8080', redis: 'redis://127.0.0.1:6379', name: 'orders-job', signal: controller.signal });
 * console.log(outcome);
 * // Output: 'stopped' after SIGTERM ('lease-lost' if another process took the lease over)
 * ```
 *
 * @param options The feed, Redis, the job's name and its pace.
 * @returns Why it stopped.
 */
export async function runFailoverJob(options: FailoverJobOptions): Promise<'stopped' | 'lease-lost'> {
  const { url, name, sink = `${name}:sink`, topics = ['orders'], leaseMs = 2_000, workMs = 10, concurrency = 4, signal, log = console.log } = options;
  const client = new Redis(options.redis, { maxRetriesPerRequest: 2 });
  client.on('error', () => undefined); // it reconnects by itself; the store retries its calls
  const store = redisCursorStore({ client, name, leaseMs });
  try {
    log('waiting for the lease');
    const lease = await store.acquire({ signal }).catch((error: unknown) => {
      if (signal?.aborted) return null; // stopped while standing by
      throw error;
    });
    if (lease === null) return 'stopped';
    log(`active with token ${lease.token}`);
    const commits = await openCommitLog({ storage: store, mode: 'perKey', start: 0 });
    log(`resuming from ${JSON.stringify(commits.cursor.snapshot())}`);

    const socket = managedSocket$({ url, ...referenceProtocol(), resume: commits.socketCursor(), retry: { initialInterval: 100, maxInterval: 2_000 } });
    socket.subscribeTopics(...topics);
    const events$ = socket.pipe(filter((frame): frame is EventFrame => frame.type === 'event'));

    // Stop on the caller's signal, or at once when the lease is lost (its saves are refused anyway).
    const stop = new AbortController();
    const onStop = (): void => stop.abort();
    signal?.addEventListener('abort', onStop, { once: true });
    lease.signal.addEventListener('abort', onStop, { once: true });
    try {
      const result = await processCommitted(toAsyncIterable(events$, { capacity: 100, pause: socket }), {
        log: commits,
        seqOf: (event) => event.seq,
        keyOf: (event) => event.topic,
        concurrency,
        signal: stop.signal,
        onStop: 'finish', // on SIGTERM: finish and commit the work in flight
        work: async (event) => {
          await new Promise((resolve) => setTimeout(resolve, workMs));
          await client.multi().rpush(`${sink}:log`, event.id).hset(`${sink}:byId`, event.id, JSON.stringify(event.data)).exec();
        },
      });
      log(`committed ${result.committed} events, stopped by ${result.stoppedBy}`);
    } catch (error) {
      if (!lease.signal.aborted) throw error;
    } finally {
      signal?.removeEventListener('abort', onStop);
      await lastValueFrom(socket.close(), { defaultValue: undefined });
    }
    if (lease.signal.aborted) {
      log('lease lost: stopped without committing more');
      return 'lease-lost';
    }
    return 'stopped';
  } finally {
    await store.release();
    await client.quit().catch(() => undefined);
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      url: { type: 'string', default: 'ws://127.0.0.1:8080' },
      redis: { type: 'string', default: 'redis://127.0.0.1:6379' },
      name: { type: 'string', default: 'orders-job' },
      topics: { type: 'string', default: 'orders' },
      'lease-ms': { type: 'string', default: '2000' },
      'work-ms': { type: 'string', default: '10' },
      concurrency: { type: 'string', default: '4' },
    },
  });
  const controller = new AbortController();
  process.once('SIGTERM', () => controller.abort());
  process.once('SIGINT', () => controller.abort());
  const outcome = await runFailoverJob({
    url: values.url,
    redis: values.redis,
    name: values.name,
    topics: values.topics.split(',').filter(Boolean),
    leaseMs: Number(values['lease-ms']),
    workMs: Number(values['work-ms']),
    concurrency: Number(values.concurrency),
    signal: controller.signal,
    log: (line) => console.log(`[${process.pid}] ${line}`),
  });
  if (outcome === 'lease-lost') process.exitCode = 3;
}

if (typeof require !== 'undefined' && require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
