/**
 * The reference protocol for browsers and Node alike: the frame codecs and
 * {@link referenceProtocol}, the `managedSocket$` settings that speak it. It imports only
 * `io-ts`, so a browser bundle can use it without the Node-only `/server` entry (which exports
 * the same names, next to the server itself).
 *
 * @packageDocumentation
 */
export {
  HelloFrame,
  SubscribeFrame,
  UnsubscribeFrame,
  PingFrame,
  AuthFrame,
  PublishFrame,
  RequestFrame,
  ClientFrame,
  WelcomeFrame,
  EventFrame,
  PongFrame,
  AuthOkFrame,
  ReplyFrame,
  AckFrame,
  ServerFrame,
  ProtocolCloseCode,
  decodeClientFrame,
  decodeServerFrame,
} from '../server/protocol';
export type { DecodeResult } from '../server/protocol';
export { referenceProtocol } from '../server/referenceClient';
export type { ReferenceProtocolOptions, ReferenceProtocolConfig } from '../server/referenceClient';
