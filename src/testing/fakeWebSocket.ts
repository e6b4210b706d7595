import { asyncScheduler, SchedulerLike } from 'rxjs';
import { failFlush, VirtualTimeBoundError } from './bound';
import type { WebSocketCloseEvent, WebSocketCtor, WebSocketLike, WebSocketMessageEvent } from '../socket/transport';
import type { WireData } from '../socket/wire';

type Listener = (event: never) => void;

/** Options of {@link createFakeWebSockets}. */
export interface FakeWebSocketOptions {
  /**
   * Ms after construction at which each socket opens by itself; `null`: only when the test calls
   * `open()`.
   * @default 0
   */
  readonly openAfter?: number | null;
  /**
   * Whether a socket answers the client's `close()` (a `close` event `closeDelay` ms later).
   * `false` models a zombie peer: only `terminate()` ends it.
   * @default true
   */
  readonly answerClose?: boolean;
  /**
   * Ms between the client's `close()` and the `close` event.
   * @default 0
   */
  readonly closeDelay?: number;
  /** Called with every new socket, to script the server side (reply to a hello, ...). */
  readonly onConnect?: (socket: FakeWebSocket) => void;
  /**
   * The most sockets the constructor may create. One more ends the scheduler's flush with a
   * {@link VirtualTimeBoundError} (a client that reconnects forever, e.g. on an idle timeout, fails
   * fast instead of keeping the flush running until memory runs out).
   * @default Infinity
   */
  readonly maxSockets?: number;
  /**
   * The scheduler the sockets' own timers use; inside `TestScheduler.run` the default is virtual.
   * @default asyncScheduler
   */
  readonly scheduler?: SchedulerLike;
}

/**
 * One scripted WebSocket: the client side sees a normal socket; the test plays the server with
 * `open()`, `receive()`, `serverClose()` and `drop()`, and reads what the client `sent`.
 */
export class FakeWebSocket implements WebSocketLike {
  readyState = 0;
  binaryType = 'blob';
  /** Every text frame the client sent, as sent. */
  readonly sent: string[] = [];
  /** Every frame the client sent, text and binary, as sent and in order. */
  readonly frames: WireData[] = [];
  /** The close code and reason the client asked for, once it called `close()`. */
  closedByClient: { readonly code: number | undefined; readonly reason: string | undefined } | null = null;
  /** How many protocol pings the client sent (`ws` API). */
  pings = 0;
  /** Whether the client called `terminate()`. */
  terminated = false;
  /** Set by {@link FakeWebSocket.refuseUpgrade}: what the `/node` WebSocket reports for a refused upgrade. */
  upgradeRefusal: { readonly status: number; readonly retryAfter: string | undefined } | undefined;
  /** Whether the client paused reading (`ws` API): frames received meanwhile wait, as in TCP buffers. */
  paused = false;
  /** Frames the server sent while the client was paused, delivered in order at `resume()`. */
  readonly held: unknown[] = [];
  private readonly listeners = new Map<string, Set<Listener>>();

  constructor(
    /** The URL the client connected to. */
    readonly url: string,
    /** The sub-protocols it asked for. */
    readonly protocols: string | string[] | undefined,
    /** The constructor options (`ws` headers, ...). */
    readonly options: unknown,
    private readonly config: Required<Omit<FakeWebSocketOptions, 'onConnect' | 'maxSockets'>>,
  ) {}

  /** The frames the client sent, JSON-parsed. */
  sentJson(): unknown[] {
    return this.sent.map((frame) => JSON.parse(frame) as unknown);
  }

  /** Server side: accept the connection (fires `open`). */
  open(): void {
    if (this.readyState !== 0) return;
    this.readyState = 1;
    this.dispatch('open', {});
  }

  /** Server side: deliver a frame; objects are sent as JSON, strings and binary as they are. */
  receive(data: unknown): void {
    if (this.readyState !== 1) return;
    const frame = typeof data === 'string' || data instanceof ArrayBuffer || ArrayBuffer.isView(data) ? data : JSON.stringify(data);
    if (this.paused) {
      this.held.push(frame);
      return;
    }
    this.dispatch('message', { data: frame } satisfies WebSocketMessageEvent);
  }

  /** Server side: a protocol pong (`ws` API). */
  pong(): void {
    if (this.readyState === 1 && !this.paused) this.dispatch('pong', {});
  }

  /** Server side: close cleanly with a code. */
  serverClose(code = 1000, reason = ''): void {
    this.finish({ code, reason, wasClean: true });
  }

  /** Server side: the connection drops without a close frame (1006), as on a network cut. */
  drop(): void {
    this.finish({ code: 1006, reason: '', wasClean: false });
  }

  /** Server side: fail before opening (an `error`, then a 1006 close), as on a refused connection. */
  refuse(): void {
    this.dispatch('error', {});
    this.finish({ code: 1006, reason: '', wasClean: false });
  }

  /**
   * Server side: answer the upgrade with an HTTP status instead of 101 (and an optional
   * `Retry-After` header), as the `/node` WebSocket reports it: then an `error` and a 1006 close.
   */
  refuseUpgrade(status: number, retryAfter?: string): void {
    this.upgradeRefusal = { status, retryAfter };
    this.refuse();
  }

  send(data: WireData): void {
    if (this.readyState !== 1) throw new Error(`FakeWebSocket: send() while readyState is ${this.readyState}`);
    if (typeof data === 'string') this.sent.push(data);
    this.frames.push(data);
  }

  close(code?: number, reason?: string): void {
    if (this.readyState >= 2) return;
    this.closedByClient = { code, reason };
    this.readyState = 2;
    if (!this.config.answerClose) return;
    this.config.scheduler.schedule(() => this.finish({ code: code ?? 1005, reason: reason ?? '', wasClean: true }), this.config.closeDelay);
  }

  terminate(): void {
    this.terminated = true;
    this.finish({ code: 1006, reason: '', wasClean: false });
  }

  ping(): void {
    this.pings++;
  }

  /** `ws` API: stop reading; frames (and pongs) the server sends meanwhile wait in {@link FakeWebSocket.held}. */
  pause(): void {
    if (this.readyState === 1) this.paused = true;
  }

  /** `ws` API: read again; the held frames are delivered first, in order. */
  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    while (this.held.length > 0 && !this.paused && this.readyState === 1) {
      this.dispatch('message', { data: this.held.shift() } satisfies WebSocketMessageEvent);
    }
  }

  on(event: 'pong', listener: () => void): this {
    this.addEventListener(event as 'open', listener);
    return this;
  }

  off(event: 'pong', listener: () => void): this {
    this.removeEventListener(event, listener);
    return this;
  }

  addEventListener(type: 'open', listener: () => void): void;
  addEventListener(type: 'message', listener: (event: WebSocketMessageEvent) => void): void;
  addEventListener(type: 'close', listener: (event: WebSocketCloseEvent) => void): void;
  addEventListener(type: 'error', listener: (event: unknown) => void): void;
  addEventListener(type: string, listener: Listener): void {
    let set = this.listeners.get(type);
    if (!set) this.listeners.set(type, (set = new Set()));
    set.add(listener);
  }

  removeEventListener(type: string, listener: (...args: never[]) => void): void {
    this.listeners.get(type)?.delete(listener);
  }

  /** How many listeners are attached (all types): 0 once the client let go of the socket. */
  listenerCount(type?: string): number {
    if (type !== undefined) return this.listeners.get(type)?.size ?? 0;
    let total = 0;
    for (const [name, set] of this.listeners) if (name !== 'error') total += set.size;
    return total;
  }

  private finish(event: WebSocketCloseEvent): void {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.dispatch('close', event);
  }

  private dispatch(type: string, event: object): void {
    for (const listener of [...(this.listeners.get(type) ?? [])]) (listener as (event: object) => void)(event);
  }
}

/** A family of fake sockets: pass `WebSocketCtor` to `managedSocket$` and script each connection. */
export interface FakeWebSockets {
  /** The constructor to inject as `WebSocketCtor`. */
  readonly WebSocketCtor: WebSocketCtor;
  /** Every socket created so far, oldest first. */
  readonly sockets: readonly FakeWebSocket[];
  /** The newest socket; throws when none was created yet. */
  latest(): FakeWebSocket;
}

/**
 * Creates a scriptable fake WebSocket constructor whose timers run on a scheduler, so a whole
 * reconnect story can be a marble test.
 *
 * ```text
 * createFakeWebSockets({ openAfter: 1 })
 * socket 1: -o--e1--e2--X            (drop() at frame 5)
 * socket 2:              ...2s...-o--e3-- (the backoff, then resume)
 * ```
 *
 * ## Example
 * ```ts
 * import { TestScheduler } from 'rxjs/testing';
 * import { managedSocket$ } from 'rxjs-managed-socket';
 * import { createFakeWebSockets } from 'rxjs-managed-socket/testing';
 *
 * new TestScheduler((a, e) => expect(a).toEqual(e)).run(({ expectObservable, cold }) => {
 *   const fake = createFakeWebSockets({ openAfter: 1 });
 *   const socket = managedSocket$({ url: 'ws://test', WebSocketCtor: fake.WebSocketCtor });
 *   cold('---a').subscribe(() => fake.latest().receive({ n: 1 }));
 *   expectObservable(socket, '^----!').toBe('---a-', { a: { n: 1 } });
 *   // Output: the message the fake server sent at frame 3
 * });
 * ```
 *
 * @param options How the fake sockets behave.
 * @returns The constructor and the sockets it created.
 */
export function createFakeWebSockets(options: FakeWebSocketOptions = {}): FakeWebSockets {
  const { openAfter = 0, answerClose = true, closeDelay = 0, onConnect, maxSockets = Infinity, scheduler = asyncScheduler } = options;
  const sockets: FakeWebSocket[] = [];
  const config = { openAfter, answerClose, closeDelay, scheduler };
  const WebSocketCtor = function (this: unknown, url: string, protocols?: string | string[], ctorOptions?: unknown) {
    const socket = new FakeWebSocket(url, protocols, ctorOptions, config);
    sockets.push(socket);
    if (sockets.length === maxSockets + 1) {
      const info = { bound: 'sockets', limit: maxSockets, frame: scheduler.now(), attempts: sockets.length } as const;
      failFlush(scheduler, new VirtualTimeBoundError(info));
    }
    if (openAfter !== null) scheduler.schedule(() => socket.open(), openAfter);
    onConnect?.(socket);
    return socket;
  } as unknown as WebSocketCtor;
  return {
    WebSocketCtor,
    sockets,
    latest: () => {
      const socket = sockets[sockets.length - 1];
      if (!socket) throw new Error('FakeWebSockets: no socket was created yet');
      return socket;
    },
  };
}
