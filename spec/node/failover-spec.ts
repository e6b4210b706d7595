/**
 * examples/node/failover-job.ts as it runs for real: two job processes on one feed, the Redis
 * cursor store between them. The active one is SIGKILLed mid-work; the standby takes over within
 * the lease time and resumes from the last committed event.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import Redis from 'ioredis';
import { startReferenceServer } from '../../src/server/referenceServer';
import type { ReferenceServer } from '../../src/server/referenceServer';
import { startRedis } from '../support/redisServer';
import type { TestRedis } from '../support/redisServer';

const ROOT = join(__dirname, '..', '..');
const LEASE_MS = 1_000;

/** Polls `predicate` every 20 ms; rejects after `ms`. */
async function until(predicate: () => boolean | Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** One job process, with its output. */
interface Job {
  readonly child: ChildProcess;
  readonly lines: string[];
  stderr: string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

describe('examples/node/failover-job.ts', () => {
  let redis: TestRedis;
  let server: ReferenceServer;
  let bundle: string;
  const jobs: Job[] = [];

  beforeAll(async () => {
    const dir = join(ROOT, 'node_modules', '.cache', 'rxjs-managed-socket-spec');
    bundle = join(dir, `failover-job-${process.pid}.cjs`);
    await build({
      entryPoints: [join(ROOT, 'examples/node/failover-job.ts')],
      absWorkingDir: ROOT,
      tsconfig: join(ROOT, 'tsconfig.json'),
      bundle: true,
      platform: 'node',
      format: 'cjs',
      external: ['rxjs', 'ws', 'io-ts', 'fp-ts', 'ioredis'],
      outfile: bundle,
      logLevel: 'silent',
    });
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis.stop();
    rmSync(bundle, { force: true });
  });
  afterEach(async () => {
    for (const job of jobs.splice(0)) job.child.kill('SIGKILL');
    await server.stop();
  });

  const startJob = (name: string, extra: string[] = []): Job => {
    const child = spawn(process.execPath, [bundle, '--url', server.url, '--redis', redis.url, '--name', name, '--lease-ms', String(LEASE_MS), ...extra], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const job: Job = {
      child,
      lines: [],
      stderr: '',
      exited: new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal }))),
    };
    let partial = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      const text = partial + chunk.toString();
      const parts = text.split('\n');
      partial = parts.pop() ?? '';
      job.lines.push(...parts.map((line) => line.replace(/^\[\d+\] /, '')));
    });
    child.stderr?.on('data', (chunk: Buffer) => (job.stderr += chunk.toString()));
    jobs.push(job);
    return job;
  };

  it('should take over from a SIGKILLed active job within the lease time and lose no event; repeats only from uncommitted work', async () => {
    server = await startReferenceServer();
    const total = 120;
    for (let n = 1; n <= total / 2; n++) server.publish('orders', { n }); // replayed from the start
    const name = `failover-${process.pid}`;
    const sink = `${name}:sink`;
    const redisClient = new Redis(redis.port, '127.0.0.1');
    try {
      const a = startJob(name, ['--work-ms', '15', '--concurrency', '4']);
      await until(() => a.lines.some((l) => l.startsWith('active')), 'A active');
      const b = startJob(name, ['--work-ms', '5', '--concurrency', '4']);
      await until(() => b.lines.includes('waiting for the lease'), 'B waiting');
      for (let n = total / 2 + 1; n <= total; n++) server.publish('orders', { n }); // live

      // Kill A mid-work: some events done, more in flight.
      await until(async () => (await redisClient.llen(`${sink}:log`)) >= 30, 'A wrote 30 events');
      a.child.kill('SIGKILL');
      const killedAt = Date.now();
      expect(await a.exited).toEqual({ code: null, signal: 'SIGKILL' });
      // What A had committed when it died: everything at or below it is never done again.
      const saved = await redisClient.hget(`rxjs-managed-socket:${name}:state`, 'state');
      const committedByA = (JSON.parse(saved ?? '{"keys":[]}') as { keys: Array<{ key: string; cursor: number }> }).keys.find((k) => k.key === 'orders')?.cursor ?? 0;
      const writtenByA = await redisClient.lrange(`${sink}:log`, 0, -1);
      expect(committedByA).toBeGreaterThan(0);
      expect(committedByA).toBeLessThanOrEqual(writtenByA.length);

      await until(() => b.lines.some((l) => l.startsWith('active')), 'B active', LEASE_MS * 3);
      expect(Date.now() - killedAt).toBeLessThan(LEASE_MS + 1_500); // the lease time, plus the standby's poll (LEASE_MS / 4) and a loaded machine
      await until(() => b.lines.some((l) => l.startsWith('resuming from')), 'B loaded the position');
      expect(b.lines.find((l) => l.startsWith('resuming from'))).toBe(`resuming from ${saved}`);

      await until(async () => (await redisClient.hlen(`${sink}:byId`)) === total, 'every event in the sink');
      b.child.kill('SIGTERM');
      expect(await b.exited).toEqual({ code: 0, signal: null });
      expect(b.stderr).toBe('');

      const delivered = (await redisClient.lrange(`${sink}:log`, 0, -1)).map((id) => Number(id.split(':')[1]));
      const expected = Array.from({ length: total }, (_, i) => i + 1);
      expect([...new Set(delivered)].sort((x, y) => x - y)).toEqual(expected); // none lost
      const repeats = delivered.filter((seq, i) => delivered.indexOf(seq) !== i);
      // Repeats come only from work A did but had not committed: above its committed position,
      // and at most what it had written beyond it.
      expect(repeats.every((seq) => seq > committedByA)).toBe(true);
      expect(repeats.length).toBeLessThanOrEqual(writtenByA.length - committedByA);
      // The idempotent sink holds each event exactly once.
      expect((await redisClient.hkeys(`${sink}:byId`)).sort()).toEqual(expected.map((n) => `orders:${n}`).sort());
      // B committed everything.
      const final = JSON.parse((await redisClient.hget(`rxjs-managed-socket:${name}:state`, 'state')) ?? 'null') as { keys: Array<{ key: string; cursor: number }> };
      expect(final.keys).toEqual([{ key: 'orders', cursor: total, ahead: [] }]);
      expect(await redisClient.get(`rxjs-managed-socket:${name}:lease`)).toBeNull(); // released on SIGTERM
    } finally {
      redisClient.disconnect();
    }
  }, 40_000);

  it('should exit 0 on SIGTERM while standing by', async () => {
    server = await startReferenceServer();
    const name = `standby-${process.pid}`;
    const a = startJob(name);
    await until(() => a.lines.some((l) => l.startsWith('active')), 'A active');
    const b = startJob(name);
    await until(() => b.lines.includes('waiting for the lease'), 'B waiting');
    b.child.kill('SIGTERM');
    expect(await b.exited).toEqual({ code: 0, signal: null });
    a.child.kill('SIGTERM');
    expect(await a.exited).toEqual({ code: 0, signal: null });
    expect(a.lines.at(-1)).toBe('committed 0 events, stopped by signal');
  }, 20_000);
});
