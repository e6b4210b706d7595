import * as net from 'node:net';
import WebSocket from 'ws';
import { connectTestClient, WAIT_MS, type TestClient } from './wsTestClient';
import { expectInvalidOption, expectInvalidOptionRejection } from './invalidOption';
import { startReferenceServer, type ReferenceServer } from '../../src/server/referenceServer';
import {
  chaosPlan,
  FAULT_KINDS,
  mulberry32,
  startFaultProxy,
  type ChaosConfig,
  type FaultProxy,
} from './faultProxy';

// ---------------------------------------------------------------------------------------------
// Helpers: a plain `ws` client and bounded, event-driven (or short-poll) waits.

const servers: ReferenceServer[] = [];
const proxies: FaultProxy[] = [];
const clients: TestClient[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.ws.terminate();
  await Promise.all(proxies.splice(0).map((p) => p.close()));
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

/** A reference server with a proxy in front of it. */
async function setup(seed?: number): Promise<{ server: ReferenceServer; proxy: FaultProxy }> {
  const server = await startReferenceServer({ stopGraceMs: 50 });
  servers.push(server);
  const proxy = await startFaultProxy({ target: { host: '127.0.0.1', port: server.port }, seed });
  proxies.push(proxy);
  return { server, proxy };
}

function connect(url: string): TestClient {
  const client = connectTestClient(url);
  clients.push(client);
  return client;
}

/** Connects through the proxy, says hello, subscribes to `prices` and waits for the welcome. */
async function session(proxy: FaultProxy): Promise<TestClient> {
  const client = connect(proxy.url());
  await client.opened;
  client.send({ type: 'hello', resumeFromSeq: null });
  client.send({ type: 'subscribe', topics: ['prices'] });
  await client.until((f) => f.some(isType('welcome')));
  await barrier(client);
  return client;
}

let pingId = 0;
/** Resolves once the pong of a ping sent now arrives: everything before it is on the wire. */
async function barrier(client: TestClient, timeoutMs?: number): Promise<void> {
  const id = `barrier-${++pingId}`;
  client.send({ type: 'ping', id });
  await client.until((f) => f.some((x) => isType('pong')(x) && (x as { id?: unknown }).id === id), timeoutMs);
}

function isType(type: string): (frame: unknown) => boolean {
  return (frame) => typeof frame === 'object' && frame !== null && (frame as { type?: unknown }).type === type;
}

function eventSeqs(frames: readonly unknown[]): number[] {
  return frames.filter(isType('event')).map((f) => (f as { seq: number }).seq);
}

/** Resolves once `test()` holds, polling every 5 ms; rejects after `timeoutMs`. */
async function eventually(what: string, test: () => boolean, timeoutMs = WAIT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A free loopback port with nothing listening on it (a closed target). */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

// ---------------------------------------------------------------------------------------------

describe('startFaultProxy', () => {
  describe('forwarding', () => {
    it('should pass frames both ways and count bytes and connections', async () => {
      const { server, proxy } = await setup();
      const client = await session(proxy);
      server.publish('prices', { bid: 1 });
      await client.until((f) => eventSeqs(f).length === 1);

      expect(server.received.map((r) => r.frame?.type)).toEqual(['hello', 'subscribe', 'ping']);
      expect(proxy.connections).toBe(1);
      expect(proxy.stats).toMatchObject({ accepted: 1, refused: 0, targetUnreachable: 0 });
      expect(proxy.stats.bytesToTarget).toBeGreaterThan(0);
      expect(proxy.stats.bytesToClient).toBeGreaterThan(0);
      expect(proxy.url('feed?x=1')).toBe(`ws://127.0.0.1:${proxy.port}/feed?x=1`);
    });

    it('should pass a clean close through, even with latency', async () => {
      const { server, proxy } = await setup();
      const client = await session(proxy);
      proxy.latency(20);
      server.closeAll(4000, 'bye');

      expect(await client.closed).toEqual({ code: 4000, reason: 'bye' });
      await eventually('the pair to close', () => proxy.connections === 0);
      await server.waitFor((s) => s.connections === 0);
    });

    it('should forward large bursts intact, pausing the source when its queue is full', async () => {
      const { server, proxy } = await setup();
      const client = await session(proxy);
      proxy.latency(5); // queue everything: 3 x 1.5 MB passes the 1 MiB high-water mark
      const big = 'y'.repeat(1_500_000);
      for (let i = 0; i < 3; i++) server.publish('prices', big);
      await client.until((f) => eventSeqs(f).length === 3, 5_000);

      const data = client.frames.filter(isType('event')).map((f) => (f as { data: unknown }).data);
      expect(data).toEqual([big, big, big]);
    });

    it('should reset the client when the target is unreachable', async () => {
      const proxy = await startFaultProxy({ target: { host: '127.0.0.1', port: await closedPort() } });
      proxies.push(proxy);
      const client = connect(proxy.url());

      await expect(client.opened).rejects.toThrow();
      expect((await client.closed).code).toBe(1006);
      expect(proxy.stats.targetUnreachable).toBe(1);
      await eventually('the pair to go', () => proxy.connections === 0);
    });

    it('should reject a non-loopback target and bad options', async () => {
      const operator = 'startFaultProxy';
      await expectInvalidOptionRejection(startFaultProxy({ target: { host: '10.0.0.1', port: 80 } }), { operator, option: 'target.host', value: '10.0.0.1' });
      await expectInvalidOptionRejection(startFaultProxy({ target: { host: '127.0.0.1', port: 0 } }), { operator, option: 'target.port', value: 0 });
      await expectInvalidOptionRejection(startFaultProxy({ target: { host: '127.0.0.1', port: 80 }, seed: 1.5 }), { operator, option: 'seed', value: 1.5 });
      const { proxy } = await setup();
      expectInvalidOption(() => proxy.latency(-1), { operator: 'latency', option: 'ms', value: -1 });
      expectInvalidOption(() => proxy.throttle(0), { operator: 'throttle', option: 'bytesPerSecond', value: 0 });
      expect(proxy.conditions).toEqual({ stalled: false, refusing: false, latencyMs: 0, throttleBytesPerSecond: null });
    });
  });

  describe('cut()', () => {
    it('should close the client with 1006 and end the server side', async () => {
      const { server, proxy } = await setup();
      const client = await session(proxy);

      expect(proxy.cut()).toBe(1);
      expect(proxy.connections).toBe(0);
      expect((await client.closed).code).toBe(1006);
      await server.waitFor((s) => s.connections === 0);
      expect(proxy.stats.faults.cut).toBe(1);
      expect(proxy.faultLog).toEqual([{ at: expect.any(Number), kind: 'cut', source: 'manual', value: 1, durationMs: null }]);
    });

    it('should let new connections in afterwards', async () => {
      const { proxy } = await setup();
      await session(proxy);
      proxy.cut();
      await session(proxy);
      expect(proxy.connections).toBe(1);
    });
  });

  describe('stall()', () => {
    it('should hold frames both ways while the link stays open, then deliver them in order', async () => {
      const { server, proxy } = await setup();
      const client = await session(proxy);
      proxy.stall(true);
      server.publish('prices', 1);
      client.send({ type: 'ping', id: 'during-stall' });
      await sleep(150); // a bounded wait in which nothing may arrive

      expect(eventSeqs(client.frames)).toEqual([]);
      expect(server.received.some((r) => r.raw.includes('during-stall'))).toBe(false);
      expect(client.ws.readyState).toBe(WebSocket.OPEN);
      expect(server.connections).toBe(1);
      expect(proxy.conditions.stalled).toBe(true);

      proxy.stall(false);
      server.publish('prices', 2);
      await client.until((f) => eventSeqs(f).length === 2);
      await server.waitFor((s) => s.received.some((r) => r.raw.includes('during-stall')));
      expect(eventSeqs(client.frames)).toEqual([1, 2]);
      expect(proxy.stats.faults.stall).toBe(1);
    });
  });

  describe('latency()', () => {
    it('should delay each way and keep order', async () => {
      const { server, proxy } = await setup();
      const client = await session(proxy);
      proxy.latency(50);
      const start = Date.now();
      await barrier(client); // there and back: 2 x 50 ms
      expect(Date.now() - start).toBeGreaterThanOrEqual(80);

      for (let i = 1; i <= 20; i++) server.publish('prices', i);
      await client.until((f) => eventSeqs(f).length === 20);
      expect(eventSeqs(client.frames)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));

      proxy.latency(0);
      expect(proxy.conditions.latencyMs).toBe(0);
      expect(proxy.stats.faults.latency).toBe(1);
    });
  });

  describe('throttle()', () => {
    it('should deliver everything in order, no faster than the limit', async () => {
      const { server, proxy } = await setup();
      const client = await session(proxy);
      proxy.throttle(4_000);
      const start = Date.now();
      const payload = 'x'.repeat(200);
      for (let i = 1; i <= 10; i++) server.publish('prices', payload); // about 2.7 kB
      await client.until((f) => eventSeqs(f).length === 10, 5_000);

      expect(eventSeqs(client.frames)).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
      expect(Date.now() - start).toBeGreaterThanOrEqual(300); // about 650 ms at 4 kB/s
      proxy.throttle(null);
      server.publish('prices', 'fast');
      await client.until((f) => eventSeqs(f).length === 11);
    });
  });

  describe('refuse()', () => {
    it('should make new clients fail to connect until turned off, leaving open pairs alone', async () => {
      const { server, proxy } = await setup();
      const first = await session(proxy);
      proxy.refuse(true);
      const refused = connect(proxy.url());

      await expect(refused.opened).rejects.toThrow();
      expect((await refused.closed).code).toBe(1006);
      expect(proxy.stats.refused).toBe(1);
      expect(server.stats.connectionsOpened).toBe(1);
      await barrier(first);

      proxy.refuse(false);
      await session(proxy);
      expect(server.stats.connectionsOpened).toBe(2);
      expect(proxy.stats.faults.refuse).toBe(1);
    });
  });

  describe('close()', () => {
    it('should be idempotent, cut every client and stop listening', async () => {
      const { proxy } = await setup();
      const client = await session(proxy);
      proxy.chaos({ kinds: ['latency'], minIntervalMs: 10_000, maxIntervalMs: 10_000 });

      const first = proxy.close();
      expect(proxy.close()).toBe(first);
      await first;

      expect((await client.closed).code).toBe(1006);
      expect(proxy.connections).toBe(0);
      const refused = connect(proxy.url());
      await expect(refused.opened).rejects.toThrow();
      expect(proxy.cut()).toBe(0);
      proxy.stall(true);
      expect(proxy.conditions.stalled).toBe(false);
      expect(proxy.chaos({ kinds: ['cut'], minIntervalMs: 1, maxIntervalMs: 1 })).toEqual(expect.any(Function));
      expect(proxy.faultLog).toEqual([]);
    });
  });
});

describe('chaos', () => {
  const config: ChaosConfig = { kinds: FAULT_KINDS, minIntervalMs: 10, maxIntervalMs: 50, stallMs: 100, latencyMs: 20 };

  describe('mulberry32', () => {
    it('should give a fixed sequence in [0, 1) per seed', () => {
      const a = mulberry32(42);
      const b = mulberry32(42);
      const xs = Array.from({ length: 1_000 }, () => a());
      expect(Array.from({ length: 1_000 }, () => b())).toEqual(xs);
      expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
      expect(mulberry32(43)()).not.toBe(xs[0]);
      // Pinned: a change here silently changes every recorded soak schedule.
      expect(Array.from({ length: 3 }, mulberry32(1))).toEqual([0.6270739405881613, 0.002735721180215478, 0.5274470399599522]);
    });
  });

  describe('chaosPlan', () => {
    it('should give the same schedule for the same seed, and another for another seed', () => {
      expect(chaosPlan(7, config, 50)).toEqual(chaosPlan(7, config, 50));
      expect(chaosPlan(7, config, 50)).not.toEqual(chaosPlan(8, config, 50));
      expect(chaosPlan(7, config, 10)).toEqual(chaosPlan(7, config, 50).slice(0, 10));
      expect(chaosPlan(1, { ...config, seed: 7 }, 20)).toEqual(chaosPlan(7, config, 20));
    });

    it('should keep intervals within bounds and draw every kind with its shape', () => {
      const plan = chaosPlan(3, config, 500);
      expect(plan.every((s) => Number.isInteger(s.afterMs) && s.afterMs >= 10 && s.afterMs <= 50)).toBe(true);
      expect(new Set(plan.map((s) => s.afterMs)).size).toBeGreaterThan(30);
      expect(new Set(plan.map((s) => s.kind))).toEqual(new Set(FAULT_KINDS));
      const shape = (kind: string): unknown => plan.find((s) => s.kind === kind);
      expect(shape('cut')).toMatchObject({ durationMs: 0, value: null });
      expect(shape('stall')).toMatchObject({ durationMs: 100, value: null });
      expect(shape('refuse')).toMatchObject({ durationMs: 500, value: null });
      expect(shape('latency')).toMatchObject({ durationMs: 500, value: 20 });
      expect(shape('throttle')).toMatchObject({ durationMs: 500, value: 16_384 });
      expect(chaosPlan(3, { kinds: ['cut'], minIntervalMs: 5, maxIntervalMs: 5 }, 3)).toEqual(
        Array.from({ length: 3 }, () => ({ afterMs: 5, kind: 'cut', durationMs: 0, value: null })),
      );
    });

    it('should reject a bad config', () => {
      const bad: Array<[unknown, string]> = [
        [{ ...config, kinds: [] }, 'kinds'],
        [{ ...config, kinds: ['flood'] }, 'kinds'],
        [{ ...config, minIntervalMs: 60 }, 'maxIntervalMs'], // 50 is now below the minimum
        [{ ...config, maxIntervalMs: 1.5 }, 'maxIntervalMs'],
        [{ ...config, stallMs: -1 }, 'stallMs'],
        [{ ...config, throttleBytesPerSecond: 0 }, 'throttleBytesPerSecond'],
        [{ ...config, seed: Number.NaN }, 'seed'],
      ];
      for (const [c, option] of bad) expectInvalidOption(() => chaosPlan(1, c as ChaosConfig, 1), { operator: 'chaos', option });
    });
  });

  describe('FaultProxy.chaos()', () => {
    it('should inject the planned schedule, log it, and turn everything off on stop', async () => {
      const { proxy } = await setup(11);
      const fast: ChaosConfig = { kinds: FAULT_KINDS, minIntervalMs: 1, maxIntervalMs: 3, stallMs: 50, refuseMs: 50, latencyDurationMs: 50, throttleDurationMs: 50 };
      const stop = proxy.chaos(fast);
      await eventually('10 faults', () => proxy.faultLog.length >= 10);
      stop();
      const log = proxy.faultLog;
      await sleep(20);

      expect(proxy.faultLog).toHaveLength(log.length); // stopped
      expect(log.map((r) => r.kind)).toEqual(chaosPlan(11, fast, log.length).map((s) => s.kind));
      expect(log.every((r) => r.source === 'chaos')).toBe(true);
      const total = Object.values(proxy.stats.faults).reduce((a, b) => a + b, 0);
      expect(total).toBe(log.length);
      expect(proxy.conditions).toEqual({ stalled: false, refusing: false, latencyMs: 0, throttleBytesPerSecond: null });
    });

    it('should turn a bounded fault off after its duration', async () => {
      const { proxy } = await setup();
      const stop = proxy.chaos({ kinds: ['stall'], minIntervalMs: 60, maxIntervalMs: 60, stallMs: 10 });
      await eventually('a stall', () => proxy.conditions.stalled);
      await eventually('the stall to end', () => !proxy.conditions.stalled);
      expect(proxy.faultLog[0]).toMatchObject({ kind: 'stall', source: 'chaos', durationMs: 10 });
      stop();
    });

    it('should keep a session alive through chaos without cuts, delivering everything in order', async () => {
      const { server, proxy } = await setup(5);
      const client = await session(proxy);
      const stop = proxy.chaos({ kinds: ['stall', 'latency', 'throttle', 'refuse'], minIntervalMs: 5, maxIntervalMs: 20, stallMs: 30, latencyDurationMs: 30, throttleDurationMs: 30, refuseMs: 30, throttleBytesPerSecond: 20_000 });
      for (let i = 1; i <= 50; i++) {
        server.publish('prices', i);
        if (i % 10 === 0) await sleep(10);
      }
      await client.until((f) => eventSeqs(f).length === 50, 5_000);
      stop();
      expect(eventSeqs(client.frames)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
      expect(proxy.faultLog.length).toBeGreaterThan(0);
    });
  });
});
