/**
 * The soak scenario: reference servers publishing at a steady rate, one `managedSocket$` client
 * per configuration reaching its server through a fault proxy, the proxy injecting every kind of
 * network fault at seeded random times, and the server injecting its own faults (restarts,
 * duplicate, stale and reordered events, closes with 1001/1011/1012/1013, kills, a zombie link, a
 * short mute that leaves a hole, HTTP 503, a restart with empty logs under a new epoch) from the
 * same seed. Beside the feed, the client publishes with acknowledged sends (`sendAcked`), which
 * must land in the server's log in order, each once, whatever the faults. Each consumer checks every event as
 * it arrives (next seq of its topic, the content that was published) and each run ends with a
 * comparison against `server.events()`.
 *
 * The configurations (see {@link soakMatrix}) run side by side in one process, each with its own
 * server, proxy and client: the per-key cursor, the contiguous cursor (one topic: one sequence),
 * the consumer buffer, and the default retry settings. The client uses only the package's public
 * entry points.
 *
 * Everything is on real time and 127.0.0.1. Every wait is bounded. Test support only.
 *
 * @packageDocumentation
 */
import { randomInt } from 'node:crypto';
import * as net from 'node:net';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { timer } from 'rxjs';
import type { Subscription } from 'rxjs';
import { managedSocket$ } from '../../src/node';
import type { ManagedSocketConfig, ManagedSocketEvent, ManagedSocketMetrics } from '../../src/node';
import { referenceProtocol, startReferenceServer } from '../../src/server';
import type { ClientFrame, EventFrame, ReferenceServer, ServerFrame } from '../../src/server';
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
  | 'http503'
  | 'freshLog';

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
  'freshLog',
];

/** The client's backoff, as given to `managedSocket$`'s `retry`. */
export interface SoakRetry {
  readonly initialInterval: number;
  readonly maxInterval: number;
  readonly jitter: number;
  readonly resetAfter: number;
}

/** `managedSocket$`'s documented `retry` defaults: what a client without a `retry` option gets. */
export const DEFAULT_RETRY: SoakRetry = { initialInterval: 1_000, maxInterval: 30_000, jitter: 0.5, resetAfter: 10_000 };

/** The backoff the soak gives its clients unless a configuration keeps the defaults. */
export const SOAK_RETRY: SoakRetry = { initialInterval: 100, maxInterval: 2_000, jitter: 0.5, resetAfter: 1_000 };

/**
 * A consumer buffer (`consumer` option) with asynchronous work: a resolved promise, a `workMs`
 * timer for every `timerEvery`th seq of a topic, and `slowMs` for every `slowEvery`th.
 */
export interface SoakConsumer {
  readonly capacity: number;
  readonly timerEvery: number;
  readonly workMs: number;
  readonly slowEvery: number;
  readonly slowMs: number;
}

export interface SoakConfig {
  /** Names the configuration in the summary and the test names. */
  readonly name: string;
  /** Seeds the proxy's chaos, the server faults and the client's jitter (with `salt`). */
  readonly seed: number;
  /** Mixed into `seed`, so configurations run side by side draw different schedules. */
  readonly salt: number;
  /** How long faults are injected, in seconds (publishing goes on 1 s longer). */
  readonly seconds: number;
  /** Events per second, over all topics, round robin. */
  readonly rate: number;
  readonly topics: readonly string[];
  /** `'perKey'`: the reference protocol as is; `'contiguous'`: one topic, no `keyOf`, a contiguous cursor. */
  readonly cursor: 'perKey' | 'contiguous';
  /** Events the server keeps per topic (its replay window). */
  readonly retain: number;
  /** The client's backoff; `'default'`: no `retry` option at all (then {@link DEFAULT_RETRY} is checked). */
  readonly retry: SoakRetry | 'default';
  /** The consumer buffer, or `null` for none. */
  readonly consumer: SoakConsumer | null;
  readonly connectTimeout: number;
  readonly idleTimeout: number;
  readonly heartbeatInterval: number;
  readonly gaps: { readonly window: number; readonly maxWait: number };
  readonly dedupeWindow: number;
  /** The proxy's chaos (its seed is derived from `seed`). */
  readonly chaos: Omit<ChaosConfig, 'seed'>;
  /** Wait between two server faults, drawn uniformly. */
  readonly serverFaultIntervalMs: readonly [number, number];
  /** How long a restart keeps the port closed, drawn uniformly. */
  readonly restartDowntimeMs: readonly [number, number];
  /** How long the consumer may take to catch up once the faults stop. */
  readonly settleTimeoutMs: number;
  /** Sliding window of the attempts-per-window measure. */
  readonly attemptWindowMs: number;
  /** The longest time from a fault to the next delivered event the run accepts. */
  readonly recoveryBoundMs: number;
  /** Applied last to the client's config: for experiments (e.g. `{ resume: false }` must fail the run). */
  readonly client?: Partial<ManagedSocketConfig<ServerFrame, ClientFrame>>;
}

const FAST_CHAOS: Omit<ChaosConfig, 'seed'> = {
  kinds: FAULT_KINDS,
  minIntervalMs: 600,
  maxIntervalMs: 1_800,
  stallMs: 1_300,
  refuseMs: 700,
  latencyMs: 80,
  latencyDurationMs: 1_000,
  throttleBytesPerSecond: 8_192,
  throttleDurationMs: 1_000,
};

/**
 * One configuration with the soak's defaults: timers suited to real time, the per-key cursor on
 * four topics, the soak's fast backoff, a fault every ~1 s from the proxy and from the server.
 */
export function soakConfig(overrides: Partial<SoakConfig> = {}): SoakConfig {
  const retry = overrides.retry ?? SOAK_RETRY;
  const { idleTimeout = 1_000 } = overrides;
  const maxInterval = retry === 'default' ? DEFAULT_RETRY.maxInterval : retry.maxInterval;
  return {
    name: 'perKey',
    seed: 1,
    salt: 0,
    seconds: 40,
    rate: 200,
    topics: ['t1', 't2', 't3', 't4'],
    cursor: 'perKey',
    retain: 1_000,
    retry,
    consumer: null,
    connectTimeout: 2_000,
    idleTimeout,
    heartbeatInterval: 250,
    gaps: { window: 1_000, maxWait: 400 },
    dedupeWindow: 2_000,
    chaos: FAST_CHAOS,
    serverFaultIntervalMs: [700, 2_000],
    restartDowntimeMs: [0, 600],
    settleTimeoutMs: 20_000,
    attemptWindowMs: 1_000,
    // A single fault costs at most the idle timeout (a mute link), the longest backoff, a refused
    // or restarting server (< 1 s) and the replay. Faults overlap (a cut while the server is down,
    // a refusal during a backoff...), so the bound is twice that, with room for a loaded machine:
    // 10 s with the soak's backoff.
    recoveryBoundMs: 2 * (idleTimeout + maxInterval) + 4_000,
    ...overrides,
  };
}

/** How many seconds of publishing each server keeps for replay: longer than any outage in the run. */
const RETAIN_SECONDS = { fast: 30, default: 120 } as const;

/**
 * The configurations of one soak, to run side by side. `rate` is the total over all of them
 * (split 30/25/25/20 %); every other figure of a configuration derives from its share.
 *
 * - `perKey`: the reference protocol as is (per-topic seqs, per-key cursor), four topics.
 * - `contiguous`: one topic, so one contiguous sequence; the reference protocol without `keyOf`,
 *   `resume: { mode: 'contiguous' }`: the hello carries the one cursor (`resumeFromSeq`).
 * - `consumer`: the per-key setup behind a consumer buffer (`consumer: { capacity, work }`) whose
 *   work is asynchronous, takes a timer now and then and 150 ms every 500th seq; the capacity
 *   holds a minute of events, so the buffer absorbs the replays and slow stretches and never drops.
 * - `defaultRetry`: no `retry` option (1 s initial, 30 s cap, jitter 0.5, reset after 10 s), with
 *   faults every ~7 s instead of ~1 s: under the soak's fault rate no connection would live the
 *   10 s that reset the backoff, and the client would spend the run waiting 30 s at a time.
 */
export function soakMatrix({ seed, seconds, rate }: { seed: number; seconds: number; rate: number }): SoakConfig[] {
  const share = (fraction: number): number => Math.max(20, Math.round(rate * fraction));
  const retain = (eventsPerSecond: number, topics: number, keep: number): number =>
    Math.max(1_000, Math.ceil((eventsPerSecond / topics) * keep));
  const perKeyRate = share(0.3);
  const contiguousRate = share(0.25);
  const consumerRate = share(0.25);
  const defaultRate = share(0.2);
  return [
    soakConfig({ name: 'perKey', seed, salt: 0, seconds, rate: perKeyRate, retain: retain(perKeyRate, 4, RETAIN_SECONDS.fast) }),
    soakConfig({
      name: 'contiguous',
      seed,
      salt: 1,
      seconds,
      rate: contiguousRate,
      topics: ['feed'],
      cursor: 'contiguous',
      retain: retain(contiguousRate, 1, RETAIN_SECONDS.fast),
    }),
    soakConfig({
      name: 'consumer',
      seed,
      salt: 2,
      seconds,
      rate: consumerRate,
      retain: retain(consumerRate, 4, RETAIN_SECONDS.fast),
      consumer: { capacity: consumerRate * 60, timerEvery: 4, workMs: 1, slowEvery: 500, slowMs: 150 },
    }),
    soakConfig({
      name: 'defaultRetry',
      seed,
      salt: 3,
      seconds,
      rate: defaultRate,
      retain: retain(defaultRate, 4, RETAIN_SECONDS.default),
      retry: 'default',
      chaos: { ...FAST_CHAOS, minIntervalMs: 6_000, maxIntervalMs: 14_000 },
      serverFaultIntervalMs: [6_000, 14_000],
      settleTimeoutMs: 45_000,
    }),
  ];
}

/**
 * The seed of a run: `SOAK_SEED` when set; else, on CI (`CI=true`), a fresh random one, so every
 * CI run soaks another schedule; else 1. Print it: `SOAK_SEED=<seed>` reproduces the schedule.
 */
export function soakSeed(env: Readonly<Record<string, string | undefined>>): number {
  const raw = env['SOAK_SEED'];
  if (raw !== undefined && raw !== '') {
    const value = Number(raw);
    if (!Number.isSafeInteger(value)) throw new Error(`SOAK_SEED must be an integer, got ${raw}`);
    return value;
  }
  return env['CI'] === 'true' ? randomInt(1, 2 ** 31 - 1) : 1;
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
    readonly retry: SoakRetry;
    readonly delayViolations: readonly string[];
    readonly earlyReconnects: readonly string[];
    readonly minDelayOverFloor: number;
    readonly maxDelay: number;
    /** The most attempts in any window that followed a backoff wait (or were the first). */
    readonly maxAttemptsPerWindow: number;
    readonly attemptBound: number;
    /** Attempts started at once after a server reset, and how many of them followed another such attempt (must be none). */
    readonly afterReset: number;
    readonly afterResetInRow: number;
  };
  /** Time from a fault to the next event the consumer got. */
  readonly recovery: {
    readonly faults: number;
    readonly maxMs: number;
    readonly maxFault: string;
    readonly p50Ms: number;
    readonly p95Ms: number;
    readonly unrecovered: number;
    /** What happened from the slowest recovery's fault to its first delivery (ms after the fault: the connection's events and the faults). */
    readonly slowest: readonly string[];
  };
  /** The consumer buffer: events its work ran for, and the most events published after one before its work started (`null` without one). */
  readonly worked: number | null;
  readonly maxWorkLag: number | null;
  /** The hellos the client sent: how many, how many with a per-topic `resume` map, the highest `resumeFromSeq`. */
  readonly hellos: { readonly sent: number; readonly withResumeMap: number; readonly maxResumeFromSeq: number };
  /** Old events the `duplicate` and `stale` faults sent on an open connection. */
  readonly staleSent: number;
  /** Errors or completion of the consumer's subscription (there should be none). */
  readonly streamEnded: string | null;
  /** Events published into logs that a `freshLog` restart then emptied (in `published`, not in `heads`). */
  readonly publishedBeforeFresh: number;
  /** Of those, the ones the consumer never got (the restart came before it caught up). */
  readonly lostWithLog: number;
  /** Events delivered from a numbering after a newer one had started (there should be none). */
  readonly epochViolations: number;
  /** The client's `reset` events (server resets it noticed). */
  readonly resets: number;
  /** Acknowledged sends: sent, acked, failed, and what the server's logs hold of them. */
  readonly acked: {
    readonly sent: number;
    readonly acked: number;
    readonly failed: readonly string[];
    /** Per log (one per epoch): entries not one more than the one before (reordered, repeated or skipped). */
    readonly outOfOrder: number;
    /** The highest `i` in any log, and the entries in all logs. */
    readonly highest: number;
    readonly logged: number;
  };
}

/** The heap of the whole process (every configuration at once), after full GCs. */
export interface SoakHeap {
  readonly gc: boolean;
  readonly warmupMs: number;
  readonly warmupBytes: number;
  /** Samples after GC every `sampleMs` from the warm-up on (the first is the warm-up's), then the end. */
  readonly sampleMs: number;
  readonly samples: readonly number[];
  readonly endBytes: number;
  readonly growthBytes: number;
  /** The highest sample after the warm-up, minus the warm-up's. */
  readonly maxGrowthBytes: number;
  readonly peakBytes: number;
}

export interface SoakRun {
  readonly seed: number;
  readonly wallMs: number;
  readonly results: readonly SoakResult[];
  readonly heap: SoakHeap;
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
function trace(t0: number, name: string, message: string): void {
  if (process.env['SOAK_TRACE']) process.stderr.write(`[soak ${name} +${((Date.now() - t0) / 1_000).toFixed(1)} s] ${message}\n`);
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

/** A fixed-size ring of the last `size` items. */
class Ring<T> {
  private readonly items: T[] = [];
  private next = 0;

  constructor(private readonly size: number) {}

  push(item: T): void {
    if (this.items.length < this.size) this.items.push(item);
    else {
      this.items[this.next] = item;
      this.next = (this.next + 1) % this.size;
    }
  }

  /** Oldest first. */
  toArray(): T[] {
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

/** The seed of one of a configuration's random streams. */
function seedOf(config: SoakConfig, stream: 'proxy' | 'server' | 'jitter'): number {
  const mixed = (config.seed + config.salt * 0x9e37_79b9) | 0;
  return stream === 'proxy' ? mixed : stream === 'server' ? mixed ^ 0x5eed_f00d : mixed ^ 0x0ba_c0ff;
}

/** The proxy kinds the seeded plan injects before `durationMs`. */
function plannedKinds(config: SoakConfig, durationMs: number): FaultKind[] {
  const kinds = new Set<FaultKind>();
  let at = 0;
  for (const step of chaosPlan(seedOf(config, 'proxy'), config.chaos, Math.ceil(durationMs / Math.max(1, config.chaos.minIntervalMs)) + 1)) {
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

/** Most events one publisher tick may publish: catching up after a stall of up to 0.5 s. */
const catchUpLimit = (rate: number): number => Math.max(50, Math.ceil(rate / 2));

interface ClientHooks {
  readonly jitterRandom: () => number;
  readonly onWork: (frame: ServerFrame) => void;
  readonly onHello: (hello: ClientFrame | undefined) => void;
}

/** The `managedSocket$` config of `config`: the reference protocol, adjusted to the configuration. */
function clientConfig(config: SoakConfig, url: string, { jitterRandom, onWork, onHello }: ClientHooks): ManagedSocketConfig<ServerFrame, ClientFrame> {
  const reference = referenceProtocol({ heartbeatInterval: config.heartbeatInterval });
  const { keyOf: _keyOf, ...unkeyed } = reference;
  const { consumer, retry } = config;
  return {
    url,
    // Contiguous: no `keyOf`, so one cursor over the one topic's seqs.
    ...(config.cursor === 'perKey' ? reference : unkeyed),
    handshake: (ctx) => {
      const hello = reference.handshake?.(ctx);
      onHello(hello);
      return hello;
    },
    resume: { mode: config.cursor, start: 0 },
    dedupe: { window: config.dedupeWindow },
    gaps: config.gaps,
    ...(retry === 'default' ? {} : { retry: { ...retry, random: jitterRandom } }),
    ...(consumer === null
      ? {}
      : {
          consumer: {
            capacity: consumer.capacity,
            work: (frame: ServerFrame) => {
              onWork(frame);
              if (frame.type !== 'event') return Promise.resolve(); // control frames are not emitted
              if (frame.seq % consumer.slowEvery === 0) return timer(consumer.slowMs);
              return frame.seq % consumer.timerEvery === 0 ? timer(consumer.workMs) : Promise.resolve();
            },
          },
        }),
    connectTimeout: config.connectTimeout,
    idleTimeout: config.idleTimeout,
    closeTimeout: 500,
    ...config.client,
  };
}

/**
 * Runs one configuration and resolves with its figures; it does not assert (the spec does).
 * Resources are released whatever happens.
 */
export async function runSoak(config: SoakConfig): Promise<SoakResult> {
  const startedAt = new Date().toISOString();
  const t0 = Date.now();
  const durationMs = config.seconds * 1_000;
  const random = mulberry32(seedOf(config, 'server'));
  const jitterRandom = mulberry32(seedOf(config, 'jitter'));
  const log = (message: string): void => trace(t0, config.name, message);

  // The server keeps `retain` events per topic: more than a client can miss during one outage,
  // so every resume finds what it needs.
  const server: ReferenceServer = await startReferenceServer({ retain: config.retain, recordLimit: 500, stopGraceMs: 200 });
  let proxy: FaultProxy | null = null;
  const subscriptions: Subscription[] = [];
  const timers = new Set<NodeJS.Timeout>();

  try {
    proxy = await startFaultProxy({ target: { host: '127.0.0.1', port: server.port }, seed: seedOf(config, 'proxy') });

    // -- the consumer --------------------------------------------------------------------------
    let worked = 0;
    let maxWorkLag = 0;
    let published = 0;
    const onWork = (frame: ServerFrame): void => {
      worked++;
      const n = frame.type === 'event' ? (frame.data as { n?: unknown } | null)?.n : undefined;
      if (typeof n === 'number') maxWorkLag = Math.max(maxWorkLag, published - 1 - n);
    };
    const hellos = { sent: 0, withResumeMap: 0, maxResumeFromSeq: 0 };
    const onHello = (hello: ClientFrame | undefined): void => {
      if (hello?.type !== 'hello') return;
      hellos.sent++;
      if (hello.resume !== undefined) hellos.withResumeMap++;
      hellos.maxResumeFromSeq = Math.max(hellos.maxResumeFromSeq, hello.resumeFromSeq ?? 0);
    };
    const socket = managedSocket$<ServerFrame, ClientFrame>(clientConfig(config, proxy.url(), { jitterRandom, onWork, onHello }));

    const { topics } = config;
    // The numbering (epoch) of the server's logs: a `freshLog` restart starts a new one. An event's
    // numbering is read from its `n` (the publish counter), by where each numbering started.
    let epoch = 0;
    const epochStarts: number[] = [0];
    const epochOfN = (n: number): number => {
      for (let e = epochStarts.length - 1; e > 0; e--) if (n >= (epochStarts[e] ?? 0)) return e;
      return 0;
    };
    /** Per numbering, the heads of the feed's topics when its logs were emptied. */
    const oldHeads: Array<Record<string, number>> = [];
    const feedHeads = (): Record<string, number> => {
      const all = server.heads();
      return Object.fromEntries(topics.map((t) => [t, all[t] ?? 0]));
    };
    const publishedData = new Map<string, Map<number, number>>();
    const dataOf = (e: number, topic: string): Map<number, number> => {
      const key = `${e}|${topic}`;
      let data = publishedData.get(key);
      if (data === undefined) publishedData.set(key, (data = new Map()));
      return data;
    };
    const lastSeq = new Map<string, number>(topics.map((t) => [t, 0]));
    /** The numbering each topic's deliveries are in. */
    const deliveredEpoch = new Map<string, number>(topics.map((t) => [t, 0]));
    let lostWithLog = 0;
    let epochViolations = 0;
    /** A topic's deliveries move on to numbering `e`: what the older ones did not deliver was lost with their logs. */
    const moveOn = (topic: string, e: number): void => {
      for (let x = deliveredEpoch.get(topic) ?? 0; x < e; x++) {
        const head = oldHeads[x]?.[topic] ?? 0;
        lostWithLog += Math.max(0, head - (x === deliveredEpoch.get(topic) ? (lastSeq.get(topic) ?? 0) : 0));
      }
      deliveredEpoch.set(topic, e);
      lastSeq.set(topic, 0);
      deliveredByTopic.set(topic, 0);
    };
    const deliveredByTopic = new Map<string, number>(topics.map((t) => [t, 0]));
    const tails = new Map<string, Ring<string>>(topics.map((t) => [t, new Ring<string>(config.retain)]));
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
      deliveries.push(Date.now());
      delivered++;
      const { topic, seq } = frame;
      const content = (frame.data as { n?: unknown } | null)?.n;
      const e = typeof content === 'number' ? epochOfN(content) : (deliveredEpoch.get(topic) ?? 0);
      if (e < (deliveredEpoch.get(topic) ?? 0)) {
        // An event of a numbering the server already replaced: the client did not notice the reset.
        epochViolations++;
        violate({ topic, seq, expected: -1, what: 'duplicate' });
        return;
      }
      if (e > (deliveredEpoch.get(topic) ?? 0)) moveOn(topic, e);
      deliveredByTopic.set(topic, (deliveredByTopic.get(topic) ?? 0) + 1);
      const expected = (lastSeq.get(topic) ?? 0) + 1;
      if (seq < expected) duplicated++;
      if (seq !== expected) violate({ topic, seq, expected, what: seq > expected ? 'lost' : 'duplicate' });
      if (seq > (lastSeq.get(topic) ?? 0)) lastSeq.set(topic, seq);
      const data = dataOf(e, topic);
      const n = data.get(seq);
      if (n === undefined || content !== n || frame.id !== `${topic}:${seq}`) violate({ topic, seq, expected, what: 'content' });
      data.delete(seq);
      tails.get(topic)?.push(`${frame.id}#${String(content)}`);
    };

    // Lifecycle, for the backoff and storm checks (a few thousand entries).
    const connectingAt: number[] = [];
    // A server reset starts the next attempt at once ('disconnected' with kind 'reconnect'): such
    // attempts are counted apart from the backoff's, and never come two in a row.
    const waitedAt: number[] = [];
    let afterReset = 0;
    let afterResetInRow = 0;
    let immediate = false;
    let lastImmediate = false;
    // `connections`: how many 'connecting' events came before each retry, so the next attempt is
    // found by order, not by a millisecond timestamp it may share with the attempt that failed.
    const retries: Array<{ at: number; attempt: number; delay: number; connections: number }> = [];
    const disconnectsByError: Record<string, number> = {};
    let resets = 0;
    // The connection's story, to tell what the slowest recovery waited for.
    const timeline: FaultMark[] = [];
    subscriptions.push(
      socket.events$.subscribe((event: ManagedSocketEvent) => {
        const now = Date.now();
        if (event.type === 'reset') resets++;
        if (event.type === 'reconnecting') timeline.push({ at: now, label: `reconnecting in ${Math.round(event.delay)} ms (attempt ${event.attempt})` });
        else if (event.type === 'disconnected') timeline.push({ at: now, label: `disconnected (${describeFailure(event.error, event.kind)})` });
        else if (['connecting', 'connected', 'reset'].includes(event.type)) timeline.push({ at: now, label: event.type });
        if (event.type === 'connecting') {
          connectingAt.push(now);
          if (immediate) {
            afterReset++;
            if (lastImmediate) afterResetInRow++;
          } else waitedAt.push(now);
          lastImmediate = immediate;
          immediate = false;
        } else if (event.type === 'reconnecting') retries.push({ at: now, attempt: event.attempt, delay: event.delay, connections: connectingAt.length });
        else if (event.type === 'disconnected') {
          immediate = event.kind === 'reconnect';
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

    // -- the publisher: a steady rate, round robin over the topics, in bursts of one tick ----------
    let recent = new Ring<EventFrame>(200); // the last events, for duplicate faults
    let publishing = true;
    let paused = false;
    const publishStart = Date.now();
    const burst = catchUpLimit(config.rate);
    const publishTick = (): void => {
      if (!publishing || paused) return;
      const due = Math.floor(((Date.now() - publishStart) * config.rate) / 1_000);
      for (let i = 0; i < burst && published < due; i++) {
        const topic = topics[published % topics.length] as string;
        const n = published++;
        const event = server.publish(topic, { n });
        dataOf(epoch, topic).set(event.seq, n);
        recent.push(event);
      }
    };
    const publisher = setInterval(publishTick, 20);
    timers.add(publisher);

    // -- acknowledged sends: the client publishes `{ i }` to a topic of its own, 20 a second --------
    const ackedTopic = 'acked-by-client';
    const acked = { sent: 0, acked: 0, failed: [] as string[] };
    /** The server's logs of the acked topic, one per numbering, as they were when emptied. */
    const ackedLogs: number[][] = [];
    const sendAcked = (): void => {
      if (!publishing || paused) return;
      const i = ++acked.sent;
      socket.sendAcked({ type: 'publish', topic: ackedTopic, data: { i }, id: `c-${i}` }).subscribe({
        complete: () => acked.acked++,
        error: (err: unknown) => acked.failed.push(err instanceof Error ? `${err.name}: ${err.message}` : String(err)),
      });
    };
    const ackSender = setInterval(sendAcked, 50);
    timers.add(ackSender);
    const ackedLog = (): number[] => server.events(ackedTopic).map((e) => (e.data as { i: number }).i);

    const progress = setInterval(() => {
      log(`published ${published}, delivered ${delivered}, state ${socketState}, proxy faults ${proxy?.faultLog.length ?? 0}`);
    }, 5_000);
    timers.add(progress);

    // -- faults ------------------------------------------------------------------------------
    const stopChaos = proxy.chaos(config.chaos);
    const serverFaults = Object.fromEntries(SERVER_FAULT_KINDS.map((k) => [k, 0])) as Record<ServerFaultKind, number>;
    const serverMarks: FaultMark[] = [];
    let staleSent = 0;
    const faultEnd = t0 + durationMs;

    const injectServerFault = async (kind: ServerFaultKind): Promise<void> => {
      serverFaults[kind]++;
      if (kind !== 'freshLog') serverMarks.push({ at: Date.now(), label: `server:${kind}` });
      switch (kind) {
        case 'freshLog': {
          // A restart that loses the logs. Publishing pauses, and the client catches up first (the
          // feed delivered, the acked sends acked): what the old logs held is then not lost with
          // them, and nothing is published into logs about to be emptied.
          paused = true;
          const heads = feedHeads();
          const start = Date.now();
          while (Date.now() - start < config.settleTimeoutMs) {
            const caughtUp = topics.every((t) => (heads[t] ?? 0) === 0 || (deliveredEpoch.get(t) === epoch && (lastSeq.get(t) ?? 0) >= (heads[t] ?? 0)));
            if (caughtUp && acked.acked + acked.failed.length === acked.sent) break;
            await sleep(20);
          }
          serverMarks.push({ at: Date.now(), label: `server:${kind}` });
          const restarted = server.restart({ downtimeMs: uniform(random, config.restartDowntimeMs), freshLog: true });
          // restart() cut every connection synchronously; the logs are emptied only once it listens again
          oldHeads[epoch] = feedHeads();
          ackedLogs.push(ackedLog());
          epoch++;
          epochStarts.push(published);
          recent = new Ring<EventFrame>(200); // old events would be from another numbering
          try {
            await bounded(restarted, 10_000, 'server.restart({ freshLog })');
          } finally {
            paused = false;
          }
          return;
        }
        case 'restart':
          await bounded(server.restart({ downtimeMs: uniform(random, config.restartDowntimeMs) }), 10_000, 'server.restart()');
          return;
        case 'duplicate': {
          // The last 1-5 events again: some are still in flight, some already delivered.
          const count = 1 + Math.floor(random() * 5);
          for (const event of recent.toArray().slice(-count)) staleSent += server.sendRaw(JSON.stringify(event));
          return;
        }
        case 'stale': {
          // An event from up to 200 back: a seq that goes backwards.
          const events = recent.toArray();
          const event = events[Math.floor(random() * events.length)];
          if (event !== undefined) staleSent += server.sendRaw(JSON.stringify(event));
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
      // A kill first, so even the shortest run reconnects; then every other kind once (in a
      // seeded order); then uniformly at random.
      const firstRound: ServerFaultKind[] = SERVER_FAULT_KINDS.filter((k) => k !== 'kill');
      for (let i = firstRound.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [firstRound[i], firstRound[j]] = [firstRound[j] as ServerFaultKind, firstRound[i] as ServerFaultKind];
      }
      firstRound.unshift('kill');
      for (let round = 0; round < 1_000_000; round++) {
        // The wait is cut short at the end of the faults, so the last one is never awaited long.
        await sleep(Math.min(uniform(random, config.serverFaultIntervalMs), Math.max(0, faultEnd - Date.now())));
        if (Date.now() >= faultEnd) return;
        const kind = firstRound[round] ?? (SERVER_FAULT_KINDS[Math.floor(random() * SERVER_FAULT_KINDS.length)] as ServerFaultKind);
        log(`server fault ${kind}`);
        await injectServerFault(kind);
      }
    })();

    await sleep(Math.max(0, faultEnd - Date.now()));
    log('faults end');
    stopChaos();
    await bounded(serverChaos, 15_000, 'the last server fault');
    server.reorderNext(0); // release anything still held
    server.refuse(false);
    // Publish one more second on a clean link, then stop and let the consumer catch up.
    await sleep(1_000);
    publishing = false;
    clearInterval(publisher);
    clearInterval(ackSender);
    const heads = feedHeads();
    log(`settling: heads ${JSON.stringify(heads)}, delivered ${JSON.stringify(Object.fromEntries(lastSeq))}`);
    const settleStart = Date.now();
    let settled = false;
    while (Date.now() - settleStart < config.settleTimeoutMs) {
      const ackedAll = acked.acked + acked.failed.length === acked.sent;
      if (ackedAll && topics.every((t) => (heads[t] ?? 0) === 0 || (deliveredEpoch.get(t) === epoch && (lastSeq.get(t) ?? 0) >= (heads[t] ?? 0)))) {
        settled = true;
        break;
      }
      await sleep(20);
    }
    const settleMs = Date.now() - settleStart;
    log(`settled=${String(settled)} in ${settleMs} ms, state ${socketState}`);
    // Anything still to come (a late duplicate) would show up within a few heartbeats.
    await sleep(300);

    // -- the figures -------------------------------------------------------------------------
    // A topic whose deliveries never reached the last numbering lost what the older ones held.
    for (const t of topics) if ((deliveredEpoch.get(t) ?? 0) < epoch) moveOn(t, epoch);
    const publishedBeforeFresh = oldHeads.reduce((sum, h) => sum + topics.reduce((a, t) => a + (h[t] ?? 0), 0), 0);
    const logs = [...ackedLogs, ackedLog()];
    const outOfOrder = logs.reduce((sum, log) => sum + log.filter((i, k) => k > 0 && i !== (log[k - 1] ?? 0) + 1).length, 0);
    const tailMismatches = topics.filter((t) => {
      const expected = server.events(t).map((e) => `${e.id}#${String((e.data as { n: number }).n)}`);
      const got = tails.get(t)?.toArray() ?? [];
      return JSON.stringify(got.slice(-expected.length)) !== JSON.stringify(expected);
    });

    const backoffRetry = config.retry === 'default' ? DEFAULT_RETRY : config.retry;
    const { initialInterval, maxInterval, jitter } = backoffRetry;
    const delayViolations: string[] = [];
    let minDelayOverFloor = Infinity;
    let maxDelay = 0;
    for (const r of retries) {
      const cap = Math.min(initialInterval * 2 ** (r.attempt - 1), maxInterval);
      const floor = cap * (1 - jitter);
      minDelayOverFloor = Math.min(minDelayOverFloor, r.delay / floor);
      maxDelay = Math.max(maxDelay, r.delay);
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
    let slowest: FaultMark[] = [];
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
        const within = (m: FaultMark): boolean => m.at >= mark.at && m.at <= next;
        slowest = [...marks.filter(within), ...timeline.filter(within), { at: next, label: 'first event delivered' }]
          .sort((a, b) => a.at - b.at)
          .map((m) => ({ at: m.at - mark.at, label: m.label }));
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
      lost: topics.reduce((sum, t) => sum + (heads[t] ?? 0), 0) + publishedBeforeFresh - lostWithLog - (delivered - duplicated),
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
        retry: backoffRetry,
        delayViolations,
        earlyReconnects,
        minDelayOverFloor: retries.length > 0 ? minDelayOverFloor : NaN,
        maxDelay,
        maxAttemptsPerWindow: maxInWindow(waitedAt, config.attemptWindowMs),
        attemptBound: attemptBound(backoffRetry, config.attemptWindowMs),
        afterReset,
        afterResetInRow,
      },
      recovery: { faults: marks.length, maxMs, maxFault, p50Ms: percentile(recoveries, 50), p95Ms: percentile(recoveries, 95), unrecovered, slowest: slowest.map((m) => `+${m.at} ms ${m.label}`) },
      worked: config.consumer === null ? null : worked,
      maxWorkLag: config.consumer === null ? null : maxWorkLag,
      hellos,
      staleSent,
      streamEnded,
      publishedBeforeFresh,
      lostWithLog,
      epochViolations,
      resets,
      acked: {
        sent: acked.sent,
        acked: acked.acked,
        failed: acked.failed.slice(0, 5),
        outOfOrder,
        highest: Math.max(0, ...logs.flat()),
        logged: logs.reduce((sum, log) => sum + log.length, 0),
      },
    };
  } finally {
    for (const timer of timers) clearInterval(timer);
    for (const subscription of subscriptions.reverse()) subscription.unsubscribe();
    log('teardown');
    await bounded(proxy?.close() ?? Promise.resolve(), 10_000, 'proxy.close()').catch((err: unknown) => {
      if (process.env['SOAK_TRACE']) log(`open sockets: ${describeOpenSockets()}`);
      throw err;
    });
    await bounded(server.stop(), 10_000, 'server.stop()');
    log('done');
  }
}

/**
 * Runs the configurations side by side and samples the process's heap after full GCs: first
 * `warmupMs` in (the dedupe windows full, the logs and rings filling), then every `sampleMs`
 * while the run lasts, then at the end.
 */
export async function runSoaks(
  configs: readonly SoakConfig[],
  { warmupMs, sampleMs }: { readonly warmupMs: number; readonly sampleMs: number },
): Promise<SoakRun> {
  const gc = exposeGc();
  const t0 = Date.now();
  let peakBytes = 0;
  const samples: number[] = [];
  const heapProbe = setInterval(() => (peakBytes = Math.max(peakBytes, process.memoryUsage().heapUsed)), 1_000);
  let sampler: NodeJS.Timeout | undefined;
  const warmup = setTimeout(() => {
    samples.push(heapAfterGc(gc));
    sampler = setInterval(() => samples.push(heapAfterGc(gc)), sampleMs);
  }, warmupMs);
  try {
    const results = await Promise.all(configs.map((config) => runSoak(config)));
    const endBytes = heapAfterGc(gc);
    const warmupBytes = samples[0] ?? endBytes; // a run shorter than its warm-up: no growth to see
    return {
      seed: configs[0]?.seed ?? 0,
      wallMs: Date.now() - t0,
      results,
      heap: {
        gc: gc !== null,
        warmupMs,
        warmupBytes,
        sampleMs,
        samples: [...samples],
        endBytes,
        growthBytes: endBytes - warmupBytes,
        maxGrowthBytes: Math.max(endBytes, ...samples) - warmupBytes,
        peakBytes,
      },
    };
  } finally {
    clearTimeout(warmup);
    clearInterval(sampler);
    clearInterval(heapProbe);
  }
}

/**
 * How much the heap may legitimately grow between the warm-up sample (`warmupMs` in) and the
 * end, beyond V8's noise: each server's log (it trims in batches, so it holds between `retain`
 * and ~2 x `retain` events per topic, ~0.4 KB each) and the verification rings (`retain` ids per
 * topic, ~0.1 KB each), still filling at the warm-up. Per configuration that is at most
 * `max(retain, 1024)` events per topic, and at most the events published after the warm-up.
 */
export function heapAllowance(configs: readonly SoakConfig[], warmupMs: number): number {
  return configs.reduce((sum, c) => {
    const afterWarmup = c.rate * Math.max(0, c.seconds + 1 - warmupMs / 1_000);
    return sum + Math.min(c.topics.length * Math.max(c.retain, 1_024), afterWarmup) * 500;
  }, 0);
}

// ---------------------------------------------------------------------------------------------
// Summary

const mb = (bytes: number): string => `${(bytes / 1_048_576).toFixed(1)} MB`;

/** The human-readable summary of one configuration (pasted into docs/reliability.md). */
export function formatSummary(r: SoakResult): string {
  const c = r.config;
  const kinds = (record: Readonly<Record<string, number>>): string =>
    Object.entries(record)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
  const sum = (record: Readonly<Record<string, number>>): number => Object.values(record).reduce((a, b) => a + b, 0);
  const { backoff: b, recovery: rec } = r;
  const wall = `${(r.wallMs / 1_000).toFixed(1)} s`;
  const retry = c.retry === 'default' ? 'default' : `${c.retry.initialInterval}-${c.retry.maxInterval} ms`;
  const consumer = c.consumer === null ? '' : ` consumer=${c.consumer.capacity}`;
  return [
    `soak ${c.name} seed=${c.seed} seconds=${c.seconds} rate=${c.rate}/s topics=${c.topics.length} cursor=${c.cursor} retry=${retry}${consumer} retain=${c.retain} started=${r.startedAt} wall=${wall}`,
    `  events         published ${r.published}, delivered ${r.delivered}, lost ${r.lost}, duplicated ${r.duplicated}${r.worked === null ? '' : `, worked ${r.worked} (max lag ${String(r.maxWorkLag)} events)`}`,
    `                 order/content violations ${r.violationCount}, tails differing from server.events() ${r.tailMismatches.length}`,
    `  faults         ${sum(r.proxyFaults) + sum(r.serverFaults)} in all`,
    `    proxy        ${kinds(r.proxyFaults)}`,
    `    server       ${kinds(r.serverFaults)}`,
    `  reconnects     ${r.reconnects} retries, ${r.metrics.connections} connections, ${r.metrics.disconnects} disconnects`,
    `    hellos       ${r.hellos.sent} sent, ${r.hellos.withResumeMap} with a per-topic resume map, highest resumeFromSeq ${r.hellos.maxResumeFromSeq}`,
    `    causes       ${kinds(r.disconnectsByError)}`,
    `  gaps healed    ${r.metrics.gaps} (resyncs from the cursor)`,
    `  duplicates     ${r.metrics.duplicates} dropped (${r.staleSent} old events resent by the server)`,
    `  decode errors  ${r.metrics.decodeErrors}, drops ${r.metrics.drops}`,
    `  server resets  ${r.resets} seen (${r.serverFaults.freshLog} empty-log restarts; ${r.publishedBeforeFresh} events in the emptied logs, ${r.lostWithLog} of them lost with them)`,
    `  acked sends    ${r.acked.sent} sent, ${r.acked.acked} acked, ${r.acked.failed.length} failed; in the server's logs ${r.acked.logged} (highest ${r.acked.highest}), out of order ${r.acked.outOfOrder}`,
    `  backoff        min delay/floor ${b.minDelayOverFloor.toFixed(2)}, max delay ${Math.round(b.maxDelay)} ms, delay violations ${b.delayViolations.length}, early reconnects ${b.earlyReconnects.length}`,
    `                 max attempts in ${c.attemptWindowMs} ms: ${b.maxAttemptsPerWindow} (bound ${b.attemptBound}); ${b.afterReset} more at once after a server reset, ${b.afterResetInRow} of them in a row`,
    `  recovery       max ${rec.maxMs} ms (${rec.maxFault}), p50 ${rec.p50Ms} ms, p95 ${rec.p95Ms} ms over ${rec.faults} faults`,
    ...rec.slowest.map((line) => `                   ${line}`),
    `  settle         ${r.settled ? 'caught up' : 'DID NOT CATCH UP'} in ${r.settleMs} ms`,
  ].join('\n');
}

/** The run's totals and the process's heap. */
export function formatRun(run: SoakRun, allowance: number): string {
  const { heap: h } = run;
  const events = run.results.reduce((sum, r) => sum + r.published, 0);
  const faults = run.results.reduce((sum, r) => sum + r.recovery.faults, 0);
  const lost = run.results.reduce((sum, r) => sum + r.lost, 0);
  const duplicated = run.results.reduce((sum, r) => sum + r.duplicated, 0);
  return [
    `soak run SOAK_SEED=${run.seed} configurations=${run.results.length} wall=${(run.wallMs / 1_000).toFixed(1)} s`,
    `  events         ${events} published, lost ${lost}, duplicated ${duplicated}; faults ${faults}`,
    `  heap           ${h.gc ? 'after gc' : 'no gc'} (whole process): warm-up (at ${h.warmupMs / 1_000} s) ${mb(h.warmupBytes)}, end ${mb(h.endBytes)}, growth ${mb(h.growthBytes)}, most ${mb(h.maxGrowthBytes)} (allowed ${mb(allowance)} + 8 MB), peak ${mb(h.peakBytes)}`,
    `    every ${h.sampleMs / 1_000} s  ${h.samples.map((b) => (b / 1_048_576).toFixed(0)).join(' ')} MB`,
  ].join('\n');
}
