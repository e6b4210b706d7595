/**
 * Testing kit for code built on rxjs-managed-socket: a scriptable fake WebSocket whose timers run
 * on an RxJS scheduler, so reconnect stories are marble tests, and a harness that puts a managed
 * socket on it, records what it reports and fails a retry loop that never ends.
 *
 * @packageDocumentation
 */
export { createFakeWebSockets, FakeWebSocket } from './fakeWebSocket';
export type { FakeWebSockets, FakeWebSocketOptions } from './fakeWebSocket';
export { createSocketHarness, scheduleAt, subscribeUntil } from './harness';
export { VirtualTimeBoundError } from './bound';
export type { VirtualTimeBoundInfo } from './bound';
export type { Seen, SocketHarness, SocketHarnessOptions } from './harness';
