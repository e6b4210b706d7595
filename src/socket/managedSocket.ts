import { defer, EMPTY, finalize, identity, merge, Observable, of, share, shareReplay, startWith, Subject, switchMap, takeWhile, tap } from 'rxjs';
import type { OperatorFunction } from 'rxjs';
import { IdleTimeoutError, InvalidOptionError } from '../errors';
import { retryBackoff } from '../operators/retryBackoff';
import type { ResumeCursor } from '../cursor';
import { createResumeCursor } from '../cursor';
import { TokenCache } from './auth';
import { connection$ } from './connection';
import type { Link } from './connection';
import { consume, dropReplays, dropResent, messageOf, reorder } from './delivery';
import { createFailurePolicy } from './failures';
import { decodeEvents, decodeMessages } from './inbound';
import type { Watch } from './inbound';
import { createLifecycle } from './lifecycle';
import type { ConnectionState, Lifecycle, ManagedSocketEvent, ManagedSocketMetrics } from './lifecycle';
import { createResetDetector } from './resets';
import { Conversations } from './requests';
import type { ResetDetector } from './resets';
import { upgradeErrorOf } from './upgrade';
import { OP as OP_NAME, resolveOptions } from './options';
import { Outbox } from './outbox';
import { createTopicSet } from './topics';
import { CLOSED, OPEN, whenClosed } from './transport';
import type { WebSocketLike } from './transport';
import type { ConnectContext, ManagedSocketConfig } from './config';

/**
 * A managed socket: an Observable of decoded inbound messages (subscribing connects, the last
 * unsubscription closes, several subscribers share one connection) with the controls beside it.
 */
export interface ManagedSocket<In, Out> extends Observable<In> {
  /** The connection state, current value first. */
  readonly state$: Observable<ConnectionState>;
  /** Every lifecycle event (connected, reconnecting, gap, duplicate, drop, decode error, ...). */
  readonly events$: Observable<ManagedSocketEvent>;
  /** The resume cursor shared by every connection, or `undefined` when resume is off. */
  readonly cursor: ResumeCursor | undefined;
  /** The counters so far. */
  metrics(): ManagedSocketMetrics;
  /**
   * Sends a user message, written by the wire format's `serialize` (JSON text by default): at
   * once when open, else through the outbox (stateful mode) or dropped
   * and counted (stateless mode). Throws {@link OutboxOverflowError} when the outbox is full and
   * its overflow policy is `'error'`.
   */
  send(message: Out): void;
  /**
   * Sends a request (config `requests`) and emits its reply, then completes. Cold: each
   * subscription sends it once (now when ready, else on the next ready connection). Errors with a
   * {@link DeliveryError}: no reply within the timeout, the connection lost before the reply (unless
   * it is resent: `idempotent`, or `requests.onReconnect: 'resend'`), the socket closed, or no id.
   * Throws {@link InvalidOptionError} without `requests`.
   *
   * @example
   * ```ts
   * const reply = await lastValueFrom(socket.request({ type: 'request', id: 'r-1', op: 'heads' }, { timeout: 2_000 }));
   * ```
   */
  request(message: Out, options?: { readonly timeout?: number; readonly idempotent?: boolean }): Observable<In>;
  /**
   * Sends a message the server acknowledges (config `acks`): completes once the ack came. Until
   * then it is sent again, in order, on every new connection (the server drops repeats by the id).
   * Errors with a {@link DeliveryError} when given up on (`acks.timeout`, the socket closed, no id),
   * after a `dropped` event with the message. Cold: each subscription sends once.
   * Throws {@link InvalidOptionError} without `acks`.
   *
   * @example
   * ```ts
   * socket.sendAcked({ type: 'publish', topic: 'chat', data: 'hi', id: 'm-1' }).subscribe({
   *   complete: () => console.log('the server has it'),
   *   error: (err: DeliveryError) => console.log('given up:', err.info.reason, err.info.message),
   * });
   * ```
   */
  sendAcked(message: Out): Observable<void>;
  /** Adds topics to the active set; sends a subscribe for the new ones when open. */
  subscribeTopics(...topics: string[]): void;
  /** Removes topics from the active set; sends an unsubscribe for the removed ones when open. */
  unsubscribeTopics(...topics: string[]): void;
  /** The active topics, in the order they were subscribed. */
  topics(): readonly string[];
  /** Connects again now: drops the current connection cleanly, or cuts a waiting backoff short. */
  reconnect(): void;
  /**
   * Stops reading from the connection, for backpressure: the server's frames then wait in TCP
   * buffers (the kernel's, then the server's) instead of this process's memory. The pause holds
   * across reconnects (each new socket is paused as it opens) until {@link ManagedSocket.resume}.
   * While it holds, the idle check does not count the silence (no frame can arrive); its full
   * window starts again at the resume. Sending still works. Returns `false`, and changes nothing,
   * when the open socket cannot pause (a browser WebSocket, a transport without `pause()`); between
   * connections it returns `true`, and a socket that then opens without `pause()` ends the pause
   * (`paused` turns `false`).
   * The Node adapters call it for you in their lossless mode (`toReadable(…, { pause: socket })`).
   */
  pause(): boolean;
  /** Reads from the connection again after {@link ManagedSocket.pause}; a no-op when not paused. */
  resume(): void;
  /** Whether {@link ManagedSocket.pause} holds the socket now. */
  readonly paused: boolean;
  /**
   * Closes gracefully: flushes what can still be sent, sends a close frame, and drops the
   * connection if the peer does not answer within `closeTimeout`. Subscribers complete. The
   * returned Observable completes once the socket is closed (subscribing to it is optional).
   */
  close(): Observable<void>;
}

function resolveCursor(config: ManagedSocketConfig<unknown, unknown>): ResumeCursor | undefined {
  const { resume, seqOf, keyOf } = config;
  if (resume === false || seqOf === undefined) return undefined;
  if (resume !== undefined && 'markDelivered' in resume) return resume;
  return createResumeCursor({ mode: keyOf ? 'perKey' : 'contiguous', ...resume });
}

/** What the socket is asked to do with its connection, beside the messages. */
type Request = 'connect' | 'reconnect' | 'close';

/**
 * Creates a WebSocket feed that survives drops, server restarts, zombie links, token expiry,
 * duplicates and gaps: one pipeline of this library's operators around a transport.
 *
 * Every connection sends the handshake (built from the gap-safe resume cursor and the token),
 * replays the active topics, then flushes the outbox. Failures are classified: permanent ones
 * (1008, 1003, auth codes, no first token) end the stream with the error; transient ones
 * reconnect with `retryBackoff` (jitter on by default). Inbound frames are size-guarded (bytes),
 * decoded (JSON text, or the `wire` format's `deserialize`, binary frames included), split when
 * they are batches (`eventsOf`), validated, and read once; events then pass `sequenceGaps` (a hole not filled
 * in time resyncs from the cursor), `resumeFrom`, and `dedupe` when events carry ids, and
 * `dropOnFull` when a consumer buffer is set.
 *
 * ```text
 * socket:   --o--e1--e2--X(1006)         --o--e2--e3--
 *                                 ^ backoff ^ hello{resumeFromSeq: 2}
 * > managedSocket$({ url, handshake, seqOf })
 * messages: -----e1--e2-------------------------e3--
 * ```
 *
 * ## Example
 * ```ts
 * import { managedSocket$ } from 'rxjs-managed-socket';
 *
 * type Event = { type: 'event'; seq: number; data: unknown } | { type: 'pong' };
 * type Command = { type: 'hello'; resumeFromSeq: number | null } | { type: 'subscribe' | 'unsubscribe'; topics: readonly string[] };
 *
 * const socket = managedSocket$<Event, Command>({
 *   url: 'wss://feed.example.com',
 *   handshake: ({ resumeFromSeq }) => ({ type: 'hello', resumeFromSeq }),
 *   seqOf: (m) => (m.type === 'event' ? m.seq : undefined),
 *   topics: { subscribe: (topics) => ({ type: 'subscribe', topics }), unsubscribe: (topics) => ({ type: 'unsubscribe', topics }) },
 * });
 * socket.subscribeTopics('prices');
 * socket.subscribe((event) => console.log(event));
 * // Output: every event once, in order, across reconnects
 * ```
 *
 * Errors delivered to subscribers: {@link CloseError} (permanent close codes), {@link TokenError}
 * (no first token), {@link SequenceGapError} (a hole that resyncs cannot fill),
 * {@link UpgradeRefusedError} (an upgrade refused with 401/403 or another permanent 4xx, Node),
 * {@link ServerResetError} (a server reset with `resets.policy: 'fail'`), or the last error once
 * `retry.maxRetries` is used up. Bad options throw {@link InvalidOptionError} at once.
 *
 * @see {@link retryBackoff}, {@link resumeFrom}, {@link sequenceGaps}, {@link replaySubscriptions}
 * @param config What to connect to and how; only `url` is required.
 * @returns The socket: an Observable of inbound messages with its controls.
 */
export function managedSocket$<In = unknown, Out = unknown>(config: ManagedSocketConfig<In, Out>): ManagedSocket<In, Out> {
  const options = resolveOptions(config);
  const { scheduler, handshake, topicFrames, serialize, binaryType } = options;
  const withTokens = options.resumeTokenOf !== undefined;

  // State that outlives connections: the lifecycle (state, events, counters), the cursor, the
  // token, the outbox and the topics. Everything else is per attempt.
  const lifecycle = createLifecycle(config.logger);
  const { emit, counters } = lifecycle;
  const cursor = resolveCursor(config as ManagedSocketConfig<unknown, unknown>);
  const tokens = config.token ? new TokenCache(config.token, options.refreshBefore, options.tokenTimeout, scheduler) : undefined;
  const link: Link = { socket: null, ready: false, pongs: 0, created: null, heartbeatAt: null, pingAt: null, rttMs: null };
  const writeFrame = (message: Out): boolean => {
    const socket = link.socket;
    if (socket === null || socket.readyState !== OPEN) return false;
    socket.send(serialize(message));
    counters.messagesOut++;
    return true;
  };
  const outbox = new Outbox<Out>(options.outbox.capacity, options.outbox.maxAge, options.outbox.overflow, (message, reason) =>
    emit({ type: 'dropped', reason, message }),
  );
  const topics = createTopicSet((command) => {
    if (topicFrames) writeFrame(command.type === 'subscribe' ? topicFrames.subscribe(command.topics) : topicFrames.unsubscribe(command.topics));
  });
  const failures = createFailurePolicy(options, tokens !== undefined);
  /** Ends the current attempt with an error (a server reset). */
  const attemptFailures = new Subject<unknown>();
  const resets: ResetDetector | undefined =
    options.resets === undefined ? undefined : createResetDetector(options.resets, cursor, lifecycle, (error) => attemptFailures.next(error));
  /** What the delivery stages report through: with the seq fallback, a repeat far below the cursor is a sign of a reset. */
  const stageLifecycle: Lifecycle =
    resets === undefined || options.resets?.fallback === undefined
      ? lifecycle
      : {
          emit: (event) => {
            emit(event);
            resets.observe(event);
          },
          get state() {
            return lifecycle.state;
          },
          state$: lifecycle.state$,
          events$: lifecycle.events$,
          counters,
        };
  /** A message the ready handshake accepts. */
  const readySignal = new Subject<void>();
  /** Requests and acknowledged sends waiting for their answer (created only when configured). */
  const conversations =
    options.requests === undefined && options.acks === undefined
      ? undefined
      : new Conversations({
          scheduler,
          ready: () => link.ready,
          write: (message) => writeFrame(message as Out),
          onGiveUp: (message, info) => emit({ type: 'dropped', reason: 'undelivered', message, error: info }),
        });

  // Signals beside the messages: what the socket is asked to do, and when a connection is healthy.
  const requests = new Subject<Request>();
  const retryNow = new Subject<void>();
  const healthy = new Subject<void>();
  /** Attempts so far, failures in a row since the last open, and what ended the last attempt. */
  const history = { attempts: 0, retries: 0, lastError: undefined as unknown, tokenRefused: false, live: false };

  /** The connection is ready: replay the topics, flush the outbox, and count it as a success. */
  const onReady = (ctx: ConnectContext): void => {
    topics.replay();
    // What waited for an answer on the last connection goes first, in order; then the outbox.
    conversations?.ready();
    outbox.drain(scheduler.now(), writeFrame);
    link.ready = true;
    history.retries = 0;
    failures.connected();
    emit({ type: 'connected', attempt: ctx.attempt });
    healthy.next();
  };

  /** The consumer's pause: outlives connections, applied to each socket as it opens. */
  const flow = { paused: false };
  /**
   * The open socket can pause. Between connections the pause is recorded, and a socket that opens
   * and cannot pause ends it (`paused` turns `false`: the Node adapters then fail, not grow).
   */
  const canPause = (socket: WebSocketLike | null): boolean => socket === null || (typeof socket.pause === 'function' && typeof socket.resume === 'function');

  const onOpen = (socket: WebSocketLike, ctx: ConnectContext): void => {
    link.socket = socket;
    // Before any frame can arrive (frames only come after the open event).
    if (binaryType !== undefined) socket.binaryType = binaryType;
    if (flow.paused) {
      if (canPause(socket)) socket.pause?.();
      else flow.paused = false;
    }
    const frame = handshake?.({ ...ctx, resumeFromSeq: cursor?.value ?? null, cursor, resumeToken: withTokens ? (cursor?.resumeToken() ?? null) : null });
    if (frame !== undefined) writeFrame(frame);
    if (options.ready === undefined) onReady(ctx);
  };
  const watch = createWatch(options, link, resets, readySignal, scheduler.now.bind(scheduler), conversations);
  const deps = {
    options,
    lifecycle,
    tokens,
    link,
    writeFrame,
    onOpen,
    onReady,
    ready$: readySignal.asObservable(),
    failures$: attemptFailures.asObservable(),
    onTokenRefreshFailed: (error: unknown, retryIn: number) => emit({ type: 'tokenRefreshFailed', error, retryIn }),
    requestReconnect: () => requests.next('reconnect'),
    onTokenRenewed: () => {
      history.tokenRefused = false;
      emit({ type: 'tokenRefreshed', inBand: false });
    },
    isHeld: () => flow.paused,
  };

  /** What ended an attempt: report it, and remember it for the next one. */
  const onAttemptError = (error: unknown): void => {
    // A zombie will not answer a close frame: drop it instead of waiting for one.
    if (error instanceof IdleTimeoutError) link.socket?.terminate?.();
    const { kind } = failures.verdictOf(error);
    if (kind === 'reauth') history.tokenRefused = true;
    history.retries++;
    history.lastError = error;
    emit({ type: 'disconnected', error, kind });
  };
  const onAttemptEnd = (): void => {
    conversations?.lost();
    link.socket = null;
    link.created = null;
    link.ready = false;
    link.heartbeatAt = null;
    link.pingAt = null;
    history.live = false;
  };

  // Built once (it checks its options now): its state is the cursor, which outlives attempts.
  const replays = dropReplays(options, cursor, stageLifecycle);
  /**
   * The end of each attempt, in one step: hand each value over (without dedupe, the message of
   * an event record), report what ended the attempt, and clear the connection state.
   */
  const settle =
    <T, R>(handOver: (value: T) => R): OperatorFunction<T, R> =>
    (source) =>
      new Observable<R>((subscriber) => {
        // The values come from a socket, never synchronously: the subscription is the teardown.
        const subscription = source.subscribe({
          next: (value) => subscriber.next(handOver(value)),
          error: (error: unknown) => {
            // A close before the open may be a refused upgrade (its HTTP status is on the socket).
            const failure = link.socket === null ? upgradeErrorOf(error, link.created, Date.now()) : error;
            onAttemptError(failure);
            subscriber.error(failure);
          },
          complete: () => subscriber.complete(),
        });
        return () => {
          subscription.unsubscribe();
          onAttemptEnd();
        };
      });
  /** Per attempt: decode, reorder, drop replays and settle. */
  const inbound = (frames$: Observable<unknown>): Observable<unknown> => {
    if (options.seqOf === undefined) return frames$.pipe(decodeMessages(options, lifecycle, watch), settle(identity));
    const events$ = frames$.pipe(decodeEvents(options, lifecycle, watch), reorder(options, cursor, stageLifecycle), replays);
    // With dedupe on, the records go on to it (across attempts) and are handed over after it.
    return options.dedupeWindow === undefined ? events$.pipe(settle(messageOf<In>)) : events$.pipe(settle(identity));
  };
  const attempt$ = defer(() => {
    const attempt = ++history.attempts;
    history.live = true;
    resets?.connecting();
    emit({ type: 'connecting', attempt });
    return inbound(connection$(deps, { attempt, retries: history.retries, lastError: history.lastError, forceToken: history.tokenRefused }));
  });

  const { retry } = options;
  const connected$ = attempt$.pipe(
    retryBackoff({
      ...retry,
      shouldRetry: (error: unknown) => failures.verdictOf(error).kind !== 'permanent',
      minDelay: (error: unknown) => Math.max(failures.verdictOf(error).minDelay ?? 0, retry.minDelay?.(error) ?? 0),
      onRetry: (info) => {
        retry.onRetry?.(info);
        emit({ type: 'reconnecting', attempt: info.attempt, delay: info.delay, error: info.error });
      },
      healthy,
      retryNow: retry.retryNow === undefined ? retryNow : merge(retryNow, retry.retryNow),
      scheduler,
    }),
  );
  const delivered = (options.seqOf !== undefined && options.dedupeWindow !== undefined ? dropResent(options, stageLifecycle, resets === undefined ? undefined : () => resets.numbering) : identity) as OperatorFunction<unknown, In>;

  let closing: Observable<void> | null = null;
  const messages$ = requests.pipe(
    startWith<Request>('connect'),
    takeWhile((request) => request !== 'close', true),
    // A requested reconnect (reconnect() on a live connection, a token refresh without an
    // in-band message) replaces the connection: a fresh attempt, with a fresh backoff.
    switchMap((request) => {
      if (request === 'close') return EMPTY;
      if (request === 'reconnect') emit({ type: 'disconnected', error: undefined, kind: 'reconnect' });
      return connected$;
    }),
    delivered,
    consume(options, lifecycle),
    failPendingFirst(conversations),
    tap({ subscribe: () => (closing = null), error: (error: unknown) => emit({ type: 'closed', error }) }),
    // The last unsubscription closes; an error has already said 'closed' (with the error), and
    // close() says it once the socket is really closed.
    finalize(() => {
      conversations?.closed();
      if (closing === null && lifecycle.state !== 'closed') emit({ type: 'closed' });
    }),
    share(),
  );

  const handle: ManagedSocket<In, Out> = Object.assign(messages$, {
    state$: lifecycle.state$,
    events$: lifecycle.events$,
    cursor,
    metrics: (): ManagedSocketMetrics => ({ ...counters, rttMs: link.rttMs }),
    send: (message: Out): void => {
      if (link.ready && writeFrame(message)) return;
      if (options.outbox.mode === 'stateless') return emit({ type: 'dropped', reason: 'disconnected' });
      outbox.push(message, scheduler.now());
    },
    request: (message: Out, requestOptions: { readonly timeout?: number; readonly idempotent?: boolean } = {}): Observable<In> => {
      const config = options.requests;
      if (config === undefined || conversations === undefined) {
        throw new InvalidOptionError({ operator: OP_NAME, option: 'requests', reason: 'a requests config, for request()', value: undefined });
      }
      const timeout = requestOptions.timeout ?? config.timeout;
      const resend = requestOptions.idempotent ?? config.onReconnect === 'resend';
      return defer(() => conversations.start<In>('request', config.idOf(message), message, timeout, resend));
    },
    sendAcked: (message: Out): Observable<void> => {
      const config = options.acks;
      if (config === undefined || conversations === undefined) {
        throw new InvalidOptionError({ operator: OP_NAME, option: 'acks', reason: 'an acks config, for sendAcked()', value: undefined });
      }
      return defer(() => conversations.start<void>('ack', config.idOf(message), message, config.timeout, true));
    },
    subscribeTopics: (...names: string[]): void => topics.subscribe(names),
    unsubscribeTopics: (...names: string[]): void => topics.unsubscribe(names),
    topics: (): readonly string[] => topics.list(),
    // A live attempt is replaced; a backoff wait is cut short (the backoff count stays).
    reconnect: (): void => (history.live ? requests.next('reconnect') : retryNow.next()),
    pause: (): boolean => {
      if (!canPause(link.socket)) return false;
      if (!flow.paused) {
        flow.paused = true;
        link.socket?.pause?.();
      }
      return true;
    },
    resume: (): void => {
      if (!flow.paused) return;
      flow.paused = false;
      link.socket?.resume?.();
    },
    paused: false,
    close: (): Observable<void> => {
      if (closing !== null) return closing;
      // The peer's close frame must be read: a paused socket would wait for closeTimeout.
      flow.paused = false;
      link.socket?.resume?.();
      const open = link.socket !== null && link.socket.readyState !== CLOSED ? link.socket : null;
      emit({ type: 'closing' });
      // What waits for an answer fails as 'closed' (not as a lost connection, which would come first).
      conversations?.closed();
      // Messages still queued (sent during a reconnect) are not kept silently: dropped and reported.
      outbox.dropAll('closed');
      const done$ = (open ? whenClosed(open, options.closeTimeout, scheduler) : of(undefined)).pipe(
        // Not when subscribed again meanwhile: the new connection's state wins.
        tap(() => closing === done$ && emit({ type: 'closed' })),
        shareReplay(1),
      );
      closing = done$;
      requests.next('close');
      done$.subscribe();
      return done$;
    },
  });
  // Object.assign copies a getter's value once: define the live one here.
  Object.defineProperty(handle, 'paused', { get: () => flow.paused, enumerable: true });
  return handle;
}

/**
 * The one look at each decoded message that the ready handshake, heartbeat round-trip times and
 * epochs need, or `undefined` when none is configured (then nothing runs per message). Each check
 * runs only while it is waiting for something: a ready reply, an unanswered heartbeat, an epoch.
 */
function createWatch<In, Out>(
  options: ReturnType<typeof resolveOptions<In, Out>>,
  link: Link,
  resets: ResetDetector | undefined,
  readySignal: Subject<void>,
  now: () => number,
  conversations: Conversations | undefined,
): Watch<In> {
  const isReady = options.ready?.isReady;
  const isReply = options.heartbeat?.isReply;
  const epochOf = resets === undefined ? undefined : options.resets?.epochOf;
  const replyIdOf = options.requests?.replyIdOf;
  const ackIdOf = options.acks?.ackIdOf;
  if (isReady === undefined && isReply === undefined && epochOf === undefined && conversations === undefined) return undefined;
  /** Reads the epoch of `message`, if any; `true` when a reset ended this attempt. */
  const readEpoch = (message: In): boolean => {
    if (epochOf === undefined || resets === undefined) return false;
    const epoch = epochOf(message);
    if (epoch !== undefined) resets.epoch(epoch);
    return link.socket === null;
  };
  return (message) => {
    // Replies and acks are looked for only while something waits for one.
    if (conversations !== undefined && conversations.size > 0) {
      if (replyIdOf !== undefined && conversations.answer(replyIdOf(message), message, 'request')) return true;
      if (ackIdOf !== undefined && conversations.answer(ackIdOf(message), undefined, 'ack')) return true;
    }
    if (isReady !== undefined) {
      // With a ready handshake the epoch is read from the ready reply only: once ready, neither
      // check runs again on this connection.
      if (!link.ready && isReady(message)) {
        if (readEpoch(message)) return true;
        readySignal.next();
      }
    } else if (resets !== undefined && resets.wantsEpoch && readEpoch(message)) {
      return true;
    }
    if (isReply !== undefined && link.heartbeatAt !== null && isReply(message)) {
      link.rttMs = now() - link.heartbeatAt;
      link.heartbeatAt = null;
    }
    return false;
  };
}

/**
 * With requests or acks: when the last subscriber leaves, what waits for an answer fails as
 * `'closed'` before the connection is torn down (which would fail it as `'disconnected'`): the
 * finalizer is added before the source's subscription, so it runs first. `subscriber` itself is
 * subscribed (as `alongside` does), so nothing is added to the path of each message.
 */
function failPendingFirst<T>(conversations: Conversations | undefined): OperatorFunction<T, T> {
  if (conversations === undefined) return identity;
  return (source) =>
    new Observable<T>((subscriber) => {
      subscriber.add(() => conversations.closed());
      source.subscribe(subscriber);
    });
}
