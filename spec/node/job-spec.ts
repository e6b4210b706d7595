import fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runJob } from '../../examples/node/job';
import type { JobOptions, JobRecord } from '../../examples/node/job';
import { startReferenceServer } from '../../src/server/referenceServer';
import type { ReferenceServer } from '../../src/server/referenceServer';
import type { HelloFrame } from '../../src/server/protocol';

/** The records in the output file, in file order. */
function readRecords(file: string): JobRecord[] {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as JobRecord);
}

/** Polls `predicate` every 10 ms; rejects after `ms`. */
async function until(predicate: () => boolean, ms = 2_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`until: not true after ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The seqs of `topic`, in record order. */
const idsOf = (records: ReadonlyArray<{ topic: string; seq: number }>, topic: string) =>
  records.filter((r) => r.topic === topic).map((r) => r.seq);

describe('examples/node/job.ts', () => {
  let dir: string;
  let server: ReferenceServer | undefined;
  let options: JobOptions;
  const log: string[] = [];

  beforeEach(() => {
    dir = fs.mkdtempSync(join(tmpdir(), 'job-spec-'));
    log.length = 0;
    options = { outFile: join(dir, 'out', 'events.ndjson'), cursorFile: join(dir, 'state', 'cursor.json'), log: (line) => void log.push(line) };
  });
  afterEach(async () => {
    await server?.stop();
    server = undefined;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const hellos = (s: ReferenceServer): HelloFrame[] =>
    s.received.flatMap((r) => (r.frame !== null && r.frame.type === 'hello' ? [r.frame] : []));

  it('should resume the second run where the first stopped: no event twice, none missing', async () => {
    server = await startReferenceServer();
    const topics = ['orders', 'payments'];
    // Published before the first run: replayed to it from the start of each topic.
    for (let n = 1; n <= 12; n++) server.publish('orders', { n });
    for (let n = 1; n <= 3; n++) server.publish('payments', { n });

    const first = await runJob({ ...options, url: server.url, topics, maxEvents: 9, maxMs: 5_000 });
    expect(first).toMatchObject({ written: 9, dropped: 0, stoppedBy: 'maxEvents', resumedFrom: {} });
    const afterFirst = readRecords(options.outFile);
    expect(afterFirst).toHaveLength(9);
    expect(first.committed).toEqual({
      orders: Math.max(0, ...idsOf(afterFirst, 'orders')),
      ...(idsOf(afterFirst, 'payments').length > 0 ? { payments: Math.max(...idsOf(afterFirst, 'payments')) } : {}),
    });

    // Published while the job is not running.
    for (let n = 4; n <= 6; n++) server.publish('payments', { n });
    server.publish('audit', { ignored: true }); // not a topic of the job

    const second = await runJob({ ...options, url: server.url, topics, maxEvents: 12 + 6 - 9, maxMs: 5_000 });
    expect(second).toMatchObject({ written: 12 + 6 - 9, dropped: 0, stoppedBy: 'maxEvents', resumedFrom: first.committed });
    expect(second.committed).toEqual({ orders: 12, payments: 6 });

    // The second hello asked for exactly what the first run had written.
    const [, hello] = hellos(server);
    expect(hello?.resume).toEqual(first.committed);

    const records = readRecords(options.outFile);
    const ids = records.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length); // no event twice
    expect(idsOf(records, 'orders')).toEqual(Array.from({ length: 12 }, (_, i) => i + 1)); // none missing, in order
    expect(idsOf(records, 'payments')).toEqual([1, 2, 3, 4, 5, 6]);
    expect(records.find((r) => r.topic === 'orders' && r.seq === 5)).toEqual({ topic: 'orders', seq: 5, id: 'orders:5', data: { n: 5 } });
    expect(records.slice(0, 9)).toEqual(afterFirst); // the first run's lines are untouched

    // A third run with nothing new writes nothing and keeps the position.
    const third = await runJob({ ...options, url: server.url, topics, maxEvents: 1_000, maxMs: 300 });
    expect(third).toMatchObject({ written: 0, stoppedBy: 'maxMs', resumedFrom: second.committed, committed: second.committed });
    expect(readRecords(options.outFile)).toHaveLength(18);
  }, 15_000);

  it('should start its own server when no URL is given, stop by itself, and resume on the next run', async () => {
    const first = await runJob({ ...options, demoEvents: 10, maxEvents: 4, maxMs: 5_000 });
    expect(first).toMatchObject({ written: 4, stoppedBy: 'maxEvents', committed: { orders: 4 } });
    // The demo server publishes the same events on every run; the cursor file makes the job go on.
    const second = await runJob({ ...options, demoEvents: 10, maxEvents: 100, maxMs: 1_500 });
    expect(second).toMatchObject({ written: 6, stoppedBy: 'maxMs', resumedFrom: { orders: 4 }, committed: { orders: 10 } });
    expect(idsOf(readRecords(options.outFile), 'orders')).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(log).toEqual([
      'job: resuming from {}',
      'job: wrote 4 events (0 dropped), stopped by maxEvents, committed {"orders":4}',
      'job: resuming from {"orders":4}',
      'job: wrote 6 events (0 dropped), stopped by maxMs, committed {"orders":10}',
    ]);
  }, 15_000);

  it('should stop cleanly on abort and commit only what reached the file', async () => {
    server = await startReferenceServer();
    for (let n = 1; n <= 5; n++) server.publish('orders', { n });
    const controller = new AbortController();
    const running = runJob({ ...options, url: server.url, maxEvents: 1_000, maxMs: 5_000, signal: controller.signal });
    await server.waitFor((s) => s.openConnections().some((c) => c.topics.includes('orders')), 2_000);
    await until(() => readRecords(options.outFile).length === 5);
    controller.abort();
    const result = await running;
    expect(result).toMatchObject({ stoppedBy: 'signal', written: 5, committed: { orders: 5 } });
    expect(JSON.parse(fs.readFileSync(options.cursorFile, 'utf8'))).toMatchObject({ mode: 'perKey', keys: [{ key: 'orders', cursor: 5, ahead: [] }] });
  }, 10_000);
});
