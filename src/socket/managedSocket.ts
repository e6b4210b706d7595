import {
  asyncScheduler,
  BehaviorSubject,
  concat,
  connect,
  defer,
  distinctUntilChanged,
  EMPTY,
  filter,
  from,
  identity,
  ignoreElements,
  interval,
  map,
  merge,
  MonoTypeOperatorFunction,
  Observable,
  of,
  repeat,
  share,
  shareReplay,
  Subject,
  switchMap,
  take,
  takeUntil,
  tap,
  throwError,
  timeout,
} from 'rxjs';
import { ConnectTimeoutError, DecodeError, IdleTimeoutError, InvalidOptionError, SequenceGapError } from '../errors';
import { count, duration, oneOf } from '../internal/validate';
import { onlyWhere } from '../internal/onlyWhere';
import { retryBackoff } from '../operators/retryBackoff';
import { idleTimeout } from '../operators/idleTimeout';
import { resumeFrom } from '../operators/resumeFrom';
import { createResumeCursor, ResumeCursor } from '../operators/resumeCursor';
import { dedupe } from '../operators/dedupe';
import { sequenceGaps } from '../operators/sequenceGaps';
import { dropOnFull } from '../operators/dropOnFull';
import { classifyFailure, FailureKind } from './closeCodes';
import { TokenCache, tokenRefresh$ } from './auth';
import { decodeFrame, sequenceProblem } from './messages';
import { Outbox } from './outbox';
import { createTopicSet } from './topics';
import { CLOSED, OPEN, openSocket$, TransportEvent, WebSocketCtor, WebSocketLike, whenClosed } from './transport';
import { checkSecure, resolveUrl } from './url';
import { ConnectionState, emptyMetrics, ManagedSocketEvent, ManagedSocketMetrics, metricOf, nextState } from './lifecycle';
import type { ConnectContext, ManagedSocketConfig, ManagedSocketLogger } from './config';

const OP = 'managedSocket$';

/** What the decode step returns for a frame that is not delivered (refused, or a control frame). */
const SKIP: unique symbol = Symbol('skip');
/** Emitted by an attempt when its socket opened, so retryBackoff's resetAfter counts from the open. */
const OPENED: unique symbol = Symbol('opened');

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
   * Sends a user message: at once when open, else through the outbox (stateful mode) or dropped
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
   * Closes gracefully: flushes what can still be sent, sends a close frame, and drops the
   * connection if the peer does not answer within `closeTimeout`. Subscribers complete. The
   * returned Observable completes once the socket is closed (subscribing to it is optional).
   */
  close(): Observable<void>;
}

const LOG_LEVEL: Record<ManagedSocketEvent['type'], keyof ManagedSocketLogger> = {
  connecting: 'debug',
  connected: 'info',
  disconnected: 'warn',
  reconnecting: 'info',
  closing: 'debug',
  closed: 'info',
  gap: 'warn',
  duplicate: 'debug',
  dropped: 'warn',
  decodeError: 'warn',
  tokenRefreshed: 'debug',
};

function resolveCursor(config: ManagedSocketConfig<unknown, unknown>): ResumeCursor | undefined {
  const { resume, seqOf, keyOf } = config;
  if (resume === false || seqOf === undefined) return undefined;
  if (resume !== undefined && 'markDelivered' in resume) return resume;
  return createResumeCursor({ mode: keyOf ? 'perKey' : 'contiguous', ...resume });
}

/**
 * Creates a WebSocket feed that survives drops, server restarts, zombie links, token expiry,
 * duplicates and gaps: one pipeline of this library's operators around a transport.
 *
 * Every connection sends the handshake (built from the gap-safe resume cursor and the token),
 * replays the active topics, then flushes the outbox. Failures are classified: permanent ones
 * (1008, 1003, auth codes, no first token) end the stream with the error; transient ones
 * reconnect with `retryBackoff` (jitter on by default). Inbound frames are size-guarded,
 * JSON-decoded and validated; events then pass `sequenceGaps` (a hole not filled in time resyncs
 * from the cursor), `resumeFrom` and `dedupe`, and `dropOnFull` when a consumer buffer is set.
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
 * const socket = managedSocket$<Event, Command>({
 *   url: 'wss://feed.example.com',
 *   handshake: ({ resumeFromSeq, token }) => ({ type: 'hello', resumeFromSeq, token }),
 *   seqOf: (m) => (m.type === 'event' ? m.seq : undefined),
 *   topics: { subscribe: (topics) => ({ type: 'subscribe', topics }), unsubscribe: (topics) => ({ type: 'unsubscribe', topics }) },
 * });
 * socket.subscribeTopics('prices');
 * socket.subscribe((event) => console.log(event));
 * // Output: every event once, in order, across reconnects
 * ```
 *
 * Errors delivered to subscribers: {@link CloseError} (permanent close codes), {@link TokenError}
 * (no first token), or the last error once `retry.maxRetries` is used up. Bad options throw
 * {@link InvalidOptionError} at once.
 *
 * @see {@link retryBackoff}, {@link resumeFrom}, {@link sequenceGaps}, {@link replaySubscriptions}
 * @param config What to connect to and how; only `url` is required.
 * @returns The socket: an Observable of inbound messages with its controls.
 */
export function managedSocket$<In = unknown, Out = unknown>(config: ManagedSocketConfig<In, Out>): ManagedSocket<In, Out> {
  const {
    url,
    WebSocketCtor = (globalThis as { WebSocket?: unknown }).WebSocket as WebSocketCtor | undefined,
    protocols,
    transportOptions,
    handshake,
    refreshMessage,
    codec,
    isControl,
    seqOf,
    keyOf,
    topics: topicFrames,
    heartbeat,
    logger,
    secureOnly = false,
    scheduler = asyncScheduler,
  } = config;
  if (typeof url !== 'string' && typeof url !== 'function') {
    throw new InvalidOptionError({ operator: OP, option: 'url', reason: 'a string or a function', value: url });
  }
  if (typeof WebSocketCtor !== 'function') {
    throw new InvalidOptionError({
      operator: OP,
      option: 'WebSocketCtor',
      reason: 'a WebSocket constructor (there is no global WebSocket here; in Node import from rxjs-managed-socket/node)',
      value: WebSocketCtor,
    });
  }
  const maxMessageSize = count(OP, 'maxMessageSize', config.maxMessageSize ?? 1_048_576, 1, true);
  const connectTimeout = duration(OP, 'connectTimeout', config.connectTimeout ?? 10_000);
  const idleMs = duration(OP, 'idleTimeout', config.idleTimeout ?? 30_000);
  const closeTimeout = duration(OP, 'closeTimeout', config.closeTimeout ?? 5_000);
  const pingInterval = duration(OP, 'pingInterval', config.pingInterval ?? 0);
  const refreshBefore = duration(OP, 'refreshBefore', config.refreshBefore ?? 300_000);
  const tokenTimeout = duration(OP, 'tokenTimeout', config.tokenTimeout ?? 10_000);
  if (heartbeat !== undefined) count(OP, 'heartbeat.interval', heartbeat.interval, 1);
  const { mode: outboxMode = 'stateful', capacity: outboxCapacity = 1000, maxAge = Infinity, overflow = 'error' } = config.outbox ?? {};
  count(OP, 'outbox.capacity', outboxCapacity);
  oneOf(OP, 'outbox.mode', outboxMode, ['stateful', 'stateless']);
  oneOf(OP, 'outbox.overflow', overflow, ['error', 'drop-newest', 'drop-oldest']);
  duration(OP, 'outbox.maxAge', maxAge, true);
  const classify = config.classify ?? ((error: unknown): FailureKind => classifyFailure(error, config.closeCodes));

  // State that outlives connections: the cursor, the topics, the outbox, the token, the counters.
  const cursor = resolveCursor(config as ManagedSocketConfig<unknown, unknown>);
  const tokens = config.token ? new TokenCache(config.token, refreshBefore, tokenTimeout, scheduler) : undefined;
  const counters: { -readonly [K in keyof ManagedSocketMetrics]: number } = emptyMetrics();
  const events = new Subject<ManagedSocketEvent>();
  const state = new BehaviorSubject<ConnectionState>('idle');

  const emit = (event: ManagedSocketEvent): void => {
    const metric = metricOf(event);
    if (metric !== null) counters[metric]++;
    const next = nextState(state.value, event);
    if (next !== state.value) state.next(next);
    const log = logger?.[LOG_LEVEL[event.type]];
    if (log !== undefined) {
      try {
        log.call(logger, event.type, event);
      } catch (err) {
        // A logger observes the lifecycle: report its failure out of band, as rxjs reports an
        // error thrown by an observer (config.onUnhandledError, else a throw on a later task).
        throwError(() => err).subscribe();
      }
    }
    events.next(event);
  };

  let socket: WebSocketLike | null = null;
  let ready = false;
  const writeFrame = (message: Out): boolean => {
    if (socket === null || socket.readyState !== OPEN) return false;
    socket.send(JSON.stringify(message));
    counters.messagesOut++;
    return true;
  };
  const outbox = new Outbox<Out>(outboxCapacity, maxAge, overflow, (_message, reason) => emit({ type: 'dropped', reason }));

  const topics = createTopicSet((command) => {
    if (topicFrames) writeFrame(command.type === 'subscribe' ? topicFrames.subscribe(command.topics) : topicFrames.unsubscribe(command.topics));
  });

  const reconnectNow = new Subject<void>();
  const closeRequest = new Subject<void>();
  let attempts = 0;
  /** The server refused the token (reauth): fetch a new one before the next connection. */
  let tokenRefused = false;

  /** A hole that resyncs could not fill is permanent: the subscriber gets the SequenceGapError. */
  const classifyAttempt = (error: unknown): FailureKind => (error instanceof SequenceGapError && holeIsPermanent ? 'permanent' : classify(error));
  const isEvent = (message: In): boolean => seqOf !== undefined && seqOf(message) !== undefined;
  const keyFor = (message: In): string | number => (keyOf ? keyOf(message) : '');

  /** A user's idOf, read at decode too when dedupe uses it (the default one cannot throw). */
  const checkedIdOf = config.dedupe === false ? undefined : config.idOf;
  /** Frame -> message, reporting refusals; the stream goes on. */
  const decode = (frames$: Observable<TransportEvent>): Observable<In> =>
    frames$.pipe(
      // map + filter, not mergeMap to of()/EMPTY: no inner subscription per message.
      map((event): In | typeof SKIP => {
        if (event.type !== 'message') return SKIP;
        counters.messagesIn++;
        const decoded = decodeFrame<In>(event.data, maxMessageSize, codec);
        if (!decoded.ok) {
          emit({ type: 'decodeError', error: decoded.error });
          return SKIP;
        }
        const message = decoded.value;
        // A bad seq or key (or a seqOf, keyOf or idOf that throws on this message) is refused
        // here, where the stream goes on: further down it would fail the attempt (or, for the id,
        // end the stream), and a replay would fail it again.
        const problem = sequenceProblem(message, seqOf, keyOf, checkedIdOf);
        if (problem !== null) {
          const raw = typeof event.data === 'string' ? event.data.slice(0, 256) : undefined;
          emit({ type: 'decodeError', error: new DecodeError({ kind: problem.kind, raw, size: raw?.length ?? 0, errors: [problem.reason] }) });
          return SKIP;
        }
        return isControl?.(message) ? SKIP : message;
      }),
      filter((message): message is In => message !== SKIP),
    );

  /** The hole of the last resync, and how many resyncs in a row met it at the same cursor. */
  let lastHole: { key: string | number; lastContiguous: number; resyncs: number } | null = null;
  let holeIsPermanent = false;
  const MAX_RESYNCS = 3;
  /** Per attempt: hold reordered events per key; a hole not filled in time ends the attempt (resync). */
  const gapsConfig = config.gaps === false ? undefined : (config.gaps ?? {});
  // Check the gap options now: the real operator is created inside each attempt, where
  // an InvalidOptionError would look like a transient failure and reconnect forever.
  if (seqOf !== undefined && gapsConfig !== undefined) sequenceGaps<In>(() => 0, { window: gapsConfig.window ?? 1000, maxWait: gapsConfig.maxWait ?? 5000 });
  // One sequence per key (keyOf), each starting where the cursor stands when the attempt begins.
  const reorder: MonoTypeOperatorFunction<In> =
    seqOf === undefined || gapsConfig === undefined
      ? identity
      : onlyWhere(isEvent, (events$) =>
          events$.pipe(
            sequenceGaps<In>((message) => seqOf(message) as number, {
              ...(keyOf ? { keyOf, start: (key: string | number) => cursor?.get(key) ?? null } : { start: cursor?.value ?? null }),
              window: gapsConfig.window ?? 1000,
              maxWait: gapsConfig.maxWait ?? 5000,
              gapAction: 'error',
              onGap: (gap) => {
                emit({ type: 'gap', gap });
                // The same hole again after a resync: the replay cannot fill it.
                const key = gap.key ?? '';
                const same = lastHole !== null && lastHole.key === key && lastHole.lastContiguous === gap.lastContiguous;
                lastHole = { key, lastContiguous: gap.lastContiguous, resyncs: same && lastHole ? lastHole.resyncs + 1 : 1 };
                holeIsPermanent = lastHole.resyncs >= MAX_RESYNCS;
              },
              onLate: (message, seq) => emit({ type: 'duplicate', seq, key: keyOf?.(message) }),
              scheduler,
            }),
          ),
        );

  /** Across attempts: drop replays (resume cursor) and resent events (dedupe). */
  // Without an idOf, an event's identity is its key and seq, which the cursor already filters:
  // dedupe would only repeat that work (and hold a window of keys), so it is off by default then.
  const dedupeConfig =
    config.dedupe === false || (config.dedupe === undefined && config.idOf === undefined && cursor !== undefined) ? undefined : (config.dedupe ?? {});
  const idOf = config.idOf ?? ((message: In) => `${keyFor(message)}\u0000${seqOf?.(message)}`);
  const dropReplays: MonoTypeOperatorFunction<In> =
    cursor && seqOf
      ? resumeFrom<In>(cursor, {
          seqOf: (message) => seqOf(message) as number,
          ...(keyOf ? { keyOf } : {}),
          onReplay: (message: In, seq: number) => emit({ type: 'duplicate', seq, key: keyOf?.(message) }),
        })
      : identity;
  const dropResent: MonoTypeOperatorFunction<In> =
    dedupeConfig && seqOf
      ? dedupe<In>(idOf, {
          window: dedupeConfig.window ?? 10_000,
          onDuplicate: (message) => emit({ type: 'duplicate', seq: seqOf(message), key: keyOf?.(message) }),
        })
      : identity;
  const deliver: MonoTypeOperatorFunction<In> = seqOf === undefined ? identity : onlyWhere(isEvent, (events$) => events$.pipe(dropReplays, dropResent));

  const consumer = config.consumer;
  const consume: MonoTypeOperatorFunction<In> = consumer
    ? dropOnFull<In, In>(consumer.capacity, (message) => concat(from(consumer.work(message)).pipe(ignoreElements()), of(message)), {
        concurrency: consumer.concurrency ?? 1,
        policy: consumer.policy ?? 'newest',
        onDrop: () => emit({ type: 'dropped', reason: 'consumer-full' }),
      })
    : identity;

  /** While open: heartbeat, protocol pings and proactive token refresh. Never emits. */
  const keepAlive$ = (open: WebSocketLike, cleanReconnect: Subject<void>): Observable<never> => {
    const refresh$ = tokens
      ? tokenRefresh$(tokens, tokens.info, refreshBefore, scheduler, (next) => {
          if (refreshMessage) {
            writeFrame(refreshMessage(next.token));
            emit({ type: 'tokenRefreshed', inBand: true });
            return true;
          }
          emit({ type: 'tokenRefreshed', inBand: false });
          cleanReconnect.next();
          return false;
        })
      : EMPTY;
    const lanes = [
      heartbeat ? interval(heartbeat.interval, scheduler).pipe(tap(() => writeFrame(heartbeat.message()))) : EMPTY,
      pingInterval > 0 ? interval(pingInterval, scheduler).pipe(tap(() => open.ping?.())) : EMPTY,
      refresh$,
    ].filter((lane) => lane !== EMPTY);
    // Nothing to keep alive: no operators held for the life of the connection.
    return lanes.length === 0 ? EMPTY : merge(...lanes).pipe(ignoreElements());
  };

  const onOpen = (open: WebSocketLike, ctx: ConnectContext): void => {
    socket = open;
    const frame = handshake?.({ ...ctx, resumeFromSeq: cursor?.value ?? null, cursor });
    if (frame !== undefined) writeFrame(frame);
    topics.replay();
    outbox.drain(scheduler.now(), writeFrame);
    ready = true;
    emit({ type: 'connected', attempt: ctx.attempt });
  };

  const attempt$ = defer((): Observable<In | typeof OPENED> => {
    const attempt = ++attempts;
    emit({ type: 'connecting', attempt });
    const forceToken = tokenRefused;
    const cleanReconnect = new Subject<void>();
    const token$ = tokens
      ? tokens.get$(forceToken).pipe(
          tap(() => {
            if (!forceToken) return;
            tokenRefused = false;
            emit({ type: 'tokenRefreshed', inBand: false });
          }),
          map((info): string | null => info.token),
        )
      : of(null);
    /** One connection: open the socket; once open, handshake, keep-alive and the inbound lane. */
    const connection$ = (href: string, ctx: ConnectContext): Observable<In | typeof OPENED> => {
      if (secureOnly) checkSecure(href);
      return openSocket$(WebSocketCtor, href, protocols, transportOptions?.(ctx)).pipe(
        connect((frames$) =>
          frames$.pipe(
            filter((event): event is { type: 'open'; socket: WebSocketLike } => event.type === 'open'),
            take(1),
            timeout({ first: connectTimeout, with: () => throwError(() => new ConnectTimeoutError({ timeoutMs: connectTimeout })), scheduler }),
            switchMap((event) => {
              onOpen(event.socket, ctx);
              // Frames only come after the open, which also starts the idle clock (before it,
              // connectTimeout is in charge). One lane per frame: idle clock, decode, reorder.
              const inbound$ = decode(idleMs > 0 ? frames$.pipe(idleTimeout(idleMs, { scheduler })) : frames$).pipe(reorder);
              const keepAlive = keepAlive$(event.socket, cleanReconnect);
              return concat(of(OPENED), keepAlive === EMPTY ? inbound$ : merge(keepAlive, inbound$));
            }),
          ),
        ),
      );
    };
    // A fixed URL and no token provider (the common case): no switchMaps for every frame to pass.
    const opened$ =
      typeof url === 'string' && !tokens
        ? defer(() => connection$(url, { attempt, token: null }))
        : token$.pipe(
            switchMap((token) => {
              const ctx: ConnectContext = { attempt, token };
              return resolveUrl(url, ctx).pipe(map((href) => ({ href, ctx })));
            }),
            switchMap(({ href, ctx }) => connection$(href, ctx)),
          );
    return opened$.pipe(
      // Only a token refresh asks for a clean reconnect.
      takeUntil(tokens ? merge(reconnectNow, cleanReconnect) : reconnectNow),
      tap({
        error: (error: unknown) => {
          // A zombie will not answer a close frame: drop it instead of waiting for one.
          if (error instanceof IdleTimeoutError) socket?.terminate?.();
          const kind = classifyAttempt(error);
          if (kind === 'reauth') tokenRefused = true;
          emit({ type: 'disconnected', error, kind });
        },
        complete: () => emit({ type: 'disconnected', error: undefined, kind: 'reconnect' }),
        finalize: () => {
          socket = null;
          ready = false;
        },
      }),
    );
  });

  let closing: Observable<void> | null = null;
  const retry = config.retry ?? {};
  const messages$ = attempt$.pipe(
    repeat(),
    retryBackoff({
      initialInterval: 1000,
      maxInterval: 30_000,
      jitter: 0.5,
      resetAfter: 10_000,
      ...retry,
      shouldRetry: (error: unknown) => classifyAttempt(error) !== 'permanent',
      onRetry: (info) => {
        retry.onRetry?.(info);
        emit({ type: 'reconnecting', attempt: info.attempt, delay: info.delay, error: info.error });
      },
      retryNow: reconnectNow,
      scheduler,
    }),
    filter((message): message is In => message !== OPENED),
  ).pipe(
    deliver,
    consume,
    takeUntil(closeRequest),
    tap({
      subscribe: () => (closing = null),
      error: (error: unknown) => emit({ type: 'closed', error }),
      // The last unsubscription closes; an error has already said 'closed' (with the error), and
      // close() says it once the socket is really closed.
      finalize: () => {
        if (closing === null && state.value !== 'closed') emit({ type: 'closed' });
      },
    }),
    share(),
  );

  const handle: ManagedSocket<In, Out> = Object.assign(messages$, {
    state$: state.pipe(distinctUntilChanged()),
    events$: events.asObservable(),
    cursor,
    metrics: (): ManagedSocketMetrics => ({ ...counters }),
    send: (message: Out): void => {
      if (ready && writeFrame(message)) return;
      if (outboxMode === 'stateless') return emit({ type: 'dropped', reason: 'disconnected' });
      outbox.push(message, scheduler.now());
    },
    subscribeTopics: (...names: string[]): void => topics.subscribe(names),
    unsubscribeTopics: (...names: string[]): void => topics.unsubscribe(names),
    topics: (): readonly string[] => topics.list(),
    reconnect: (): void => reconnectNow.next(),
    close: (): Observable<void> => {
      if (closing !== null) return closing;
      const open = socket !== null && socket.readyState !== CLOSED ? socket : null;
      emit({ type: 'closing' });
      const done$ = (open ? whenClosed(open, closeTimeout, scheduler) : of(undefined)).pipe(
        // Not when subscribed again meanwhile: the new connection's state wins.
        tap(() => closing === done$ && emit({ type: 'closed' })),
        shareReplay(1),
      );
      closing = done$;
      closeRequest.next();
      done$.subscribe();
      return done$;
    },
  });
  return handle;
}
