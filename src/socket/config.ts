import type { Decoder } from 'io-ts';
import type { ObservableInput, Observable, SchedulerLike } from 'rxjs';
import type { RetryBackoffConfig } from '../operators/retryBackoff';
import type { ResumeCursor, ResumeCursorConfig } from '../cursor';
import type { DropPolicy } from '../operators/dropOnFull';
import type { CloseCodeTable, FailureKind, FailureVerdict } from './closeCodes';
import type { TokenProvider } from './auth';
import type { OutboxConfig } from './outbox';
import type { WebSocketCtor } from './transport';
import type { WireFormat } from './wire';
import type { ManagedSocketEvent } from './lifecycle';

/** What the URL, transport-options and handshake builders receive. */
export interface ConnectContext {
  /** 1 for the first connection attempt of this socket, then 2, 3, ... */
  readonly attempt: number;
  /** The current token, or `null` without a token provider. */
  readonly token: string | null;
  /**
   * How many attempts in a row have failed since the last connection that opened (0 for the
   * first attempt and right after a good connection): a `url` function can fail over to another
   * endpoint after a few, and stay on one that works.
   */
  readonly retries: number;
  /** The error that ended the previous attempt, or `undefined` on the first one. */
  readonly lastError: unknown;
}

/** What the handshake builder receives. */
export interface HandshakeContext extends ConnectContext {
  /**
   * The gap-safe resume cursor: the value to send as `resumeFromSeq` (`null` when nothing was
   * delivered and no start was given).
   */
  readonly resumeFromSeq: number | null;
  /** The cursor itself, for servers that accept a per-key map (`cursor.snapshot()`). */
  readonly cursor: ResumeCursor | undefined;
  /**
   * With `resumeTokenOf`: the gap-safe resume token, the lowest over the cursor's keys of the token
   * of each key's last event delivered in order (see {@link ResumeCursor.resumeToken}). `null`
   * when no token is safe to resume from (nothing delivered yet, or a key that lacks events whose
   * tokens are unknown): resume from the beginning. Always `null` without `resumeTokenOf`.
   */
  readonly resumeToken: number | null;
}

/** A sink for the socket's lifecycle, one call per event. Events never carry tokens or URLs. */
export interface ManagedSocketLogger {
  debug?(message: string, event: ManagedSocketEvent): void;
  info?(message: string, event: ManagedSocketEvent): void;
  warn?(message: string, event: ManagedSocketEvent): void;
  error?(message: string, event: ManagedSocketEvent): void;
}

/** Everything `managedSocket$` can be told. Only `url` is required. */
export interface ManagedSocketConfig<In, Out> {
  /** The URL, or a function returning it (a value, Promise or Observable) for every attempt. */
  readonly url: string | ((ctx: ConnectContext) => string | PromiseLike<string> | Observable<string>);
  /**
   * The WebSocket constructor.
   * @default globalThis.WebSocket (the `rxjs-managed-socket/node` entry defaults to the `ws` package)
   */
  readonly WebSocketCtor?: WebSocketCtor;
  /**
   * Refuse plain `ws://` URLs to hosts other than loopback (127.0.0.0/8, ::1, localhost): the
   * attempt fails with a permanent `InsecureUrlError`, so a token never crosses a network unencrypted.
   * @default false
   */
  readonly secureOnly?: boolean;
  /** Sub-protocols to ask for. */
  readonly protocols?: string | string[];
  /**
   * Extra constructor options for every attempt, e.g. `ws` headers to carry the token in Node:
   * `({ token }) => ({ headers: { authorization: \`Bearer ${token}\` } })`. Ignored by browsers.
   */
  readonly transportOptions?: (ctx: ConnectContext) => object;
  /** Builds the first frame of every connection from the resume cursor and the token; `undefined`: none. */
  readonly handshake?: (ctx: HandshakeContext) => Out | undefined;

  /** Token provider; see {@link TokenProvider}. Without it no token is used. */
  readonly token?: TokenProvider;
  /**
   * Refresh the token this many ms before it expires (expiry given by the provider or read from
   * a JWT's `exp`).
   * @default 300000 (5 minutes)
   */
  readonly refreshBefore?: number;
  /**
   * Ms the token provider may take before it fails with a `TokenError`.
   * @default 10000
   */
  readonly tokenTimeout?: number;
  /**
   * Fetch a new token for every connection attempt instead of reusing the cached one (for
   * servers that take a token once, e.g. a one-time ticket in the URL).
   * @default false
   */
  readonly tokenPerConnect?: boolean;
  /**
   * Builds an in-band refresh frame for a new token. Without it, a refresh reconnects cleanly
   * (and resumes from the cursor) with the new token.
   */
  readonly refreshMessage?: (token: string) => Out;

  /**
   * The wire format: how messages become frames (`serialize`) and frames become messages
   * (`deserialize`), and the socket's `binaryType`. With one, binary frames are read too.
   * @default JSON text: `JSON.stringify` out, `JSON.parse` in, binary frames refused
   */
  readonly wire?: WireFormat<Out>;
  /** io-ts codec every inbound message (each event of a batch) must pass; failures are reported and skipped. */
  readonly codec?: Decoder<unknown, In>;
  /**
   * Frames larger than this many bytes (UTF-8 bytes for text) are refused before they are parsed.
   * @default 1048576
   */
  readonly maxMessageSize?: number;
  /**
   * Batch frames: the events a frame carries, in order, or `undefined` when the frame is one
   * message. It receives the parsed frame before validation; each event is then validated by
   * `codec` and goes through the control, resume, gap and dedupe stages on its own. A bad event is
   * refused alone (a `decodeError` with its `index`); the rest of the batch goes on. If it throws
   * or returns something other than an array, the whole frame is refused (kind `'batch'`).
   */
  readonly eventsOf?: (frame: unknown) => readonly unknown[] | undefined;
  /**
   * Control replies (pong, welcome, auth ack) count as traffic but are not emitted.
   * @default () => false
   */
  readonly isControl?: (message: In) => boolean;
  /**
   * The seq of an event, or `undefined` for messages that are not events (they skip the
   * resume, dedupe and gap stages). Without it those stages are off.
   */
  readonly seqOf?: (message: In) => number | undefined;
  /** The key (topic, job) of an event whose seq is per key. Turns on the per-key cursor. */
  readonly keyOf?: (message: In) => string | number;
  /** A unique id per event, for the `dedupe` window. @default key and seq */
  readonly idOf?: (message: In) => unknown;
  /**
   * A resume token apart from the ordering seq (e.g. the server's global offset, while `seqOf`
   * reads a per-topic seq): the cursor remembers, per key, the token of the last event delivered
   * in order, and the handshake receives the gap-safe minimum as `resumeToken`. Tokens must not
   * decrease along a key's seqs. A token that is not a finite number refuses the event (kind `'seq'`).
   * Without it, `resumeToken` is `null` and nothing changes.
   */
  readonly resumeTokenOf?: (message: In) => number;

  /**
   * The resume cursor (shared across reconnects; pass one to persist it), its config, or `false`.
   * @default { mode: keyOf ? 'perKey' : 'contiguous' }
   */
  readonly resume?: ResumeCursor | ResumeCursorConfig | false;
  /**
   * Duplicate suppression over the last `window` event ids (`idOf`, else key and seq), or `false`.
   * With the resume cursor on, its watermark already drops every event delivered before (and
   * every event held ahead of it), so the id window is off unless asked for here; with resume
   * off, it is on.
   * @default off with the resume cursor, `{ window: 10000 }` without it
   */
  readonly dedupe?: { readonly window?: number } | false;
  /**
   * Reorder window per key; a hole not filled within `maxWait` ms (or `window` held events)
   * makes the socket resync: reconnect and resume from the last contiguous seq. When the same
   * hole is met again after `maxResyncs` resyncs in a row, the replay cannot fill it: the stream
   * ends with the `SequenceGapError` (permanent). `false`: off.
   * @default { window: 1000, maxWait: 5000, maxResyncs: 3 }
   */
  readonly gaps?: { readonly window?: number; readonly maxWait?: number; readonly maxResyncs?: number } | false;
  /**
   * A bounded buffer in front of a slow consumer: `work` runs per message (`concurrency` at a
   * time); at most `capacity` wait; beyond that messages are dropped by `policy` and counted.
   * The stream then emits each message once its work completed.
   */
  readonly consumer?: {
    readonly capacity: number;
    readonly work: (message: In) => ObservableInput<unknown>;
    readonly concurrency?: number;
    readonly policy?: DropPolicy<In>;
  };
  /** Builders for topic subscription frames; needed by `subscribeTopics`/`unsubscribeTopics`. */
  readonly topics?: {
    readonly subscribe: (topics: readonly string[]) => Out;
    readonly unsubscribe: (topics: readonly string[]) => Out;
  };
  /** The outbound buffer for messages sent while disconnected. */
  readonly outbox?: OutboxConfig;
  /**
   * Request/response over the socket, for `request()`: the protocol's id of a request and of a
   * reply. A reply whose id matches a pending request goes to that request's caller, not to the
   * stream.
   */
  readonly requests?: {
    /** The id of an outgoing request (your protocol puts it there). */
    readonly idOf: (message: Out) => string | number | undefined;
    /** The id of the request a message answers, or `undefined` when it is not a reply. */
    readonly replyIdOf: (message: In) => string | number | undefined;
    /**
     * Ms to wait for the reply before the request fails with a `DeliveryError` (`'timeout'`).
     * @default 10000
     */
    readonly timeout?: number;
    /**
     * A request sent on a connection that is lost before the reply: `'fail'` (a `DeliveryError`,
     * `'disconnected'`), or `'resend'` on the next connection (for idempotent requests; a request
     * can also say so itself, with `request(message, { idempotent: true })`).
     * @default 'fail'
     */
    readonly onReconnect?: 'fail' | 'resend';
  };
  /**
   * Acknowledged sends, for `sendAcked()`: the server acks each message by the id it carries.
   * Unacked messages are sent again, in order, on every new connection until acked (the server
   * uses the id to drop repeats), so each is delivered at least once and, with the server's
   * dedupe, once.
   */
  readonly acks?: {
    /** The id of an outgoing message (your protocol puts it there). */
    readonly idOf: (message: Out) => string | number | undefined;
    /** The id a message acknowledges, or `undefined` when it is not an ack. */
    readonly ackIdOf: (message: In) => string | number | undefined;
    /**
     * Ms after which an unacked message is given up on: a `DeliveryError` (`'timeout'`) and a
     * `dropped` event with the message. `Infinity`: until `close()`.
     * @default Infinity
     */
    readonly timeout?: number;
  };

  /**
   * Reconnect backoff: `retryBackoff`'s config without `shouldRetry` (the classifier owns it),
   * `healthy` (a connection is healthy once it opened) and `scheduler` (the socket's). `resetAfter`
   * counts from the open. A `retryNow` of yours cuts a wait short as `reconnect()` does; a
   * `minDelay` of yours is a floor beside the classifier's.
   * @default { initialInterval: 1000, maxInterval: 30000, jitter: 0.5, resetAfter: 10000 }
   */
  readonly retry?: Partial<Omit<RetryBackoffConfig, 'shouldRetry' | 'healthy' | 'scheduler'>>;
  /**
   * Close codes that change the default classification; see {@link classifyFailure}. A list
   * (`permanent: [4100]`) replaces the default list (backward compatible: 1008 is then no longer
   * permanent); `{ add, remove }` (`permanent: { add: [4100] }`) extends or trims it.
   */
  readonly closeCodes?: CloseCodeTable;
  /**
   * Replaces the failure classifier. It may return a kind, or a kind with a floor for the wait
   * before the next attempt (`{ kind: 'transient', minDelay: 30_000 }`).
   * @default classifyFailure with `closeCodes`, plus the server's `retry-after=<seconds>` hint in the reason of a 1012 or 1013 close as a floor
   */
  readonly classify?: (error: unknown) => FailureKind | FailureVerdict;
  /**
   * Ms a socket may take to open.
   * @default 10000
   */
  readonly connectTimeout?: number;
  /**
   * Ms without any inbound frame after which the link is a zombie and is replaced; `0`: off.
   * @default 30000
   */
  readonly idleTimeout?: number;
  /**
   * An application ping every `interval` ms while open; the reply counts as traffic. With
   * `isReply`, the time from a ping to the reply it accepts is the round-trip time
   * (`metrics().rttMs`); it is asked only about messages that arrive while a ping is unanswered.
   */
  readonly heartbeat?: { readonly interval: number; readonly message: () => Out; readonly isReply?: (message: In) => boolean };
  /**
   * Wait for the server's answer to the handshake before the connection counts as ready: until
   * `isReady` accepts a message, the subscription replay and the outbox wait, `send()` queues,
   * the state stays `connecting`, and the backoff is not reset. No such answer within `timeout`
   * ms ends the attempt with a {@link ReadyTimeoutError} (transient). Without `ready`, a
   * connection is ready once the socket opens.
   */
  readonly ready?: {
    readonly isReady: (message: In) => boolean;
    /** @default 10000 */
    readonly timeout?: number;
  };
  /**
   * Server resets: a server whose numbering starts again (a restart with an empty log) would
   * otherwise see every new event dropped as a repeat. A reset is seen when `epochOf` reads a
   * new epoch (generation) from a message (the handshake reply), or, as a fallback, when an
   * event is dropped as a repeat far below the cursor (`fallback`). It is reported as a `reset`
   * event (two in a row, counting up, right after a connect), then handled by `policy`: `'restart'` rewinds the cursor to the server's beginning
   * (`start`, else 0) and reconnects at once (the server answered: no backoff wait; a second
   * reset in a row does wait, as a failure); `'fail'` ends the stream with a {@link ServerResetError}.
   * `false`: no detection.
   * @default { policy: 'restart', fallback: ({ seq, cursor }) => seq * 2 < cursor }
   */
  readonly resets?:
    | {
        /**
         * The epoch a message carries, or `undefined`. With `ready`, it is read from the ready
         * reply only; without, from each message until one carries an epoch, on each connection.
         */
        readonly epochOf?: (message: In) => string | number | undefined;
        /** @default 'restart' */
        readonly policy?: 'restart' | 'fail';
        /**
         * Whether a repeat dropped by the cursor or the reorder stage is a sign of a reset;
         * `false`: only epochs tell. It takes two repeats in a row of one sequence (seq, then
         * seq + 1) that both pass it, before the connection delivered an event of that sequence.
         * The default takes a seq below half the cursor: a restarted log, not a late or resent event. A server that replays from its own start on every
         * connection (it ignores the resume point) needs `false` here, or an epoch.
         * @default ({ seq, cursor }) => seq * 2 < cursor
         */
        readonly fallback?: false | ((drop: { readonly seq: number; readonly key: unknown; readonly cursor: number }) => boolean);
      }
    | false;
  /**
   * `ws` only: a protocol ping frame every this many ms; its pong counts as traffic. `0`: off.
   * @default 0
   */
  readonly pingInterval?: number;
  /**
   * Ms `close()` waits for the peer's close frame before it drops the connection.
   * @default 5000
   */
  readonly closeTimeout?: number;
  /** Receives every lifecycle event. */
  readonly logger?: ManagedSocketLogger;
  /**
   * The scheduler of every timer.
   * @default asyncScheduler
   */
  readonly scheduler?: SchedulerLike;
}
