/**
 * rxjs-managed-socket: a WebSocket stream that stays alive and correct through real-world faults,
 * written as composable RxJS operators.
 *
 * @packageDocumentation
 */

// Operators
export { retryBackoff, exponentialBackoffDelay } from './operators/retryBackoff';
export type { RetryBackoffConfig, RetryInfo } from './operators/retryBackoff';
export { idleTimeout } from './operators/idleTimeout';
export type { IdleTimeoutOptions } from './operators/idleTimeout';
export { resumeFrom } from './operators/resumeFrom';
export type { ResumeFromConfig, DeliveryCursor } from './operators/resumeFrom';
// The resume cursor (its own folder: the socket's state, which resumeFrom reads and marks)
export * from './cursor';
export { dedupe } from './operators/dedupe';
export type { DedupeConfig } from './operators/dedupe';
export { sequenceGaps } from './operators/sequenceGaps';
export type { SequenceGapsConfig } from './operators/sequenceGaps';
export { dropOnFull } from './operators/dropOnFull';
export type { DropOnFullConfig, DropInfo, DropPolicy } from './operators/dropOnFull';
export { replaySubscriptions } from './operators/replaySubscriptions';
export type { TopicCommand } from './operators/replaySubscriptions';

// Errors
export {
  InvalidOptionError,
  IdleTimeoutError,
  SequenceGapError,
  InvalidSequenceError,
  CloseError,
  ConnectTimeoutError,
  DecodeError,
  OutboxOverflowError,
  TokenError,
  InsecureUrlError,
  UrlError,
} from './errors';
export type { InvalidOptionInfo, IdleTimeoutInfo, SequenceGapInfo, InvalidSequenceInfo, CloseInfo, DecodeErrorInfo } from './errors';

// The managed socket
export { managedSocket$ } from './socket/managedSocket';
export type { ManagedSocket } from './socket/managedSocket';
export type { ManagedSocketConfig, ConnectContext, HandshakeContext, ManagedSocketLogger } from './socket/config';
export type { ConnectionState, ManagedSocketEvent, ManagedSocketMetrics } from './socket/lifecycle';
export { classifyFailure } from './socket/closeCodes';
export type { FailureKind, FailureVerdict, CloseCodeTable, CloseCodeRange } from './socket/closeCodes';
export type { TokenProvider, TokenValue, TokenInfo } from './socket/auth';
export type { OutboxConfig, OutboxOverflow, OutboxDropReason } from './socket/outbox';
export type { WebSocketLike, WebSocketCtor, WebSocketMessageEvent, WebSocketCloseEvent } from './socket/transport';
export type { WireFormat, WireData, WireFrame } from './socket/wire';
