/**
 * A small `ws` server on 127.0.0.1 (port 0) that speaks a protocol unlike the reference server's,
 * for the wire-format specs: every event carries a global offset `g` (what a client resumes from)
 * and a per-topic `seq` (what orders it). Its wire format (JSON text or MessagePack binary), batch
 * size, reordering, losses, duplicates and cuts are set by the test.
 *
 * Client frames: `{ op: 'hello', from: number | null }` (resume after offset `from`; `null`: from
 * the start of the log), `{ op: 'sub' | 'unsub', topics }`. The first `sub` of a connection replays
 * the log after `from` for its topics; later ones are live only (a topic added mid-stream starts
 * at its next event). Server frames: `{ t: 'ev', g, topic, seq }`, `{ t: 'batch', events }`.
 */
import { WebSocketServer } from 'ws';
import type WebSocket from 'ws';
import type { AddressInfo } from 'node:net';

export interface ForeignEvent {
  readonly t: 'ev';
  readonly g: number;
  readonly topic: string;
  readonly seq: number;
}

export type ForeignClientFrame = { op: 'hello'; from: number | null } | { op: 'sub' | 'unsub'; topics: readonly string[] };

export interface ForeignServerOptions {
  /** Writes a frame; default JSON text. */
  readonly encode?: (frame: object) => string | Uint8Array;
  /** Reads a client frame; default JSON text. */
  readonly decode?: (data: Buffer, isBinary: boolean) => unknown;
  /** Events per frame: above 1, events go out as `{ t: 'batch', events }`. @default 1 */
  readonly batch?: number;
  /** Hold every nth event sent and send it after the next one (a reorder); 0: off. @default 0 */
  readonly swapEvery?: number;
}

/** What one `hello` asked for and what the server replayed for it. */
export interface Resumption {
  readonly from: number | null;
  /** Offsets replayed on the first `sub` of that connection. */
  readonly replayed: number[];
}

interface Peer {
  readonly ws: WebSocket;
  readonly topics: Set<string>;
  from: number | null | undefined;
  subscribed: boolean;
  resumption: { from: number | null; replayed: number[] } | undefined;
  sent: number;
  held: ForeignEvent | undefined;
  /** Live events still to drop silently (a loss inside the connection). */
  drop: number;
}

export interface ForeignServer {
  readonly url: string;
  readonly log: readonly ForeignEvent[];
  readonly resumptions: readonly Resumption[];
  /** Client frames received, decoded. */
  readonly received: readonly unknown[];
  /**
   * Appends `count` events of `topic` to the log and sends them to the subscribers; `junk` goes
   * first in the first batch frame (a malformed event beside good ones).
   */
  publish(topic: string, count?: number, junk?: readonly object[]): void;
  /** Sends `frame` as it is, to every open connection (a malformed event, a batch by hand). */
  sendRaw(frame: object): void;
  /** Drops the next `count` live events of every open connection (they stay in the log). */
  lose(count: number): void;
  /** Sends the last event of the log again to every subscriber of its topic. */
  resendLast(): void;
  /** Cuts every connection without a close frame (events held for a reorder are lost with it). */
  cut(): void;
  /** Open connections that sent a hello and subscribed. */
  readyConnections(): number;
  stop(): Promise<void>;
}

export async function startForeignServer(options: ForeignServerOptions = {}): Promise<ForeignServer> {
  const { encode = (frame: object) => JSON.stringify(frame), decode = (data: Buffer) => JSON.parse(data.toString()) as unknown, batch = 1, swapEvery = 0 } = options;
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  const log: ForeignEvent[] = [];
  const perTopic = new Map<string, number>();
  const resumptions: Resumption[] = [];
  const received: unknown[] = [];
  const peers = new Set<Peer>();

  const write = (peer: Peer, events: readonly ForeignEvent[], junk: readonly object[] = []): void => {
    for (let i = 0; i < events.length; i += batch) {
      const chunk: object[] = events.slice(i, i + batch);
      if (i === 0) chunk.unshift(...junk);
      const frame = batch === 1 && chunk.length === 1 ? (chunk[0] as object) : { t: 'batch', events: chunk };
      if (peer.ws.readyState === peer.ws.OPEN) peer.ws.send(encode(frame));
    }
  };

  /** Live events for one peer: losses, then the reorder (one held back, sent after the next). */
  const live = (peer: Peer, events: readonly ForeignEvent[], junk: readonly object[]): void => {
    const out: ForeignEvent[] = [];
    for (const event of events) {
      if (peer.drop > 0) {
        peer.drop--;
        continue;
      }
      peer.sent++;
      if (peer.held !== undefined) {
        out.push(event, peer.held);
        peer.held = undefined;
      } else if (swapEvery > 0 && peer.sent % swapEvery === 0) {
        peer.held = event;
      } else {
        out.push(event);
      }
    }
    write(peer, out, junk);
  };

  wss.on('connection', (ws) => {
    const peer: Peer = { ws, topics: new Set(), from: undefined, subscribed: false, resumption: undefined, sent: 0, held: undefined, drop: 0 };
    peers.add(peer);
    ws.on('close', () => peers.delete(peer));
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      const frame = decode(data, isBinary) as ForeignClientFrame;
      received.push(frame);
      if (frame.op === 'hello') {
        peer.from = frame.from;
        peer.resumption = { from: frame.from, replayed: [] };
        resumptions.push(peer.resumption);
        return;
      }
      if (frame.op === 'unsub') {
        for (const topic of frame.topics) peer.topics.delete(topic);
        return;
      }
      for (const topic of frame.topics) peer.topics.add(topic);
      if (peer.subscribed) return;
      peer.subscribed = true;
      const from = peer.from ?? 0;
      const replay = log.filter((e) => e.g > from && peer.topics.has(e.topic));
      peer.resumption?.replayed.push(...replay.map((e) => e.g));
      write(peer, replay);
    });
  });

  const port = (wss.address() as AddressInfo).port;
  return {
    url: `ws://127.0.0.1:${port}`,
    log,
    resumptions,
    received,
    publish(topic, count = 1, junk = []) {
      const events: ForeignEvent[] = [];
      for (let i = 0; i < count; i++) {
        const seq = (perTopic.get(topic) ?? 0) + 1;
        perTopic.set(topic, seq);
        const event: ForeignEvent = { t: 'ev', g: log.length + 1, topic, seq };
        log.push(event);
        events.push(event);
      }
      for (const peer of peers) if (peer.subscribed) live(peer, events.filter((e) => peer.topics.has(e.topic)), junk);
    },
    sendRaw(frame) {
      for (const peer of peers) if (peer.ws.readyState === peer.ws.OPEN) peer.ws.send(encode(frame));
    },
    lose(count) {
      for (const peer of peers) peer.drop += count;
    },
    resendLast() {
      const last = log[log.length - 1];
      if (last === undefined) return;
      for (const peer of peers) if (peer.subscribed && peer.topics.has(last.topic)) write(peer, [last]);
    },
    cut() {
      for (const peer of peers) peer.ws.terminate();
    },
    readyConnections: () => [...peers].filter((p) => p.subscribed && p.ws.readyState === p.ws.OPEN).length,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const peer of peers) peer.ws.terminate();
        wss.close(() => resolve());
      }),
  };
}
