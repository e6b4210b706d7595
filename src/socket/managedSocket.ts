import { Observable } from 'rxjs';
import type { MonoTypeOperatorFunction, Subscriber, TeardownLogic } from 'rxjs';
import { Fanout } from '../internal/fanout';
import type { FanoutSource } from '../internal/fanout';
import type { ResumeCursor } from '../cursor';
import { createResumeCursor } from '../cursor';
import { TokenCache } from './auth';
import { SocketCore } from './core';
import { consume } from './delivery';
import { createLifecycle } from './lifecycle';
import type { ConnectionState, ManagedSocketEvent, ManagedSocketMetrics } from './lifecycle';
import { resolveOptions } from './options';
import type { ManagedSocketConfig } from './config';

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
  // What outlives connections: the lifecycle (state, events, counters), the cursor, the token.
  const lifecycle = createLifecycle(config.logger);
  const cursor = resolveCursor(config as ManagedSocketConfig<unknown, unknown>);
  const tokens = config.token ? new TokenCache(config.token, options.refreshBefore, options.tokenTimeout, options.scheduler) : undefined;
  // The socket's state and stages: connections one after the other, frames straight to the output.
  const core = new SocketCore<In, Out>(options, lifecycle, cursor, tokens);
  // A slow consumer's bounded buffer, when asked for (built now: it checks its options).
  const buffer = options.consumer === undefined ? undefined : consume(options, lifecycle);
  // One run of connections for every subscriber: the first one starts it, the last one to leave
  // ends it. Without a consumer buffer the messages go from the socket to the subscribers with no
  // operator in between.
  const fanout = new Fanout<In>(buffer === undefined ? core : buffered(core, buffer));
  return new Socket(core, fanout);
}

/** The run of `core` through the consumer buffer, shared by the subscribers. */
function buffered<In>(core: FanoutSource<In>, buffer: MonoTypeOperatorFunction<In>): FanoutSource<In> {
  return {
    run: (out) => {
      const subscription = new Observable<In>((subscriber) => core.run(subscriber)).pipe(buffer).subscribe(out);
      return () => subscription.unsubscribe();
    },
  };
}

/** Subscribes to a socket's messages: its fan-out (the first subscriber connects). */
function subscribeToSocket(this: Socket<unknown, unknown>, subscriber: Subscriber<unknown>): TeardownLogic {
  return this.fanout.attach(subscriber);
}

/** The handle: the shared messages, with the controls (each one a stage of the core). */
class Socket<In, Out> extends Observable<In> implements ManagedSocket<In, Out> {
  constructor(
    private readonly core: SocketCore<In, Out>,
    /** @internal */ readonly fanout: Fanout<In>,
  ) {
    // rxjs calls the subscribe function with the Observable as `this`: one function for every socket.
    super(subscribeToSocket as (this: Observable<In>, subscriber: Subscriber<In>) => TeardownLogic);
  }

  get state$(): Observable<ConnectionState> {
    return this.core.lifecycle.state$;
  }

  get events$(): Observable<ManagedSocketEvent> {
    return this.core.lifecycle.events$;
  }

  get cursor(): ResumeCursor | undefined {
    return this.core.cursor;
  }

  // The controls work detached too (`const { send } = socket`, `onClick={socket.reconnect}`): each
  // is a function bound to this socket, made the first time it is read.
  private fns: Partial<Controls<In, Out>> | null = null;

  get metrics(): Controls<In, Out>['metrics'] {
    return ((this.fns ??= {}).metrics ??= () => ({ ...this.core.lifecycle.counters, rttMs: this.core.rttMs }));
  }

  get send(): Controls<In, Out>['send'] {
    return ((this.fns ??= {}).send ??= (message) => this.core.send(message));
  }

  get request(): Controls<In, Out>['request'] {
    return ((this.fns ??= {}).request ??= (message, options) => this.core.request(message, options));
  }

  get sendAcked(): Controls<In, Out>['sendAcked'] {
    return ((this.fns ??= {}).sendAcked ??= (message) => this.core.sendAcked(message));
  }

  get subscribeTopics(): Controls<In, Out>['subscribeTopics'] {
    return ((this.fns ??= {}).subscribeTopics ??= (...topics) => this.core.topics.subscribe(topics));
  }

  get unsubscribeTopics(): Controls<In, Out>['unsubscribeTopics'] {
    return ((this.fns ??= {}).unsubscribeTopics ??= (...topics) => this.core.topics.unsubscribe(topics));
  }

  get topics(): Controls<In, Out>['topics'] {
    return ((this.fns ??= {}).topics ??= () => this.core.topics.list());
  }

  get reconnect(): Controls<In, Out>['reconnect'] {
    return ((this.fns ??= {}).reconnect ??= () => this.core.reconnect());
  }

  get pause(): Controls<In, Out>['pause'] {
    return ((this.fns ??= {}).pause ??= () => this.core.pause());
  }

  get resume(): Controls<In, Out>['resume'] {
    return ((this.fns ??= {}).resume ??= () => this.core.resume());
  }

  get paused(): boolean {
    return this.core.paused;
  }

  get close(): Controls<In, Out>['close'] {
    return ((this.fns ??= {}).close ??= () => this.core.close());
  }
}

/** The methods of a {@link ManagedSocket}. */
type Controls<In, Out> = Pick<
  ManagedSocket<In, Out>,
  'metrics' | 'send' | 'request' | 'sendAcked' | 'subscribeTopics' | 'unsubscribeTopics' | 'topics' | 'reconnect' | 'pause' | 'resume' | 'close'
>;
