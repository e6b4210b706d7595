// The client kinds the bench compares. Each factory loads what it needs and returns
// `open(url, { onEvent, onOpen })`, which connects once and returns a `close()`.
//
// Every kind that parses does the same parse work per event: one JSON.parse of the frame text
// (the libraries do it themselves). `ws-raw` does not parse: the ceiling.
import WebSocket from 'ws';
import { webSocket } from 'rxjs/webSocket';
import { NEVER, Observable, retry, switchMap } from 'rxjs';
import rxjsWebsockets from 'rxjs-websockets';
import { bundlesOf } from './build.mjs';

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
  /**
   * `ws` + JSON.parse + the least work any client of a sequenced feed must do per event, inline,
   * without RxJS: size guard, event and seq checks, one watermark per topic (the resume cursor,
   * which also is the duplicate filter: an event at or below it is dropped), a message counter.
   * In-order events only (no reorder buffer, no timers, no reconnects): the floor.
   */
  'ws-sequenced': async () => (url, { onEvent = noop, onOpen = noop } = {}) => {
    const ws = new WebSocket(url);
    const lastByTopic = new Map();
    const metrics = { messagesIn: 0 };
    ws.on('open', onOpen);
    ws.on('message', (data) => {
      metrics.messagesIn++;
      const text = data.toString();
      if (text.length > 1_048_576) return;
      const frame = JSON.parse(text);
      if (frame.type !== 'event') return;
      const { seq, topic } = frame;
      if (!Number.isSafeInteger(seq) || seq < 0) return;
      const last = lastByTopic.get(topic);
      if (last !== undefined && seq <= last) return;
      lastByTopic.set(topic, seq);
      onEvent(frame);
    });
    return () => ws.close();
  },
  /**
   * The control: a lean composition of RxJS operators doing the sequenced work, one small
   * `new Observable` stage per step: frames from `ws`, size guard + JSON.parse, event and seq
   * checks, an in-order fast path with a reorder map only on the slow path, one watermark per
   * topic (cursor and duplicate filter), an activity counter for an idle watchdog, and rxjs
   * `retry()` around it all. What composing operators costs when each stage is lean.
   */
  'lean-rx': async () => (url, { onEvent = noop, onOpen = noop } = {}) => {
    const stage = (step) => (source) =>
      new Observable((subscriber) =>
        source.subscribe({ next: (value) => step(value, subscriber), error: (error) => subscriber.error(error), complete: () => subscriber.complete() }),
      );
    const activity = { frames: 0 };
    const watermark = new Map();
    const held = new Map();
    const frames$ = new Observable((subscriber) => {
      const ws = new WebSocket(url);
      ws.on('open', onOpen);
      ws.on('message', (data, isBinary) => subscriber.next(isBinary ? data : data.toString()));
      ws.on('close', () => subscriber.error(new Error('closed')));
      ws.on('error', noop);
      return () => ws.close();
    });
    const subscription = frames$
      .pipe(
        stage((text, out) => {
          activity.frames++;
          if (text.length <= 1_048_576) out.next(JSON.parse(text));
        }),
        stage((frame, out) => {
          if (frame.type === 'event' && Number.isSafeInteger(frame.seq) && frame.seq >= 0) out.next(frame);
        }),
        stage((frame, out) => {
          const last = watermark.get(frame.topic);
          if (last === undefined || frame.seq === last + 1) {
            watermark.set(frame.topic, frame.seq);
            out.next(frame);
            if (held.size === 0) return;
            let next = held.get(`${frame.topic}\u0000${frame.seq + 1}`);
            while (next !== undefined) {
              held.delete(`${next.topic}\u0000${next.seq}`);
              watermark.set(next.topic, next.seq);
              out.next(next);
              next = held.get(`${next.topic}\u0000${next.seq + 1}`);
            }
          } else if (frame.seq > last) held.set(`${frame.topic}\u0000${frame.seq}`, frame);
        }),
        retry({ delay: 1000 }),
      )
      .subscribe({ next: onEvent });
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
