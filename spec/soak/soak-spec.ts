/**
 * The soak: one seeded scenario (see soakScenario.ts), short in `npm test`, long on demand:
 *
 *   SOAK_SECONDS=300 SOAK_SEED=42 npx jest spec/soak
 *
 * SOAK_SECONDS is how long faults are injected (default 40); SOAK_SEED seeds the proxy's chaos,
 * the server's faults and the client's jitter (default 1); SOAK_RATE is events per second
 * (default 200); SOAK_TRACE=1 prints progress on stderr. The summary is printed once the run
 * completes, also when an assertion then fails. docs/reliability.md has the figures.
 */
import { formatSummary, runSoak, SERVER_FAULT_KINDS, soakConfig } from './soakScenario';
import type { SoakResult } from './soakScenario';

const envNumber = (name: string, fallback: number): number => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got ${raw}`);
  return value;
};

const config = soakConfig({
  seconds: envNumber('SOAK_SECONDS', 40),
  seed: Math.trunc(envNumber('SOAK_SEED', 1)),
  rate: envNumber('SOAK_RATE', 200),
});

// Faults for `seconds`, one more second of publishing, the settle wait, the bounded waits of the
// last fault and the teardown (10-15 s each at worst).
jest.setTimeout(config.seconds * 1_000 + config.settleTimeoutMs + 60_000);

/**
 * The heap bound. V8's heap after a full GC moves by a MB or two from one sample to the next
 * (allocation pools, code caches, jest). The structures that are allowed to grow between the
 * warm-up sample and the end are bounded by config: the server's log (at most ~2 x retain events
 * per topic before it trims, ~0.3 KB each: ~2.5 MB), the verification rings (retain ids per topic,
 * ~0.2 MB) and the dedupe window (already full at warm-up): 1.2-1.7 MB measured. 8 MB covers it;
 * a leak of ~1 KB per event (keeping each decoded event and its raw frame) exceeds it within the
 * short run (~6,000 events between the samples), one of ~200 B per event within 3 minutes.
 */
const HEAP_GROWTH_BOUND = 8 * 1_048_576;

/**
 * Longest time from a fault to the next delivered event. A single fault costs at most: the
 * idle timeout to notice a mute link (1 s) plus the longest backoff (2 s) plus a refused or
 * restarting server (< 1 s) plus the replay. Faults overlap (a cut while the server is down, a
 * refusal during a backoff...), so the bound is twice that, with room for a loaded CI machine.
 */
const RECOVERY_BOUND_MS = 10_000;

describe('soak', () => {
  let result: SoakResult | undefined;

  afterAll(() => {
    if (result) console.log(formatSummary(result));
  });

  it(`should deliver every event exactly once and in order per topic through ${config.seconds} s of seeded faults (seed ${config.seed})`, async () => {
    result = await runSoak(config);
    const r = result;

    // The consumer's stream never ended, and it caught up once the faults stopped.
    expect(r.streamEnded).toBeNull();
    expect(r.settled).toBe(true);

    // Zero lost, zero duplicated, in order, content as published, and the same as the server's log.
    expect(r.published).toBeGreaterThan(config.rate * config.seconds * 0.8);
    expect(Object.values(r.heads).reduce((a, b) => a + b, 0)).toBe(r.published);
    expect(r.violations).toEqual([]);
    expect(r.lost).toBe(0);
    expect(r.duplicated).toBe(0);
    expect(r.delivered).toBe(r.published);
    expect(r.deliveredByTopic).toEqual(r.heads);
    expect(r.tailMismatches).toEqual([]);
    expect(r.metrics.decodeErrors).toBe(0);
    expect(r.metrics.drops).toBe(0);

    // The faults really happened: every planned proxy kind, every server kind.
    expect(r.plannedProxyKinds.filter((kind) => r.proxyFaults[kind] === 0)).toEqual([]);
    // (A run shorter than 25 s may not draw every server fault, nor one that makes a duplicate.)
    if (config.seconds >= 25) {
      expect(SERVER_FAULT_KINDS.filter((kind) => r.serverFaults[kind] === 0)).toEqual([]);
      expect(r.metrics.duplicates).toBeGreaterThan(0);
    }
    expect(r.reconnects).toBeGreaterThan(0);

    // Reconnects spaced as the backoff says: every delay in [floor, cap], never retried early, no storm.
    expect(r.backoff.delayViolations).toEqual([]);
    expect(r.backoff.earlyReconnects).toEqual([]);
    expect(r.backoff.maxAttemptsPerWindow).toBeLessThanOrEqual(r.backoff.attemptBound);

    // Every fault was followed by a delivery, soon.
    expect(r.recovery.unrecovered).toBe(0);
    expect(r.recovery.maxMs).toBeLessThanOrEqual(RECOVERY_BOUND_MS);

    // Bounded memory.
    expect(r.heap.growthBytes).toBeLessThanOrEqual(HEAP_GROWTH_BOUND);
  });
});
