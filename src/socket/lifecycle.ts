import { BehaviorSubject, distinctUntilChanged, Subject, throwError } from 'rxjs';
import type { Observable } from 'rxjs';
import type { DecodeError, SequenceGapInfo } from '../errors';
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
  /** The socket opened; the handshake, the subscription replay and the outbox flush were sent. */
  | { readonly type: 'connected'; readonly attempt: number }
  /** A connection ended; `kind` says what happens next (`'reconnect'`: a clean, immediate reconnect). */
  | { readonly type: 'disconnected'; readonly error: unknown; readonly kind: FailureKind | 'reconnect' }
  /** A reconnect is scheduled after `delay` ms (attempt is 1-based). */
  | { readonly type: 'reconnecting'; readonly attempt: number; readonly delay: number; readonly error: unknown }
  /** `close()` was called: draining and closing. */
  | { readonly type: 'closing' }
  /** The socket is closed for good: by `close()`, unsubscription, a permanent error or exhausted retries. */
  | { readonly type: 'closed'; readonly error?: unknown }
  /** A hole in the sequence was not filled in time: the socket resyncs from the cursor. */
  | { readonly type: 'gap'; readonly gap: SequenceGapInfo }
  /** A replayed or resent event was dropped. */
  | { readonly type: 'duplicate'; readonly seq: number | undefined; readonly key: unknown }
  /** A message was dropped: the consumer buffer was full, or the outbox could not keep it. */
  | { readonly type: 'dropped'; readonly reason: 'consumer-full' | OutboxDropReason }
  /** An inbound frame was refused; the stream goes on. */
  | { readonly type: 'decodeError'; readonly error: DecodeError }
  /** A new token was obtained; `inBand`: sent on the open socket, else used by a reconnect. */
  | { readonly type: 'tokenRefreshed'; readonly inBand: boolean };

/** Counters of a managed socket since it was created. */
export interface ManagedSocketMetrics {
  readonly connections: number;
  readonly disconnects: number;
  readonly reconnectAttempts: number;
  readonly messagesIn: number;
  readonly messagesOut: number;
  readonly duplicates: number;
  readonly gaps: number;
  readonly drops: number;
  readonly decodeErrors: number;
  readonly tokenRefreshes: number;
}

/** All counters at zero. @internal */
export function emptyMetrics(): ManagedSocketMetrics {
  return {
    connections: 0,
    disconnects: 0,
    reconnectAttempts: 0,
    messagesIn: 0,
    messagesOut: 0,
    duplicates: 0,
    gaps: 0,
    drops: 0,
    decodeErrors: 0,
    tokenRefreshes: 0,
  };
}

/** Which counter an event moves. @internal */
export function metricOf(event: ManagedSocketEvent): keyof ManagedSocketMetrics | null {
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
};

/**
 * The one stream of lifecycle events of a managed socket, and what is derived from it: the state,
 * the counters and the log. The two per-message counters (`messagesIn`, `messagesOut`) are
 * counted where the messages pass, not through an event each.
 *
 * @internal
 */
export interface Lifecycle {
  /** Records one event: counters, state, logger, then `events$`. */
  emit(event: ManagedSocketEvent): void;
  /** The state now. */
  readonly state: ConnectionState;
  /** The state, current value first, without repeats. */
  readonly state$: Observable<ConnectionState>;
  /** Every event. */
  readonly events$: Observable<ManagedSocketEvent>;
  /** The counters, written in place by the per-message paths. */
  readonly counters: { -readonly [K in keyof ManagedSocketMetrics]: number };
}

/** A lifecycle in state `idle` with every counter at zero. @internal */
export function createLifecycle(logger: ManagedSocketLogger | undefined): Lifecycle {
  const counters: { -readonly [K in keyof ManagedSocketMetrics]: number } = emptyMetrics();
  const events = new Subject<ManagedSocketEvent>();
  const state = new BehaviorSubject<ConnectionState>('idle');
  return {
    emit: (event) => {
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
    },
    get state() {
      return state.value;
    },
    state$: state.pipe(distinctUntilChanged()),
    events$: events.asObservable(),
    counters,
  };
}
