/**
 * Testing kit for code built on rxjs-managed-socket: a scriptable fake WebSocket whose timers run
 * on an RxJS scheduler, so reconnect stories are marble tests.
 *
 * @packageDocumentation
 */
export { createFakeWebSockets, FakeWebSocket } from './fakeWebSocket';
export type { FakeWebSockets, FakeWebSocketOptions } from './fakeWebSocket';
