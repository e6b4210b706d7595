import { interval, map, of, Subscription, switchMap, tap, throwIfEmpty } from 'rxjs';
import type { Observable } from 'rxjs';
import { CloseError, ConnectTimeoutError, ReadyTimeoutError, UrlError } from '../errors';
import type { IdleTimeoutError } from '../errors';
import { tokenRefresh$ } from './auth';
import type { TokenCache } from './auth';
import { idleCheck } from '../internal/idleCheck';
import type { IdleWatched } from '../internal/idleCheck';
import type { Lifecycle } from './lifecycle';
import type { SocketOptions } from './options';
import { CLOSING, FRAMES } from './transport';
import type { FrameListenable, WebSocketCloseEvent, WebSocketLike, WebSocketMessageEvent } from './transport';
import { checkSecure, resolveUrl } from './url';
import type { ConnectContext } from './config';

/**
 * What one connection needs from the socket that runs it: the options and the long-lived state,
 * where its frames go, and what to tell it.
 *
 * @internal
 */
export interface ConnectionHost<In, Out> {
  readonly options: SocketOptions<In, Out>;
  readonly lifecycle: Lifecycle;
  readonly tokens: TokenCache | undefined;
  /** Protocol pongs so far: with the frames counted by the decode stage, the signs of life the idle check reads. */
  pongs: number;
  /** The last round-trip time in ms (it outlives connections), `null` before the first. */
  rttMs: number | null;
  /** When the unanswered heartbeat (`heartbeat.isReply`) and protocol ping were sent, else `null`. */
  heartbeatAt: number | null;
  pingAt: number | null;
  /** A timed heartbeat went out at `at` (its reply gives the round-trip time). */
  heartbeatSent(at: number): void;
  /** The socket was created (open or not): a refused upgrade is read from it. */
  created(socket: WebSocketLike): void;
  /** The socket opened: send the handshake (and, without `ready`, go on as {@link ConnectionHost.ready}). */
  opened(connection: Connection<In, Out>, socket: WebSocketLike): void;
  /** The server answered the handshake (`ready`): replay the topics, flush the outbox. */
  ready(connection: Connection<In, Out>): void;
  /** One inbound frame of `connection`, as the socket handed it over. */
  frame(connection: Connection<In, Out>, data: unknown): void;
  /** `connection` ended with `error`. */
  failed(connection: Connection<In, Out>, error: unknown): void;
  /** Sends a frame on the open socket; `false` when there is none. */
  writeFrame(message: Out): boolean;
  /** The token the server refused was replaced before this attempt. */
  tokenRenewed(): void;
  /** A proactive token refresh failed; it is tried again in `retryIn` ms. */
  tokenRefreshFailed(error: unknown, retryIn: number): void;
  /** A token refresh without an in-band message: replace the connection cleanly. */
  requestReconnect(): void;
  /** The consumer holds the open socket paused (`ws` only): silence then is not a zombie's. */
  isHeld(): boolean;
}

/**
 * One connection attempt, from the token and the URL to the socket's end: it opens the socket
 * (within `connectTimeout`), hands every inbound frame to the host, and while open runs the
 * keep-alive lanes (idle check, heartbeat, pings, token refresh) and the ready wait. It ends once,
 * with whatever ended it (a close, a timeout, a token or URL failure) reported to
 * {@link ConnectionHost.failed}, or by {@link Connection.stop}. Its state is its own fields: the
 * socket's listeners are the only closures it holds.
 *
 * @internal
 */
export class Connection<In, Out> implements IdleWatched {
  /** Until the attempt ended (failed or stopped). */
  live = true;
  /** The socket, once created. */
  socket: WebSocketLike | null = null;
  /** The socket opened (the open event came). */
  open = false;
  /** The ready handshake is awaited (`ready`): the ready timer runs. */
  private awaitingReady = false;
  /** The open timeout, until the open. */
  private connectTimer: Subscription | null = null;
  /** The ready timeout (`ready`), until the server's answer. */
  private readyTimer: Subscription | null = null;
  /** The token of this attempt (`null` without a provider). */
  private token: string | null = null;
  /** The context handed to the user's callbacks, made when one asks. */
  private ctxCache: ConnectContext | null = null;
  /** What else this attempt runs beside the socket (the token and URL lookups, the keep-alive lanes), made when there is any. */
  private side: Subscription | null = null;
  /** The zombie check, while open. */
  private idleTimer: Subscription | null = null;
  // The socket's listeners, from its creation to the end of the attempt.
  private onOpen: (() => void) | null = null;
  /** The `'message'` listener, or the removal of the transport's own frame listener. */
  private onMessage: ((event: WebSocketMessageEvent) => void) | null = null;
  private removeFrames: (() => void) | null = null;
  private onClose: ((event: WebSocketCloseEvent) => void) | null = null;
  private onPong: (() => void) | null = null;

  constructor(
    private readonly host: ConnectionHost<In, Out>,
    /** 1 for the first attempt of the socket, then 2, 3, ... */
    readonly attempt: number,
    /** Failures in a row before this attempt, and what ended the last one. */
    private readonly retries: number,
    private readonly lastError: unknown,
    /** The server refused the last token: fetch a new one first. */
    private readonly forceToken: boolean,
  ) {
  }

  /** The context of this attempt, for the user's callbacks (made when first asked for). */
  get ctx(): ConnectContext {
    return (this.ctxCache ??= { attempt: this.attempt, token: this.token, retries: this.retries, lastError: this.lastError });
  }


  /** Runs `subscription` beside the socket until the attempt ends. */
  private beside(subscription: Subscription): void {
    (this.side ??= new Subscription()).add(subscription);
  }

  /** Starts the attempt: the token and the URL (when they need a lookup), then the socket. */
  start(): void {
    const { host, forceToken } = this;
    const { options, tokens } = host;
    const { url } = options;
    // A fixed URL and no token provider (the common case): straight to the socket.
    if (typeof url === 'string' && tokens === undefined) return this.connect(url);
    const token$: Observable<string | null> =
      tokens === undefined
        ? of(null)
        : tokens.get$(forceToken || options.tokenPerConnect).pipe(
            tap(() => {
              if (forceToken) host.tokenRenewed();
            }),
            map((token): string | null => token.token),
          );
    // Runs once per connection: operators are fine here.
    const href$ = token$.pipe(
      switchMap((token) => {
        this.token = token;
        this.ctxCache = null;
        return resolveUrl(url, this.ctx).pipe(throwIfEmpty(() => new UrlError({ attempt: this.attempt, reason: 'empty' })));
      }),
    );
    this.beside(href$.subscribe({ next: (href) => this.connect(href), error: (error: unknown) => this.fail(error) }));
  }

  /** Ends the attempt with `error` (once): the host decides what comes next. */
  fail(error: unknown): void {
    if (!this.live) return;
    // Not live from here on: a close event that the host's reaction causes (a terminate) is not a second end.
    this.live = false;
    this.host.failed(this, error);
    this.stop();
  }

  /**
   * Ends the attempt without an error: the listeners go, the socket is closed with 1000 (unless
   * it is already closing) and everything beside it stops. Idempotent.
   */
  stop(): void {
    this.live = false;
    this.side?.unsubscribe();
    this.connectTimer?.unsubscribe();
    this.readyTimer?.unsubscribe();
    this.idleTimer?.unsubscribe();
    const { socket, onOpen, onMessage, removeFrames, onClose, onPong } = this;
    if (socket === null || onOpen === null) return;
    this.onOpen = this.onMessage = this.removeFrames = this.onClose = this.onPong = null;
    socket.removeEventListener('open', onOpen);
    if (removeFrames !== null) removeFrames();
    else if (onMessage !== null) socket.removeEventListener('message', onMessage);
    if (onClose !== null) socket.removeEventListener('close', onClose);
    if (onPong !== null) socket.off?.('pong', onPong);
    // A paused socket could not read the peer's close frame (nor anything else): read again.
    socket.resume?.();
    if (socket.readyState < CLOSING) socket.close(1000, 'client closed');
    // The error listener stays: `ws` emits `error` on a socket closed before it opened, and an
    // EventEmitter without a listener would throw it.
  }

  // The idle check watches this connection (IdleWatched).

  /** @internal Signs of life so far: frames and protocol pongs. */
  signs(): number {
    return this.host.lifecycle.counters.messagesIn + this.host.pongs;
  }

  /** @internal The consumer holds the socket paused: silence then is not a zombie's. */
  held(): boolean {
    return this.host.isHeld();
  }

  /** @internal No sign of life for too long. */
  idle(error: IdleTimeoutError): void {
    this.fail(error);
  }

  /** A message `ready.isReady` accepted: the ready work, once. */
  readyReceived(): void {
    if (!this.awaitingReady) return;
    this.awaitingReady = false;
    this.readyTimer?.unsubscribe();
    this.readyTimer = null;
    this.host.ready(this);
  }

  private connect(href: string): void {
    if (!this.live || this.socket !== null) return;
    const { host } = this;
    const { options } = host;
    const { WebSocketCtor, protocols, transportOptions, connectTimeout, scheduler } = options;
    let socket: WebSocketLike;
    try {
      if (options.secureOnly) checkSecure(href);
      socket = new WebSocketCtor(href, protocols, transportOptions?.(this.ctx) as never);
    } catch (error) {
      return this.fail(error);
    }
    this.socket = socket;
    host.created(socket);
    this.onOpen = () => this.opened();
    socket.addEventListener('open', this.onOpen);
    const frames = (socket as Partial<FrameListenable>)[FRAMES];
    // The transport's own frame listener when it has one: no event object per frame.
    if (typeof frames === 'function') {
      this.removeFrames = frames.call(socket, (data, isBinary) => host.frame(this, isBinary ? data : (data as object).toString()));
    } else {
      this.onMessage = (event) => host.frame(this, event.data);
      socket.addEventListener('message', this.onMessage);
    }
    this.onClose = (event) => this.fail(new CloseError({ code: event.code, reason: event.reason ?? '', wasClean: event.wasClean ?? false }));
    socket.addEventListener('close', this.onClose);
    // A browser fires `error` and then `close`; the close carries the information we report.
    socket.addEventListener('error', ignore);
    if (socket.on !== undefined) {
      this.onPong = () => this.pong();
      socket.on('pong', this.onPong);
    }
    this.connectTimer = scheduler.schedule(() => this.fail(new ConnectTimeoutError({ timeoutMs: connectTimeout })), connectTimeout);
  }

  private opened(): void {
    if (!this.live || this.open) return;
    const socket = this.socket as WebSocketLike;
    this.open = true;
    this.connectTimer?.unsubscribe();
    this.connectTimer = null;
    try {
      const { ready, scheduler } = this.host.options;
      // Before the handshake is sent: a reply may come at once.
      this.awaitingReady = ready !== undefined;
      this.host.opened(this, socket);
      if (!this.live) return;
      this.runLanes(socket);
      if (ready !== undefined && this.awaitingReady) {
        const timeoutMs = ready.timeout;
        this.readyTimer = scheduler.schedule(() => this.fail(new ReadyTimeoutError({ timeoutMs })), timeoutMs);
      }
    } catch (error) {
      this.fail(error);
    }
  }

  private pong(): void {
    const { host } = this;
    host.pongs++;
    if (host.pingAt !== null) {
      host.rttMs = host.options.scheduler.now() - host.pingAt;
      host.pingAt = null;
    }
  }

  /** While open: the idle check, the heartbeat, protocol pings and proactive token refresh. */
  private runLanes(socket: WebSocketLike): void {
    const { host } = this;
    const { tokens, lifecycle } = host;
    const { heartbeat, pingInterval, idleMs, refreshMessage, scheduler } = host.options;
    if (idleMs > 0) this.idleTimer = idleCheck(idleMs, scheduler, this);
    if (heartbeat !== undefined) {
      const timed = heartbeat.isReply !== undefined;
      this.beside(
        interval(heartbeat.interval, scheduler).subscribe({
          next: () => {
            try {
              if (host.writeFrame(heartbeat.message()) && timed && host.heartbeatAt === null) host.heartbeatSent(scheduler.now());
            } catch (error) {
              this.fail(error);
            }
          },
        }),
      );
    }
    if (pingInterval > 0) {
      this.beside(
        interval(pingInterval, scheduler).subscribe(() => {
          if (socket.ping === undefined) return;
          try {
            socket.ping();
          } catch (error) {
            return this.fail(error);
          }
          if (host.pingAt === null) host.pingAt = scheduler.now();
        }),
      );
    }
    if (tokens !== undefined) {
      const refresh$ = tokenRefresh$(
        tokens,
        scheduler,
        (next) => {
          if (refreshMessage !== undefined) {
            host.writeFrame(refreshMessage(next.token));
            lifecycle.emit({ type: 'tokenRefreshed', inBand: true });
            return true;
          }
          lifecycle.emit({ type: 'tokenRefreshed', inBand: false });
          host.requestReconnect();
          return false;
        },
        (error, retryIn) => host.tokenRefreshFailed(error, retryIn),
      );
      this.beside(refresh$.subscribe({ error: (error: unknown) => this.fail(error) }));
    }
  }
}

function ignore(): void {
  // the close that follows an error is what is reported
}
