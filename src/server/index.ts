/**
 * The reference server (Node, `ws`) and its example protocol: a real server to develop and test
 * against, with fault controls, plus the client settings that speak its protocol.
 *
 * @packageDocumentation
 */
export { startReferenceServer, WaitTimeoutError, ServerStoppedError } from './referenceServer';
export type {
  ReferenceServer,
  ReferenceServerOptions,
  TokenVerdict,
  TokenSource,
  ConnectionInfo,
  ReceivedFrame,
  ReferenceServerStats,
  RestartOptions,
  WaitTimeoutInfo,
  ServerStoppedInfo,
} from './referenceServer';
export {
  HelloFrame,
  SubscribeFrame,
  UnsubscribeFrame,
  PingFrame,
  AuthFrame,
  PublishFrame,
  ClientFrame,
  WelcomeFrame,
  EventFrame,
  PongFrame,
  AuthOkFrame,
  ServerFrame,
  ProtocolCloseCode,
  decodeClientFrame,
  decodeServerFrame,
} from './protocol';
export type { DecodeResult } from './protocol';
export { referenceProtocol } from './referenceClient';
export type { ReferenceProtocolOptions, ReferenceProtocolConfig } from './referenceClient';
