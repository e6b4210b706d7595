import { BehaviorSubject, defer, distinctUntilChanged, Subject, throwError } from 'rxjs';
import type { Observable } from 'rxjs';
import type { DecodeError, SequenceGapInfo, ServerResetInfo } from '../errors';
import type { FailureKind } from './closeCodes';
import type { OutboxDropReason } from './outbox';
import type { ManagedSocketLogger } from './config';

/** The connection state of a managed socket. */
export type ConnectionState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closing' | 'closed';

/**
 * One lifecycle event of a managed socket. `state$` and the metrics are derived from this stream;
 * `events$` is this stream. Events never carry tokens or URLs.
 */
export type ManagedSocketEvent =
  /** A connection attempt started (1 for the first one). */
  | { readonly type: 'connecting'; readonly attempt: number }
  /**
   * The connection is ready: the socket opened (and, with `ready`, the server answered the
   * handshake); the subscription replay and the outbox flush were sent.
   */
  | { readonly type: 'connected'; readonly attempt: number }
  /** A connection ended; `kind` says what happens next (`'reconnect'`: an immediate reconnect, asked for by `reconnect()`, or after a server reset with the reset's error). */
  | { readonly type: 'disconnected'; readonly error: unknown; readonly kind: FailureKind | 'reconnect' }
  /** A reconnect is scheduled after `delay` ms (attempt is 1-based). */
  | { readonly type: 'reconnecting'; readonly attempt: number; readonly delay: number; readonly error: unknown }
  /** `close()` was called: draining and closing. */
  | { readonly type: 'closing' }
  /** The socket is closed for good: by `close()`, unsubscription, a permanent error or exhausted retries. */
  | { readonly type: 'closed'; readonly error?: unknown }
  /** A hole in the sequence was not filled in time: the socket resyncs from the cursor. */
  | { readonly type: 'gap'; readonly gap: SequenceGapInfo }
  /**
   * A replayed or resent event was dropped, by `stage`: `'cursor'` (at or below the resume
   * cursor: a server's replay), `'gaps'` (arrived after the reorder stage had moved past it),
   * `'dedupe'` (its id was in the dedupe window).
   */
  | { readonly type: 'duplicate'; readonly seq: number | undefined; readonly key: unknown; readonly stage: DuplicateStage }
  /**
   * A message was dropped: the consumer buffer was full (`'consumer-full'`), the outbox could not
   * keep or send it, or a request or acknowledged send was given up on (`'undelivered'`, with the
   * `DeliveryError`). Outbound drops carry the message the app sent, to resend or report.
   */
  | { readonly type: 'dropped'; readonly reason: 'consumer-full' | 'undelivered' | OutboxDropReason; readonly message?: unknown; readonly error?: unknown }
  /** An inbound frame was refused; the stream goes on. */
  | { readonly type: 'decodeError'; readonly error: DecodeError }
  /** A new token was obtained; `inBand`: sent on the open socket, else used by a reconnect. */
  | { readonly type: 'tokenRefreshed'; readonly inBand: boolean }
  /** A proactive token refresh failed; the connection stays, and the refresh is tried again in `retryIn` ms. */
  | { readonly type: 'tokenRefreshFailed'; readonly error: unknown; readonly retryIn: number }
  /** The server restarted its numbering; `info.policy` says what the socket does about it. */
  | { readonly type: 'reset'; readonly info: ServerResetInfo };

/**
 * Which stage dropped a repeated event.
 *
 * @example
 * ```ts
 * socket.events$.subscribe((e) => {
 *   if (e.type === 'duplicate' && e.stage === 'cursor') console.log('the server replayed', e.seq);
 * });
 * ```
 */
export type DuplicateStage = 'cursor' | 'gaps' | 'dedupe';

/**
 * Counters of a managed socket since it was created.
 *
 * @example
 * ```ts
 * const { duplicates, duplicatesFromCursor, drops, dropsFromOutbox } = socket.metrics();
 * ```
 */
export interface ManagedSocketCounters {
  readonly connections: number;
  readonly disconnects: number;
  readonly reconnectAttempts: number;
  readonly messagesIn: number;
  readonly messagesOut: number;
  /** Every dropped repeat; the three `duplicatesFrom*` counters split it by stage. */
  readonly duplicates: number;
  /** Repeats dropped by the resume cursor (a server's replay at or below it). */
  readonly duplicatesFromCursor: number;
  /** Repeats dropped by the reorder stage (late, after it moved past them). */
  readonly duplicatesFromGaps: number;
  /** Repeats dropped by the dedupe id window. */
  readonly duplicatesFromDedupe: number;
  readonly gaps: number;
  /** Every dropped message; the two `dropsFrom*` counters split it by cause. */
  readonly drops: number;
  /** Inbound messages dropped because the consumer buffer was full. */
  readonly dropsFromConsumer: number;
  /** Outbound messages dropped: the outbox could not keep or send them (overflow, expired, disconnected, closed), or no answer came (undelivered). */
  readonly dropsFromOutbox: number;
  readonly decodeErrors: number;
  readonly tokenRefreshes: number;
  /** Server resets seen (`reset` events). */
  readonly resets: number;
}

/**
 * What `metrics()` returns: the counters, and the last measured round-trip time.
 *
 * @example
 * ```ts
 * const { connections, rttMs } = socket.metrics();
 * console.log(`${connections} connections, rtt ${rttMs ?? '?'} ms`);
 * ```
 */
export interface ManagedSocketMetrics extends ManagedSocketCounters {
  /**
   * The last round-trip time in ms: from a heartbeat to the reply `heartbeat.isReply` accepts,
   * or from a protocol ping (`pingInterval`, `ws`) to its pong; `null` before the first one.
   */
  readonly rttMs: number | null;
}

/** All counters at zero. @internal */
export function emptyMetrics(): ManagedSocketCounters {
  return {
    connections: 0,
    disconnects: 0,
    reconnectAttempts: 0,
    messagesIn: 0,
    messagesOut: 0,
    duplicates: 0,
    duplicatesFromCursor: 0,
    duplicatesFromGaps: 0,
    duplicatesFromDedupe: 0,
    gaps: 0,
    drops: 0,
    dropsFromConsumer: 0,
    dropsFromOutbox: 0,
    decodeErrors: 0,
    tokenRefreshes: 0,
    resets: 0,
  };
}

const DUPLICATE_CAUSE = { cursor: 'duplicatesFromCursor', gaps: 'duplicatesFromGaps', dedupe: 'duplicatesFromDedupe' } as const;

/** The by-cause counter an event moves beside {@link metricOf}'s, if any. @internal */
export function causeMetricOf(event: ManagedSocketEvent): keyof ManagedSocketCounters | null {
  if (event.type === 'duplicate') return DUPLICATE_CAUSE[event.stage];
  if (event.type === 'dropped') return event.reason === 'consumer-full' ? 'dropsFromConsumer' : 'dropsFromOutbox';
  return null;
}

/** Which counter an event moves. @internal */
export function metricOf(event: ManagedSocketEvent): keyof ManagedSocketCounters | null {
  switch (event.type) {
    case 'connected':
      return 'connections';
    case 'disconnected':
      return 'disconnects';
    case 'reconnecting':
      return 'reconnectAttempts';
    case 'duplicate':
      return 'duplicates';
    case 'gap':
      return 'gaps';
    case 'dropped':
      return 'drops';
    case 'decodeError':
      return 'decodeErrors';
    case 'tokenRefreshed':
      return 'tokenRefreshes';
    case 'reset':
      return 'resets';
    default:
      return null;
  }
}

/** The state after an event. @internal */
export function nextState(state: ConnectionState, event: ManagedSocketEvent): ConnectionState {
  switch (event.type) {
    case 'connecting':
      return state === 'reconnecting' || state === 'open' ? 'reconnecting' : 'connecting';
    case 'connected':
      return 'open';
    case 'disconnected':
      return state === 'closing' || state === 'closed' || event.kind === 'permanent' ? state : 'reconnecting';
    case 'reconnecting':
      return state === 'closing' ? state : 'reconnecting';
    case 'closing':
      return 'closing';
    case 'closed':
      return 'closed';
    default:
      return state;
  }
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
  tokenRefreshFailed: 'warn',
  reset: 'warn',
};

/**
 * The one stream of lifecycle events of a managed socket, and what is derived from it: the state,
 * the counters and the log. The two per-message counters (`messagesIn`, `messagesOut`) are
 * counted where the messages pass, not through an event each. The subjects behind `state$` and
 * `events$` are made when first subscribed: an idle socket nobody watches holds none.
 *
 * @internal
 */
export class Lifecycle {
  /** The counters, written in place by the per-message paths. */
  readonly counters: { -readonly [K in keyof ManagedSocketCounters]: number } = emptyMetrics();
  private current: ConnectionState = 'idle';
  private events: Subject<ManagedSocketEvent> | null = null;
  private states: BehaviorSubject<ConnectionState> | null = null;
  private state$Cache: Observable<ConnectionState> | null = null;
  private events$Cache: Observable<ManagedSocketEvent> | null = null;

  constructor(private readonly logger: ManagedSocketLogger | undefined) {}

  /** The state, current value first, without repeats. */
  get state$(): Observable<ConnectionState> {
    return (this.state$Cache ??= defer(() => (this.states ??= new BehaviorSubject(this.current))).pipe(distinctUntilChanged()));
  }

  /** Every event. */
  get events$(): Observable<ManagedSocketEvent> {
    return (this.events$Cache ??= defer(() => (this.events ??= new Subject<ManagedSocketEvent>())));
  }

  /** The state now. */
  get state(): ConnectionState {
    return this.current;
  }

  /** Records one event: counters, state, logger, then `events$`. */
  emit(event: ManagedSocketEvent): void {
    const { counters, logger } = this;
    const metric = metricOf(event);
    if (metric !== null) counters[metric]++;
    const cause = causeMetricOf(event);
    if (cause !== null) counters[cause]++;
    const next = nextState(this.current, event);
    if (next !== this.current) {
      this.current = next;
      this.states?.next(next);
    }
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
    this.events?.next(event);
  }
}

/** A lifecycle in state `idle` with every counter at zero. @internal */
export function createLifecycle(logger: ManagedSocketLogger | undefined): Lifecycle {
  return new Lifecycle(logger);
}
