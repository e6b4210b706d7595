/**
 * The thundering herd, in virtual time: 1,000 managed sockets on fake WebSockets, with
 * managedSocket$'s default backoff (1 s initial, 30 s cap, jitter 0.5), all cut off at the same
 * instant by a server that then stays down for a while. The times they choose to come back must
 * spread out, on the first retry, once the delays are capped, and when the server is back.
 *
 * The measure: the largest share of the herd whose attempt falls in any 100 ms window (a sliding
 * window, so the worst one is found wherever it lies). With a uniform spread it is 100 ms over the
 * width of the spread: 20 % for the first retry (delays in (500, 1000] ms), 0.67 % for a capped one
 * (delays in (15, 30] s). Without jitter every socket picks the same instant: 100 %.
 *
 * Each socket's jitter draws from its own seeded PRNG (`retry.random`), so the run is exact and
 * the figures are the same on every machine. `HERD_FIGURES=1 npx jest spec/herd` prints them
 * (seed 42: first retry 21.8 %, 6th retry 1.8 %, 7th 1.2 %, comeback 1.0 % over 29.6 s).
 */
import { TestScheduler } from 'rxjs/testing';
import type { Subscription } from 'rxjs';
import { managedSocket$ } from '../../src/socket/managedSocket';
import type { RetryBackoffConfig } from '../../src/operators/retryBackoff';
import { createFakeWebSockets } from '../../src/testing/fakeWebSocket';
import type { FakeWebSocket } from '../../src/testing/fakeWebSocket';
import { mulberry32 } from '../support/faultProxy';

jest.setTimeout(60_000);

const HERD = 1_000;
const WINDOW_MS = 100;
/** When every socket is cut off, and the server goes down. */
const CUT_AT = 5_000;
/** When the server is back: after every socket made its 7th retry (at most 1+2+4+8+16+30+30 s). */
const UP_AT = CUT_AT + 100_000;
/** When the test lets go: 30 s (the cap) after the server is back, plus a margin. */
const END_AT = UP_AT + 35_000;

/** First-retry bound: the uniform ideal is 20 %; a little sampling noise is allowed. */
const FIRST_RETRY_MAX_SHARE = 0.25;
/**
 * Capped-retry and comeback bound: the uniform ideal is 0.67 % (100 ms of a 15 s spread); the worst
 * window of a random sample of 1,000 is a little above (1.8 % with seed 42).
 */
const CAPPED_MAX_SHARE = 0.03;

/** The largest share of `times` within any window of `windowMs` (sliding). */
export function maxShareInWindow(times: readonly number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  let lo = 0;
  for (let hi = 0; hi < sorted.length; hi++) {
    while ((sorted[hi] as number) - (sorted[lo] as number) >= windowMs) lo++;
    best = Math.max(best, hi - lo + 1);
  }
  return sorted.length === 0 ? 0 : best / sorted.length;
}

interface HerdRun {
  /** Per socket: when each of its connection attempts started. */
  readonly attempts: number[][];
  /** Per socket: the delay it chose for each retry, by retry number (1-based). */
  readonly delays: Array<Map<number, number>>;
  /** Per socket: when it was connected again after the server came back. */
  readonly backAt: number[];
  readonly sockets: number;
}

/** Runs the herd with managedSocket$'s default backoff, plus `retry` overrides. */
function runHerd(retry: Partial<RetryBackoffConfig> = {}, seed = 42, size = HERD): HerdRun {
  const ts = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  const attempts: number[][] = Array.from({ length: size }, () => []);
  const delays: Array<Map<number, number>> = Array.from({ length: size }, () => new Map());
  const backAt: number[] = [];
  let sockets = 0;

  ts.run(() => {
    let serverUp = true;
    const live = new Set<FakeWebSocket>();
    // The fake server answers each connection 1 ms later: accepted while up, refused while down.
    const fake = createFakeWebSockets({
      openAfter: null,
      onConnect: (socket) => {
        ts.schedule(() => {
          if (!serverUp) return socket.refuse();
          socket.open();
          live.add(socket);
        }, 1);
      },
    });
    const subscriptions: Subscription[] = [];
    const seeds = mulberry32(seed);
    for (let i = 0; i < size; i++) {
      const socket = managedSocket$({
        url: `ws://127.0.0.1:1/feed?client=${i}`,
        WebSocketCtor: fake.WebSocketCtor,
        idleTimeout: 0, // no traffic in this test: only the backoff is under study
        retry: { random: mulberry32(Math.floor(seeds() * 2 ** 32)), ...retry },
      });
      subscriptions.push(
        socket.events$.subscribe((event) => {
          if (event.type === 'connecting') attempts[i]?.push(ts.now());
          else if (event.type === 'reconnecting') delays[i]?.set(event.attempt, event.delay);
          else if (event.type === 'connected' && ts.now() >= UP_AT) backAt.push(ts.now());
        }),
      );
      subscriptions.push(socket.subscribe());
    }
    ts.schedule(() => {
      serverUp = false;
      for (const socket of live) socket.drop(); // every connection cut at the same instant
      live.clear();
    }, CUT_AT);
    ts.schedule(() => (serverUp = true), UP_AT);
    ts.schedule(() => subscriptions.forEach((s) => s.unsubscribe()), END_AT);
    ts.flush();
    sockets = fake.sockets.length;
  });
  return { attempts, delays, backAt, sockets };
}

/** When each socket made its `n`-th retry (its attempt n + 1), for every socket that got that far. */
const retryTimes = (run: HerdRun, n: number): number[] => run.attempts.map((a) => a[n]).filter((t): t is number => t !== undefined);
const retryDelays = (run: HerdRun, n: number): number[] => run.delays.map((d) => d.get(n)).filter((d): d is number => d !== undefined);

describe('thundering herd: 1,000 sockets cut off at once', () => {
  // Computed once for all the tests below: ~10,000 virtual connections.
  let jittered: HerdRun;
  let unjittered: HerdRun;
  beforeAll(() => {
    jittered = runHerd();
    unjittered = runHerd({ jitter: 0 });
  });

  describe('with the default jitter (0.5)', () => {
    it('should have every socket retry, with delays in the jitter band', () => {
      const first = retryTimes(jittered, 1);
      expect(first).toHaveLength(HERD);
      for (const t of first) {
        expect(t - CUT_AT).toBeGreaterThanOrEqual(500);
        expect(t - CUT_AT).toBeLessThanOrEqual(1_000);
      }
      const capped = retryDelays(jittered, 6); // 1000 * 2^5 = 32 s: the first capped retry
      expect(capped).toHaveLength(HERD);
      for (const d of capped) {
        expect(d).toBeGreaterThanOrEqual(15_000);
        expect(d).toBeLessThanOrEqual(30_000);
      }
    });

    it(`should spread the first retry: no ${WINDOW_MS} ms window holds more than ${FIRST_RETRY_MAX_SHARE * 100} % of the herd`, () => {
      const share = maxShareInWindow(retryTimes(jittered, 1), WINDOW_MS);
      if (process.env.HERD_FIGURES) {
        const figures = {
          firstRetry: share,
          capped6: maxShareInWindow(retryTimes(jittered, 6), WINDOW_MS),
          capped7: maxShareInWindow(retryTimes(jittered, 7), WINDOW_MS),
          cappedDelays6: maxShareInWindow(retryDelays(jittered, 6), WINDOW_MS),
          comeback: maxShareInWindow(jittered.backAt, WINDOW_MS),
          comebackSpanMs: Math.max(...jittered.backAt) - UP_AT,
        };
        console.log(figures);
      }
      expect(share).toBeLessThanOrEqual(FIRST_RETRY_MAX_SHARE);
      expect(share).toBeGreaterThanOrEqual(0.2); // the ideal: the measure is not vacuous
    });

    it(`should keep them spread once the delays are capped: no ${WINDOW_MS} ms window holds more than ${CAPPED_MAX_SHARE * 100} %`, () => {
      // The 6th and 7th retries both wait the 30 s cap, minus jitter.
      expect(maxShareInWindow(retryTimes(jittered, 6), WINDOW_MS)).toBeLessThanOrEqual(CAPPED_MAX_SHARE);
      expect(maxShareInWindow(retryTimes(jittered, 7), WINDOW_MS)).toBeLessThanOrEqual(CAPPED_MAX_SHARE);
      // Jitter applies after the cap: even the capped delays themselves differ.
      expect(maxShareInWindow(retryDelays(jittered, 6), WINDOW_MS)).toBeLessThanOrEqual(CAPPED_MAX_SHARE);
      expect(maxShareInWindow(retryDelays(jittered, 7), WINDOW_MS)).toBeLessThanOrEqual(CAPPED_MAX_SHARE);
    });

    it('should bring every socket back within the cap once the server is up, spread out', () => {
      expect(jittered.backAt).toHaveLength(HERD);
      expect(Math.max(...jittered.backAt) - UP_AT).toBeLessThanOrEqual(30_000 + 1);
      expect(maxShareInWindow(jittered.backAt, WINDOW_MS)).toBeLessThanOrEqual(CAPPED_MAX_SHARE);
    });

    it('should be deterministic for a seed, and differ for another', () => {
      const small = runHerd({}, 42, 100);
      expect(runHerd({}, 42, 100).attempts).toEqual(small.attempts);
      expect(runHerd({}, 7, 100).attempts).not.toEqual(small.attempts);
      expect(small.attempts).toEqual(jittered.attempts.slice(0, 100)); // the same seeds as the big run
    });
  });

  describe('without jitter (the control: the measure can fail)', () => {
    it('should put the whole herd in one window on the first retry, on the capped ones, and on the comeback', () => {
      expect(maxShareInWindow(retryTimes(unjittered, 1), WINDOW_MS)).toBe(1);
      expect(new Set(retryTimes(unjittered, 1))).toEqual(new Set([CUT_AT + 1_000]));
      expect(maxShareInWindow(retryTimes(unjittered, 6), WINDOW_MS)).toBe(1);
      expect(maxShareInWindow(retryTimes(unjittered, 7), WINDOW_MS)).toBe(1);
      expect(maxShareInWindow(unjittered.backAt, WINDOW_MS)).toBe(1);
      expect(maxShareInWindow(retryTimes(unjittered, 1), WINDOW_MS)).toBeGreaterThan(FIRST_RETRY_MAX_SHARE);
    });
  });
});
