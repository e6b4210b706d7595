/**
 * A Node job that copies the events of a feed into an NDJSON file and resumes, on its next run,
 * exactly where this run stopped: no event twice, none missing.
 *
 *   managed socket -> toReadable (bounded) -> Transform (event -> record) -> NDJSON file
 *                                                                  \-> commit the cursor file
 *
 * The socket keeps its own resume cursor in memory (what it *received*, for reconnects within a
 * run). The cursor on disk says what was *written*: it moves only after a record reached the file,
 * and the next run starts the socket from it. So events received but not yet written when the job
 * stops are simply asked for again next time. Stopping cleanly (by `maxEvents`, `maxMs` or the
 * signal) loses and repeats nothing; a crash between a write and its commit can repeat that last
 * batch on the next run (at-least-once), never lose it.
 *
 * Run it (it starts a reference server with a few events when no --url is given, and stops by itself):
 *
 *   npx esbuild examples/node/job.ts --bundle --platform=node --log-level=warning --outfile=.tmp/job.cjs
 *   node .tmp/job.cjs --out .tmp/events.ndjson --cursor .tmp/cursor.json --max-events 10   # seqs 1-10
 *   node .tmp/job.cjs --out .tmp/events.ndjson --cursor .tmp/cursor.json --max-events 10   # seqs 11-20
 */
import { open, close, writeFile, mkdir } from 'node:fs';
import { dirname } from 'node:path';
import { Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { EMPTY, filter, fromEvent, merge, take, takeUntil, tap, timer } from 'rxjs';
import { createResumeCursor, fileCursorStorage, managedSocket$, memoryCursorStorage, toReadable } from 'rxjs-managed-socket/node';
import type { ResumeCursor } from 'rxjs-managed-socket/node';
import { referenceProtocol, startReferenceServer } from 'rxjs-managed-socket/server';
import type { ClientFrame, EventFrame, ReferenceServer, ServerFrame } from 'rxjs-managed-socket/server';

/** Options of {@link runJob}. */
export interface JobOptions {
  /** The reference server to read from. Without it the job starts one on 127.0.0.1 and publishes `demoEvents` events per topic. */
  readonly url?: string;
  /** Topics to copy. @default ['orders'] */
  readonly topics?: readonly string[];
  /** The NDJSON file records are appended to (created with its directory). */
  readonly outFile: string;
  /** The JSON file the written position is kept in between runs (created with its directory). */
  readonly cursorFile: string;
  /** Stop after this many events. @default 50 */
  readonly maxEvents?: number;
  /** Stop after this many ms, whatever arrived. @default 10000 */
  readonly maxMs?: number;
  /** Events that may wait for the file; more are dropped (and counted) rather than held. @default 1000 */
  readonly capacity?: number;
  /** Events per topic the built-in server publishes (half before the job connects, half live). @default 20 */
  readonly demoEvents?: number;
  /** Aborting it stops the job cleanly, like `maxMs`. */
  readonly signal?: AbortSignal;
  /** Where progress lines go. @default console.log */
  readonly log?: (line: string) => void;
}

/** What one run did. */
export interface JobResult {
  /** Records appended to `outFile` by this run. */
  readonly written: number;
  /** Events dropped because the file could not keep up (`capacity`). */
  readonly dropped: number;
  /** Why the run stopped. */
  readonly stoppedBy: 'maxEvents' | 'maxMs' | 'signal';
  /** The written position per topic when the run started (the resume point it asked for). */
  readonly resumedFrom: Readonly<Record<string, number>>;
  /** The written position per topic when it stopped (what the next run resumes from). */
  readonly committed: Readonly<Record<string, number>>;
}

/** One line of the output file. */
export interface JobRecord {
  readonly topic: string;
  readonly seq: number;
  readonly id: string;
  readonly data: unknown;
}

/** Events are numbered from 1 per topic: a new topic is read from its beginning. */
const START = 0;

/**
 * Runs the job once: copies events to `outFile` from where the last run stopped, until
 * `maxEvents`, `maxMs` or the signal, then commits the position and returns.
 *
 * ## Example
 * ```ts
 * import { runJob } from './job';
 *
 * const result = await runJob({ url: 'ws://127.0.0.1:8080', outFile: 'out/orders.ndjson', cursorFile: 'out/cursor.json', maxEvents: 100 });
 * console.log(result.written, result.committed);
 * // Output: 100 { orders: 100 }   (and { orders: 200 } after a second run)
 * ```
 *
 * @param options Where to read from, where to write, and when to stop.
 * @returns What the run wrote and where the next one resumes.
 */
export async function runJob(options: JobOptions): Promise<JobResult> {
  const { topics = ['orders'], outFile, cursorFile, maxEvents = 50, maxMs = 10_000, capacity = 1000, demoEvents = 20, signal, log = console.log } = options;

  // The position on disk: what is in the output file. Loaded now, moved after each write.
  const written = createResumeCursor({ mode: 'perKey', start: START, storage: fileCursorStorage(cursorFile) });
  const resumedFrom = positions(written);
  log(`job: resuming from ${JSON.stringify(resumedFrom)}`);

  const server = options.url === undefined ? await startReferenceServer() : undefined;
  let live = Promise.resolve();
  try {
    const protocol = referenceProtocol();
    const socket = managedSocket$<ServerFrame, ClientFrame>({
      url: options.url ?? (server as ReferenceServer).url,
      ...protocol,
      // The socket's own cursor starts at the written position and then follows what it receives.
      // referenceProtocol() sends each known topic's cursor, and START for a topic not seen yet.
      resume: { mode: 'perKey', start: START, storage: memoryCursorStorage(written.snapshot()) },
      retry: { initialInterval: 200, maxInterval: 5_000 },
    });
    socket.subscribeTopics(...topics);
    if (server !== undefined) live = publishDemo(server, topics, demoEvents);

    let received = 0;
    let dropped = 0;
    let stoppedBy: JobResult['stoppedBy'] = 'maxMs';
    const events$ = socket.pipe(
      filter((frame): frame is EventFrame => frame.type === 'event'),
      tap(() => received++),
      take(maxEvents),
      takeUntil(merge(timer(maxMs), signal ? fromEvent(signal, 'abort').pipe(tap(() => (stoppedBy = 'signal'))) : EMPTY)),
    );
    if (signal?.aborted) stoppedBy = 'signal';
    let count = 0;

    await pipeline(
      toReadable(signal?.aborted ? EMPTY : events$, { capacity, onDrop: (_event, info) => (dropped = info.dropped) }),
      new Transform({
        objectMode: true,
        transform(event: EventFrame, _encoding, callback) {
          const record: JobRecord = { topic: event.topic, seq: event.seq, id: event.id, data: event.data };
          callback(null, record);
        },
      }),
      appendNdjson<JobRecord>(outFile, (records) => {
        for (const r of records) written.markDelivered(r.seq, r.topic); // saved to cursorFile at once
        count += records.length;
      }),
    );
    if (received >= maxEvents) stoppedBy = 'maxEvents';

    const committed = positions(written);
    log(`job: wrote ${count} events (${dropped} dropped), stopped by ${stoppedBy}, committed ${JSON.stringify(committed)}`);
    return { written: count, dropped, stoppedBy, resumedFrom, committed };
  } finally {
    await server?.stop(); // also ends a demo publisher still waiting for the job to subscribe
    await live;
  }
}

/** The position per topic, as plain JSON. */
function positions(cursor: ResumeCursor): Record<string, number> {
  return Object.fromEntries(cursor.keys().map((key) => [String(key), cursor.get(key) ?? START]));
}

/**
 * A Writable that appends each record as one JSON line and calls `onWritten` once the lines
 * reached the file (before the next write starts), so a position can be committed after them.
 */
function appendNdjson<R>(path: string, onWritten: (records: readonly R[]) => void): Writable {
  let fd: number | undefined;
  return new Writable({
    objectMode: true,
    construct(callback) {
      mkdir(dirname(path), { recursive: true }, (mkdirError) => {
        if (mkdirError) return callback(mkdirError);
        open(path, 'a', (openError, opened) => {
          fd = opened;
          callback(openError);
        });
      });
    },
    writev(chunks, callback) {
      const records = chunks.map(({ chunk }) => chunk as R);
      writeFile(fd as number, records.map((r) => `${JSON.stringify(r)}\n`).join(''), (error) => {
        if (error) return callback(error);
        try {
          onWritten(records);
          callback();
        } catch (commitError) {
          callback(commitError as Error);
        }
      });
    },
    destroy(error, callback) {
      if (fd === undefined) return callback(error);
      close(fd, (closeError) => callback(error ?? closeError));
    },
  });
}

/** The built-in server's feed: half of the events before the job subscribes (replayed), half live. */
async function publishDemo(server: ReferenceServer, topics: readonly string[], perTopic: number): Promise<void> {
  const publish = (from: number, to: number) => {
    for (let n = from; n <= to; n++) for (const topic of topics) server.publish(topic, { n, topic });
  };
  const half = Math.floor(perTopic / 2);
  publish(1, half);
  try {
    await server.waitFor((s) => s.openConnections().some((c) => topics.every((t) => c.topics.includes(t))), 5_000);
    publish(half + 1, perTopic);
  } catch {
    // The job stopped (or the server did) before subscribing: nothing left to publish to.
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      url: { type: 'string' },
      topics: { type: 'string', default: 'orders' },
      out: { type: 'string', default: 'out/events.ndjson' },
      cursor: { type: 'string', default: 'out/cursor.json' },
      'max-events': { type: 'string', default: '50' },
      'max-seconds': { type: 'string', default: '10' },
    },
  });
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort()); // Ctrl-C: stop cleanly, commit what was written
  await runJob({
    url: values.url,
    topics: values.topics.split(',').filter(Boolean),
    outFile: values.out,
    cursorFile: values.cursor,
    maxEvents: Number(values['max-events']),
    maxMs: Number(values['max-seconds']) * 1000,
    signal: controller.signal,
  });
}

if (typeof require !== 'undefined' && require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
