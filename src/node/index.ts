/**
 * The Node entry point of rxjs-managed-socket: everything of the root entry, with
 * `managedSocket$` defaulting to the `ws` package's WebSocket (which can send headers, e.g. a
 * token in `Authorization`, and protocol pings).
 *
 * @packageDocumentation
 */
import { managedSocket$ as coreManagedSocket$ } from '../socket/managedSocket';
import type { ManagedSocket } from '../socket/managedSocket';
import type { ManagedSocketConfig } from '../socket/config';
import { NodeWebSocket } from './wsSocket';

export * from '../index';
export { toAsyncIterable, toReadable } from './stream';
export type { DropBufferConfig, Pausable, ToAsyncIterableConfig, ToReadableConfig } from './stream';
export { redisCursorStore } from './redisCursorStore';
export type { AcquireOptions, RedisCursorStore, RedisCursorStoreConfig, RedisLease, RedisScriptClient } from './redisCursorStore';
export { BackpressureError, CommitWindowError, LeaseLostError } from './errors';
export type { BackpressureInfo, CommitWindowInfo, LeaseLostInfo } from './errors';
export { fileCursorStorage } from './fileCursorStorage';
export { openCommitLog } from './commitLog';
export type { AsyncCursorStorage, CommitLog, CommitLogConfig } from './commitLog';
export { processCommitted } from './processCommitted';
export type { ProcessCommittedConfig, ProcessCommittedResult } from './processCommitted';

/**
 * {@link coreManagedSocket$ | managedSocket$} for Node: the same socket, on the `ws` package
 * unless `WebSocketCtor` says otherwise.
 *
 * ```text
 * socket:   --o--e1--X(1006)  --o--e2--
 * > managedSocket$({ url, seqOf })
 * messages: -----e1-----------------e2--
 * ```
 *
 * ## Example
 * ```ts
 * import { managedSocket$ } from 'rxjs-managed-socket/node';
 *
 * const socket = managedSocket$({
 *   url: 'ws://127.0.0.1:8080',
 *   token: () => fetchToken(),
 *   transportOptions: ({ token }) => ({ headers: { authorization: `Bearer ${token}` } }),
 * });
 * socket.subscribe((message) => console.log(message));
 * // Output: each inbound message, across reconnects
 * ```
 *
 * @param config As for the root entry's `managedSocket$`.
 * @returns The managed socket.
 */
export function managedSocket$<In = unknown, Out = unknown>(config: ManagedSocketConfig<In, Out>): ManagedSocket<In, Out> {
  return coreManagedSocket$<In, Out>({ WebSocketCtor: NodeWebSocket, ...config });
}
