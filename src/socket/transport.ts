import { map, Observable, race, take, timer } from 'rxjs';
import type { SchedulerLike } from 'rxjs';
import { CloseError } from '../errors';
import type { WireData } from './wire';

/** The part of a WebSocket event a managed socket reads. */
export interface WebSocketMessageEvent {
  readonly data: unknown;
}

/** The part of a close event a managed socket reads. */
export interface WebSocketCloseEvent {
  readonly code: number;
  readonly reason: string;
  readonly wasClean: boolean;
}

/**
 * The subset of the WebSocket API a managed socket uses: the browser's `WebSocket`, the `ws`
 * package's `WebSocket` and the testing kit's `FakeWebSocket` all fit it.
 */
export interface WebSocketLike {
  readonly readyState: number;
  binaryType?: string;
  send(data: WireData): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open', listener: () => void): void;
  addEventListener(type: 'message', listener: (event: WebSocketMessageEvent) => void): void;
  addEventListener(type: 'close', listener: (event: WebSocketCloseEvent) => void): void;
  addEventListener(type: 'error', listener: (event: unknown) => void): void;
  removeEventListener(type: string, listener: (...args: never[]) => void): void;
  /** `ws` only: drop the connection at once, without a closing handshake. */
  terminate?(): void;
  /** `ws` only: send a protocol ping frame. */
  ping?(): void;
  /**
   * `ws` only: stop reading from the connection (TCP backpressure: the peer's sends wait in the
   * kernel's buffers and then in the peer's). A browser WebSocket cannot pause.
   */
  pause?(): void;
  /** `ws` only: read from the connection again after {@link WebSocketLike.pause}. */
  resume?(): void;
  /** `ws` only: protocol-level events (`'pong'`). */
  on?(event: 'pong', listener: () => void): unknown;
  off?(event: 'pong', listener: () => void): unknown;
}

/**
 * A WebSocket constructor. The third argument is passed through untouched: the `ws` package reads
 * options from it (`headers`, `maxPayload`, ...), browsers ignore it.
 */
export type WebSocketCtor = new (url: string, protocols?: string | string[], options?: never) => WebSocketLike;

/** WebSocket readyState values. */
export const OPEN = 1;
export const CLOSING = 2;
export const CLOSED = 3;

/** What the transport reports beside the frames: the open socket, and protocol pongs. @internal */
export interface TransportHooks {
  /** The socket opened (called once, before its first frame). */
  onOpen(socket: WebSocketLike): void;
  /** A protocol pong arrived (`ws` only): a sign of life that is not a frame. */
  onPong(): void;
}

/**
 * Opens one WebSocket per subscription and emits the `data` of every inbound frame, as the socket
 * hands it over (a string for text, binary as the socket's `binaryType` makes it). The open and
 * protocol pongs go to `hooks`, beside the frames. Errors with a {@link CloseError} when the
 * socket closes for any reason, since a managed socket never expects its peer to end the stream.
 * Unsubscribing closes the socket with 1000 (or just detaches if it is already closing).
 *
 * @internal
 */
export function socketFrames$(
  Ctor: WebSocketCtor,
  url: string,
  protocols: string | string[] | undefined,
  options: object | undefined,
  hooks: TransportHooks,
): Observable<unknown> {
  return new Observable<unknown>((subscriber) => {
    const socket = new Ctor(url, protocols, options as never);
    const onOpen = () => hooks.onOpen(socket);
    const onMessage = (event: WebSocketMessageEvent) => subscriber.next(event.data);
    const onPong = () => hooks.onPong();
    const onClose = (event: WebSocketCloseEvent) =>
      subscriber.error(new CloseError({ code: event.code, reason: event.reason ?? '', wasClean: event.wasClean ?? false }));
    // A browser fires `error` and then `close`; the close carries the information we report.
    const onError = () => undefined;
    socket.addEventListener('open', onOpen);
    socket.addEventListener('message', onMessage);
    socket.addEventListener('close', onClose);
    socket.addEventListener('error', onError);
    socket.on?.('pong', onPong);
    return () => {
      socket.removeEventListener('open', onOpen);
      socket.removeEventListener('message', onMessage);
      socket.removeEventListener('close', onClose);
      socket.off?.('pong', onPong);
      // A paused socket could not read the peer's close frame (nor anything else): read again.
      socket.resume?.();
      if (socket.readyState < CLOSING) socket.close(1000, 'client closed');
      // Keep an error listener: `ws` emits `error` on a socket closed before it opened, and an
      // EventEmitter without a listener would throw it.
    };
  });
}

/**
 * Emits once (then completes) when `socket` closes, or after `timeoutMs` if the peer does not
 * answer the close, in which case the socket is terminated (`ws`) first.
 *
 * @internal
 */
export function whenClosed(socket: WebSocketLike, timeoutMs: number, scheduler: SchedulerLike): Observable<void> {
  return race(
    new Observable<void>((subscriber) => {
      const onClose = () => subscriber.next();
      socket.addEventListener('close', onClose);
      return () => socket.removeEventListener('close', onClose);
    }),
    timer(timeoutMs, scheduler).pipe(
      map(() => {
        socket.terminate?.();
      }),
    ),
  ).pipe(take(1));
}
