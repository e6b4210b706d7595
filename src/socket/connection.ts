import { defer, EMPTY, ignoreElements, interval, map, merge, mergeMap, of, Subject, switchMap, take, tap, throwError, throwIfEmpty, timeout } from 'rxjs';
import type { Observable } from 'rxjs';
import { ConnectTimeoutError, ReadyTimeoutError, UrlError } from '../errors';
import { alongside } from '../internal/alongside';
import { tokenRefresh$ } from './auth';
import type { TokenCache } from './auth';
import { idleCheck$ } from './idle';
import type { Lifecycle } from './lifecycle';
import type { SocketOptions } from './options';
import { socketFrames$ } from './transport';
import type { WebSocketLike } from './transport';
import { checkSecure, resolveUrl } from './url';
import { capturing } from './upgrade';
import type { ConnectContext } from './config';

/**
 * The state of the current connection, in one place: set when a socket opens, cleared when its
 * attempt ends. Nothing here outlives a connection.
 *
 * @internal
 */
export interface Link {
  /** The open socket, or `null` between connections. */
  socket: WebSocketLike | null;
  /** Open, and the handshake, subscription replay and outbox flush were sent. */
  ready: boolean;
  /** Protocol pongs so far: with the frames counted by the decode stage, the signs of life the idle check reads. */
  pongs: number;
  /** The socket the current attempt created (open or not): a refused upgrade is read from it. */
  created: WebSocketLike | null;
  /** When the unanswered heartbeat (`heartbeat.isReply`) and protocol ping were sent, else `null`. */
  heartbeatAt: number | null;
  pingAt: number | null;
  /** The last round-trip time in ms (it outlives connections), `null` before the first. */
  rttMs: number | null;
}

/** What one connection attempt needs from the socket. @internal */
export interface ConnectionDeps<In, Out> {
  readonly options: SocketOptions<In, Out>;
  readonly lifecycle: Lifecycle;
  readonly tokens: TokenCache | undefined;
  readonly link: Link;
  /** Sends a frame on the open socket; `false` when there is none. */
  writeFrame(message: Out): boolean;
  /** The socket opened: send the handshake (and, without `ready`, go on as {@link ConnectionDeps.onReady}). */
  onOpen(socket: WebSocketLike, ctx: ConnectContext): void;
  /** The server answered the handshake (`ready`): replay the topics, flush the outbox. */
  onReady(ctx: ConnectContext): void;
  /** Emits when a message `ready.isReady` accepts arrives. */
  readonly ready$: Observable<void>;
  /** Errors sent here end the current attempt (a server reset). */
  readonly failures$: Observable<unknown>;
  /** A proactive token refresh failed; it is tried again in `retryIn` ms. */
  onTokenRefreshFailed(error: unknown, retryIn: number): void;
  /** A token refresh without an in-band message: replace the connection cleanly. */
  requestReconnect(): void;
  /** The token the server refused was replaced before this attempt. */
  onTokenRenewed(): void;
  /** The consumer holds the open socket paused (`ws` only): silence then is not a zombie's. */
  isHeld(): boolean;
}

/** What an attempt knows before it starts. @internal */
export interface AttemptInfo {
  readonly attempt: number;
  readonly retries: number;
  readonly lastError: unknown;
  /** The server refused the last token: fetch a new one first. */
  readonly forceToken: boolean;
}

/**
 * One connection attempt: the token, the URL, the socket. Emits the data of every inbound frame;
 * beside the frames, it bounds the time to open (`connectTimeout`), runs the open work, then the
 * keep-alive lanes and the idle check for as long as the socket is open. Errors with whatever
 * ended it (a close, a timeout, a token or URL failure); never completes by itself.
 *
 * @internal
 */
export function connection$<In, Out>(deps: ConnectionDeps<In, Out>, info: AttemptInfo): Observable<unknown> {
  const { options, tokens } = deps;
  const { url } = options;
  const { attempt, retries, lastError, forceToken } = info;
  // A fixed URL and no token provider (the common case): straight to the socket.
  if (typeof url === 'string' && tokens === undefined) return defer(() => open$(deps, url, { attempt, token: null, retries, lastError }));
  const token$ =
    tokens === undefined
      ? of(null)
      : tokens.get$(forceToken || options.tokenPerConnect).pipe(
          tap(() => {
            if (forceToken) deps.onTokenRenewed();
          }),
          map((token): string | null => token.token),
        );
  return token$.pipe(
    switchMap((token) => {
      const ctx: ConnectContext = { attempt, token, retries, lastError };
      return resolveUrl(url, ctx).pipe(
        throwIfEmpty(() => new UrlError({ attempt, reason: 'empty' })),
        switchMap((href) => open$(deps, href, ctx)),
      );
    }),
  );
}

/** The socket of one attempt: frames, with the open work and the open-time lanes beside them. */
function open$<In, Out>(deps: ConnectionDeps<In, Out>, href: string, ctx: ConnectContext): Observable<unknown> {
  const { options, link } = deps;
  const { WebSocketCtor, protocols, transportOptions, connectTimeout, scheduler } = options;
  if (options.secureOnly) checkSecure(href);
  const opened = new Subject<WebSocketLike>();
  const whileOpen$ = opened.pipe(
    take(1),
    timeout({ first: connectTimeout, with: () => throwError(() => new ConnectTimeoutError({ timeoutMs: connectTimeout })), scheduler }),
    switchMap((socket) => {
      deps.onOpen(socket, ctx);
      const lanes = [openLanes$(deps, socket), readyWait$(deps, ctx)];
      // Only reset detection ends an attempt from outside: without it, nothing more to hold.
      if (options.resets !== undefined) lanes.push(deps.failures$.pipe(mergeMap((error) => throwError(() => error))));
      return merge(...lanes);
    }),
  );
  const hooks = {
    onOpen: (socket: WebSocketLike) => opened.next(socket),
    onPong: () => {
      link.pongs++;
      if (link.pingAt !== null) {
        link.rttMs = scheduler.now() - link.pingAt;
        link.pingAt = null;
      }
    },
  };
  const Ctor = capturing(WebSocketCtor, (socket) => (link.created = socket));
  return socketFrames$(Ctor, href, protocols, transportOptions?.(ctx), hooks).pipe(alongside(whileOpen$));
}

/** With `ready`: the server's answer to the handshake, within `ready.timeout`; then the ready work. */
function readyWait$<In, Out>(deps: ConnectionDeps<In, Out>, ctx: ConnectContext): Observable<never> {
  const { ready, scheduler } = deps.options;
  if (ready === undefined) return EMPTY;
  const timeoutMs = ready.timeout;
  return deps.ready$.pipe(
    take(1),
    timeout({ first: timeoutMs, with: () => throwError(() => new ReadyTimeoutError({ timeoutMs })), scheduler }),
    tap(() => deps.onReady(ctx)),
    ignoreElements(),
  );
}

/** While open: the idle check, the heartbeat, protocol pings and proactive token refresh. What they emit is ignored. */
function openLanes$<In, Out>(deps: ConnectionDeps<In, Out>, socket: WebSocketLike): Observable<unknown> {
  const { options, tokens, lifecycle, link } = deps;
  const { heartbeat, pingInterval, idleMs, refreshMessage, scheduler } = options;
  const lanes: Observable<unknown>[] = [];
  if (idleMs > 0) lanes.push(idleCheck$(idleMs, scheduler, () => lifecycle.counters.messagesIn + link.pongs, deps.isHeld));
  if (heartbeat !== undefined) {
    const timed = heartbeat.isReply !== undefined;
    lanes.push(
      interval(heartbeat.interval, scheduler).pipe(
        tap(() => {
          if (deps.writeFrame(heartbeat.message()) && timed && link.heartbeatAt === null) link.heartbeatAt = scheduler.now();
        }),
      ),
    );
  }
  if (pingInterval > 0) {
    lanes.push(
      interval(pingInterval, scheduler).pipe(
        tap(() => {
          if (socket.ping === undefined) return;
          socket.ping();
          if (link.pingAt === null) link.pingAt = scheduler.now();
        }),
      ),
    );
  }
  if (tokens !== undefined) {
    lanes.push(
      tokenRefresh$(tokens, scheduler, (next) => {
        if (refreshMessage !== undefined) {
          deps.writeFrame(refreshMessage(next.token));
          lifecycle.emit({ type: 'tokenRefreshed', inBand: true });
          return true;
        }
        lifecycle.emit({ type: 'tokenRefreshed', inBand: false });
        deps.requestReconnect();
        return false;
      }, deps.onTokenRefreshFailed),
    );
  }
  // Nothing to run: no operators held for the life of the connection.
  return lanes.length === 0 ? EMPTY : merge(...lanes);
}
