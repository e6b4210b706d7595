import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { asyncScheduler } from 'rxjs';
import type { SchedulerLike, Subscription } from 'rxjs';
import { InvalidOptionError } from '../errors';
import type { ResumeCursorState } from '../cursor';
import { count, duration, func } from '../internal/validate';
import type { AsyncCursorStorage } from './commitLog';
import { LeaseLostError } from './errors';
import type { LeaseLostInfo } from './errors';

const OP = 'redisCursorStore';

/**
 * The one Redis command the store sends: `EVAL`. An `ioredis` client fits as it is; wrap another
 * client in an object with this method (node-redis: `(script, n, ...args) => client.eval(script, { keys: args.slice(0, n), arguments: args.slice(n).map(String) })`).
 */
export interface RedisScriptClient {
  /** Runs a Lua script with `numKeys` keys, then the arguments; resolves with the script's reply. */
  eval(script: string, numKeys: number, ...args: Array<string | number>): Promise<unknown>;
}

/** Configuration of {@link redisCursorStore}. */
export interface RedisCursorStoreConfig {
  /** The Redis client (an `ioredis` instance). The store never connects or quits it. */
  client: RedisScriptClient;
  /** The job's name: one committed position and one lease per name. A non-empty string. */
  name: string;
  /**
   * Prepended to the keys: `<prefix><name>:state` (a hash: the state and the fencing token that
   * wrote it), `<prefix><name>:lease` and `<prefix><name>:fence` (the token counter).
   * @default 'rxjs-managed-socket:'
   */
  prefix?: string;
  /**
   * Who this consumer is, for humans reading the lease key. Tokens, not owners, decide.
   * @default `${hostname}:${pid}:${random}`
   */
  owner?: string;
  /**
   * How long the lease lasts without a renewal, in ms. A consumer that dies is replaced after at
   * most this long (plus the standby's `pollEvery`).
   * @default 10_000
   */
  leaseMs?: number;
  /**
   * How often the holder renews its lease, in ms: well below `leaseMs`, so that a renewal can be
   * retried across a short outage before the lease runs out.
   * @default leaseMs / 3
   */
  renewEvery?: number;
  /**
   * How long a save (or a load) retries while Redis cannot be reached (a restart, a network
   * blip), in ms, before its commits fail. The lease, not this, says whether the save may land:
   * a save that lands after the lease was lost is refused atomically.
   * @default 30_000
   */
  retryFor?: number;
  /**
   * Ms between two tries of a failed Redis call.
   * @default 100
   */
  retryInterval?: number;
  /**
   * The scheduler of the renewal and retry timers.
   * @default asyncScheduler
   */
  scheduler?: SchedulerLike;
}

/** Options of {@link RedisCursorStore.acquire}. */
export interface AcquireOptions {
  /**
   * While another consumer holds the lease, try again this often, in ms.
   * @default leaseMs / 4
   */
  pollEvery?: number;
  /** Aborting it gives up waiting: `acquire()` rejects with `signal.reason`. */
  signal?: AbortSignal;
}

/** A lease on a job's name, held by this consumer: see {@link RedisCursorStore.acquire}. */
export interface RedisLease {
  /** The fencing token: grows with every lease ever granted on this name. */
  readonly token: number;
  /** This consumer's `owner`. */
  readonly owner: string;
  /**
   * Aborted, with a {@link LeaseLostError} as its reason, when the lease is lost: another consumer
   * holds it, or it could not be renewed in time. Give it to the job (e.g. `processCommitted`'s
   * `signal`): from then on every save is refused.
   */
  readonly signal: AbortSignal;
}

/** The Redis store: an {@link AsyncCursorStorage} with a lease. */
export interface RedisCursorStore extends AsyncCursorStorage {
  /**
   * Waits until the lease on `name` is free, takes it with a new fencing token, and renews it
   * every `renewEvery` ms until {@link RedisCursorStore.release} or its loss. Saves need it.
   */
  acquire(options?: AcquireOptions): Promise<RedisLease>;
  /** Stops renewing and frees the lease (if still ours), so a standby takes over at once. */
  release(): Promise<void>;
  /** The lease held now, or `null`. */
  readonly lease: RedisLease | null;
}

// KEYS[1] lease, KEYS[2] fence counter; ARGV[1] owner, ARGV[2] lease ms.
// -> {token, ''} when granted, {0, holder} when someone holds it.
const ACQUIRE = `
local holder = redis.call('GET', KEYS[1])
if holder then return {0, holder} end
local token = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], token .. '|' .. ARGV[1], 'PX', ARGV[2])
return {token, ''}`;

// KEYS[1] lease; ARGV[1] our lease value, ARGV[2] lease ms. -> 1 renewed, 0 not ours.
const RENEW = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`;

// KEYS[1] lease, KEYS[2] state hash; ARGV[1] our lease value, ARGV[2] token, ARGV[3] state, ARGV[4] lease ms.
// -> 1 saved, 0 the lease is not ours, -1 a newer token has written (fenced).
const SAVE = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
local fence = tonumber(redis.call('HGET', KEYS[2], 'fence') or '0')
if fence > tonumber(ARGV[2]) then return -1 end
redis.call('HSET', KEYS[2], 'state', ARGV[3], 'fence', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1`;

// KEYS[1] state hash. -> the state JSON, or false.
const LOAD = `return redis.call('HGET', KEYS[1], 'state')`;

// KEYS[1] lease; ARGV[1] our lease value. -> 1 freed, 0 not ours.
const RELEASE = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
return 1`;

/**
 * Creates a cursor store in Redis for jobs that must not lose committed work and must never run
 * twice at once: atomic saves, a lease (one active consumer per job name) and a fencing token.
 *
 * Every save is one Lua script: it writes the state only if the lease still holds this
 * consumer's token, and no newer token has written, and renews the lease on the way. So a consumer
 * that lost its lease (paused by GC, cut off, presumed dead) cannot commit, even late. Calls that
 * fail to reach Redis (a restart, a blip) are retried for `retryFor` ms, so a commit survives a
 * `redis-server` restart (with persistence on, as for any data you keep in Redis).
 *
 * ```text
 * job A:   acquire(token 7) --save--save--X (killed)
 * job B:   acquire ...waits...............(lease expires) acquire(token 8) --load--save--
 * A late:                                                     save(token 7) -> refused
 * ```
 *
 * ## Example
 * ```ts
 * import Redis from 'ioredis';
 * import { openCommitLog, redisCursorStore } from 'rxjs-managed-socket/node';
 *
 * const store = redisCursorStore({ client: new Redis(), name: 'orders-job', leaseMs: 5_000 });
 * const lease = await store.acquire(); // a standby waits here until the active job is gone
 * const log = await openCommitLog({ storage: store, mode: 'perKey', start: 0 });
 * console.log(`token ${lease.token}, resuming from`, log.cursor.snapshot());
 * // Output: token 1, resuming from { version: 1, mode: 'perKey', keys: [] }
 * ```
 *
 * Errors: `save()` rejects with a {@link LeaseLostError} without a lease, after its loss, or when
 * fenced; with the client's error once `retryFor` has passed. `acquire()` rejects with
 * `signal.reason` on abort. Throws {@link InvalidOptionError} at once for a bad option.
 *
 * @see {@link openCommitLog}, {@link processCommitted}
 * @param config The client, the job's name, and the lease timings.
 * @returns The store; {@link RedisCursorStore.acquire} its lease before saving.
 */
export function redisCursorStore(config: RedisCursorStoreConfig): RedisCursorStore {
  if (typeof config !== 'object' || config === null) {
    throw new InvalidOptionError({ operator: OP, option: 'config', reason: 'a config object', value: config });
  }
  const {
    client,
    name,
    prefix = 'rxjs-managed-socket:',
    owner = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`,
    leaseMs = 10_000,
    retryFor = 30_000,
    retryInterval = 100,
    scheduler = asyncScheduler,
  } = config;
  if (typeof client !== 'object' || client === null) {
    throw new InvalidOptionError({ operator: OP, option: 'client', reason: 'a Redis client with eval() (ioredis)', value: client });
  }
  func(OP, 'client.eval', (client as Partial<RedisScriptClient>).eval);
  if (typeof name !== 'string' || name === '') throw new InvalidOptionError({ operator: OP, option: 'name', reason: 'a non-empty string', value: name });
  if (typeof prefix !== 'string') throw new InvalidOptionError({ operator: OP, option: 'prefix', reason: 'a string', value: prefix });
  if (typeof owner !== 'string' || owner === '' || owner.includes('|')) {
    throw new InvalidOptionError({ operator: OP, option: 'owner', reason: "a non-empty string without '|'", value: owner });
  }
  count(OP, 'leaseMs', leaseMs, 1);
  const renewEvery = config.renewEvery ?? Math.max(1, Math.floor(leaseMs / 3));
  count(OP, 'renewEvery', renewEvery, 1);
  if (renewEvery >= leaseMs) throw new InvalidOptionError({ operator: OP, option: 'renewEvery', reason: `below leaseMs (${leaseMs})`, value: renewEvery });
  duration(OP, 'retryFor', retryFor);
  count(OP, 'retryInterval', retryInterval, 1);

  const keys = { state: `${prefix}${name}:state`, lease: `${prefix}${name}:lease`, fence: `${prefix}${name}:fence` };
  const sleep = (ms: number): Promise<void> => new Promise((resolve) => scheduler.schedule(() => resolve(), ms));

  /** Runs a script, retrying while Redis cannot be reached, for at most `within` ms. */
  const call = async (within: number, script: string, numKeys: number, ...args: Array<string | number>): Promise<unknown> => {
    const deadline = scheduler.now() + within;
    for (;;) {
      try {
        return await client.eval(script, numKeys, ...args);
      } catch (error) {
        if (isScriptError(error) || scheduler.now() + retryInterval > deadline) throw error;
        await sleep(retryInterval);
      }
    }
  };

  /** The lease we hold: its Redis value, its controller, when it was last confirmed, its renewal. */
  let held: { lease: RedisLease; value: string; controller: AbortController; confirmedAt: number; renewal: Subscription | null } | null = null;

  const lose = (info: Omit<LeaseLostInfo, 'name' | 'owner' | 'token'>): LeaseLostError => {
    const current = held;
    const error = new LeaseLostError({ name, owner, token: current?.lease.token ?? 0, ...info });
    if (current !== null) {
      current.renewal?.unsubscribe();
      held = null;
      current.controller.abort(error);
    }
    return error;
  };

  const startRenewal = (entry: NonNullable<typeof held>): void => {
    let renewing = false;
    const tick = async (): Promise<void> => {
      if (renewing || held !== entry) return;
      renewing = true;
      try {
        // A renewal that cannot get through before the lease would run out is a lost lease: by
        // then another consumer may hold it.
        const sentAt = scheduler.now();
        const left = entry.confirmedAt + leaseMs - sentAt;
        const renewed = await call(Math.max(0, left - retryInterval), RENEW, 1, keys.lease, entry.value, leaseMs);
        if (held !== entry) return;
        // Renewed at some moment after sentAt: count from sentAt, the safe side.
        if (renewed === 1) entry.confirmedAt = Math.max(entry.confirmedAt, sentAt);
        else lose({ reason: 'taken' });
      } catch {
        if (held === entry && scheduler.now() >= entry.confirmedAt + leaseMs - retryInterval) lose({ reason: 'expired' });
      } finally {
        renewing = false;
      }
    };
    entry.renewal = scheduler.schedule(function () {
      void tick();
      this.schedule(undefined, renewEvery);
    }, renewEvery);
  };

  const store: RedisCursorStore = {
    acquire: async (options: AcquireOptions = {}): Promise<RedisLease> => {
      const { pollEvery = Math.max(1, Math.floor(leaseMs / 4)), signal } = options;
      count(OP, 'pollEvery', pollEvery, 1);
      if (held !== null) return held.lease;
      for (;;) {
        if (signal?.aborted) throw signal.reason;
        const startedAt = scheduler.now();
        let reply: unknown;
        try {
          reply = await client.eval(ACQUIRE, 2, keys.lease, keys.fence, owner, leaseMs);
        } catch (error) {
          if (isScriptError(error)) throw error;
          reply = null; // Redis unreachable: try again
        }
        if (Array.isArray(reply) && typeof reply[0] === 'number' && reply[0] > 0) {
          const token = reply[0];
          const controller = new AbortController();
          const lease: RedisLease = { token, owner, signal: controller.signal };
          const entry = { lease, value: `${token}|${owner}`, controller, confirmedAt: startedAt, renewal: null };
          held = entry;
          startRenewal(entry);
          return lease;
        }
        await sleep(pollEvery);
      }
    },
    release: async (): Promise<void> => {
      const current = held;
      if (current === null) return;
      current.renewal?.unsubscribe();
      held = null;
      try {
        await call(Math.min(retryFor, leaseMs), RELEASE, 1, keys.lease, current.value);
      } catch {
        // Unreachable: the lease runs out by itself.
      }
    },
    get lease() {
      return held?.lease ?? null;
    },
    load: async (): Promise<ResumeCursorState | null> => {
      const text = await call(retryFor, LOAD, 1, keys.state);
      if (typeof text !== 'string') return null;
      try {
        return JSON.parse(text) as ResumeCursorState;
      } catch (error) {
        const detail = error instanceof Error ? error.message : String(error);
        throw new InvalidOptionError({ operator: OP, option: 'name', reason: `a key holding a saved cursor state as JSON (${detail})`, value: keys.state });
      }
    },
    save: async (state: ResumeCursorState): Promise<void> => {
      const current = held;
      if (current === null) throw new LeaseLostError({ name, owner, token: 0, reason: 'not-held' });
      const sentAt = scheduler.now();
      const reply = await call(retryFor, SAVE, 2, keys.lease, keys.state, current.value, current.lease.token, JSON.stringify(state), leaseMs);
      if (reply === 1) {
        // The save renewed the lease too, at some moment after sentAt.
        current.confirmedAt = Math.max(current.confirmedAt, sentAt);
        return;
      }
      // The lease is not ours any more (0), or a newer token wrote (-1): nothing was written.
      if (held === current) throw lose({ reason: reply === -1 ? 'fenced' : 'taken' });
      throw new LeaseLostError({ name, owner, token: current.lease.token, reason: reply === -1 ? 'fenced' : 'taken' });
    },
  };
  return store;
}

/** A script error from Redis itself (not a connection failure): retrying would not help. */
function isScriptError(error: unknown): boolean {
  return error instanceof Error && error.name === 'ReplyError';
}
