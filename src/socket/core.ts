import { defer, of, shareReplay, Subscription, tap } from 'rxjs';
import type { Observable, Observer } from 'rxjs';
import { IdleTimeoutError, InvalidOptionError } from '../errors';
import type { ServerResetError } from '../errors';
import type { DeliveryErrorInfo } from '../errors';
import { longTimer } from '../internal/longTimer';
import { backoffPolicy } from '../operators/retryBackoff';
import type { Backoff, BackoffPolicy, RetryInfo, RetryJudge } from '../operators/retryBackoff';
import type { TopicCommand } from '../operators/replaySubscriptions';
import { resumeFrom } from '../operators/resumeFrom';
import type { ResumeCursor } from '../cursor';
import type { TokenCache } from './auth';
import { Connection } from './connection';
import type { ConnectionHost } from './connection';
import { createFailurePolicy } from './failures';
import type { FailurePolicy } from './failures';
import { Inbound } from './inbound';
import { createWatch } from './watch';
import type { Watch } from './watch';
import type { Lifecycle } from './lifecycle';
import { OP as OP_NAME } from './options';
import type { SocketOptions } from './options';
import { Outbox } from './outbox';
import type { OutboxDropReason } from './outbox';
import { Conversations } from './requests';
import type { ConversationDeps } from './requests';
import { createResetDetector } from './resets';
import type { ResetDetector } from './resets';
import { TopicSet } from './topics';
import { CLOSED, OPEN, whenClosed } from './transport';
import type { WebSocketLike } from './transport';
import { upgradeErrorOf } from './upgrade';

/**
 * The state of a managed socket, in one object: what outlives connections (the lifecycle, the
 * cursor, the token, the outbox, the topics, the pause, the round-trip time), the run of the
 * output (its subscriber, its backoff, the current connection or the wait before the next), and
 * the connection's own state while it is open. Its methods are the socket's stages, named; the
 * handle (`managedSocket$`) delegates to them.
 *
 * The receive path goes from the socket's listener through {@link Inbound} to the output's
 * subscriber, with no operator in between. What runs once per connection (the token and URL
 * lookups, the keep-alive lanes) may use operators: that is not per message.
 *
 * @internal
 */
export class SocketCore<In, Out> implements ConnectionHost<In, Out>, RetryJudge {
  readonly outbox: Outbox<Out>;
  readonly topics: TopicSet;
  readonly conversations: Conversations | undefined;
  private readonly failures: FailurePolicy;
  private readonly resets: ResetDetector | undefined;
  private readonly inbound: Inbound<In>;
  /** The one look at each message that the ready wait, heartbeats, epochs and answers need, when any is on. */
  private readonly watch: Watch<In> | undefined;
  private readonly policy: BackoffPolicy;

  // The connection's state: set when a socket opens, cleared when its attempt ends.
  /** The open socket, or `null` between connections. */
  socket: WebSocketLike | null = null;
  /** Open, and the handshake, subscription replay and outbox flush were sent. */
  isReady = false;
  pongs = 0;
  heartbeatAt: number | null = null;
  pingAt: number | null = null;
  /** The socket the current attempt created (open or not): a refused upgrade is read from it. */
  private createdSocket: WebSocketLike | null = null;

  // What outlives connections.
  rttMs: number | null = null;
  /** The consumer's pause: applied to each socket as it opens. */
  paused = false;
  private attempts = 0;
  /** Failures in a row since the last open, and what ended the last attempt. */
  private retries = 0;
  private lastError: unknown = undefined;
  private tokenRefused = false;
  /** The attempt a server reset started at once (see `serverReset`), or 0. */
  private resetAttempt = 0;

  // The run of the output (from its first subscriber to its end).
  private out: Observer<In> | null = null;
  private backoff: Backoff | null = null;
  private connection: Connection<In, Out> | null = null;
  /** The wait before the next attempt, while one runs. */
  private wait: Subscription | null = null;
  /** `close()`'s result while closing. */
  private closing: Observable<void> | null = null;

  constructor(
    readonly options: SocketOptions<In, Out>,
    readonly lifecycle: Lifecycle,
    readonly cursor: ResumeCursor | undefined,
    readonly tokens: TokenCache | undefined,
  ) {
    const { scheduler } = options;
    this.outbox = new Outbox<Out>(options.outbox.capacity, options.outbox.maxAge, options.outbox.overflow, this);
    this.topics = new TopicSet(this);
    this.failures = createFailurePolicy(options, tokens !== undefined);
    this.resets = options.resets === undefined ? undefined : createResetDetector(options.resets, cursor, lifecycle, (error) => this.serverReset(error));
    this.conversations =
      options.requests === undefined && options.acks === undefined
        ? undefined
        : new Conversations(scheduler, this as ConversationDeps);
    // Checks the cursor against the options now (a perKey cursor needs keyOf, and the reverse).
    if (cursor !== undefined) resumeFrom(cursor, { seqOf: () => undefined, ...(options.keyOf !== undefined ? { keyOf: options.keyOf } : {}) });
    const resets = this.resets;
    this.watch = createWatch(this, resets);
    this.inbound = new Inbound<In>(options, lifecycle, cursor, this.watch, resets);
    // Checks the retry options now; the socket judges each failure itself (shouldRetry, minDelay,
    // onRetry below), and subscribes to `retry.retryNow` during each wait.
    this.policy = backoffPolicy({ ...options.retry, scheduler: options.scheduler });
  }

  // ---- the retry judge (RetryJudge): what the backoff asks about each failure ----

  /** @internal Permanent failures are not retried. */
  shouldRetry(error: unknown): boolean {
    return this.failures.verdictOf(error).kind !== 'permanent';
  }

  /** @internal The floor of the wait: the verdict's (a close's retry hint, `Retry-After`) or the user's. */
  minDelay(error: unknown): number {
    return Math.max(this.failures.verdictOf(error).minDelay ?? 0, this.options.retry.minDelay?.(error) ?? 0);
  }

  /** @internal A retry is scheduled. */
  onRetry(info: RetryInfo): void {
    this.options.retry.onRetry?.(info);
    this.lifecycle.emit({ type: 'reconnecting', attempt: info.attempt, delay: info.delay, error: info.error });
  }

  /** @internal A timed heartbeat went out: its reply is looked for from now on. */
  heartbeatSent(at: number): void {
    this.heartbeatAt = at;
    this.watch?.wake();
  }

  /** @internal An answer is waited for: the watch looks at the messages again. */
  awaiting(): void {
    this.watch?.wake();
  }

  /** @internal A request or acknowledged send was given up on. */
  undelivered(message: unknown, info: DeliveryErrorInfo): void {
    this.lifecycle.emit({ type: 'dropped', reason: 'undelivered', message, error: info });
  }

  /** @internal The outbox dropped `message`. */
  dropped(message: Out, reason: OutboxDropReason): void {
    this.lifecycle.emit({ type: 'dropped', reason, message });
  }

  /** @internal The topic set changed (or a connection is ready): the frame, when there is a topics config. */
  sendTopics(command: TopicCommand): void {
    const { topicFrames } = this.options;
    if (topicFrames) this.writeFrame(command.type === 'subscribe' ? topicFrames.subscribe(command.topics) : topicFrames.unsubscribe(command.topics));
  }

  /** Sends a frame on the open socket; `false` when there is none. */
  writeFrame(message: Out): boolean {
    const socket = this.socket;
    if (socket === null || socket.readyState !== OPEN) return false;
    socket.send(this.options.serialize(message));
    this.lifecycle.counters.messagesOut++;
    return true;
  }

  /** Whether a connection attempt is under way (not a wait between two). */
  get live(): boolean {
    return this.connection !== null;
  }

  // ---- the run of the output ----

  /** The output is subscribed: connect, and keep connecting until it ends. Returns the run's stop. */
  run(out: Observer<In>): () => void {
    this.closing = null;
    this.out = out;
    this.backoff = this.policy.start();
    this.inbound.startRun(out);
    this.connect();
    return () => this.stopRun();
  }

  /** One attempt: emits `connecting`, then the connection takes over. */
  private connect(): void {
    const attempt = ++this.attempts;
    this.resets?.connecting();
    // A new connection waits for its ready reply or its epoch.
    this.watch?.wake();
    this.lifecycle.emit({ type: 'connecting', attempt });
    const connection = new Connection<In, Out>(this, attempt, this.retries, this.lastError, this.tokenRefused);
    this.connection = connection;
    this.inbound.startAttempt(connection);
    connection.start();
  }

  /** What ended an attempt: report it, then retry with backoff or end the output with it. */
  failed(connection: Connection<In, Out>, error: unknown): void {
    if (connection !== this.connection) return;
    // A close before the open may be a refused upgrade (its HTTP status is on the socket).
    const failure = connection.open ? error : upgradeErrorOf(error, this.createdSocket, Date.now());
    // A zombie will not answer a close frame: drop it instead of waiting for one.
    if (failure instanceof IdleTimeoutError) this.socket?.terminate?.();
    const { kind } = this.failures.verdictOf(failure);
    if (kind === 'reauth') this.tokenRefused = true;
    this.retries++;
    this.lastError = failure;
    this.lifecycle.emit({ type: 'disconnected', error: failure, kind });
    let wait: number | null;
    try {
      wait = (this.backoff as Backoff).next(failure, this);
    } catch (thrown) {
      return this.finish(thrown);
    }
    if (wait === null) return this.finish(failure);
    this.endAttempt();
    this.waitFor(wait);
  }

  /** Waits `ms` (cut short by `reconnect()` or `retry.retryNow`), then connects again. */
  private waitFor(ms: number): void {
    const { scheduler, retry } = this.options;
    const wait = new Subscription();
    this.wait = wait;
    const next = () => {
      if (this.wait !== wait) return;
      wait.unsubscribe();
      this.wait = null;
      this.connect();
    };
    // A long floor (a server's `Retry-After` days ahead) is waited for in steps: a timer above 2^31 - 1 ms fires at once.
    if (ms !== Infinity) wait.add(longTimer(ms, scheduler).subscribe(next));
    if (retry.retryNow !== undefined) wait.add(retry.retryNow.subscribe({ next, error: (error: unknown) => this.finish(error) }));
  }

  /** A requested reconnect (on a live attempt, so while the output runs): a fresh attempt, with a fresh backoff. */
  requestReconnect(): void {
    this.backoff = this.policy.start();
    this.connectNow(undefined);
  }

  /**
   * A server reset on the current connection. With `'restart'` the server answered and the cursor
   * is rewound: the next connection starts at once, not after a backoff, with the backoff's count
   * left as it is. Unless this connection is itself such a restart: a server whose epoch changes
   * on every connection would be asked again in a loop, so a second reset in a row ends the
   * attempt as a failure, which waits. With `'fail'` it is a failure (a permanent one).
   */
  private serverReset(error: ServerResetError): void {
    // A repeat seen after its attempt ended (the rest of a drain cut short) has no connection to end.
    const connection = this.connection;
    if (connection === null) return;
    if (error.info.policy === 'fail' || connection.attempt === this.resetAttempt) return connection.fail(error);
    this.lastError = error;
    this.resetAttempt = this.attempts + 1;
    this.connectNow(error);
  }

  /** Ends the live attempt (`error`: why, if any) and starts the next one at once. */
  private connectNow(error: unknown): void {
    this.lifecycle.emit({ type: 'disconnected', error, kind: 'reconnect' });
    this.endAttempt();
    this.connect();
  }

  /** `reconnect()`: a live attempt is replaced; a backoff wait is cut short (the backoff count stays). */
  reconnect(): void {
    if (this.connection !== null) return this.requestReconnect();
    const wait = this.wait;
    if (wait === null) return;
    wait.unsubscribe();
    this.wait = null;
    this.connect();
  }

  /** The output ends with `error`: it was permanent, the retries are used up, or a callback threw. */
  private finish(error: unknown): void {
    const out = this.out;
    if (out === null) return;
    this.lifecycle.emit({ type: 'closed', error });
    out.error(error);
  }

  /** Ends the current attempt (if any) and clears the connection's state. */
  private endAttempt(): void {
    const connection = this.connection;
    if (connection === null) return;
    this.connection = null;
    connection.stop();
    this.inbound.endAttempt();
    this.conversations?.lost();
    this.socket = null;
    this.createdSocket = null;
    this.isReady = false;
    this.heartbeatAt = null;
    this.pingAt = null;
  }

  /** The run's end: the last subscriber left, or the output errored or completed. */
  private stopRun(): void {
    if (this.out === null) return;
    // What waits for an answer fails as 'closed', not as a lost connection (which would come first).
    this.conversations?.closed();
    this.endAttempt();
    this.wait?.unsubscribe();
    this.wait = null;
    this.backoff = null;
    this.out = null;
    this.inbound.stopRun();
    // An error has already said 'closed' (with the error), and close() says it once the socket is really closed.
    if (this.closing === null && this.lifecycle.state !== 'closed') this.lifecycle.emit({ type: 'closed' });
  }

  // ---- the connection's stages (ConnectionHost) ----

  created(socket: WebSocketLike): void {
    this.createdSocket = socket;
  }

  opened(connection: Connection<In, Out>, socket: WebSocketLike): void {
    const { options, cursor } = this;
    this.socket = socket;
    // Before any frame can arrive (frames only come after the open event).
    if (options.binaryType !== undefined) socket.binaryType = options.binaryType;
    if (this.paused) {
      if (canPause(socket)) socket.pause?.();
      else this.paused = false;
    }
    const resumeToken = options.resumeTokenOf !== undefined ? (cursor?.resumeToken() ?? null) : null;
    const frame = options.handshake?.({ ...connection.ctx, resumeFromSeq: cursor?.value ?? null, cursor, resumeToken });
    if (frame !== undefined) this.writeFrame(frame);
    if (options.ready === undefined && connection.live) this.ready(connection);
  }

  /** The connection is ready: replay the topics, flush the outbox, and count it as a success. */
  ready(connection: Connection<In, Out>): void {
    this.topics.replay();
    // What waited for an answer on the last connection goes first, in order; then the outbox.
    this.conversations?.ready();
    this.outbox.drain(this.options.scheduler.now(), (message) => this.writeFrame(message));
    this.isReady = true;
    this.retries = 0;
    this.failures.connected();
    this.lifecycle.emit({ type: 'connected', attempt: connection.attempt });
    this.backoff?.healthy();
  }

  frame(connection: Connection<In, Out>, data: unknown): void {
    this.inbound.frame(connection, data);
  }

  /** A message `ready.isReady` accepted on the current connection. */
  readyReceived(): void {
    this.connection?.readyReceived();
  }

  tokenRenewed(): void {
    this.tokenRefused = false;
    this.lifecycle.emit({ type: 'tokenRefreshed', inBand: false });
  }

  tokenRefreshFailed(error: unknown, retryIn: number): void {
    this.lifecycle.emit({ type: 'tokenRefreshFailed', error, retryIn });
  }

  isHeld(): boolean {
    return this.paused;
  }

  // ---- the controls ----

  send(message: Out): void {
    if (this.isReady && this.writeFrame(message)) return;
    if (this.options.outbox.mode === 'stateless') return this.lifecycle.emit({ type: 'dropped', reason: 'disconnected' });
    this.outbox.push(message, this.options.scheduler.now());
  }

  request(message: Out, requestOptions: { readonly timeout?: number; readonly idempotent?: boolean } = {}): Observable<In> {
    const config = this.options.requests;
    const conversations = this.conversations;
    if (config === undefined || conversations === undefined) {
      throw new InvalidOptionError({ operator: OP_NAME, option: 'requests', reason: 'a requests config, for request()', value: undefined });
    }
    const timeout = requestOptions.timeout ?? config.timeout;
    const resend = requestOptions.idempotent ?? config.onReconnect === 'resend';
    return defer(() => conversations.start<In>('request', config.idOf(message), message, timeout, resend));
  }

  sendAcked(message: Out): Observable<void> {
    const config = this.options.acks;
    const conversations = this.conversations;
    if (config === undefined || conversations === undefined) {
      throw new InvalidOptionError({ operator: OP_NAME, option: 'acks', reason: 'an acks config, for sendAcked()', value: undefined });
    }
    return defer(() => conversations.start<void>('ack', config.idOf(message), message, config.timeout, true));
  }

  pause(): boolean {
    if (!canPause(this.socket)) return false;
    if (!this.paused) {
      this.paused = true;
      this.socket?.pause?.();
    }
    return true;
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.socket?.resume?.();
  }

  close(): Observable<void> {
    if (this.closing !== null) return this.closing;
    // The peer's close frame must be read: a paused socket would wait for closeTimeout.
    this.paused = false;
    this.socket?.resume?.();
    const open = this.socket !== null && this.socket.readyState !== CLOSED ? this.socket : null;
    const { lifecycle, options } = this;
    lifecycle.emit({ type: 'closing' });
    // What waits for an answer fails as 'closed' (not as a lost connection, which would come first).
    this.conversations?.closed();
    // Messages still queued (sent during a reconnect) are not kept silently: dropped and reported.
    this.outbox.dropAll('closed');
    const done$ = (open ? whenClosed(open, options.closeTimeout, options.scheduler) : of(undefined)).pipe(
      // Not when subscribed again meanwhile: the new connection's state wins.
      tap(() => this.closing === done$ && lifecycle.emit({ type: 'closed' })),
      shareReplay(1),
    );
    this.closing = done$;
    const out = this.out;
    if (out !== null) {
      this.endAttempt();
      this.wait?.unsubscribe();
      this.wait = null;
      out.complete();
    }
    done$.subscribe();
    return done$;
  }
}

/**
 * The open socket can pause. Between connections the pause is recorded, and a socket that opens
 * and cannot pause ends it (`paused` turns `false`: the Node adapters then fail, not grow).
 */
function canPause(socket: WebSocketLike | null): boolean {
  return socket === null || (typeof socket.pause === 'function' && typeof socket.resume === 'function');
}
