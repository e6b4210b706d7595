import { defer, EMPTY, finalize, identity, merge, Observable, of, share, shareReplay, startWith, Subject, switchMap, takeWhile, tap } from 'rxjs';
import type { OperatorFunction } from 'rxjs';
import { IdleTimeoutError } from '../errors';
import { retryBackoff } from '../operators/retryBackoff';
import type { ResumeCursor } from '../cursor';
import { createResumeCursor } from '../cursor';
import { TokenCache } from './auth';
import { connection$ } from './connection';
import type { Link } from './connection';
import { consume, dropReplays, dropResent, messageOf, reorder } from './delivery';
import { createFailurePolicy } from './failures';
import { decodeEvents, decodeMessages } from './inbound';
import { createLifecycle } from './lifecycle';
import type { ConnectionState, ManagedSocketEvent, ManagedSocketMetrics } from './lifecycle';
import { resolveOptions } from './options';
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
 * (no first token), {@link SequenceGapError} (a hole that resyncs cannot fill), or the last error
 * once `retry.maxRetries` is used up. Bad options throw {@link InvalidOptionError} at once.
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
  const link: Link = { socket: null, ready: false, pongs: 0 };
  const writeFrame = (message: Out): boolean => {
    const socket = link.socket;
    if (socket === null || socket.readyState !== OPEN) return false;
    socket.send(serialize(message));
    counters.messagesOut++;
    return true;
  };
  const outbox = new Outbox<Out>(options.outbox.capacity, options.outbox.maxAge, options.outbox.overflow, (_message, reason) =>
    emit({ type: 'dropped', reason }),
  );
  const topics = createTopicSet((command) => {
    if (topicFrames) writeFrame(command.type === 'subscribe' ? topicFrames.subscribe(command.topics) : topicFrames.unsubscribe(command.topics));
  });
  const failures = createFailurePolicy(options);

  // Signals beside the messages: what the socket is asked to do, and when a connection is healthy.
  const requests = new Subject<Request>();
  const retryNow = new Subject<void>();
  const healthy = new Subject<void>();
  /** Attempts so far, failures in a row since the last open, and what ended the last attempt. */
  const history = { attempts: 0, retries: 0, lastError: undefined as unknown, tokenRefused: false, live: false };

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
    topics.replay();
    outbox.drain(scheduler.now(), writeFrame);
    link.ready = true;
    history.retries = 0;
    emit({ type: 'connected', attempt: ctx.attempt });
    healthy.next();
  };
  const deps = {
    options,
    lifecycle,
    tokens,
    link,
    writeFrame,
    onOpen,
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
    link.socket = null;
    link.ready = false;
    history.live = false;
  };

  // Built once (it checks its options now): its state is the cursor, which outlives attempts.
  const replays = dropReplays(options, cursor, lifecycle);
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
            onAttemptError(error);
            subscriber.error(error);
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
    if (options.seqOf === undefined) return frames$.pipe(decodeMessages(options, lifecycle), settle(identity));
    const events$ = frames$.pipe(decodeEvents(options, lifecycle), reorder(options, cursor, lifecycle), replays);
    // With dedupe on, the records go on to it (across attempts) and are handed over after it.
    return options.dedupeWindow === undefined ? events$.pipe(settle(messageOf<In>)) : events$.pipe(settle(identity));
  };
  const attempt$ = defer(() => {
    const attempt = ++history.attempts;
    history.live = true;
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
  const delivered = (options.seqOf !== undefined && options.dedupeWindow !== undefined ? dropResent(options, lifecycle) : identity) as OperatorFunction<unknown, In>;

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
    tap({ subscribe: () => (closing = null), error: (error: unknown) => emit({ type: 'closed', error }) }),
    // The last unsubscription closes; an error has already said 'closed' (with the error), and
    // close() says it once the socket is really closed.
    finalize(() => {
      if (closing === null && lifecycle.state !== 'closed') emit({ type: 'closed' });
    }),
    share(),
  );

  const handle: ManagedSocket<In, Out> = Object.assign(messages$, {
    state$: lifecycle.state$,
    events$: lifecycle.events$,
    cursor,
    metrics: (): ManagedSocketMetrics => ({ ...counters }),
    send: (message: Out): void => {
      if (link.ready && writeFrame(message)) return;
      if (options.outbox.mode === 'stateless') return emit({ type: 'dropped', reason: 'disconnected' });
      outbox.push(message, scheduler.now());
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
