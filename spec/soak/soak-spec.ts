/**
 * The soak: the seeded scenario of soakScenario.ts in four configurations side by side (the
 * per-key cursor, the contiguous cursor, the consumer buffer, the default retry), each with
 * acknowledged sends beside the feed and empty-log restarts among the server's faults, short in
 * `npm test`, long on demand (`npm run soak`: over a million events):
 *
 *   SOAK_SECONDS=300 SOAK_SEED=42 npx jest spec/soak
 *
 * SOAK_SECONDS is how long faults are injected (default 30); SOAK_SEED seeds every configuration's
 * proxy chaos, server faults and client jitter (default 1; on CI, CI=true, a random seed); SOAK_RATE
 * is events per second over all configurations (default 600); SOAK_TRACE=1 prints progress on
 * stderr. The seed is printed first; the summaries once the run completes, also when an assertion
 * then fails. docs/reliability.md has the figures.
 */
import { formatRun, formatSummary, heapAllowance, runSoaks, SERVER_FAULT_KINDS, soakMatrix, soakSeed } from './soakScenario';
import type { SoakConfig, SoakRun } from './soakScenario';

const envNumber = (name: string, fallback: number): number => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got ${raw}`);
  return value;
};

const seed = soakSeed(process.env);
const seconds = envNumber('SOAK_SECONDS', 30);
const configs = soakMatrix({ seed, seconds, rate: envNumber('SOAK_RATE', 600) });
process.stderr.write(`soak: SOAK_SEED=${seed} SOAK_SECONDS=${seconds} (${configs.map((c) => `${c.name} ${c.rate}/s`).join(', ')})\n`);

/** The heap's first sample: a quarter into the run, between 8 and 60 s; then one every tenth of the run, between 10 and 60 s. */
const warmupMs = Math.min(60_000, Math.max(8_000, seconds * 250));
const sampleMs = Math.min(60_000, Math.max(10_000, seconds * 100));

/**
 * The heap bound. V8's heap after a full GC moves by a MB or two from one sample to the next
 * (allocation pools, code caches, jest): 8 MB covers that. On top, what may legitimately still be
 * filling at the warm-up sample (`heapAllowance`: the servers' logs and the verification rings).
 * In the short run the logs only grow, so a leak of ~1 KB per event (keeping each decoded event
 * and its raw frame) exceeds it. In the long run the logs trim, and the warm-up sample may catch
 * them fuller than the end (the growth can be negative): a leak must outgrow the bound plus that
 * swing, ~120 B per event over the million events.
 */
const HEAP_GROWTH_BOUND = 8 * 1_048_576 + heapAllowance(configs, warmupMs);

// Faults for `seconds`, one more second of publishing, the settle wait, the bounded waits of the
// last fault and the teardown (10-15 s each at worst).
jest.setTimeout(seconds * 1_000 + Math.max(...configs.map((c) => c.settleTimeoutMs)) + 60_000);

/** Whether the server's fault schedule reaches every kind: a kill, then each kind once. */
const coversEveryServerKind = (c: SoakConfig): boolean => (c.seconds * 1_000) / c.serverFaultIntervalMs[1] >= SERVER_FAULT_KINDS.length + 1;

describe('soak', () => {
  let run: Promise<SoakRun> | undefined;
  let done: SoakRun | undefined;

  beforeAll(() => {
    run = runSoaks(configs, { warmupMs, sampleMs });
    run.then((r) => (done = r)).catch(() => undefined); // each test awaits `run` and reports its failure
  });

  afterAll(() => {
    if (done) console.log([...done.results.map(formatSummary), formatRun(done, heapAllowance(configs, warmupMs))].join('\n\n'));
  });

  describe.each(configs.map((c, i) => [c.name, i] as const))('%s', (name, index) => {
    const config = configs[index] as SoakConfig;

    it(`should deliver every event exactly once and in order per topic through ${seconds} s of seeded faults (seed ${seed})`, async () => {
      const r = (await run)?.results[index];
      if (r === undefined) throw new Error(`soak: no result for ${name}`);

      // The consumer's stream never ended, and it caught up once the faults stopped.
      expect(r.streamEnded).toBeNull();
      expect(r.settled).toBe(true);

      // Zero lost, zero duplicated, in order, content as published, and the same as the server's log.
      // An empty-log restart (freshLog) starts the heads again: what the emptied logs held was
      // delivered before it (the scenario lets the client catch up first), none of it lost with them.
      expect(r.published).toBeGreaterThan(config.rate * config.seconds * 0.8);
      expect(Object.values(r.heads).reduce((a, b) => a + b, 0) + r.publishedBeforeFresh).toBe(r.published);
      expect(r.violations).toEqual([]);
      expect(r.epochViolations).toBe(0);
      expect(r.lost).toBe(0);
      expect(r.lostWithLog).toBe(0);
      expect(r.duplicated).toBe(0);
      expect(r.delivered).toBe(r.published);
      // Every empty-log restart was seen once (a reset), and the new log delivered from its beginning.
      expect(r.resets).toBe(r.serverFaults.freshLog);

      // Acknowledged sends: every one acked, and the server's logs hold them in order, each once.
      expect(r.acked.sent).toBeGreaterThan(0);
      expect(r.acked.failed).toEqual([]);
      expect(r.acked.acked).toBe(r.acked.sent);
      expect(r.acked.outOfOrder).toBe(0);
      expect(r.acked.highest).toBe(r.acked.sent);
      expect(r.deliveredByTopic).toEqual(r.heads);
      expect(r.tailMismatches).toEqual([]);
      expect(r.metrics.decodeErrors).toBe(0);
      // The consumer buffer never dropped (its capacity holds a minute of events), and its work
      // ran once per event delivered.
      expect(r.metrics.drops).toBe(0);
      if (config.consumer !== null) expect(r.worked).toBe(r.delivered);

      // The faults really happened: every planned proxy kind, every server kind the schedule reaches.
      expect(r.plannedProxyKinds.filter((kind) => r.proxyFaults[kind] === 0)).toEqual([]);
      if (coversEveryServerKind(config)) {
        expect(SERVER_FAULT_KINDS.filter((kind) => r.serverFaults[kind] === 0)).toEqual([]);
      }
      expect(r.reconnects).toBeGreaterThan(0);

      // The cursor is the configuration's: per topic in the hello's resume map, or one contiguous seq.
      if (config.cursor === 'perKey') expect(r.hellos.withResumeMap).toBeGreaterThan(0);
      else {
        expect(r.hellos.withResumeMap).toBe(0);
        expect(r.hellos.maxResumeFromSeq).toBeGreaterThan(0);
      }

      // Reconnects spaced as the backoff says: every delay in [floor, cap], never retried early, no
      // storm. The attempt a server reset starts at once is never followed by another such attempt.
      expect(r.backoff.delayViolations).toEqual([]);
      expect(r.backoff.earlyReconnects).toEqual([]);
      expect(r.backoff.maxAttemptsPerWindow).toBeLessThanOrEqual(r.backoff.attemptBound);
      expect(r.backoff.afterResetInRow).toBe(0);

      // Every fault was followed by a delivery, soon.
      expect(r.recovery.unrecovered).toBe(0);
      expect(r.recovery.maxMs).toBeLessThanOrEqual(config.recoveryBoundMs);
    });
  });

  it('should drop the old events the servers resent', async () => {
    const r = await run;
    if (r === undefined) throw new Error('soak: no run');
    // Per configuration a resent event may still be in flight when its link is cut; over the run
    // some reach the clients, and every one is dropped (the per-event checks above).
    const sum = (f: (x: SoakRun['results'][number]) => number): number => r.results.reduce((a, x) => a + f(x), 0);
    expect(sum((x) => x.staleSent)).toBeGreaterThan(0);
    expect(sum((x) => x.metrics.duplicates)).toBeGreaterThan(0);
  });

  it('should keep the heap bounded over the whole run', async () => {
    const r = await run;
    if (r === undefined) throw new Error('soak: no run');
    expect(r.heap.gc).toBe(true);
    expect(r.heap.samples.length).toBeGreaterThan(0);
    expect(r.heap.maxGrowthBytes).toBeLessThanOrEqual(HEAP_GROWTH_BOUND);
  });
});
