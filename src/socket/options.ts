import { asyncScheduler } from 'rxjs';
import type { ObservableInput, SchedulerLike } from 'rxjs';
import type { Decoder } from 'io-ts';
import { InvalidOptionError } from '../errors';
import { count, duration, func, oneOf, timerDuration } from '../internal/validate';
import { sequenceGaps } from '../operators/sequenceGaps';
import type { DropPolicy } from '../operators/dropOnFull';
import type { RetryBackoffConfig } from '../operators/retryBackoff';
import { classifyFailure, retryHintOf, toVerdict } from './closeCodes';
import type { CloseCodeTable, FailureVerdict } from './closeCodes';
import type { OutboxOverflow } from './outbox';
import type { WebSocketCtor } from './transport';
import type { ManagedSocketConfig } from './config';
import { BINARY_TYPES } from './wire';
import type { WireData, WireFrame } from './wire';

/** The name options are reported under. @internal */
export const OP = 'managedSocket$';

/** The defaults of `retry`, pinned by the specs. @internal */
export const RETRY_DEFAULTS = { initialInterval: 1000, maxInterval: 30_000, jitter: 0.5, resetAfter: 10_000 } as const;
/** The defaults of `gaps`, pinned by the specs. @internal */
export const GAPS_DEFAULTS = { window: 1000, maxWait: 5000, maxResyncs: 3 } as const;
/** The default `dedupe` window. @internal */
export const DEDUPE_WINDOW = 10_000;

/**
 * Everything a managed socket was told, checked once, with every default applied: the stages
 * read this and never the raw config.
 *
 * @internal
 */
export interface SocketOptions<In, Out> {
  readonly url: ManagedSocketConfig<In, Out>['url'];
  readonly WebSocketCtor: WebSocketCtor;
  readonly protocols: string | string[] | undefined;
  readonly transportOptions: ManagedSocketConfig<In, Out>['transportOptions'];
  readonly handshake: ManagedSocketConfig<In, Out>['handshake'];
  readonly refreshMessage: ((token: string) => Out) | undefined;
  readonly codec: Decoder<unknown, In> | undefined;
  /** The wire format's serializer, or `JSON.stringify` (a method: the stages that take `SocketOptions<In, unknown>` never call it). */
  serialize(message: Out): WireData;
  /** The wire format's deserializer; `undefined`: the JSON text fast path. */
  readonly deserialize: ((frame: WireFrame) => unknown) | undefined;
  /** The `binaryType` to set on each socket; `undefined` without a wire format. */
  readonly binaryType: 'arraybuffer' | 'nodebuffer' | undefined;
  readonly eventsOf: ((frame: unknown) => readonly unknown[] | undefined) | undefined;
  /** Read only with the resume cursor on. */
  readonly resumeTokenOf: ((message: In) => number) | undefined;
  readonly isControl: ((message: In) => boolean) | undefined;
  readonly seqOf: ((message: In) => number | undefined) | undefined;
  readonly keyOf: ((message: In) => string | number) | undefined;
  /** The user's `idOf` when dedupe reads ids, else `undefined`. */
  readonly idOf: ((message: In) => unknown) | undefined;
  readonly topicFrames: ManagedSocketConfig<In, Out>['topics'];
  readonly heartbeat: { readonly interval: number; readonly message: () => Out; readonly isReply?: (message: In) => boolean } | undefined;
  readonly tokenPerConnect: boolean;
  readonly requests:
    | {
        // method syntax: the stages read these options as SocketOptions<In, unknown>
        idOf(message: Out): string | number | undefined;
        readonly replyIdOf: (message: In) => string | number | undefined;
        readonly timeout: number;
        readonly onReconnect: 'fail' | 'resend';
      }
    | undefined;
  readonly acks:
    | {
        idOf(message: Out): string | number | undefined;
        readonly ackIdOf: (message: In) => string | number | undefined;
        readonly timeout: number;
      }
    | undefined;
  /** The ready handshake, or `undefined`: ready at open. */
  readonly ready: { readonly isReady: (message: In) => boolean; readonly timeout: number } | undefined;
  /** Server reset detection, or `undefined` when off. */
  readonly resets:
    | {
        readonly epochOf: ((message: In) => string | number | undefined) | undefined;
        readonly policy: 'restart' | 'fail';
        readonly fallback: ((drop: { readonly seq: number; readonly key: unknown; readonly cursor: number }) => boolean) | undefined;
      }
    | undefined;
  readonly secureOnly: boolean;
  readonly scheduler: SchedulerLike;
  readonly maxMessageSize: number;
  readonly connectTimeout: number;
  readonly idleMs: number;
  readonly closeTimeout: number;
  readonly pingInterval: number;
  readonly refreshBefore: number;
  readonly tokenTimeout: number;
  readonly outbox: { readonly mode: 'stateful' | 'stateless'; readonly capacity: number; readonly maxAge: number; readonly overflow: OutboxOverflow };
  /** The reorder stage, or `undefined` when it is off (or there is no `seqOf`). */
  readonly gaps: { readonly window: number; readonly maxWait: number; readonly maxResyncs: number } | undefined;
  /** The dedupe window, or `undefined` when dedupe is off. */
  readonly dedupeWindow: number | undefined;
  readonly retry: Partial<Omit<RetryBackoffConfig, 'shouldRetry' | 'healthy' | 'scheduler'>> & { readonly initialInterval: number };
  readonly classify: (error: unknown) => FailureVerdict;
  readonly consumer:
    | {
        readonly capacity: number;
        readonly work: (message: In) => ObservableInput<unknown>;
        readonly concurrency: number;
        readonly policy: DropPolicy<In>;
      }
    | undefined;
}

/**
 * Checks a managed socket's config and applies the defaults. Throws {@link InvalidOptionError}
 * for the first bad option.
 *
 * @internal
 */
export function resolveOptions<In, Out>(config: ManagedSocketConfig<In, Out>): SocketOptions<In, Out> {
  if (typeof config !== 'object' || config === null) {
    throw new InvalidOptionError({ operator: OP, option: 'config', reason: 'a config object', value: config });
  }
  const {
    url,
    WebSocketCtor = (globalThis as { WebSocket?: unknown }).WebSocket as WebSocketCtor | undefined,
    seqOf,
    keyOf,
    heartbeat,
    closeCodes,
    consumer,
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
  if (heartbeat !== undefined) {
    count(OP, 'heartbeat.interval', heartbeat.interval, 1);
    timerDuration(OP, 'heartbeat.interval', heartbeat.interval);
    func(OP, 'heartbeat.message', heartbeat.message);
    if (heartbeat.isReply !== undefined) func(OP, 'heartbeat.isReply', heartbeat.isReply);
  }
  checkCloseCodes(closeCodes);
  const ready =
    config.ready === undefined
      ? undefined
      : {
          isReady: func<(message: In) => boolean>(OP, 'ready.isReady', (config.ready as { isReady?: unknown } | null)?.isReady),
          timeout: timerDuration(OP, 'ready.timeout', config.ready.timeout ?? 10_000),
        };
  const resets = resolveResets(config.resets, seqOf !== undefined && config.resume !== false);
  const requestsGiven = config.requests as Partial<NonNullable<ManagedSocketConfig<In, Out>['requests']>> | null | undefined;
  const requests =
    requestsGiven === undefined
      ? undefined
      : {
          idOf: func<(message: Out) => string | number | undefined>(OP, 'requests.idOf', requestsGiven?.idOf),
          replyIdOf: func<(message: In) => string | number | undefined>(OP, 'requests.replyIdOf', requestsGiven?.replyIdOf),
          timeout: duration(OP, 'requests.timeout', requestsGiven?.timeout ?? 10_000, true),
          onReconnect: oneOf(OP, 'requests.onReconnect', requestsGiven?.onReconnect ?? 'fail', ['fail', 'resend']),
        };
  const acksGiven = config.acks as Partial<NonNullable<ManagedSocketConfig<In, Out>['acks']>> | null | undefined;
  const acks =
    acksGiven === undefined
      ? undefined
      : {
          idOf: func<(message: Out) => string | number | undefined>(OP, 'acks.idOf', acksGiven?.idOf),
          ackIdOf: func<(message: In) => string | number | undefined>(OP, 'acks.ackIdOf', acksGiven?.ackIdOf),
          timeout: duration(OP, 'acks.timeout', acksGiven?.timeout ?? Infinity, true),
        };
  const { mode = 'stateful', capacity = 1000, maxAge = Infinity, overflow = 'error' } = config.outbox ?? {};
  count(OP, 'outbox.capacity', capacity);
  oneOf(OP, 'outbox.mode', mode, ['stateful', 'stateless']);
  oneOf(OP, 'outbox.overflow', overflow, ['error', 'drop-newest', 'drop-oldest']);
  duration(OP, 'outbox.maxAge', maxAge, true);

  const gapsConfig = config.gaps === false || seqOf === undefined ? undefined : (config.gaps ?? {});
  const gaps =
    gapsConfig === undefined
      ? undefined
      : {
          window: gapsConfig.window ?? GAPS_DEFAULTS.window,
          maxWait: gapsConfig.maxWait ?? GAPS_DEFAULTS.maxWait,
          maxResyncs: count(OP, 'gaps.maxResyncs', gapsConfig.maxResyncs ?? GAPS_DEFAULTS.maxResyncs, 0, true),
        };
  // A hole's wait is a timer: at most 2^31 - 1 ms (or Infinity).
  if (gaps !== undefined) timerDuration(OP, 'gaps.maxWait', gaps.maxWait, true);
  // The reorder stage is built inside each attempt, where a bad option would look like a
  // transient failure and reconnect forever: build one now, so it throws here.
  if (gaps !== undefined) sequenceGaps<unknown>(() => 0, { window: gaps.window, maxWait: gaps.maxWait });

  // For a sequenced stream the cursor's watermark already is the duplicate filter (an event at or
  // below it, or already ahead of it, is dropped): the id window is only on by default without
  // the cursor, or when asked for with `dedupe`.
  const resumeOn = config.resume !== false && seqOf !== undefined;
  const dedupe = config.dedupe;
  const dedupeWindow = dedupe === false || seqOf === undefined || (dedupe === undefined && resumeOn) ? undefined : (dedupe?.window ?? DEDUPE_WINDOW);
  if (dedupeWindow !== undefined) count(OP, 'dedupe.window', dedupeWindow);

  const { wire, eventsOf, resumeTokenOf } = config;
  if (wire !== undefined) {
    if (typeof wire !== 'object' || wire === null) {
      throw new InvalidOptionError({ operator: OP, option: 'wire', reason: 'an object with serialize() and deserialize()', value: wire });
    }
    func(OP, 'wire.serialize', wire.serialize);
    func(OP, 'wire.deserialize', wire.deserialize);
    if (wire.binaryType !== undefined) oneOf(OP, 'wire.binaryType', wire.binaryType, BINARY_TYPES);
  }
  if (eventsOf !== undefined) func(OP, 'eventsOf', eventsOf);
  if (resumeTokenOf !== undefined) {
    func(OP, 'resumeTokenOf', resumeTokenOf);
    if (!resumeOn) {
      throw new InvalidOptionError({ operator: OP, option: 'resumeTokenOf', reason: 'left out: it needs the resume cursor (seqOf, and resume not false)', value: resumeTokenOf });
    }
  }

  const classify = config.classify;
  if (classify !== undefined) func(OP, 'classify', classify);
  const retry = { ...RETRY_DEFAULTS, ...config.retry };
  // retryBackoff checks the rest when the socket is built; a zero first wait would spin.
  if (retry.initialInterval === 0 && retry.backoffDelay === undefined) {
    throw new InvalidOptionError({ operator: OP, option: 'retry.initialInterval', reason: 'a number > 0 (0 would reconnect in a tight loop)', value: 0 });
  }

  return {
    url,
    WebSocketCtor,
    protocols: config.protocols,
    transportOptions: config.transportOptions,
    handshake: config.handshake,
    refreshMessage: config.refreshMessage,
    codec: config.codec,
    serialize: wire === undefined ? JSON.stringify : (message: Out) => wire.serialize(message),
    deserialize: wire === undefined ? undefined : (frame: WireFrame) => wire.deserialize(frame),
    binaryType: wire === undefined ? undefined : (wire.binaryType ?? 'arraybuffer'),
    eventsOf,
    resumeTokenOf,
    isControl: config.isControl,
    seqOf,
    keyOf,
    idOf: dedupeWindow === undefined ? undefined : config.idOf,
    topicFrames: config.topics,
    heartbeat,
    tokenPerConnect: config.tokenPerConnect ?? false,
    requests,
    acks,
    ready,
    resets,
    secureOnly: config.secureOnly ?? false,
    scheduler: config.scheduler ?? asyncScheduler,
    maxMessageSize: count(OP, 'maxMessageSize', config.maxMessageSize ?? 1_048_576, 1, true),
    connectTimeout: timerDuration(OP, 'connectTimeout', config.connectTimeout ?? 10_000),
    idleMs: timerDuration(OP, 'idleTimeout', config.idleTimeout ?? 30_000),
    closeTimeout: timerDuration(OP, 'closeTimeout', config.closeTimeout ?? 5_000),
    pingInterval: timerDuration(OP, 'pingInterval', config.pingInterval ?? 0),
    refreshBefore: duration(OP, 'refreshBefore', config.refreshBefore ?? 300_000),
    tokenTimeout: timerDuration(OP, 'tokenTimeout', config.tokenTimeout ?? 10_000),
    outbox: { mode, capacity, maxAge, overflow },
    gaps,
    dedupeWindow,
    retry,
    classify: classify !== undefined ? (error) => toVerdict(classify(error)) : closeCodes === undefined ? defaultVerdict : (error) => verdictOf(error, closeCodes),
    consumer:
      consumer === undefined
        ? undefined
        : { capacity: consumer.capacity, work: consumer.work, concurrency: consumer.concurrency ?? 1, policy: consumer.policy ?? 'newest' },
  };
}

/** The built-in classifier's verdict, with a close's retry hint as the floor of a transient wait. */
function verdictOf(error: unknown, closeCodes: CloseCodeTable | undefined): FailureVerdict {
  const kind = classifyFailure(error, closeCodes);
  const hint = kind === 'transient' ? retryHintOf(error) : undefined;
  return hint === undefined ? { kind } : { kind, minDelay: hint };
}

/** The verdict with the default close codes (one function for every socket that keeps them). */
const defaultVerdict = (error: unknown): FailureVerdict => verdictOf(error, undefined);

/** The seq fallback of reset detection by default: a repeat below half the cursor. @internal */
export const DEFAULT_RESET_FALLBACK = ({ seq, cursor }: { readonly seq: number; readonly cursor: number }): boolean => seq * 2 < cursor;

function resolveResets<In>(given: ManagedSocketConfig<In, unknown>['resets'], cursorOn: boolean): SocketOptions<In, unknown>['resets'] {
  if (given === false) return undefined;
  if (given !== undefined && (typeof given !== 'object' || given === null)) {
    throw new InvalidOptionError({ operator: OP, option: 'resets', reason: 'an object or false', value: given });
  }
  const { epochOf, policy = 'restart', fallback = DEFAULT_RESET_FALLBACK } = given ?? {};
  if (epochOf !== undefined) func(OP, 'resets.epochOf', epochOf);
  oneOf(OP, 'resets.policy', policy, ['restart', 'fail']);
  if (fallback !== false) func(OP, 'resets.fallback', fallback);
  // Without a cursor there is no numbering to restart: only an epoch can tell.
  const seqFallback = fallback === false || !cursorOn ? undefined : fallback;
  if (epochOf === undefined && seqFallback === undefined) return undefined;
  return { epochOf, policy, fallback: seqFallback };
}

function checkCodes(option: string, value: unknown): void {
  const list = Array.isArray(value) ? value : undefined;
  if (list !== undefined && list.every((code) => Number.isInteger(code))) return;
  throw new InvalidOptionError({ operator: OP, option, reason: 'a list of integer close codes', value });
}

/** `closeCodes`: each list a list of integers, each change `{ add?, remove? }` of such lists. */
function checkCloseCodes(table: CloseCodeTable | undefined): void {
  if (table === undefined) return;
  if (typeof table !== 'object' || table === null) throw new InvalidOptionError({ operator: OP, option: 'closeCodes', reason: 'an object', value: table });
  for (const name of ['permanent', 'reauth'] as const) {
    const given: unknown = table[name];
    if (given === undefined) continue;
    if (Array.isArray(given)) {
      checkCodes(`closeCodes.${name}`, given);
      continue;
    }
    if (typeof given !== 'object' || given === null) {
      throw new InvalidOptionError({ operator: OP, option: `closeCodes.${name}`, reason: 'a list of close codes, or { add, remove }', value: given });
    }
    const change = given as { add?: unknown; remove?: unknown };
    if (change.add !== undefined) checkCodes(`closeCodes.${name}.add`, change.add);
    if (change.remove !== undefined) checkCodes(`closeCodes.${name}.remove`, change.remove);
  }
}
