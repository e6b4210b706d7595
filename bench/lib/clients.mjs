// The client kinds the bench compares. Each factory loads what it needs and returns
// `open(url, { onEvent, onOpen })`, which connects once and returns a `close()`.
//
// Every kind that parses does the same parse work per event: one JSON.parse of the frame text
// (the libraries do it themselves). `ws-raw` does not parse: the ceiling.
import WebSocket from 'ws';
import { webSocket } from 'rxjs/webSocket';
import { NEVER, Observable, switchMap } from 'rxjs';
import rxjsWebsockets from 'rxjs-websockets';
import { bundlesOf } from './build.mjs';
import { leanComposition, sequencedFloor } from './controls.mjs';

// rxjs-websockets is CommonJS with an ES-module-style default export.
const makeWebSocketObservable = rxjsWebsockets.default ?? rxjsWebsockets;

const noop = () => undefined;

/** A managed socket's `open`: subscribes, reports `connected` as open. */
const managedOpen = (managedSocket$, config, topics = []) => (url, { onEvent = noop, onOpen = noop } = {}) => {
  const socket = managedSocket$({ url, ...config() });
  const events = socket.events$.subscribe((event) => event.type === 'connected' && onOpen());
  if (topics.length > 0) socket.subscribeTopics(...topics);
  const subscription = socket.subscribe({ next: onEvent });
  return () => {
    subscription.unsubscribe();
    events.unsubscribe();
  };
};

/**
 * The factory of a kind; `managed-full@alt` is `managed-full` on the bundles of `--compare`.
 * Resolves with `open`.
 */
export function loadClient(kind) {
  const [base, variant = ''] = kind.split('@');
  const factory = CLIENTS[base];
  if (factory === undefined) throw new TypeError(`unknown client kind ${kind}`);
  return factory(bundlesOf(variant));
}

const CLIENTS = {
  /** `ws` without parsing: the ceiling. */
  'ws-raw': async () => (url, { onEvent = noop, onOpen = noop } = {}) => {
    const ws = new WebSocket(url);
    ws.on('open', onOpen);
    ws.on('message', () => onEvent(undefined));
    return () => ws.close();
  },
  /** `ws` + JSON.parse: the limit, and the baseline of the ratios. */
  'ws-json': async () => (url, { onEvent = noop, onOpen = noop } = {}) => {
    const ws = new WebSocket(url);
    ws.on('open', onOpen);
    ws.on('message', (data) => onEvent(JSON.parse(data.toString())));
    return () => ws.close();
  },
  /** `ws` + JSON.parse + the least work any client of a sequenced feed must do per event (the floor). */
  'ws-sequenced': async () => (url, { onEvent = noop, onOpen = noop } = {}) => {
    const ws = new WebSocket(url);
    ws.on('open', onOpen);
    ws.on('message', sequencedFloor(onEvent));
    return () => ws.close();
  },
  /** The control: the lean RxJS composition (bench/lib/controls.mjs), frames from `ws`. */
  'lean-rx': async () => (url, { onEvent = noop, onOpen = noop } = {}) => {
    const frames$ = new Observable((subscriber) => {
      const ws = new WebSocket(url);
      ws.on('open', onOpen);
      ws.on('message', (data, isBinary) => subscriber.next(isBinary ? data : data.toString()));
      ws.on('close', () => subscriber.error(new Error('closed')));
      ws.on('error', noop);
      return () => ws.close();
    });
    const subscription = leanComposition(frames$, onEvent);
    return () => subscription.unsubscribe();
  },
  /** rxjs `webSocket()` on `ws` (its default deserializer is JSON.parse). */
  'rxjs-webSocket': async () => (url, { onEvent = noop, onOpen = noop } = {}) => {
    const subscription = webSocket({ url, WebSocketCtor: WebSocket, openObserver: { next: onOpen } }).subscribe({ next: onEvent });
    return () => subscription.unsubscribe();
  },
  /** rxjs-websockets on `ws` (no parsing of its own: JSON.parse added in the pipe). */
  'rxjs-websockets': async () => (url, { onEvent = noop, onOpen = noop } = {}) => {
    const subscription = makeWebSocketObservable(url, { protocols: [], makeWebSocket: (u, p) => new WebSocket(u, p) })
      .pipe(
        switchMap((getResponses) => {
          onOpen();
          return getResponses(NEVER);
        }),
      )
      .subscribe({ next: (data) => onEvent(JSON.parse(data)), error: noop });
    return () => subscription.unsubscribe();
  },
  /** managedSocket$ plain: decode only (no seqOf: no resume, dedupe or gaps). */
  'managed-plain': async (bundles) => {
    const { managedSocket$ } = await import(bundles.node);
    return managedOpen(managedSocket$, () => ({}));
  },
  /** managedSocket$, full resilience pipeline: referenceProtocol() minus the codec. */
  'managed-full': async (bundles) => {
    const { managedSocket$ } = await import(bundles.node);
    const { referenceProtocol } = await import(bundles.server);
    const withoutCodec = () => {
      const protocol = { ...referenceProtocol() };
      delete protocol.codec;
      return protocol;
    };
    return managedOpen(managedSocket$, withoutCodec, ['prices']);
  },
  /** managedSocket$ with referenceProtocol() as it is: the full pipeline plus the io-ts codec. */
  'managed-codec': async (bundles) => {
    const { managedSocket$ } = await import(bundles.node);
    const { referenceProtocol } = await import(bundles.server);
    return managedOpen(managedSocket$, () => referenceProtocol(), ['prices']);
  },
};

/** The label of a kind (`@alt` kinds: the label plus "(--compare)"). */
export function labelOf(kind) {
  const [base, variant] = kind.split('@');
  return variant ? `${LABELS[base]} (${variant})` : LABELS[base];
}

export const LABELS = {
  'ws-raw': 'ws, no parse (ceiling)',
  ws: 'ws',
  'ws-json': 'ws + JSON.parse (limit)',
  'ws-sequenced': 'ws + JSON.parse + sequenced work inline (floor)',
  'lean-rx': 'lean RxJS composition (control)',
  'rxjs-webSocket': 'rxjs webSocket()',
  'rxjs-websockets': 'rxjs-websockets',
  'managed-plain': 'managedSocket$ plain',
  'managed-full': 'managedSocket$ full',
  'managed-codec': 'managedSocket$ full + codec',
};
