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
  ServerWireFormat,
} from './referenceServer';
// The protocol's codecs and client settings, also importable in a browser from `/protocol`.
export * from '../protocol';
