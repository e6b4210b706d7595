import Redis from 'ioredis';
import { redisCursorStore } from '../../src/node/redisCursorStore';
import type { RedisCursorStoreConfig, RedisScriptClient } from '../../src/node/redisCursorStore';
import { openCommitLog } from '../../src/node/commitLog';
import { LeaseLostError } from '../../src/node/errors';
import type { ResumeCursorState } from '../../src/cursor';
import { expectInvalidOption } from '../support/invalidOption';
import { startRedis } from '../support/redisServer';
import type { TestRedis } from '../support/redisServer';

const state = (cursor: number): ResumeCursorState => ({ version: 1, mode: 'contiguous', cursor, ahead: [] });

/** Polls `predicate` every 10 ms; rejects after `ms`. */
async function until(predicate: () => boolean, what: string, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A client that can be cut off from Redis, as a process paused by GC or a network partition is. */
function cuttable(client: RedisScriptClient) {
  const link = { cut: false, calls: 0 };
  const wrapped: RedisScriptClient = {
    eval: async (script, numKeys, ...args) => {
      link.calls++;
      if (link.cut) throw Object.assign(new Error('connect ECONNREFUSED (cut by the test)'), { code: 'ECONNREFUSED' });
      return client.eval(script, numKeys, ...args);
    },
  };
  return { client: wrapped, link };
}

describe('redisCursorStore', () => {
  let redis: TestRedis;
  const clients: Redis[] = [];
  let names = 0;
  let name: string;

  const connect = (): Redis => {
    const client = new Redis(redis.port, '127.0.0.1', { maxRetriesPerRequest: 1, retryStrategy: () => 50, enableOfflineQueue: true });
    client.on('error', () => undefined); // reconnects by itself; the store retries its calls
    clients.push(client);
    return client;
  };
  const storeFor = (overrides: Partial<RedisCursorStoreConfig> = {}) => redisCursorStore({ client: connect(), name, leaseMs: 1_000, retryInterval: 20, ...overrides });

  beforeAll(async () => {
    redis = await startRedis({ persist: true });
  });
  afterAll(async () => {
    await redis.stop();
  });
  beforeEach(() => {
    name = `job-${process.pid}-${++names}`;
  });
  afterEach(async () => {
    for (const client of clients.splice(0)) client.disconnect();
  });

  it('should throw InvalidOptionError at once for a bad option', () => {
    const client = { eval: () => Promise.resolve(null) };
    const bad: Array<[unknown, string]> = [
      [null, 'config'],
      [{ name: 'a' }, 'client'],
      [{ client: {}, name: 'a' }, 'client.eval'],
      [{ client, name: '' }, 'name'],
      [{ client, name: 'a', prefix: 1 }, 'prefix'],
      [{ client, name: 'a', owner: 'a|b' }, 'owner'],
      [{ client, name: 'a', leaseMs: 0 }, 'leaseMs'],
      [{ client, name: 'a', leaseMs: 100, renewEvery: 100 }, 'renewEvery'],
      [{ client, name: 'a', retryFor: -1 }, 'retryFor'],
      [{ client, name: 'a', retryInterval: 0 }, 'retryInterval'],
    ];
    for (const [config, option] of bad) expectInvalidOption(() => redisCursorStore(config as RedisCursorStoreConfig), { operator: 'redisCursorStore', option });
  });

  it('should save and load the state atomically with its fencing token, and refuse to save without the lease', async () => {
    const store = storeFor({ owner: 'me' });
    await expect(store.save(state(1))).rejects.toEqual(new LeaseLostError({ name, owner: 'me', token: 0, reason: 'not-held' }));
    expect(await store.load()).toBeNull();
    const lease = await store.acquire();
    expect(lease.token).toBe(1);
    await store.save(state(3));
    expect(await storeFor().load()).toEqual(state(3));
    const raw = await connect().hgetall(`rxjs-managed-socket:${name}:state`);
    expect(raw).toEqual({ state: JSON.stringify(state(3)), fence: '1' });
    await store.release();
  });

  it('should give the lease to one consumer at a time: a standby waits, and takes over with a new token at release', async () => {
    const a = storeFor({ owner: 'a' });
    const b = storeFor({ owner: 'b' });
    const leaseA = await a.acquire();
    let leaseB: number | undefined;
    const waiting = b.acquire({ pollEvery: 20 }).then((lease) => (leaseB = lease.token));
    await new Promise((resolve) => setTimeout(resolve, 1_500)); // longer than leaseMs: A renews
    expect(leaseB).toBeUndefined();
    expect(leaseA.signal.aborted).toBe(false);
    await a.save(state(5));
    await a.release();
    await waiting;
    expect(leaseB).toBe(leaseA.token + 1);
    await expect(a.save(state(6))).rejects.toBeInstanceOf(LeaseLostError);
    await b.save(state(6));
    expect(await b.load()).toEqual(state(6));
    await b.release();
  }, 10_000);

  it('should take the lease over from a consumer that died (stopped renewing) within the lease time', async () => {
    const cut = cuttable(connect());
    const a = redisCursorStore({ client: cut.client, name, owner: 'a', leaseMs: 500, retryInterval: 20 });
    const b = storeFor({ owner: 'b', leaseMs: 500 });
    await a.acquire();
    cut.link.cut = true; // A is gone for Redis (killed, partitioned)
    const cutAt = Date.now();
    const leaseB = await b.acquire({ pollEvery: 25 });
    expect(Date.now() - cutAt).toBeLessThan(500 + 200);
    expect(leaseB.token).toBe(2);
    await b.release();
  }, 10_000);

  it('should refuse a late save from a consumer that lost its lease (fencing), and abort its lease signal', async () => {
    const cut = cuttable(connect());
    const a = redisCursorStore({ client: cut.client, name, owner: 'a', leaseMs: 400, retryInterval: 20, retryFor: 5_000 });
    const b = storeFor({ owner: 'b', leaseMs: 400 });
    const leaseA = await a.acquire();
    await a.save(state(1));
    cut.link.cut = true;
    const late = a.save(state(99)).catch((e: unknown) => e); // retries while cut off
    const leaseB = await b.acquire({ pollEvery: 20 });
    await b.save(state(2));
    await until(() => leaseA.signal.aborted, "A's lease signal");
    expect((leaseA.signal.reason as LeaseLostError).info).toMatchObject({ name, owner: 'a', token: leaseA.token, reason: 'expired' });
    cut.link.cut = false; // A comes back: its retried save reaches Redis now
    const error = await late;
    expect(error).toBeInstanceOf(LeaseLostError);
    expect(await b.load()).toEqual(state(2)); // A's 99 never landed
    expect(leaseB.token).toBe(leaseA.token + 1);
    await b.release();
  }, 10_000);

  it('should refuse a save when a newer token has written, even with the lease value in place', async () => {
    const a = storeFor({ owner: 'a' });
    await a.acquire();
    await connect().hset(`rxjs-managed-socket:${name}:state`, 'fence', '99');
    const error = await a.save(state(1)).catch((e: unknown) => e);
    expect((error as LeaseLostError).info.reason).toBe('fenced');
  });

  it("should abort the lease signal with reason 'taken' when the lease key is someone else's", async () => {
    const a = storeFor({ owner: 'a', leaseMs: 300 });
    const lease = await a.acquire();
    await connect().set(`rxjs-managed-socket:${name}:lease`, '7|intruder', 'PX', 5_000);
    await until(() => lease.signal.aborted, 'the lease signal');
    expect((lease.signal.reason as LeaseLostError).info.reason).toBe('taken');
    expect(a.lease).toBeNull();
  });

  it('should carry a commit across a redis-server restart: the save retries, lands, and nothing committed is lost', async () => {
    const inner = connect();
    let failedCalls = 0;
    const counting: RedisScriptClient = {
      eval: (script, numKeys, ...args) =>
        inner.eval(script, numKeys, ...args).catch((error: unknown) => {
          failedCalls++;
          throw error;
        }),
    };
    const store = redisCursorStore({ client: counting, name, leaseMs: 5_000, retryFor: 10_000, retryInterval: 20 });
    await store.acquire();
    const log = await openCommitLog({ storage: store, start: 0 });
    await log.commit(1);
    await redis.down();
    const during = log.commit(2); // Redis is down
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(log.pending).toBe(1); // still retrying
    await redis.up();
    await during;
    expect(failedCalls).toBeGreaterThan(0); // the save did meet the restart, and retried
    expect(await storeFor().load()).toEqual(state(2));
    await log.commit(3);
    expect(await storeFor().load()).toEqual(state(3));
    await store.release();
  }, 20_000);
});
