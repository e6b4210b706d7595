import WebSocket from 'ws';
import type { WebSocketCtor, WebSocketMessageEvent } from '../socket/transport';

type MessageListener = (event: WebSocketMessageEvent) => void;
type WsMessageListener = (data: WebSocket.RawData, isBinary: boolean) => void;

/**
 * `ws`'s WebSocket with a lean `'message'` listener: `ws` builds a DOM-style `MessageEvent` for
 * every frame it hands to an `addEventListener` listener; this subclass listens on the
 * EventEmitter side instead and passes a plain `{ data }` (text as a string, binary as `ws` gives
 * it), which is all a managed socket reads. Everything else is `ws` as it is.
 *
 * @internal
 */
class LeanWebSocket extends WebSocket {
  /** The EventEmitter listener behind each `'message'` listener, for removal. */
  private messageListeners: Map<MessageListener, WsMessageListener> | undefined;

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
