import WebSocket from 'ws';
import type { IncomingMessage } from 'node:http';
import { FRAMES } from '../socket/transport';
import type { WebSocketCtor, WebSocketMessageEvent } from '../socket/transport';
import type { UpgradeRefusal } from '../socket/upgrade';

type MessageListener = (event: WebSocketMessageEvent) => void;
type WsMessageListener = (data: WebSocket.RawData, isBinary: boolean) => void;

/**
 * `ws`'s WebSocket with a lean `'message'` listener: `ws` builds a DOM-style `MessageEvent` for
 * every frame it hands to an `addEventListener` listener; this subclass listens on the
 * EventEmitter side instead and passes a plain `{ data }` (text as a string, binary as `ws` gives
 * it), which is all a managed socket reads; its frame listener ({@link FRAMES}) is given
 * `ws`'s own arguments. A refused upgrade (an HTTP answer that is not 101)
 * is remembered as `upgradeRefusal` (status and `Retry-After`), and `ws` then fails the socket
 * as it always does. Everything else is `ws` as it is.
 *
 * @internal
 */
class LeanWebSocket extends WebSocket {
  /** The EventEmitter listener behind each `'message'` listener, for removal. */
  private messageListeners: Map<MessageListener, WsMessageListener> | undefined;
  /** The HTTP status (and `Retry-After`) of a refused upgrade. */
  upgradeRefusal: UpgradeRefusal | undefined;

  override emit(event: string | symbol, a?: unknown, b?: unknown): boolean {
    if (event !== 'unexpected-response') {
      // Every frame passes here: `ws`'s events carry at most two arguments, passed on as they came
      // without an array per frame (a rest parameter would make one).
      const count = arguments.length;
      if (count === 3) return super.emit(event, a, b);
      if (count === 2) return super.emit(event, a);
      if (count === 1) return super.emit(event);
      // eslint-disable-next-line prefer-rest-params
      return super.emit(event, ...Array.prototype.slice.call(arguments, 1));
    }
    const response = b as IncomingMessage | undefined;
    if (response?.statusCode !== undefined) {
      const header = response.headers['retry-after'];
      this.upgradeRefusal = { status: response.statusCode, retryAfter: Array.isArray(header) ? header[0] : header };
    }
    // Not handled here: `ws` aborts the handshake and fails the socket (error, then a 1006 close).
    return false;
  }

  /** The managed socket's frame listener: `ws`'s data and `isBinary`, nothing built per frame. */
  [FRAMES](listener: (data: unknown, isBinary: boolean) => void): () => void {
    // `ws`'s own 'message' arguments are the contract: the listener is registered as it is.
    this.on('message', listener);
    return () => this.off('message', listener);
  }

  override addEventListener(type: string, listener: never, options?: never): void {
    if (type !== 'message') return super.addEventListener(type as 'open', listener, options);
    const wrapped: WsMessageListener = (data, isBinary) => (listener as MessageListener)({ data: isBinary ? data : data.toString() });
    (this.messageListeners ??= new Map()).set(listener, wrapped);
    this.on('message', wrapped);
  }

  override removeEventListener(type: string, listener: never): void {
    const wrapped = type === 'message' ? this.messageListeners?.get(listener) : undefined;
    if (wrapped === undefined) return super.removeEventListener(type as 'open', listener);
    this.messageListeners?.delete(listener);
    this.off('message', wrapped);
  }
}

/** The `/node` entry's default WebSocket constructor. @internal */
export const NodeWebSocket = LeanWebSocket as unknown as WebSocketCtor;
