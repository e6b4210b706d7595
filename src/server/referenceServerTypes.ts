/**
 * The public types and errors of the reference server (see {@link startReferenceServer}).
 *
 * @packageDocumentation
 */
import type { SchedulerLike } from 'rxjs';
import type { ClientFrame, EventFrame } from './protocol';

/** What `verifyToken` returns for a valid token: when it expires (epoch ms), if ever. */
export interface TokenVerdict {
  /** Epoch ms after which the session is closed with 4001 unless refreshed in-band. */
  readonly expiresAt?: number;
}

/**
 * Options of {@link startReferenceServer}.
 *
 * @example
 * ```ts
 * import { startReferenceServer } from 'rxjs-managed-socket/server';
 *
 * let clock = 0;
 * const server = await startReferenceServer({
 *   retain: 100,
 *   verifyToken: (token) => (token === 'good' ? { expiresAt: clock + 1_000 } : null),
 *   now: () => clock,
 * });
 * // ... a client says hello with token 'good' ...
 * clock = 1_000;
 * server.checkExpiry(); // 1: that session is closed with 4001
 * ```
 */
export interface ReferenceServerOptions {
  /**
   * Interface to listen on.
   * @default '127.0.0.1'
   */
  host?: string;
  /**
   * Port to listen on; 0 picks a free one (read it back from `server.port`).
   * @default 0
   */
  port?: number;
  /**
   * Checks a token (from the hello frame, the `Authorization: Bearer` header or the `token` query
   * parameter, in that order, or from an `auth` frame). `null` means invalid (close 1008); a
   * throw closes with 1011. When absent, no token is required and any token is accepted.
   */
  verifyToken?: (token: string) => TokenVerdict | null;
  /**
   * Events kept per topic for replay and for `events()`. Older ones are dropped.
   * @default 10_000
   */
  retain?: number;
  /**
   * Frames kept in `received` (the oldest are dropped).
   * @default 10_000
   */
  recordLimit?: number;
  /**
   * Largest accepted frame in bytes; a larger one closes the connection with 1009.
   * @default 1_048_576
   */
  maxPayload?: number;
  /**
   * How long `stop()` waits for clients to answer its 1001 close before cutting them off.
   * @default 500
   */
  stopGraceMs?: number;
  /**
   * The clock for token expiry (epoch ms). Inject one to test expiry, with `checkExpiry()`.
   * @default Date.now
   */
  now?: () => number;
  /**
   * The scheduler of the server's timers: token expiry, the timeouts of `waitFor` and
   * `nextSession`, `stop()`'s grace for closing clients and `restart()`'s downtime. Give a
   * `VirtualTimeScheduler` (or a `TestScheduler`) to drive them in a test without waiting.
   * @default asyncScheduler
   */
  scheduler?: SchedulerLike;
  /**
   * The wire format, injected (the server depends on no format library): how every frame it
   * sends is written, and how every frame it receives is read. Without it, frames are JSON text
   * and a binary frame closes the connection with 1003.
   * @default JSON text
   */
  wire?: ServerWireFormat;
}

/**
 * How the reference server writes and reads frames, e.g. MessagePack in binary frames.
 *
 * ## Example
 * ```ts
 * import { decode, encode } from '@msgpack/msgpack';
 * import { startReferenceServer } from 'rxjs-managed-socket/server';
 *
 * const server = await startReferenceServer({
 *   wire: { encode: (frame) => encode(frame), decode: (data, isBinary) => (isBinary ? decode(data) : JSON.parse(data.toString())) },
 * });
 * ```
 */
export interface ServerWireFormat {
  /** Writes one frame: a string goes out as a text frame, bytes as a binary frame. */
  encode(frame: object): string | Uint8Array;
  /** Reads one client frame; a throw closes the connection with 1002 (protocol error). */
  decode(data: Buffer, isBinary: boolean): unknown;
}

/** Where a session's token came from. */
export type TokenSource = 'hello' | 'header' | 'query';

/** A snapshot of one open connection. */
export interface ConnectionInfo {
  /** Server-unique connection id (1, 2, ...), the `target` of the fault controls. */
  readonly id: number;
  /** The session id sent in `welcome`, or `null` before the hello is accepted. */
  readonly sessionId: string | null;
  /** The request path and query of the upgrade, e.g. `'/?token=t-1'`. */
  readonly path: string;
  /** Subscribed topics, in subscription order. */
  readonly topics: readonly string[];
  /** Whether `silence()` currently mutes this connection. */
  readonly silenced: boolean;
  /** Where the accepted token came from, or `null` (no token). */
  readonly tokenSource: TokenSource | null;
  /** When the session's token expires (epoch ms), or `null`. */
  readonly expiresAt: number | null;
}

/** One frame the server received, as recorded for test assertions. */
export interface ReceivedFrame {
  /** The connection it arrived on. */
  readonly connectionId: number;
  /** That connection's session id at the time, or `null` before the hello. */
  readonly sessionId: string | null;
  /** The raw text (a binary frame is decoded as UTF-8). */
  readonly raw: string;
  /** Whether it was a binary frame. */
  readonly binary: boolean;
  /** The decoded frame, or `null` when it was not valid JSON or not a valid frame. */
  readonly frame: ClientFrame | null;
}

/** Counters since start (they survive `restart()`). */
export interface ReferenceServerStats {
  /** WebSocket connections accepted. */
  readonly connectionsOpened: number;
  /** Hellos accepted (welcomes sent). */
  readonly sessionsStarted: number;
  /** Frames received, valid or not. */
  readonly framesReceived: number;
  /** Frames sent, `sendRaw` included. */
  readonly framesSent: number;
}

/** Options of {@link ReferenceServer.restart}. */
export interface RestartOptions {
  /**
   * How long the port stays closed (connection attempts are refused) before listening again.
   * @default 0
   */
  downtimeMs?: number;
  /**
   * Come back with empty logs and a new epoch (in `welcome`), as a server that lost its data:
   * seqs start at 1 again. A client that reads the epoch sees the reset.
   * @default false
   */
  freshLog?: boolean;
}

/**
 * The handle returned by {@link startReferenceServer}.
 *
 * `target` parameters are connection ids (see {@link ConnectionInfo.id}); without one, a control
 * applies to every open connection. Controls return how many connections they affected.
 *
 * @example
 * ```ts
 * import { startReferenceServer } from 'rxjs-managed-socket/server';
 *
 * const server = await startReferenceServer();
 * // ... start the client under test against server.url ...
 * const first = await server.nextSession();
 * server.silence(true, first.id);                 // a zombie link: open, but mute
 * await server.nextSession(5_000);                // the client noticed and reconnected
 * server.publish('prices', { bid: 2 });
 * await server.restart({ downtimeMs: 200 });      // down for 200 ms, same port, logs kept
 * await server.waitFor((s) => s.stats.sessionsStarted === 3, 5_000);
 * await server.stop();
 * ```
 */
export interface ReferenceServer {
  /** `ws://host:port`. */
  readonly url: string;
  /** The port (the same across `restart()`). */
  readonly port: number;
  /** Number of open WebSocket connections (with or without a session). */
  readonly connections: number;
  /** Whether the server is accepting connections (false during `restart()` and after `stop()`). */
  readonly listening: boolean;
  /** Frames received, all connections, oldest first: a live view, at most `recordLimit` long. */
  readonly received: readonly ReceivedFrame[];
  /** Counters since start. */
  readonly stats: ReferenceServerStats;

  /** Snapshots of the open connections. */
  openConnections(): readonly ConnectionInfo[];
  /** Appends an event to `topic` and sends it to its subscribers. Returns the event. */
  publish(topic: string, data: unknown): EventFrame;
  /** The retained events of `topic`, or of every topic in publish order. */
  events(topic?: string): readonly EventFrame[];
  /** Each topic's head (highest seq), as sent in `welcome`. */
  heads(): Readonly<Record<string, number>>;
  /** Forgets the recorded frames. */
  clearReceived(): void;

  /**
   * Resolves once `predicate(server)` holds; it is checked now and after every connection,
   * hello, received frame, publish and close. Rejects with {@link WaitTimeoutError} after
   * `timeoutMs` and with {@link ServerStoppedError} on `stop()`.
   */
  waitFor(predicate: (server: ReferenceServer) => boolean, timeoutMs?: number): Promise<void>;
  /** Resolves with the next connection whose hello is accepted after this call. Bounded like `waitFor`. */
  nextSession(timeoutMs?: number): Promise<ConnectionInfo>;

  /** Cuts connections off: no close frame, like a network cut (clients see 1006). */
  killAll(target?: number): number;
  /** Closes connections cleanly with `code` (1000, 1001-1014 sendable codes, 3000-4999). */
  closeAll(code: number, reason?: string, target?: number): number;
  /** Mutes (or unmutes) the open connections: no frame at all, pongs included, but they stay open. */
  silence(on: boolean, target?: number): number;
  /** Sends an arbitrary frame (a Buffer as a binary frame), even to a muted connection. */
  sendRaw(data: string | Buffer, target?: number): number;
  /** Holds the next `n` live events (any topic) and then sends them in reverse order. */
  reorderNext(n: number): void;
  /**
   * Refuses (or accepts again) WebSocket upgrades, answering HTTP `status` (default 503), with a
   * `Retry-After: <retryAfterSeconds>` header when given.
   */
  refuse(on: boolean, status?: number, retryAfterSeconds?: number): void;
  /** The epoch sent in `welcome`: it changes when a `restart({ freshLog: true })` empties the logs. */
  readonly epoch: string;
  /** Closes with 4001 every session whose token expired by `now()`. Returns how many. */
  checkExpiry(): number;
  /** Cuts every connection off, closes the port, then listens again on it; the logs are kept unless `freshLog`. */
  restart(options?: RestartOptions): Promise<void>;
  /** Closes every connection (1001), then frees the port. Idempotent. */
  stop(): Promise<void>;
}

/** Context of a {@link WaitTimeoutError}. */
export interface WaitTimeoutInfo {
  /** What was waited for, e.g. `'waitFor'` or `'nextSession'`. */
  readonly waitingFor: string;
  /** The timeout that passed. */
  readonly timeoutMs: number;
}

/**
 * Rejects a {@link ReferenceServer} wait (`waitFor`, `nextSession`) that timed out.
 *
 * @example
 * ```ts
 * import { WaitTimeoutError } from 'rxjs-managed-socket/server';
 *
 * await server.waitFor((s) => s.connections === 2, 1_000).catch((err) => {
 *   if (err instanceof WaitTimeoutError) console.log(`no 2nd connection in ${err.info.timeoutMs} ms`);
 *   else throw err;
 * });
 * ```
 */
export class WaitTimeoutError extends Error {
  override readonly name = 'WaitTimeoutError';
  /** What was waited for, and for how long. */
  readonly info: WaitTimeoutInfo;

  constructor(info: WaitTimeoutInfo) {
    super(`${info.waitingFor}: timed out after ${info.timeoutMs} ms`);
    this.info = info;
  }
}

/** Context of a {@link ServerStoppedError}. */
export interface ServerStoppedInfo {
  /** The operation that could not complete, e.g. `'restart'`. */
  readonly operation: string;
}

/**
 * Rejects a {@link ReferenceServer} wait or `restart()` that `stop()` cut short.
 *
 * @example
 * ```ts
 * import { ServerStoppedError } from 'rxjs-managed-socket/server';
 *
 * server.restart().catch((err) => {
 *   if (!(err instanceof ServerStoppedError)) throw err;
 * });
 * ```
 */
export class ServerStoppedError extends Error {
  override readonly name = 'ServerStoppedError';
  /** Which operation was cut short. */
  readonly info: ServerStoppedInfo;

  constructor(info: ServerStoppedInfo) {
    super(`${info.operation}: the server was stopped`);
    this.info = info;
  }
}

