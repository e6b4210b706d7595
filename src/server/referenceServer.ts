/**
 * A small reference WebSocket server (Node, `ws`) that speaks the example protocol of
 * `docs/protocol.md`, with a programmatic control API for tests, demos and soak runs: publish,
 * inspect the logs and the received frames, wait for connections, and inject faults.
 *
 * Node only. It is a real network server, so it runs on real time (unref'd timers), not on an
 * RxJS scheduler.
 *
 * @packageDocumentation
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { InvalidOptionError } from '../errors';
import { asyncScheduler } from 'rxjs';
import type { SchedulerLike } from 'rxjs';
import { longTimer } from '../internal/longTimer';
import * as check from '../internal/validate';
import { decodeClientFrame, ProtocolCloseCode } from './protocol';
import type { ClientFrame, EventFrame, WelcomeFrame } from './protocol';
import { WaitTimeoutError, ServerStoppedError } from './referenceServerTypes';
import type { ConnectionInfo, ReceivedFrame, ReferenceServer, ReferenceServerOptions, RestartOptions, TokenSource, TokenVerdict } from './referenceServerTypes';
import { TopicLogs } from './topicLogs';
import type { LogEntry } from './topicLogs';

// The public types and errors live beside the server; importers of this file keep getting them.
export * from './referenceServerTypes';

// ---------------------------------------------------------------------------------------------
// Internal state

interface Session {
  readonly id: string;
  readonly resumeFromSeq: number | null;
  readonly resume: ReadonlyMap<string, number>;
  /** Heads when the hello was accepted: the resume point of a `resumeFromSeq: null` hello. */
  readonly headsAtHello: ReadonlyMap<string, number>;
  /** Topics whose resume point was used (replayed once per connection). */
  readonly consumed: Set<string>;
  readonly topics: Set<string>;
  tokenSource: TokenSource | null;
  expiresAt: number | null;
  cancelExpiry: (() => void) | null;
}

interface Connection {
  readonly id: number;
  readonly ws: WebSocket;
  readonly path: string;
  readonly headerToken: string | undefined;
  readonly queryToken: string | undefined;
  silenced: boolean;
  session: Session | null;
}

type Change = 'open' | 'session' | 'frame' | 'publish' | 'close';

interface Waiter {
  onChange(change: Change | null, connection: Connection | null): void;
  onStop(): void;
}

type Verdict =
  | { readonly ok: true; readonly expiresAt: number | null }
  | { readonly ok: false; readonly code: number; readonly reason: string };

const OPERATOR = 'startReferenceServer';
const DEFAULT_WAIT_MS = 2_000;

// ---------------------------------------------------------------------------------------------
// The server

/**
 * Starts a reference server for the example protocol and resolves once it listens.
 *
 * Several servers can run in one process; each keeps its own state. Rejects with
 * {@link InvalidOptionError} for a bad option, or with the listen error (e.g. `EADDRINUSE`).
 *
 * ## Example
 * ```ts
 * import { startReferenceServer } from 'rxjs-managed-socket/server';
 * import WebSocket from 'ws';
 *
 * const server = await startReferenceServer();
 * server.publish('prices', { bid: 1 }); // seq 1, retained
 *
 * const ws = new WebSocket(server.url);
 * ws.on('open', () => {
 *   ws.send(JSON.stringify({ type: 'hello', resumeFromSeq: 0 }));
 *   ws.send(JSON.stringify({ type: 'subscribe', topics: ['prices'] }));
 * });
 * ws.on('message', (data) => console.log(String(data)));
 * // Output:
 * // {"type":"welcome","sessionId":"s-1","heads":{"prices":1}}
 * // {"type":"event","topic":"prices","seq":1,"id":"prices:1","data":{"bid":1}}
 *
 * await server.nextSession();
 * server.killAll(); // the client sees 1006
 * await server.stop();
 * ```
 *
 * @see `docs/protocol.md` for the protocol and the close codes.
 * @param options Listen address, auth, retention and clock; every field is optional.
 * @returns The running server's control handle.
 */
export async function startReferenceServer(options: ReferenceServerOptions = {}): Promise<ReferenceServer> {
  const {
    host = '127.0.0.1',
    port: requestedPort = 0,
    verifyToken,
    retain = 10_000,
    recordLimit = 10_000,
    maxPayload = 1_048_576,
    stopGraceMs = 500,
    now = Date.now,
    scheduler = asyncScheduler,
    wire,
  } = options;
  if (typeof host !== 'string' || host === '') {
    throw new InvalidOptionError({ operator: OPERATOR, option: 'host', reason: 'a non-empty string', value: host });
  }
  if (check.count(OPERATOR, 'port', requestedPort) > 65_535) {
    throw new InvalidOptionError({ operator: OPERATOR, option: 'port', reason: 'an integer from 0 to 65535', value: requestedPort });
  }
  if (verifyToken !== undefined) check.func(OPERATOR, 'verifyToken', verifyToken);
  check.count(OPERATOR, 'retain', retain);
  check.count(OPERATOR, 'recordLimit', recordLimit);
  check.count(OPERATOR, 'maxPayload', maxPayload, 1);
  check.duration(OPERATOR, 'stopGraceMs', stopGraceMs);
  check.func(OPERATOR, 'now', now);
  if (typeof scheduler?.schedule !== 'function' || typeof scheduler.now !== 'function') {
    throw new InvalidOptionError({ operator: OPERATOR, option: 'scheduler', reason: 'a SchedulerLike', value: scheduler });
  }
  if (wire !== undefined) {
    if (typeof wire !== 'object' || wire === null) throw new InvalidOptionError({ operator: OPERATOR, option: 'wire', reason: 'an object with encode() and decode()', value: wire });
    check.func(OPERATOR, 'wire.encode', wire.encode);
    check.func(OPERATOR, 'wire.decode', wire.decode);
  }
  /** Writes a frame in the wire format (JSON text without one). */
  const encode = (frame: object): string | Uint8Array => (wire === undefined ? JSON.stringify(frame) : wire.encode(frame));
  /** A log entry as a frame: its JSON, kept since it was published, or the wire format's bytes. */
  const entryFrame = (entry: LogEntry): string | Uint8Array => (wire === undefined ? entry.json : wire.encode(entry.event));

  const wss = new WebSocketServer({ noServer: true, autoPong: false, clientTracking: false, maxPayload });
  const connections = new Set<Connection>();
  const sockets = new Set<Duplex>();
  let logs = new TopicLogs(retain);
  /** Changes when the logs start again (`restart({ freshLog: true })`); new per server. */
  let epoch = newEpoch();
  const waiters = new Set<Waiter>();
  const received: ReceivedFrame[] = [];
  const stats = { connectionsOpened: 0, sessionsStarted: 0, framesReceived: 0, framesSent: 0 };
  let phase: 'listening' | 'restarting' | 'stopped' = 'listening';
  let refusal: { readonly status: number; readonly retryAfter: number | undefined } | null = null;
  let reorder = { remaining: 0, held: [] as LogEntry[] };
  let restarting: Promise<void> | null = null;
  let stopping: Promise<void> | null = null;
  let signalStop = (): void => undefined;
  const stopSignal = new Promise<void>((resolve) => (signalStop = resolve));

  // -- listening ------------------------------------------------------------------------------

  function listen(port: number): Promise<http.Server> {
    const server = http.createServer((_req, res) => {
      res.writeHead(426, { 'Content-Type': 'text/plain', Connection: 'close' });
      res.end('426 Upgrade Required: this is a WebSocket endpoint\n');
    });
    server.on('connection', (socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    });
    server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
      socket.on('error', () => undefined); // a reset during the handshake is not our concern
      if (phase !== 'listening') {
        socket.destroy();
      } else if (refusal !== null) {
        const text = http.STATUS_CODES[refusal.status] ?? 'Refused';
        const retryAfter = refusal.retryAfter === undefined ? '' : `Retry-After: ${refusal.retryAfter}\r\n`;
        socket.end(`HTTP/1.1 ${refusal.status} ${text}\r\n${retryAfter}Connection: close\r\nContent-Length: 0\r\n\r\n`);
      } else {
        wss.handleUpgrade(req, socket, head, (ws) => accept(ws, req));
      }
    });
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      server.once('error', onError);
      server.listen(port, host, () => {
        server.off('error', onError);
        server.on('error', () => undefined); // after listen, errors are per socket
        resolve(server);
      });
    });
  }

  function closeServer(server: http.Server): Promise<void> {
    for (const socket of sockets) socket.destroy();
    return new Promise((resolve) => server.close(() => resolve()));
  }

  // -- connections ----------------------------------------------------------------------------

  function accept(ws: WebSocket, req: http.IncomingMessage): void {
    const path = req.url ?? '/';
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    const connection: Connection = {
      id: ++stats.connectionsOpened,
      ws,
      path,
      headerToken: bearer?.[1],
      queryToken: queryToken(path),
      silenced: false,
      session: null,
    };
    connections.add(connection);
    ws.on('error', () => undefined); // ws closes the socket itself (1002, 1007, 1009)
    ws.on('ping', (data: Buffer) => {
      if (!connection.silenced) ws.pong(data);
    });
    ws.on('message', (data: RawData, isBinary: boolean) => onMessage(connection, data, isBinary));
    ws.on('close', () => {
      connections.delete(connection);
      connection.session?.cancelExpiry?.();
      notify('close', connection);
    });
    notify('open', connection);
  }

  function send(connection: Connection, data: string | Uint8Array): void {
    if (connection.silenced || connection.ws.readyState !== WebSocket.OPEN) return;
    if (typeof data === 'string') connection.ws.send(data);
    else connection.ws.send(data, BINARY);
    stats.framesSent++;
  }

  function close(connection: Connection, code: number, reason: string): void {
    connection.session?.cancelExpiry?.();
    if (connection.session) connection.session.cancelExpiry = null;
    connection.ws.close(code, truncateReason(reason));
  }

  function targets(target: number | undefined): Connection[] {
    return [...connections].filter((c) => (target === undefined || c.id === target) && c.ws.readyState === WebSocket.OPEN);
  }

  // -- inbound frames -------------------------------------------------------------------------

  function onMessage(connection: Connection, data: RawData, isBinary: boolean): void {
    const raw = rawToString(data);
    let frame: ClientFrame | null = null;
    let failure: { code: number; reason: string } | null = null;
    if (wire !== undefined) {
      const decoded = readWire(wire, data, isBinary);
      if (decoded.ok) frame = decoded.frame;
      else failure = { code: ProtocolCloseCode.ProtocolError, reason: decoded.reason };
    } else if (isBinary) {
      failure = { code: ProtocolCloseCode.UnsupportedData, reason: 'binary frames are not supported' };
    } else {
      const decoded = parseFrame(raw);
      if (decoded.ok) frame = decoded.frame;
      else failure = { code: ProtocolCloseCode.ProtocolError, reason: decoded.reason };
    }
    record({ connectionId: connection.id, sessionId: connection.session?.id ?? null, raw, binary: isBinary, frame });
    if (connection.ws.readyState === WebSocket.OPEN) {
      if (failure) close(connection, failure.code, failure.reason);
      else if (frame) handleFrame(connection, frame);
    }
    notify('frame', connection);
  }

  function record(entry: ReceivedFrame): void {
    stats.framesReceived++;
    received.push(entry);
    while (received.length > recordLimit) received.shift();
  }

  function handleFrame(connection: Connection, frame: ClientFrame): void {
    const { session } = connection;
    if (frame.type === 'hello') {
      if (session) close(connection, ProtocolCloseCode.ProtocolError, 'duplicate hello');
      else hello(connection, frame);
      return;
    }
    if (!session) {
      close(connection, ProtocolCloseCode.ProtocolError, `expected hello, got ${frame.type}`);
      return;
    }
    switch (frame.type) {
      case 'subscribe':
        for (const topic of frame.topics) subscribe(connection, session, topic);
        return;
      case 'unsubscribe':
        for (const topic of frame.topics) session.topics.delete(topic);
        return;
      case 'ping':
        send(connection, encode(frame.id === undefined ? { type: 'pong' } : { type: 'pong', id: frame.id }));
        return;
      case 'auth': {
        const verdict = verify(frame.token);
        if (!verdict.ok) return close(connection, verdict.code, verdict.reason);
        session.expiresAt = verdict.expiresAt;
        scheduleExpiry(connection, session);
        send(connection, encode({ type: 'auth_ok', expiresAt: verdict.expiresAt }));
        return;
      }
      case 'publish':
        append(frame.topic, frame.data, frame.id);
        // acked once it is in the log, and again for a repeat (not appended twice)
        if (frame.id !== undefined) send(connection, encode({ type: 'ack', id: frame.id }));
        return;
      case 'request': {
        const reply =
          frame.op === 'echo'
            ? { type: 'reply', id: frame.id, data: frame.data }
            : frame.op === 'heads'
              ? { type: 'reply', id: frame.id, data: Object.fromEntries(logs.heads()) }
              : { type: 'reply', id: frame.id, error: `unknown op ${frame.op}` };
        send(connection, encode(reply));
        return;
      }
    }
  }

  function hello(connection: Connection, frame: Extract<ClientFrame, { type: 'hello' }>): void {
    const [token, tokenSource] = pickToken(connection, frame.token);
    const verdict = verify(token);
    if (!verdict.ok) return close(connection, verdict.code, verdict.reason);
    const headsAtHello = logs.heads();
    const session: Session = {
      id: `s-${++stats.sessionsStarted}`,
      resumeFromSeq: frame.resumeFromSeq,
      resume: new Map(Object.entries(frame.resume ?? {})),
      headsAtHello,
      consumed: new Set(),
      topics: new Set(),
      tokenSource,
      expiresAt: verdict.expiresAt,
      cancelExpiry: null,
    };
    connection.session = session;
    const welcome: WelcomeFrame = { type: 'welcome', sessionId: session.id, heads: Object.fromEntries(headsAtHello), epoch };
    send(connection, encode(welcome));
    scheduleExpiry(connection, session);
    notify('session', connection);
  }

  function subscribe(connection: Connection, session: Session, topic: string): void {
    if (session.topics.has(topic)) return;
    session.topics.add(topic);
    if (session.consumed.has(topic)) return; // the resume point is used once per connection
    session.consumed.add(topic);
    const head = logs.head(topic);
    if (head === 0) return;
    const from = session.resume.get(topic) ?? session.resumeFromSeq ?? session.headsAtHello.get(topic) ?? 0;
    // Events held by reorderNext() are still in flight: they go out live when released.
    const held = reorder.held.filter((e) => e.event.topic === topic).map((e) => e.event.seq);
    const upTo = held.length > 0 ? Math.min(...held) - 1 : head;
    for (const entry of logs.range(topic, from, upTo)) send(connection, entryFrame(entry));
  }

  // -- auth -----------------------------------------------------------------------------------

  function pickToken(connection: Connection, inHello: string | undefined): [string | undefined, TokenSource | null] {
    if (inHello !== undefined) return [inHello, 'hello'];
    if (connection.headerToken !== undefined) return [connection.headerToken, 'header'];
    if (connection.queryToken !== undefined) return [connection.queryToken, 'query'];
    return [undefined, null];
  }

  function verify(token: string | undefined): Verdict {
    if (verifyToken === undefined) return { ok: true, expiresAt: null };
    if (token === undefined) return { ok: false, code: ProtocolCloseCode.InvalidToken, reason: 'missing token' };
    let verdict: TokenVerdict | null;
    try {
      verdict = verifyToken(token);
    } catch {
      return { ok: false, code: ProtocolCloseCode.InternalError, reason: 'token verification failed' };
    }
    if (verdict === null || verdict === undefined) return { ok: false, code: ProtocolCloseCode.InvalidToken, reason: 'invalid token' };
    const expiresAt = verdict.expiresAt ?? null;
    if (expiresAt !== null && now() >= expiresAt) return { ok: false, code: ProtocolCloseCode.TokenExpired, reason: 'token expired' };
    return { ok: true, expiresAt };
  }

  function scheduleExpiry(connection: Connection, session: Session): void {
    session.cancelExpiry?.();
    session.cancelExpiry = null;
    const { expiresAt } = session;
    if (expiresAt === null) return;
    session.cancelExpiry = after(scheduler, expiresAt - now(), () => {
      session.cancelExpiry = null;
      if (!expireIfDue(connection)) scheduleExpiry(connection, session); // an injected clock lags
    });
  }

  function expireIfDue(connection: Connection): boolean {
    const expiresAt = connection.session?.expiresAt ?? null;
    if (expiresAt === null || now() < expiresAt || connection.ws.readyState !== WebSocket.OPEN) return false;
    close(connection, ProtocolCloseCode.TokenExpired, 'token expired');
    return true;
  }

  // -- the logs -------------------------------------------------------------------------------

  /** Appends and fans out; `null` when `publishId` repeats a retained event's. */
  function append(topic: string, data: unknown, publishId?: string): EventFrame | null {
    const entry = logs.append(topic, data, publishId);
    if (entry === null) return null;
    deliver(entry);
    notify('publish', null);
    return entry.event;
  }

  function deliver(entry: LogEntry): void {
    if (reorder.remaining === 0) return fanOut(entry);
    reorder.held.push(entry);
    if (--reorder.remaining === 0) releaseHeld();
  }

  function releaseHeld(): void {
    const held = reorder.held.reverse();
    reorder = { remaining: 0, held: [] };
    for (const entry of held) fanOut(entry);
  }

  function fanOut(entry: LogEntry): void {
    for (const connection of connections) {
      if (connection.session?.topics.has(entry.event.topic)) send(connection, entryFrame(entry));
    }
  }

  // -- waits ----------------------------------------------------------------------------------

  function notify(change: Change, connection: Connection | null): void {
    for (const waiter of [...waiters]) waiter.onChange(change, connection);
  }

  function waitUntil<T>(
    waitingFor: string,
    timeoutMs: number,
    test: (change: Change | null, connection: Connection | null) => T | undefined,
  ): Promise<T> {
    check.duration(waitingFor, 'timeoutMs', timeoutMs);
    if (phase === 'stopped') return Promise.reject(new ServerStoppedError({ operation: waitingFor }));
    return new Promise<T>((resolve, reject) => {
      const settle = (fn: () => void): void => {
        waiters.delete(waiter);
        cancel();
        fn();
      };
      const waiter: Waiter = {
        onChange(change, connection) {
          let value: T | undefined;
          try {
            value = test(change, connection);
          } catch (err: unknown) {
            return settle(() => reject(err));
          }
          if (value !== undefined) settle(() => resolve(value));
        },
        onStop: () => settle(() => reject(new ServerStoppedError({ operation: waitingFor }))),
      };
      const cancel = after(scheduler, timeoutMs, () => settle(() => reject(new WaitTimeoutError({ waitingFor, timeoutMs }))));
      waiters.add(waiter);
      waiter.onChange(null, null);
    });
  }

  // -- lifecycle ------------------------------------------------------------------------------

  /** Resolves once every connection emitted `close`, or after `ms`. */
  async function allClosed(ms: number): Promise<void> {
    const closed = [...connections].map((c) => new Promise<void>((resolve) => c.ws.once('close', () => resolve())));
    let cancel = (): void => undefined;
    await Promise.race([Promise.all(closed), new Promise<void>((resolve) => (cancel = after(scheduler, ms, resolve)))]);
    cancel();
  }

  /** Reads `phase` through a call: it changes across the awaits of `restart()`. */
  function isStopped(): boolean {
    return phase === 'stopped';
  }

  function cutAll(): void {
    reorder = { remaining: 0, held: [] };
    for (const connection of connections) {
      connection.session?.cancelExpiry?.();
      connection.ws.terminate();
    }
  }

  async function restart({ downtimeMs = 0, freshLog = false }: RestartOptions = {}): Promise<void> {
    check.duration('restart', 'downtimeMs', downtimeMs);
    if (phase === 'stopped') throw new ServerStoppedError({ operation: 'restart' });
    restarting ??= (async () => {
      phase = 'restarting';
      cutAll();
      await allClosed(stopGraceMs);
      await closeServer(server);
      if (downtimeMs > 0 && !isStopped()) {
        let cancel = (): void => undefined;
        await Promise.race([stopSignal, new Promise<void>((resolve) => (cancel = after(scheduler, downtimeMs, resolve)))]);
        cancel();
      }
      if (isStopped()) throw new ServerStoppedError({ operation: 'restart' });
      if (freshLog) {
        logs = new TopicLogs(retain);
        epoch = newEpoch();
      }
      server = await listen(port);
      if (isStopped()) throw new ServerStoppedError({ operation: 'restart' }); // stop() closes it
      phase = 'listening';
    })().finally(() => {
      restarting = null;
    });
    return restarting;
  }

  function stop(): Promise<void> {
    stopping ??= (async () => {
      phase = 'stopped';
      signalStop();
      for (const waiter of [...waiters]) waiter.onStop();
      await restarting?.catch(() => undefined);
      reorder = { remaining: 0, held: [] };
      for (const connection of connections) close(connection, ProtocolCloseCode.GoingAway, 'server stopping');
      await allClosed(stopGraceMs);
      cutAll();
      await allClosed(stopGraceMs);
      await closeServer(server);
      wss.close();
    })();
    return stopping;
  }

  // -- start ----------------------------------------------------------------------------------

  let server = await listen(requestedPort);
  const port = (server.address() as AddressInfo).port;
  const url = `ws://${host.includes(':') ? `[${host}]` : host}:${port}`;

  const handle: ReferenceServer = {
    url,
    port,
    get connections() {
      return connections.size;
    },
    get listening() {
      return phase === 'listening';
    },
    get epoch() {
      return epoch;
    },
    received,
    get stats() {
      return { ...stats };
    },
    openConnections() {
      return [...connections].map(describeConnection);
    },
    publish(topic, data) {
      if (typeof topic !== 'string' || topic === '') {
        throw new InvalidOptionError({ operator: 'publish', option: 'topic', reason: 'a non-empty string', value: topic });
      }
      return append(topic, data) as EventFrame;
    },
    events(topic) {
      return logs.events(topic);
    },
    heads() {
      return Object.fromEntries(logs.heads());
    },
    clearReceived() {
      received.length = 0;
    },
    waitFor(predicate, timeoutMs = DEFAULT_WAIT_MS) {
      check.func('waitFor', 'predicate', predicate);
      return waitUntil('waitFor', timeoutMs, () => (predicate(handle) ? true : undefined)).then(() => undefined);
    },
    nextSession(timeoutMs = DEFAULT_WAIT_MS) {
      return waitUntil('nextSession', timeoutMs, (change, connection) =>
        change === 'session' && connection ? describeConnection(connection) : undefined,
      );
    },
    killAll(target) {
      const hit = targets(target);
      for (const connection of hit) {
        connection.session?.cancelExpiry?.();
        connection.ws.terminate();
      }
      return hit.length;
    },
    closeAll(code, reason = '', target) {
      if (!isSendableCloseCode(code)) {
        throw new InvalidOptionError({ operator: 'closeAll', option: 'code', reason: 'a sendable close code (1000-1014 except 1004-1006, or 3000-4999)', value: code });
      }
      const hit = targets(target);
      for (const connection of hit) close(connection, code, reason);
      return hit.length;
    },
    silence(on, target) {
      const hit = targets(target);
      for (const connection of hit) connection.silenced = on;
      return hit.length;
    },
    sendRaw(data, target) {
      const hit = targets(target);
      for (const connection of hit) {
        connection.ws.send(data, { binary: typeof data !== 'string' });
        stats.framesSent++;
      }
      return hit.length;
    },
    reorderNext(n) {
      check.count('reorderNext', 'n', n);
      releaseHeld();
      reorder = { remaining: n >= 2 ? n : 0, held: [] };
    },
    refuse(on, status = 503, retryAfterSeconds) {
      if (!Number.isInteger(status) || status < 400 || status > 599) {
        throw new InvalidOptionError({ operator: 'refuse', option: 'status', reason: 'an HTTP status from 400 to 599', value: status });
      }
      if (retryAfterSeconds !== undefined) check.count('refuse', 'retryAfterSeconds', retryAfterSeconds);
      refusal = on ? { status, retryAfter: retryAfterSeconds } : null;
    },
    checkExpiry() {
      return [...connections].filter(expireIfDue).length;
    },
    restart,
    stop,
  };
  return handle;
}

// ---------------------------------------------------------------------------------------------
// Helpers

let epochs = 0;

/** A new epoch: unique in this process, and unlikely to repeat across processes. */
function newEpoch(): string {
  return `${Date.now().toString(36)}-${(++epochs).toString(36)}-${Math.floor(Math.random() * 0x10000).toString(36)}`;
}

function describeConnection(connection: Connection): ConnectionInfo {
  const { session } = connection;
  return {
    id: connection.id,
    sessionId: session?.id ?? null,
    path: connection.path,
    topics: session ? [...session.topics] : [],
    silenced: connection.silenced,
    tokenSource: session?.tokenSource ?? null,
    expiresAt: session?.expiresAt ?? null,
  };
}

function queryToken(path: string): string | undefined {
  try {
    return new URL(path, 'ws://localhost').searchParams.get('token') ?? undefined;
  } catch {
    return undefined;
  }
}

function parseFrame(raw: string): ReturnType<typeof decodeClientFrame> {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return { ok: false, reason: 'invalid JSON' };
  }
  return decodeClientFrame(value);
}

const BINARY = { binary: true } as const;

function readWire(wire: NonNullable<ReferenceServerOptions['wire']>, data: RawData, isBinary: boolean): ReturnType<typeof decodeClientFrame> {
  let value: unknown;
  try {
    value = wire.decode(toBuffer(data), isBinary);
  } catch {
    return { ok: false, reason: 'invalid frame' };
  }
  return decodeClientFrame(value);
}

function toBuffer(data: RawData): Buffer {
  if (Array.isArray(data)) return Buffer.concat(data);
  return data instanceof ArrayBuffer ? Buffer.from(data) : data;
}

function rawToString(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return (data instanceof ArrayBuffer ? Buffer.from(data) : data).toString('utf8');
}

/** A close reason may be at most 123 bytes of UTF-8. */
function truncateReason(reason: string): string {
  let out = reason;
  while (Buffer.byteLength(out) > 123) out = out.slice(0, -1);
  return out;
}

function isSendableCloseCode(code: number): boolean {
  return Number.isInteger(code) && ((code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) || (code >= 3000 && code <= 4999));
}

/**
 * Calls `fn` once after `ms` on `scheduler` (any delay: a longer one than a timer takes is waited
 * in steps); returns the cancel. `stop()` cancels every timer the server has running (the
 * sessions' expiry, the waits, its own grace), so none outlives the server.
 */
function after(scheduler: SchedulerLike, ms: number, fn: () => void): () => void {
  const subscription = longTimer(Math.max(0, ms), scheduler).subscribe(fn);
  return () => subscription.unsubscribe();
}
