import { map, Observable, race, take, timer } from 'rxjs';
import type { SchedulerLike } from 'rxjs';
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

/**
 * A transport's own frame listener, where it has one (the `/node` entry's `ws` socket): each frame
 * as the socket hands it over, with no event object per frame. `isBinary` is `false` for a text
 * frame, whose `data` then gives its text by `data.toString()` (a `Buffer`, as `ws` hands it over);
 * a binary frame's `data` is what the socket's `binaryType` makes it. Returns the listener's
 * removal. A managed socket uses it instead of a `'message'` listener.
 *
 * @internal
 */
export const FRAMES: unique symbol = Symbol.for('rxjs-managed-socket.frames');

/** A socket with {@link FRAMES}. @internal */
export interface FrameListenable {
  [FRAMES](listener: (data: unknown, isBinary: boolean) => void): () => void;
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
