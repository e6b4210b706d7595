/**
 * The soak scenario: a reference server publishing on several topics at a steady rate, one
 * `managedSocket$` client reaching it through the fault proxy, the proxy injecting every kind of
 * network fault at seeded random times, and the server injecting its own faults (restarts,
 * duplicate, stale and reordered events, closes with 1001/1011/1012/1013, cuts, a zombie link, a
 * short mute that leaves a hole, HTTP 503) from the same seed. The consumer checks every event as
 * it arrives (next seq of its topic, the content that was published) and the run ends with a
 * comparison against `server.events()`.
 *
 * Everything is on real time and 127.0.0.1. Every wait is bounded. Test support only.
 *
 * @packageDocumentation
 */
import * as net from 'node:net';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import type { Subscription } from 'rxjs';
import { managedSocket$ } from '../../src/node';
import type { ManagedSocketConfig } from '../../src/socket/config';
import type { ManagedSocketEvent } from '../../src/socket/lifecycle';
import type { ManagedSocketMetrics } from '../../src/socket/lifecycle';
import { referenceProtocol } from '../../src/server/referenceClient';
import { startReferenceServer } from '../../src/server/referenceServer';
import type { ReferenceServer } from '../../src/server/referenceServer';
import type { ClientFrame, EventFrame, ServerFrame } from '../../src/server/protocol';
import { chaosPlan, FAULT_KINDS, mulberry32, startFaultProxy } from '../support/faultProxy';
import type { ChaosConfig, FaultKind, FaultProxy } from '../support/faultProxy';

// ---------------------------------------------------------------------------------------------
// Configuration

/** The server-side faults, drawn from the seeded PRNG. */
export type ServerFaultKind =
  | 'restart'
  | 'duplicate'
  | 'stale'
  | 'reorder'
  | 'close1001'
  | 'close1011'
  | 'close1012'
  | 'close1013'
  | 'kill'
  | 'silence'
  | 'mute'
  | 'http503';

export const SERVER_FAULT_KINDS: readonly ServerFaultKind[] = [
  'restart',
  'duplicate',
  'stale',
  'reorder',
  'close1001',
  'close1011',
  'close1012',
  'close1013',
  'kill',
  'silence',
  'mute',
  'http503',
];

/** The client's backoff, as given to `managedSocket$`'s `retry`. */
export interface SoakRetry {
  readonly initialInterval: number;
  readonly maxInterval: number;
  readonly jitter: number;
  readonly resetAfter: number;
}

export interface SoakConfig {
  /** Seeds the proxy's chaos, the server faults and the client's jitter. */
  readonly seed: number;
  /** How long faults are injected, in seconds (publishing goes on 1 s longer). */
  readonly seconds: number;
  /** Events per second, over all topics, round robin. */
  readonly rate: number;
  readonly topics: readonly string[];
  /** Events the server keeps per topic (its replay window). */
  readonly retain: number;
  readonly retry: SoakRetry;
  readonly connectTimeout: number;
  readonly idleTimeout: number;
  readonly heartbeatInterval: number;
  readonly gaps: { readonly window: number; readonly maxWait: number };
  readonly dedupeWindow: number;
  /** The proxy's chaos (its seed is `seed`). */
  readonly chaos: Omit<ChaosConfig, 'seed'>;
  /** Wait between two server faults, drawn uniformly. */
  readonly serverFaultIntervalMs: readonly [number, number];
  /** How long a restart keeps the port closed, drawn uniformly. */
  readonly restartDowntimeMs: readonly [number, number];
  /** How long the consumer may take to catch up once the faults stop. */
  readonly settleTimeoutMs: number;
  /** When the first heap sample is taken, in ms after the start. */
  readonly warmupMs: number;
  /** Sliding window of the attempts-per-window measure. */
  readonly attemptWindowMs: number;
  /** Applied last to the client's config: for experiments (e.g. `{ resume: false }` must fail the run). */
  readonly client?: Partial<ManagedSocketConfig<ServerFrame, ClientFrame>>;
}

/** The soak's defaults: timers suited to real time, a modest CPU budget. */
export function soakConfig(overrides: Partial<SoakConfig> = {}): SoakConfig {
  const seconds = overrides.seconds ?? 40;
  return {
    seed: 1,
    seconds,
    rate: 200,
    topics: ['t1', 't2', 't3', 't4'],
    retain: 1_000,
    retry: { initialInterval: 100, maxInterval: 2_000, jitter: 0.5, resetAfter: 1_000 },
    connectTimeout: 2_000,
    idleTimeout: 1_000,
    heartbeatInterval: 250,
    gaps: { window: 1_000, maxWait: 400 },
    dedupeWindow: 2_000,
    chaos: {
      kinds: FAULT_KINDS,
      minIntervalMs: 600,
      maxIntervalMs: 1_800,
      stallMs: 1_300,
      refuseMs: 700,
      latencyMs: 80,
      latencyDurationMs: 1_000,
      throttleBytesPerSecond: 8_192,
      throttleDurationMs: 1_000,
    },
    serverFaultIntervalMs: [700, 2_000],
    restartDowntimeMs: [0, 600],
    settleTimeoutMs: 20_000,
    warmupMs: Math.min(15_000, Math.max(8_000, seconds * 250)),
    attemptWindowMs: 1_000,
    ...overrides,
  };
}

// ---------------------------------------------------------------------------------------------
// Result

/** One check that failed while events were consumed. */
export interface Violation {
  readonly topic: string;
  readonly seq: number;
  readonly expected: number;
  readonly what: 'lost' | 'duplicate' | 'content';
}

export interface SoakResult {
  readonly config: SoakConfig;
  readonly startedAt: string;
  readonly wallMs: number;
  /** Events published, and their heads per topic. */
  readonly published: number;
  readonly heads: Readonly<Record<string, number>>;
  /** Events the consumer got, per topic and in all. */
  readonly delivered: number;
  readonly deliveredByTopic: Readonly<Record<string, number>>;
  /** Events published but never delivered (sum over topics of head minus distinct seqs delivered). */
  readonly lost: number;
  /** Deliveries of a seq the consumer already had. */
  readonly duplicated: number;
  /** The first violations seen while consuming (lost, duplicated or altered events). */
  readonly violations: readonly Violation[];
  readonly violationCount: number;
  /** Topics whose consumed tail differs from `server.events(topic)`. */
  readonly tailMismatches: readonly string[];
  /** Whether every topic caught up with its head before `settleTimeoutMs`. */
  readonly settled: boolean;
  readonly settleMs: number;
  readonly proxyFaults: Readonly<Record<FaultKind, number>>;
  /** Proxy kinds the seeded plan scheduled within the run (what `proxyFaults` must cover). */
  readonly plannedProxyKinds: readonly FaultKind[];
  readonly serverFaults: Readonly<Record<ServerFaultKind, number>>;
  readonly metrics: ManagedSocketMetrics;
  /** `reconnecting` events (retries scheduled). */
  readonly reconnects: number;
  readonly disconnectsByError: Readonly<Record<string, number>>;
  /** Backoff checks: delays out of `[floor, cap]`, waits shorter than the delay, the worst window. */
  readonly backoff: {
    readonly delayViolations: readonly string[];
    readonly earlyReconnects: readonly string[];
    readonly minDelayOverFloor: number;
    readonly maxAttemptsPerWindow: number;
    readonly attemptBound: number;
  };
  /** Time from a fault to the next event the consumer got. */
  readonly recovery: {
    readonly faults: number;
    readonly maxMs: number;
    readonly maxFault: string;
    readonly p50Ms: number;
    readonly p95Ms: number;
    readonly unrecovered: number;
  };
  readonly heap: {
    readonly gc: boolean;
    readonly warmupBytes: number;
    readonly endBytes: number;
    readonly growthBytes: number;
    readonly peakBytes: number;
  };
  /** Errors or completion of the consumer's subscription (there should be none). */
  readonly streamEnded: string | null;
}

// ---------------------------------------------------------------------------------------------
// Helpers

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** `promise`, or a rejection naming `what` after `ms`: no wait of the soak is unbounded. */
async function bounded<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`soak: ${what} did not finish within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** The TCP sockets this process still holds, for a diagnosis when a close hangs. */
function describeOpenSockets(): string {
  const handles = (process as unknown as { _getActiveHandles?: () => unknown[] })._getActiveHandles?.() ?? [];
  return handles
    .filter((h): h is net.Socket => h instanceof net.Socket)
    .map((s) => {
      const ends = `readableEnded=${String(s.readableEnded)} writableEnded=${String(s.writableEnded)} writableFinished=${String(s.writableFinished)}`;
      return `${s.localPort ?? '?'}->${s.remotePort ?? '?'} ${s.readyState} destroyed=${String(s.destroyed)} ${ends}`;
    })
    .join('; ');
}

/** `CloseError(1006)`, `IdleTimeoutError`, ...: the name, and the close code when there is one. */
function describeFailure(error: unknown, kind: string): string {
  if (!(error instanceof Error)) return kind;
  const code = (error as { info?: { code?: unknown } }).info?.code;
  return typeof code === 'number' ? `${error.name}(${code})` : error.name;
}

/** Progress on stderr with SOAK_TRACE=1, to see where a long run spends its time. */
function trace(t0: number, message: string): void {
  if (process.env['SOAK_TRACE']) process.stderr.write(`[soak +${((Date.now() - t0) / 1_000).toFixed(1)} s] ${message}\n`);
}

/** `global.gc` without `--expose-gc` on the command line (jest's workers don't get the flag). */
function exposeGc(): (() => void) | null {
  try {
    v8.setFlagsFromString('--expose-gc');
    const gc: unknown = vm.runInNewContext('gc');
    return typeof gc === 'function' ? (gc as () => void) : null;
  } catch {
    return null;
  }
}

function heapAfterGc(gc: (() => void) | null): number {
  if (gc) {
    gc();
    gc();
  }
  return process.memoryUsage().heapUsed;
}

/** A growable Float64Array: the delivery times, off the JS heap so they don't skew the heap figure. */
class TimeLog {
  private data = new Float64Array(4096);
  length = 0;

  push(value: number): void {
    if (this.length === this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = value;
  }

  /** The first value > `at` (values are pushed in ascending order), or `undefined`. */
  firstAfter(at: number): number | undefined {
    let lo = 0;
    let hi = this.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.data[mid] as number) > at) hi = mid;
      else lo = mid + 1;
    }
    return lo < this.length ? this.data[lo] : undefined;
  }
}

/** A fixed-size ring of the last `size` strings. */
class Ring {
  private readonly items: string[] = [];
  private next = 0;

  constructor(private readonly size: number) {}

  push(item: string): void {
    if (this.items.length < this.size) this.items.push(item);
    else {
      this.items[this.next] = item;
      this.next = (this.next + 1) % this.size;
    }
  }

  /** Oldest first. */
  toArray(): string[] {
    return [...this.items.slice(this.next), ...this.items.slice(0, this.next)];
  }
}

/**
 * The most connection attempts the backoff allows in any window of `windowMs`: one attempt, plus
 * as many retries as their jitter floors fit in the window, times the number of `resetAfter`
 * periods that fit (a reset needs a connection that lived that long, so it cannot happen twice
 * in a shorter span).
 */
export function attemptBound(retry: SoakRetry, windowMs: number): number {
  let sum = 0;
  let fits = 0;
  for (let i = 0; i < 64; i++) {
    const floor = Math.min(retry.initialInterval * 2 ** i, retry.maxInterval) * (1 - retry.jitter);
    if (floor <= 0 || sum + floor > windowMs) break;
    sum += floor;
    fits++;
  }
  return (1 + fits) * (1 + Math.floor(windowMs / retry.resetAfter));
}

/** The most timestamps in any window of `windowMs` (timestamps ascending). */
export function maxInWindow(times: readonly number[], windowMs: number): number {
  let best = 0;
  let lo = 0;
  for (let hi = 0; hi < times.length; hi++) {
    while ((times[hi] as number) - (times[lo] as number) >= windowMs) lo++;
    best = Math.max(best, hi - lo + 1);
  }
  return best;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

const uniform = (random: () => number, [min, max]: readonly [number, number]): number => min + Math.floor(random() * (max - min + 1));

/** The proxy kinds the seeded plan injects before `durationMs`. */
function plannedKinds(config: SoakConfig, durationMs: number): FaultKind[] {
  const kinds = new Set<FaultKind>();
  let at = 0;
  for (const step of chaosPlan(config.seed, config.chaos, 10_000)) {
    at += step.afterMs;
    if (at >= durationMs) break;
    kinds.add(step.kind);
  }
  return FAULT_KINDS.filter((k) => kinds.has(k));
}

// ---------------------------------------------------------------------------------------------
// The run

interface FaultMark {
  readonly at: number;
  readonly label: string;
}

/**
 * Runs one soak and resolves with its figures; it does not assert (the spec does). Resources are
 * released whatever happens.
 */
export async function runSoak(config: SoakConfig): Promise<SoakResult> {
  const gc = exposeGc();
  const startedAt = new Date().toISOString();
  const t0 = Date.now();
  const durationMs = config.seconds * 1_000;
  const random = mulberry32(config.seed ^ 0x5eed_f00d);
  const jitterRandom = mulberry32(config.seed ^ 0x0ba_c0ff);

  // The server keeps `retain` events per topic; at our rate that is far more than a client can
  // miss during one outage, so every resume finds what it needs.
  const server: ReferenceServer = await startReferenceServer({ retain: config.retain, recordLimit: 500, stopGraceMs: 200 });
  let proxy: FaultProxy | null = null;
  const subscriptions: Subscription[] = [];
  const timers = new Set<NodeJS.Timeout>();

  try {
    proxy = await startFaultProxy({ target: { host: '127.0.0.1', port: server.port }, seed: config.seed });

    // -- the consumer --------------------------------------------------------------------------
    const socket = managedSocket$<ServerFrame, ClientFrame>({
      url: proxy.url(),
      ...referenceProtocol({ heartbeatInterval: config.heartbeatInterval }),
      resume: { start: 0 },
      dedupe: { window: config.dedupeWindow },
      gaps: config.gaps,
      retry: { ...config.retry, random: jitterRandom },
      connectTimeout: config.connectTimeout,
      idleTimeout: config.idleTimeout,
      closeTimeout: 500,
      ...config.client,
    });

    const { topics } = config;
    const publishedData = new Map<string, Map<number, number>>(topics.map((t) => [t, new Map()]));
    const lastSeq = new Map<string, number>(topics.map((t) => [t, 0]));
    const deliveredByTopic = new Map<string, number>(topics.map((t) => [t, 0]));
    const tails = new Map<string, Ring>(topics.map((t) => [t, new Ring(config.retain)]));
    const deliveries = new TimeLog();
    const violations: Violation[] = [];
    let violationCount = 0;
    let delivered = 0;
    let duplicated = 0;
    let streamEnded: string | null = null;

    const violate = (v: Violation): void => {
      violationCount++;
      if (violations.length < 20) violations.push(v);
    };

    const onEvent = (frame: EventFrame): void => {
      const now = Date.now();
      deliveries.push(now);
      delivered++;
      const { topic, seq } = frame;
      deliveredByTopic.set(topic, (deliveredByTopic.get(topic) ?? 0) + 1);
      const expected = (lastSeq.get(topic) ?? 0) + 1;
      if (seq < expected) duplicated++;
      if (seq !== expected) violate({ topic, seq, expected, what: seq > expected ? 'lost' : 'duplicate' });
      if (seq > (lastSeq.get(topic) ?? 0)) lastSeq.set(topic, seq);
      const data = publishedData.get(topic);
      const n = data?.get(seq);
      const content = (frame.data as { n?: unknown } | null)?.n;
      if (n === undefined || content !== n || frame.id !== `${topic}:${seq}`) violate({ topic, seq, expected, what: 'content' });
      data?.delete(seq);
      tails.get(topic)?.push(`${frame.id}#${String(content)}`);
    };

    // Lifecycle, for the backoff and storm checks (a few hundred entries).
    const connectingAt: number[] = [];
    // `connections`: how many 'connecting' events came before each retry, so the next attempt is
    // found by order, not by a millisecond timestamp it may share with the attempt that failed.
    const retries: Array<{ at: number; attempt: number; delay: number; connections: number }> = [];
    const disconnectsByError: Record<string, number> = {};
    subscriptions.push(
      socket.events$.subscribe((event: ManagedSocketEvent) => {
        const now = Date.now();
        if (event.type === 'connecting') connectingAt.push(now);
        else if (event.type === 'reconnecting') retries.push({ at: now, attempt: event.attempt, delay: event.delay, connections: connectingAt.length });
        else if (event.type === 'disconnected') {
          const name = describeFailure(event.error, event.kind);
          disconnectsByError[name] = (disconnectsByError[name] ?? 0) + 1;
        }
      }),
    );

    let socketState = 'idle';
    subscriptions.push(socket.state$.subscribe((state) => (socketState = state)));
    socket.subscribeTopics(...topics);
    subscriptions.push(
      socket.subscribe({
        next: (frame) => {
          if (frame.type === 'event') onEvent(frame);
        },
        error: (err: unknown) => (streamEnded = `error: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`),
        complete: () => (streamEnded = 'complete'),
      }),
    );
    await server.waitFor((s) => s.openConnections().some((c) => c.topics.length === topics.length), 5_000);

    // -- the publisher: a steady rate, round robin over the topics ---------------------------------
    let published = 0;
    const recent: string[] = []; // the JSON of the last 200 events, for duplicate faults
    let publishing = true;
    const publishStart = Date.now();
    const publishTick = (): void => {
      if (!publishing) return;
      const due = Math.floor(((Date.now() - publishStart) * config.rate) / 1_000);
      // After an event-loop stall, catch up by at most 50 events at once.
      for (let i = 0; i < 50 && published < due; i++) {
        const topic = topics[published % topics.length] as string;
        const n = published++;
        const event = server.publish(topic, { n });
        publishedData.get(topic)?.set(event.seq, n);
        recent.push(JSON.stringify(event));
        if (recent.length > 200) recent.shift();
      }
    };
    const publisher = setInterval(publishTick, 20);
    timers.add(publisher);

    // Heap: first sample after the warm-up, when the dedupe window and the rings are full.
    let warmupBytes = 0;
    let peakBytes = 0;
    let probes = 0;
    const heapProbe = setInterval(() => {
      peakBytes = Math.max(peakBytes, process.memoryUsage().heapUsed);
      if (++probes % 5 === 0) trace(t0, `published ${published}, delivered ${delivered}, state ${socketState}, proxy faults ${proxy?.faultLog.length ?? 0}`);
    }, 1_000);
    timers.add(heapProbe);
    const warmup = (async () => {
      await sleep(config.warmupMs);
      warmupBytes = heapAfterGc(gc);
    })();

    // -- faults ------------------------------------------------------------------------------
    const stopChaos = proxy.chaos(config.chaos);
    const serverFaults = Object.fromEntries(SERVER_FAULT_KINDS.map((k) => [k, 0])) as Record<ServerFaultKind, number>;
    const serverMarks: FaultMark[] = [];
    const faultEnd = t0 + durationMs;

    const injectServerFault = async (kind: ServerFaultKind): Promise<void> => {
      serverFaults[kind]++;
      serverMarks.push({ at: Date.now(), label: `server:${kind}` });
      switch (kind) {
        case 'restart':
          await bounded(server.restart({ downtimeMs: uniform(random, config.restartDowntimeMs) }), 10_000, 'server.restart()');
          return;
        case 'duplicate': {
          // The last 1-5 events again: some are still in flight, some already delivered.
          const count = 1 + Math.floor(random() * 5);
          for (const json of recent.slice(-count)) server.sendRaw(json);
          return;
        }
        case 'stale': {
          // An event from up to 200 back: a seq that goes backwards.
          const json = recent[Math.floor(random() * recent.length)];
          if (json !== undefined) server.sendRaw(json);
          return;
        }
        case 'reorder':
          server.reorderNext(2 + Math.floor(random() * 5));
          return;
        case 'close1001':
          server.closeAll(1001, 'going away');
          return;
        case 'close1011':
          server.closeAll(1011, 'internal error');
          return;
        case 'close1012':
          server.closeAll(1012, 'service restart');
          return;
        case 'close1013':
          server.closeAll(1013, 'try again later');
          return;
        case 'kill':
          server.killAll();
          return;
        case 'silence':
          // A zombie: the connection stays open and mute until the client gives up on it.
          server.silence(true);
          return;
        case 'mute': {
          // Mute for less than the idle timeout: the link survives, but what was sent meanwhile is
          // lost on it, so the client sees a hole, waits `gaps.maxWait`, and resyncs from the cursor.
          server.silence(true);
          await sleep(uniform(random, [300, 600]));
          server.silence(false);
          return;
        }
        case 'http503': {
          server.refuse(true, 503);
          await sleep(uniform(random, [200, 800]));
          server.refuse(false);
          return;
        }
      }
    };

    const serverChaos = (async () => {
      // Every kind once first (in a seeded order), then uniformly at random.
      const firstRound = [...SERVER_FAULT_KINDS];
      for (let i = firstRound.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [firstRound[i], firstRound[j]] = [firstRound[j] as ServerFaultKind, firstRound[i] as ServerFaultKind];
      }
      for (let round = 0; round < 100_000; round++) {
        await sleep(uniform(random, config.serverFaultIntervalMs));
        if (Date.now() >= faultEnd) return;
        const kind = firstRound[round] ?? (SERVER_FAULT_KINDS[Math.floor(random() * SERVER_FAULT_KINDS.length)] as ServerFaultKind);
        trace(t0, `server fault ${kind}`);
        await injectServerFault(kind);
      }
    })();

    await sleep(Math.max(0, faultEnd - Date.now()));
    trace(t0, 'faults end');
    stopChaos();
    await bounded(serverChaos, 15_000, 'the last server fault');
    server.reorderNext(0); // release anything still held
    server.refuse(false);
    // Publish one more second on a clean link, then stop and let the consumer catch up.
    await sleep(1_000);
    publishing = false;
    clearInterval(publisher);
    await warmup;
    const heads = server.heads();
    trace(t0, `settling: heads ${JSON.stringify(heads)}, delivered ${JSON.stringify(Object.fromEntries(lastSeq))}`);
    const settleStart = Date.now();
    let settled = false;
    while (Date.now() - settleStart < config.settleTimeoutMs) {
      if (topics.every((t) => (lastSeq.get(t) ?? 0) >= (heads[t] ?? 0))) {
        settled = true;
        break;
      }
      await sleep(20);
    }
    const settleMs = Date.now() - settleStart;
    trace(t0, `settled=${String(settled)} in ${settleMs} ms, state ${socketState}`);
    // Anything still to come (a late duplicate) would show up within a few heartbeats.
    await sleep(300);
    const endBytes = heapAfterGc(gc);
    clearInterval(heapProbe);

    // -- the figures -------------------------------------------------------------------------
    const tailMismatches = topics.filter((t) => {
      const expected = server.events(t).map((e) => `${e.id}#${String((e.data as { n: number }).n)}`);
      const got = tails.get(t)?.toArray() ?? [];
      return JSON.stringify(got.slice(-expected.length)) !== JSON.stringify(expected);
    });

    const { initialInterval, maxInterval, jitter } = config.retry;
    const delayViolations: string[] = [];
    let minDelayOverFloor = Infinity;
    for (const r of retries) {
      const cap = Math.min(initialInterval * 2 ** (r.attempt - 1), maxInterval);
      const floor = cap * (1 - jitter);
      minDelayOverFloor = Math.min(minDelayOverFloor, r.delay / floor);
      if (r.delay < floor - 1e-9 || r.delay > cap + 1e-9) delayViolations.push(`attempt ${r.attempt}: ${r.delay.toFixed(1)} ms not in [${floor}, ${cap}]`);
    }
    const earlyReconnects: string[] = [];
    for (const r of retries) {
      const next = connectingAt[r.connections];
      // Timers never fire early; allow 2 ms for the clock's granularity.
      if (next !== undefined && next - r.at < r.delay - 2) earlyReconnects.push(`attempt ${r.attempt}: waited ${next - r.at} ms of ${r.delay.toFixed(1)}`);
    }

    const marks: FaultMark[] = [
      ...proxy.faultLog.map((f) => ({ at: f.at, label: `proxy:${f.kind}` })),
      ...serverMarks,
    ].sort((a, b) => a.at - b.at);
    const recoveries: number[] = [];
    let maxMs = 0;
    let maxFault = '';
    let unrecovered = 0;
    for (const mark of marks) {
      const next = deliveries.firstAfter(mark.at);
      if (next === undefined) {
        unrecovered++;
        continue;
      }
      const ms = next - mark.at;
      recoveries.push(ms);
      if (ms > maxMs) {
        maxMs = ms;
        maxFault = `${mark.label} at +${((mark.at - t0) / 1_000).toFixed(1)} s`;
      }
    }
    recoveries.sort((a, b) => a - b);

    return {
      config,
      startedAt,
      wallMs: Date.now() - t0,
      published,
      heads,
      delivered,
      lost: topics.reduce((sum, t) => sum + (heads[t] ?? 0), 0) - (delivered - duplicated),
      duplicated,
      deliveredByTopic: Object.fromEntries(deliveredByTopic),
      violations,
      violationCount,
      tailMismatches,
      settled,
      settleMs,
      proxyFaults: proxy.stats.faults,
      plannedProxyKinds: plannedKinds(config, durationMs),
      serverFaults,
      metrics: socket.metrics(),
      reconnects: retries.length,
      disconnectsByError,
      backoff: {
        delayViolations,
        earlyReconnects,
        minDelayOverFloor: retries.length > 0 ? minDelayOverFloor : NaN,
        maxAttemptsPerWindow: maxInWindow(connectingAt, config.attemptWindowMs),
        attemptBound: attemptBound(config.retry, config.attemptWindowMs),
      },
      recovery: { faults: marks.length, maxMs, maxFault, p50Ms: percentile(recoveries, 50), p95Ms: percentile(recoveries, 95), unrecovered },
      heap: { gc: gc !== null, warmupBytes, endBytes, growthBytes: endBytes - warmupBytes, peakBytes },
      streamEnded,
    };
  } finally {
    for (const timer of timers) clearInterval(timer);
    for (const subscription of subscriptions.reverse()) subscription.unsubscribe();
    trace(t0, 'teardown');
    await bounded(proxy?.close() ?? Promise.resolve(), 10_000, 'proxy.close()').catch((err: unknown) => {
      if (process.env['SOAK_TRACE']) trace(t0, `open sockets: ${describeOpenSockets()}`);
      throw err;
    });
    await bounded(server.stop(), 10_000, 'server.stop()');
    trace(t0, 'done');
  }
}

// ---------------------------------------------------------------------------------------------
// Summary

const mb = (bytes: number): string => `${(bytes / 1_048_576).toFixed(1)} MB`;

/** The human-readable summary printed after a run (and pasted into docs/reliability.md). */
export function formatSummary(r: SoakResult): string {
  const c = r.config;
  const kinds = (record: Readonly<Record<string, number>>): string =>
    Object.entries(record)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
  const sum = (record: Readonly<Record<string, number>>): number => Object.values(record).reduce((a, b) => a + b, 0);
  const { backoff: b, recovery: rec, heap: h } = r;
  const wall = `${(r.wallMs / 1_000).toFixed(1)} s`;
  return [
    `soak seed=${c.seed} seconds=${c.seconds} rate=${c.rate}/s topics=${c.topics.length} started=${r.startedAt} wall=${wall}`,
    `  events         published ${r.published}, delivered ${r.delivered}, lost ${r.lost}, duplicated ${r.duplicated}`,
    `                 order/content violations ${r.violationCount}, tails differing from server.events() ${r.tailMismatches.length}`,
    `  faults         ${sum(r.proxyFaults) + sum(r.serverFaults)} in all`,
    `    proxy        ${kinds(r.proxyFaults)}`,
    `    server       ${kinds(r.serverFaults)}`,
    `  reconnects     ${r.reconnects} retries, ${r.metrics.connections} connections, ${r.metrics.disconnects} disconnects`,
    `    causes       ${kinds(r.disconnectsByError)}`,
    `  gaps healed    ${r.metrics.gaps} (resyncs from the cursor)`,
    `  duplicates     ${r.metrics.duplicates} dropped`,
    `  decode errors  ${r.metrics.decodeErrors}, drops ${r.metrics.drops}`,
    `  backoff        min delay/floor ${b.minDelayOverFloor.toFixed(2)}, delay violations ${b.delayViolations.length}, early reconnects ${b.earlyReconnects.length}`,
    `                 max attempts in ${c.attemptWindowMs} ms: ${b.maxAttemptsPerWindow} (bound ${b.attemptBound})`,
    `  recovery       max ${rec.maxMs} ms (${rec.maxFault}), p50 ${rec.p50Ms} ms, p95 ${rec.p95Ms} ms over ${rec.faults} faults`,
    `  settle         ${r.settled ? 'caught up' : 'DID NOT CATCH UP'} in ${r.settleMs} ms`,
    `  heap           ${h.gc ? 'after gc' : 'no gc'}: warm-up ${mb(h.warmupBytes)}, end ${mb(h.endBytes)}, growth ${mb(h.growthBytes)}, peak ${mb(h.peakBytes)}`,
  ].join('\n');
}
