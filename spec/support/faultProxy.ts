/**
 * A TCP fault-injecting proxy for integration and soak tests: it sits between a client and a
 * server on 127.0.0.1, forwards raw bytes both ways, and injects network faults on command or at
 * seeded random intervals (`chaos`). It knows nothing about WebSocket.
 *
 * Test support only: it runs on real time, with unref'd timers that `close()` clears.
 *
 * @packageDocumentation
 */
import * as net from 'node:net';
import { performance } from 'node:perf_hooks';
import { InvalidOptionError } from '../../src/errors';
import * as check from '../../src/internal/validate';

// ---------------------------------------------------------------------------------------------
// Public types

/** The faults the proxy can inject. */
export type FaultKind = 'cut' | 'stall' | 'latency' | 'throttle' | 'refuse';

/** Every {@link FaultKind}, in a fixed order. */
export const FAULT_KINDS: readonly FaultKind[] = ['cut', 'stall', 'latency', 'throttle', 'refuse'];

/** Options of {@link startFaultProxy}. */
export interface FaultProxyOptions {
  /** Where to forward connections to. Loopback only (`127.x.x.x`, `::1` or `localhost`). */
  target: { readonly host: string; readonly port: number };
  /**
   * Interface to listen on (loopback only).
   * @default '127.0.0.1'
   */
  host?: '127.0.0.1';
  /**
   * Port to listen on; 0 picks a free one (read it back from `proxy.port`).
   * @default 0
   */
  port?: number;
  /**
   * Seed of the PRNG behind `chaos()`, unless its config names its own. Print it with a soak
   * result: the same seed gives the same fault schedule.
   * @default 1
   */
  seed?: number;
}

/** Counters since start (a snapshot). */
export interface FaultProxyStats {
  /** Connections accepted and forwarded (refused ones are not counted here). */
  readonly accepted: number;
  /** Connections reset on arrival because `refuse` was on. */
  readonly refused: number;
  /** Accepted connections whose target could not be reached (they are reset). */
  readonly targetUnreachable: number;
  /** Bytes forwarded from clients to the target. */
  readonly bytesToTarget: number;
  /** Bytes forwarded from the target to clients. */
  readonly bytesToClient: number;
  /** Faults injected, manual and chaos, by kind (see {@link FaultRecord}). */
  readonly faults: Readonly<Record<FaultKind, number>>;
}

/** The faults in force now (a snapshot). */
export interface FaultConditions {
  readonly stalled: boolean;
  readonly refusing: boolean;
  /** Delay added to each chunk, each way; 0 when off. */
  readonly latencyMs: number;
  /** Bandwidth limit, each way and per connection; `null` when off. */
  readonly throttleBytesPerSecond: number | null;
}

/** One injected fault, as logged for a soak summary. */
export interface FaultRecord {
  /** When it was injected (epoch ms, `Date.now()`). */
  readonly at: number;
  readonly kind: FaultKind;
  /** `'chaos'` when {@link FaultProxy.chaos} injected it, else `'manual'`. */
  readonly source: 'manual' | 'chaos';
  /** cut: connections cut; latency: ms; throttle: bytes per second; stall, refuse: `null`. */
  readonly value: number | null;
  /** How long a chaos fault lasts before turning itself off; `null` for cut and manual faults. */
  readonly durationMs: number | null;
}

/**
 * Configuration of {@link FaultProxy.chaos} and {@link chaosPlan}. Durations are in ms; every
 * bounded fault (stall, refuse, latency, throttle) turns itself off after its duration.
 */
export interface ChaosConfig {
  /** The kinds to draw from, uniformly (list a kind twice to make it twice as likely). Non-empty. */
  kinds: readonly FaultKind[];
  /** Shortest wait between two injections (an integer >= 0). */
  minIntervalMs: number;
  /** Longest wait between two injections (an integer >= `minIntervalMs`). */
  maxIntervalMs: number;
  /**
   * How long a stall lasts.
   * @default 500
   */
  stallMs?: number;
  /**
   * How long a refusal lasts.
   * @default 500
   */
  refuseMs?: number;
  /**
   * The delay a latency fault adds to each chunk, each way.
   * @default 50
   */
  latencyMs?: number;
  /**
   * How long a latency fault lasts.
   * @default 500
   */
  latencyDurationMs?: number;
  /**
   * The bandwidth limit of a throttle fault (> 0).
   * @default 16_384
   */
  throttleBytesPerSecond?: number;
  /**
   * How long a throttle fault lasts.
   * @default 500
   */
  throttleDurationMs?: number;
  /**
   * PRNG seed of this schedule (an integer).
   * @default the proxy's `seed`
   */
  seed?: number;
}

/** One step of a chaos schedule: wait `afterMs` after the previous step, then inject. */
export interface ChaosStep {
  readonly afterMs: number;
  readonly kind: FaultKind;
  /** How long the fault lasts; 0 for cut. */
  readonly durationMs: number;
  /** latency: ms; throttle: bytes per second; otherwise `null`. */
  readonly value: number | null;
}

/**
 * The handle returned by {@link startFaultProxy}. Faults apply to every connection, including
 * ones opened while the fault is on. After `close()`, every control is a no-op.
 */
export interface FaultProxy {
  /** The listening port. */
  readonly port: number;
  /** The default chaos seed. */
  readonly seed: number;
  /** Open connection pairs (client + target). */
  readonly connections: number;
  readonly stats: FaultProxyStats;
  readonly conditions: FaultConditions;
  /** Every injected fault, oldest first (a copy). */
  readonly faultLog: readonly FaultRecord[];
  /** `ws://127.0.0.1:PORT` + `path` (a leading `/` is added when missing). */
  url(path?: string): string;

  /**
   * Resets both sides of every open pair at once (TCP RST, no close frame): a WebSocket peer
   * sees 1006. Returns how many pairs were cut.
   */
  cut(): number;
  /**
   * Stops (or resumes) forwarding both ways while keeping every socket open: a zombie link.
   * Nothing is dropped: the proxy stops reading, so data waits in the kernel buffers (TCP flow
   * control) and flows, in order, on `stall(false)`; a cut or close while stalled discards it.
   * A peer's FIN waits too, so no close is seen through a stalled link.
   */
  stall(on: boolean): void;
  /** Delays each chunk by `ms` (each way), keeping order; 0 turns it off. Applies to chunks read from now on. */
  latency(ms: number): void;
  /** Limits each direction of each pair to `bytesPerSecond` (> 0), keeping order; `null` turns it off. */
  throttle(bytesPerSecond: number | null): void;
  /**
   * Resets (TCP RST) new connections as soon as they are accepted, or accepts them again. The
   * port stays bound, so clients fail fast (`ECONNRESET`; a WebSocket sees 1006) rather than
   * racing a re-listen. Open pairs are not touched.
   */
  refuse(on: boolean): void;
  /**
   * Injects faults drawn from `config` at seeded random intervals (see {@link chaosPlan} for the
   * schedule) until the returned function is called; that function also turns off the bounded
   * faults chaos left on. A new `chaos()` stops the previous one. Chaos turns a kind off when
   * its fault ends, manual setting included: don't mix the two on one kind. The schedule is
   * reproducible from the seed; how it lands on traffic depends on real timing.
   */
  chaos(config: ChaosConfig): () => void;
  /** Stops chaos and listening, resets every socket; resolves once every socket is closed. Idempotent. */
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Seeded schedule (pure)

/**
 * mulberry32: a tiny seeded PRNG. Returns a generator of floats in [0, 1); the same seed gives
 * the same sequence.
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * The first `count` steps of the chaos schedule of `seed` and `config`: exactly what
 * {@link FaultProxy.chaos} injects, in order. Pure; throws {@link InvalidOptionError} for a bad
 * config or seed.
 */
export function chaosPlan(seed: number, config: ChaosConfig, count: number): ChaosStep[] {
  check.count('chaosPlan', 'count', count);
  const steps = chaosSteps(seed, config);
  return Array.from({ length: count }, () => steps.next().value);
}

/** The endless schedule; validates `config` now (not on the first `next()`). */
function chaosSteps(seed: number, config: ChaosConfig): Iterator<ChaosStep, never, undefined> {
  const c = resolveChaos(seed, config);
  const random = mulberry32(c.seed);
  const spread = c.maxIntervalMs - c.minIntervalMs + 1;
  return {
    next() {
      // Two draws per step, interval first: changing this order changes every recorded schedule.
      const afterMs = c.minIntervalMs + Math.floor(random() * spread);
      const kind = c.kinds[Math.floor(random() * c.kinds.length)] as FaultKind;
      return { done: false, value: { afterMs, kind, ...c.shapes[kind] } };
    },
  };
}

type Shape = Pick<ChaosStep, 'durationMs' | 'value'>;

interface ResolvedChaos {
  readonly seed: number;
  readonly kinds: readonly FaultKind[];
  readonly minIntervalMs: number;
  readonly maxIntervalMs: number;
  readonly shapes: Readonly<Record<FaultKind, Shape>>;
}

/** Validates `config` (InvalidOptionError) and applies its defaults. */
function resolveChaos(defaultSeed: number, config: ChaosConfig): ResolvedChaos {
  const {
    kinds,
    minIntervalMs,
    maxIntervalMs,
    stallMs = 500,
    refuseMs = 500,
    latencyMs = 50,
    latencyDurationMs = 500,
    throttleBytesPerSecond = 16_384,
    throttleDurationMs = 500,
    seed = defaultSeed,
  } = config;
  const op = 'chaos';
  if (!Array.isArray(kinds) || kinds.length === 0 || !kinds.every((k) => FAULT_KINDS.includes(k))) {
    throw new InvalidOptionError({ operator: op, option: 'kinds', reason: `a non-empty array of ${FAULT_KINDS.join(', ')}`, value: kinds });
  }
  check.count(op, 'minIntervalMs', minIntervalMs);
  check.count(op, 'maxIntervalMs', maxIntervalMs, minIntervalMs);
  checkSeed(op, seed);
  positive(op, 'throttleBytesPerSecond', throttleBytesPerSecond);
  const duration = (option: string, value: number): number => check.duration(op, option, value);
  return {
    seed,
    kinds,
    minIntervalMs,
    maxIntervalMs,
    shapes: {
      cut: { durationMs: 0, value: null },
      stall: { durationMs: duration('stallMs', stallMs), value: null },
      refuse: { durationMs: duration('refuseMs', refuseMs), value: null },
      latency: { durationMs: duration('latencyDurationMs', latencyDurationMs), value: duration('latencyMs', latencyMs) },
      throttle: { durationMs: duration('throttleDurationMs', throttleDurationMs), value: throttleBytesPerSecond },
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The proxy

/** One direction of a pair: reads `src`, queues, writes `dst`. */
interface Link {
  readonly src: net.Socket;
  readonly dst: net.Socket;
  readonly toTarget: boolean;
  readonly queue: Array<{ data: Buffer; due: number }>;
  queuedBytes: number;
  /** Due time of the last queued chunk: a later chunk is never due earlier (order). */
  lastDue: number;
  /** Throttle: when the next slice may go. */
  nextSendAt: number;
  srcEnded: boolean;
  dstEnded: boolean;
  waitingDrain: boolean;
  timer: NodeJS.Timeout | null;
}

interface Pair {
  readonly client: net.Socket;
  readonly upstream: net.Socket;
  readonly links: readonly [Link, Link];
}

/** Stop reading a source once this many bytes wait in its queue (latency, throttle, drain). */
const HIGH_WATER_BYTES = 1_048_576;
/** Throttle granularity: a chunk goes out in slices of 1/SLICES_PER_SECOND of the rate. */
const SLICES_PER_SECOND = 50;

/**
 * Starts a fault proxy to `options.target` and resolves once it listens on 127.0.0.1.
 *
 * ## Example
 * ```ts
 * const server = await startReferenceServer();
 * const proxy = await startFaultProxy({ target: { host: '127.0.0.1', port: server.port }, seed: 42 });
 * const ws = new WebSocket(proxy.url());     // talks to the server through the proxy
 * proxy.latency(50);                         // every chunk 50 ms late, each way
 * proxy.cut();                               // the client sees 1006
 * const stop = proxy.chaos({ kinds: ['cut', 'stall'], minIntervalMs: 100, maxIntervalMs: 500 });
 * // ... soak ...
 * stop();
 * console.log(proxy.seed, proxy.stats.faults, proxy.faultLog.length);
 * await proxy.close();
 * ```
 *
 * Rejects with {@link InvalidOptionError} for a bad option (a non-loopback address included), or
 * with the listen error.
 */
export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const { target, host = '127.0.0.1', port: requestedPort = 0, seed = 1 } = options;
  const op = 'startFaultProxy';
  if (host !== '127.0.0.1') throw new InvalidOptionError({ operator: op, option: 'host', reason: "'127.0.0.1'", value: host });
  if (typeof target !== 'object' || target === null || !isLoopback(target.host)) {
    throw new InvalidOptionError({ operator: op, option: 'target.host', reason: 'a loopback address', value: target?.host });
  }
  checkPort(op, 'target.port', target.port, 1);
  checkPort(op, 'port', requestedPort, 0);
  checkSeed(op, seed);

  const pairs = new Set<Pair>();
  const sockets = new Set<net.Socket>();
  const faultLog: FaultRecord[] = [];
  const faults: Record<FaultKind, number> = { cut: 0, stall: 0, latency: 0, throttle: 0, refuse: 0 };
  const stats = { accepted: 0, refused: 0, targetUnreachable: 0, bytesToTarget: 0, bytesToClient: 0 };
  let stalled = false;
  let refusing = false;
  let latencyMs = 0;
  let throttleBps: number | null = null;
  let closing: Promise<void> | null = null;
  let stopChaos: () => void = () => undefined;

  // -- links ----------------------------------------------------------------------------------

  function makeLink(src: net.Socket, dst: net.Socket, toTarget: boolean): Link {
    const link: Link = { src, dst, toTarget, queue: [], queuedBytes: 0, lastDue: 0, nextSendAt: 0, srcEnded: false, dstEnded: false, waitingDrain: false, timer: null };
    src.on('data', (data: Buffer) => {
      link.lastDue = Math.max(performance.now() + latencyMs, link.lastDue);
      link.queue.push({ data, due: link.lastDue });
      link.queuedBytes += data.length;
      pump(link);
    });
    src.on('end', () => {
      link.srcEnded = true;
      pump(link);
    });
    return link;
  }

  /** Sends what is due, then arms one timer for the rest; ends `dst` once `src` ended and all is sent. */
  function pump(link: Link): void {
    if (link.timer === null && !link.waitingDrain && !stalled && !link.dst.destroyed) {
      while (link.queue.length > 0) {
        const head = link.queue[0] as { data: Buffer; due: number };
        const now = performance.now();
        const wait = Math.max(head.due, throttleBps === null ? 0 : link.nextSendAt) - now;
        if (wait > 0) {
          link.timer = later(wait, () => {
            link.timer = null;
            pump(link);
          });
          break;
        }
        let chunk = head.data;
        if (throttleBps !== null) {
          const slice = Math.max(1, Math.ceil(throttleBps / SLICES_PER_SECOND));
          chunk = chunk.subarray(0, slice);
          link.nextSendAt = Math.max(now, link.nextSendAt) + (chunk.length * 1000) / throttleBps;
        }
        if (chunk.length < head.data.length) head.data = head.data.subarray(chunk.length);
        else link.queue.shift();
        link.queuedBytes -= chunk.length;
        if (link.toTarget) stats.bytesToTarget += chunk.length;
        else stats.bytesToClient += chunk.length;
        if (!link.dst.write(chunk)) {
          link.waitingDrain = true;
          link.dst.once('drain', () => {
            link.waitingDrain = false;
            pump(link);
          });
          break;
        }
      }
      if (link.queue.length === 0 && link.srcEnded && !link.dstEnded) {
        link.dstEnded = true;
        link.dst.end();
      }
    }
    if (stalled || link.queuedBytes >= HIGH_WATER_BYTES) link.src.pause();
    else link.src.resume();
  }

  function clearLink(link: Link): void {
    if (link.timer !== null) clearTimeout(link.timer);
    link.timer = null;
    link.queue.length = 0;
    link.queuedBytes = 0;
  }

  /** Re-plans every link after a change of conditions (a pending wait may now be shorter). */
  function repumpAll(): void {
    for (const pair of pairs) {
      for (const link of pair.links) {
        if (link.timer !== null) clearTimeout(link.timer);
        link.timer = null;
        pump(link);
      }
    }
  }

  // -- pairs ----------------------------------------------------------------------------------

  function track(socket: net.Socket): void {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  }

  function onConnection(client: net.Socket): void {
    track(client);
    client.on('error', () => undefined);
    if (refusing || closing !== null) {
      stats.refused++;
      reset(client);
      return;
    }
    stats.accepted++;
    const upstream = net.connect({ host: target.host, port: target.port, allowHalfOpen: true });
    track(upstream);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    const pair: Pair = { client, upstream, links: [makeLink(client, upstream, true), makeLink(upstream, client, false)] };
    pairs.add(pair);
    let connected = false;
    upstream.once('connect', () => (connected = true));
    const fail = (): void => {
      if (!connected && pairs.has(pair)) stats.targetUnreachable++;
      abort(pair);
    };
    for (const socket of [client, upstream]) {
      socket.on('error', fail);
      socket.on('close', () => {
        // A socket closes cleanly only once both of its directions finished; anything else is abrupt.
        const done = pair.links.every((l) => l.srcEnded && l.dstEnded && l.queue.length === 0);
        if (!done) abort(pair);
        else if (client.destroyed && upstream.destroyed) pairs.delete(pair);
      });
    }
  }

  /** Resets both sides of a pair (an error on one side propagates as a reset to the other). */
  function abort(pair: Pair): void {
    pairs.delete(pair);
    for (const link of pair.links) clearLink(link);
    reset(pair.client);
    reset(pair.upstream);
  }

  // -- faults ---------------------------------------------------------------------------------

  function record(kind: FaultKind, source: FaultRecord['source'], value: number | null, durationMs: number | null): void {
    faults[kind]++;
    faultLog.push({ at: Date.now(), kind, source, value, durationMs });
  }

  function cutAll(): number {
    const cut = [...pairs];
    for (const pair of cut) abort(pair);
    return cut.length;
  }

  function setStall(on: boolean): void {
    stalled = on;
    repumpAll();
  }

  function setLatency(ms: number): void {
    latencyMs = ms;
    repumpAll();
  }

  function setThrottle(bytesPerSecond: number | null): void {
    throttleBps = bytesPerSecond;
    repumpAll();
  }

  function turnOff(kind: FaultKind): void {
    if (kind === 'stall') setStall(false);
    else if (kind === 'refuse') refusing = false;
    else if (kind === 'latency') setLatency(0);
    else if (kind === 'throttle') setThrottle(null);
  }

  function startChaos(config: ChaosConfig): () => void {
    const steps = chaosSteps(seed, config); // validates
    stopChaos();
    const ends = new Map<FaultKind, NodeJS.Timeout>();
    let timer: NodeJS.Timeout | null = null;
    const inject = (step: ChaosStep): void => {
      if (step.kind === 'cut') return record('cut', 'chaos', cutAll(), null);
      record(step.kind, 'chaos', step.value, step.durationMs);
      if (step.kind === 'stall') setStall(true);
      else if (step.kind === 'refuse') refusing = true;
      else if (step.kind === 'latency') setLatency(step.value ?? 0);
      else setThrottle(step.value);
      const previous = ends.get(step.kind);
      if (previous !== undefined) clearTimeout(previous);
      ends.set(step.kind, later(step.durationMs, () => {
        ends.delete(step.kind);
        turnOff(step.kind);
      }));
    };
    const scheduleNext = (): void => {
      const step = steps.next().value;
      timer = later(step.afterMs, () => {
        inject(step);
        scheduleNext();
      });
    };
    let stopped = false;
    const stop = (): void => {
      if (stopped) return;
      stopped = true;
      if (timer !== null) clearTimeout(timer);
      for (const [kind, end] of ends) {
        clearTimeout(end);
        turnOff(kind);
      }
      ends.clear();
    };
    stopChaos = stop;
    scheduleNext();
    return stop;
  }

  // -- start ----------------------------------------------------------------------------------

  const server = net.createServer({ allowHalfOpen: true }, onConnection);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(requestedPort, host, () => {
      server.off('error', reject);
      server.on('error', () => undefined); // after listen, errors are per socket
      resolve();
    });
  });
  const port = (server.address() as net.AddressInfo).port;

  return {
    port,
    seed,
    get connections() {
      return pairs.size;
    },
    get stats() {
      return { ...stats, faults: { ...faults } };
    },
    get conditions() {
      return { stalled, refusing, latencyMs, throttleBytesPerSecond: throttleBps };
    },
    get faultLog() {
      return [...faultLog];
    },
    url(path = '/') {
      return `ws://${host}:${port}${path.startsWith('/') ? path : `/${path}`}`;
    },
    cut() {
      if (closing !== null) return 0;
      const count = cutAll();
      record('cut', 'manual', count, null);
      return count;
    },
    stall(on) {
      if (closing !== null) return;
      if (on) record('stall', 'manual', null, null);
      setStall(on);
    },
    latency(ms) {
      check.duration('latency', 'ms', ms);
      if (closing !== null) return;
      if (ms > 0) record('latency', 'manual', ms, null);
      setLatency(ms);
    },
    throttle(bytesPerSecond) {
      if (bytesPerSecond !== null) positive('throttle', 'bytesPerSecond', bytesPerSecond);
      if (closing !== null) return;
      if (bytesPerSecond !== null) record('throttle', 'manual', bytesPerSecond, null);
      setThrottle(bytesPerSecond);
    },
    refuse(on) {
      if (closing !== null) return;
      if (on) record('refuse', 'manual', null, null);
      refusing = on;
    },
    chaos(config) {
      if (closing !== null) return () => undefined;
      return startChaos(config);
    },
    close() {
      closing ??= (async () => {
        stopChaos();
        const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
        cutAll();
        // Every socket left is being reset: each emits 'close' shortly.
        const socketsClosed = [...sockets].map((s) => new Promise<void>((resolve) => s.once('close', () => resolve())));
        await Promise.all([serverClosed, ...socketsClosed]);
      })();
      return closing;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Helpers

/** A real, unref'd timer (test support: real time is fine here). */
function later(ms: number, fn: () => void): NodeJS.Timeout {
  const timer = setTimeout(fn, Math.max(0, Math.ceil(ms)));
  timer.unref();
  return timer;
}

/**
 * Abrupt close: a TCP RST when connected (no FIN, no close frame). A socket whose write side was
 * already ended (a FIN passed on) is destroyed instead: while that shutdown is pending libuv
 * refuses the reset (EINVAL) and Node would never close the handle (libuv/libuv#3661).
 */
function reset(socket: net.Socket): void {
  if (socket.destroyed) return;
  if (socket.connecting || socket.writableEnded) socket.destroy();
  else socket.resetAndDestroy();
}

function isLoopback(host: unknown): boolean {
  return host === 'localhost' || host === '::1' || (typeof host === 'string' && net.isIPv4(host) && host.startsWith('127.'));
}

function checkPort(operator: string, option: string, value: unknown, min: number): void {
  if (check.count(operator, option, value, min) > 65_535) {
    throw new InvalidOptionError({ operator, option, reason: `an integer from ${min} to 65535`, value });
  }
}

function checkSeed(operator: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new InvalidOptionError({ operator, option: 'seed', reason: 'an integer', value });
  }
}

function positive(operator: string, option: string, value: unknown): void {
  if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) {
    throw new InvalidOptionError({ operator, option, reason: 'a finite number > 0', value });
  }
}
