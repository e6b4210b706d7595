/**
 * Wire formats over real sockets on 127.0.0.1: MessagePack binary frames, batch frames, and a
 * protocol whose resume unit (a global offset) is not its ordering unit (a per-topic seq), through
 * cuts, losses, reorders and duplicates.
 */
import * as t from 'io-ts';
import { decode, encode } from '@msgpack/msgpack';
import type { Subscription } from 'rxjs';
import { managedSocket$ } from '../../src/node';
import type { ManagedSocket } from '../../src/socket/managedSocket';
import type { ManagedSocketConfig } from '../../src/socket/config';
import type { ManagedSocketEvent } from '../../src/socket/lifecycle';
import type { WireFormat } from '../../src/socket/wire';
import { startForeignServer } from '../support/foreignServer';
import { referenceProtocol } from '../../src/server/referenceClient';
import { startReferenceServer } from '../../src/server/referenceServer';
import type { ServerWireFormat } from '../../src/server/referenceServer';
import type { ClientFrame, ServerFrame } from '../../src/server/protocol';
import { expectInvalidOptionRejection } from '../support/invalidOption';
import { connectTestClient } from '../support/wsTestClient';
import type { ForeignClientFrame, ForeignEvent, ForeignServer, ForeignServerOptions } from '../support/foreignServer';
import { until } from '../support/until';

jest.setTimeout(20_000);

const Ev: t.Type<ForeignEvent> = t.type({ t: t.literal('ev'), g: t.number, topic: t.string, seq: t.number });

const eventsOf = (frame: unknown): readonly unknown[] | undefined =>
  typeof frame === 'object' && frame !== null && 't' in frame && frame.t === 'batch' && 'events' in frame && Array.isArray(frame.events)
    ? frame.events
    : undefined;

const msgpack: WireFormat<ForeignClientFrame> = {
  serialize: (message) => encode(message),
  deserialize: (frame) => (typeof frame === 'string' ? JSON.parse(frame) : decode(frame)),
  binaryType: 'nodebuffer',
};

interface Client {
  readonly socket: ManagedSocket<ForeignEvent, ForeignClientFrame>;
  readonly received: ForeignEvent[];
  readonly events: ManagedSocketEvent[];
  /** At each handshake: what had been delivered, and the token sent. */
  readonly handshakes: Array<{ readonly delivered: readonly ForeignEvent[]; readonly token: number | null }>;
  error: unknown;
  readonly subscription: Subscription;
}

describe('wire formats with a real server', () => {
  let server: ForeignServer;
  const clients: Client[] = [];

  afterEach(async () => {
    for (const client of clients.splice(0)) client.subscription.unsubscribe();
    await server.stop();
  });

  function connect(overrides: Partial<ManagedSocketConfig<ForeignEvent, ForeignClientFrame>>, topics: readonly string[]): Client {
    const handshakes: Array<{ delivered: readonly ForeignEvent[]; token: number | null }> = [];
    const received: ForeignEvent[] = [];
    const socket = managedSocket$<ForeignEvent, ForeignClientFrame>({
      url: server.url,
      handshake: ({ resumeToken }) => {
        handshakes.push({ delivered: [...received], token: resumeToken });
        return { op: 'hello', from: resumeToken };
      },
      codec: Ev,
      seqOf: (m) => m.seq,
      keyOf: (m) => m.topic,
      resumeTokenOf: (m) => m.g,
      topics: { subscribe: (names) => ({ op: 'sub', topics: names }), unsubscribe: (names) => ({ op: 'unsub', topics: names }) },
      resume: { mode: 'perKey', start: 0 },
      gaps: { maxWait: 150 },
      retry: { initialInterval: 20, maxInterval: 100, jitter: 0.5 },
      idleTimeout: 0,
      ...overrides,
    });
    const client = { socket, received, events: [] as ManagedSocketEvent[], handshakes, error: undefined as unknown } as Client & { subscription: Subscription };
    socket.events$.subscribe((event) => client.events.push(event));
    socket.subscribeTopics(...topics);
    (client as { subscription: Subscription }).subscription = socket.subscribe({
      next: (event) => received.push(event),
      error: (err: unknown) => (client.error = err),
    });
    clients.push(client);
    return client;
  }

  const seqs = (events: readonly ForeignEvent[], topic: string) => events.filter((e) => e.topic === topic).map((e) => e.seq);
  const range = (to: number) => Array.from({ length: to }, (_, i) => i + 1);
  const countOf = (client: Client, type: ManagedSocketEvent['type']) => client.events.filter((e) => e.type === type).length;

  /** The gap-safe token by hand: per topic, the offset of its last event delivered; the lowest. */
  const safeToken = (delivered: readonly ForeignEvent[], topics: readonly string[]): number | null => {
    let lowest = Infinity;
    for (const topic of topics) {
      const last = delivered.filter((e) => e.topic === topic).pop();
      if (last === undefined) return null;
      lowest = Math.min(lowest, last.g);
    }
    return lowest;
  };

  /**
   * Nothing lost, nothing twice; every resumption asked from the gap-safe token, its replay held
   * everything missed, and no more than `excess` events delivered already.
   */
  function expectResumedExactly(client: Client, topics: readonly string[], excess: number): void {
    for (const topic of topics) expect(seqs(client.received, topic)).toEqual(range(server.log.filter((e) => e.topic === topic).length));
    expect(client.handshakes.length).toBe(server.resumptions.length);
    client.handshakes.forEach((handshake, i) => {
      const resumption = server.resumptions[i];
      const seen = new Set(handshake.delivered.map((e) => e.g));
      const known = topics.filter((topic) => handshake.delivered.some((e) => e.topic === topic));
      expect(handshake.token).toBe(known.length === 0 ? null : safeToken(handshake.delivered, known));
      expect(resumption?.from).toBe(handshake.token);
      const replayed = new Set(resumption?.replayed);
      const missed = server.log.filter((e) => !seen.has(e.g) && e.g <= Math.max(0, ...replayed));
      for (const e of missed) expect(replayed.has(e.g)).toBe(true);
      expect([...replayed].filter((g) => seen.has(g)).length).toBeLessThanOrEqual(excess);
    });
    expect(client.error).toBeUndefined();
  }

  async function start(options: ForeignServerOptions = {}): Promise<void> {
    server = await startForeignServer(options);
  }

  it('should carry MessagePack in binary frames both ways, through resume, gaps and duplicates', async () => {
    const binaryIn: boolean[] = [];
    await start({
      encode: (frame) => encode(frame),
      decode: (data, isBinary) => {
        binaryIn.push(isBinary);
        return decode(data);
      },
    });
    const client = connect({ wire: msgpack, dedupe: { window: 1000 }, idOf: (m) => m.g }, ['a', 'b']);
    await until(() => server.readyConnections() === 1, 5_000, 'the first connection');
    for (let i = 0; i < 10; i++) {
      server.publish('a');
      server.publish('b');
    }
    server.resendLast(); // a duplicate
    await until(() => client.received.length === 20, 5_000, 'the first events');
    server.lose(1); // a's 11 never arrives: a hole, then a resync
    server.publish('a', 3);
    server.publish('b', 2);
    await until(() => seqs(client.received, 'a').length === 13, 5_000, 'the hole filled by the resync');
    server.cut();
    server.publish('a', 4); // published while the client is down
    server.publish('b', 4);
    await until(() => client.received.length === 33, 5_000, 'the events missed during the cut');

    // The resync after the loss asks from a's last event (10, at offset 19): b's 10 to 12 come again.
    expectResumedExactly(client, ['a', 'b'], 3);
    expect(server.resumptions.length).toBeGreaterThanOrEqual(3);
    expect(countOf(client, 'gap')).toBeGreaterThanOrEqual(1);
    expect(countOf(client, 'duplicate')).toBeGreaterThanOrEqual(1);
    expect(countOf(client, 'decodeError')).toBe(0);
    expect(binaryIn.length).toBeGreaterThan(0);
    expect(binaryIn.every(Boolean)).toBe(true);
  });

  it('should take batch frames apart: each event on its own, a bad one refused alone', async () => {
    await start({ batch: 4, swapEvery: 3 });
    const client = connect({ eventsOf }, ['a', 'b']);
    await until(() => server.readyConnections() === 1, 5_000, 'the first connection');
    for (let i = 0; i < 6; i++) server.publish(i % 2 === 0 ? 'a' : 'b', 5);
    server.publish('a', 3, [{ t: 'ev', g: 'not a number', topic: 'a', seq: 99 }]);
    server.publish('b', 1); // releases the event held for the reorder
    await until(() => client.received.length === 34, 5_000, 'every batched event');
    server.cut();
    server.publish('a', 6);
    server.publish('b', 6);
    await until(() => client.received.length === 46, 5_000, 'the batches replayed after the cut');

    expectResumedExactly(client, ['a', 'b'], 6);
    const refused = client.events.filter((e) => e.type === 'decodeError').map((e) => (e.type === 'decodeError' ? e.error.info : undefined));
    expect(refused).toEqual([expect.objectContaining({ kind: 'codec', index: 0 })]);
  });

  it('should resume by the global offset while ordering by the per-topic seq, across cuts and reorders', async () => {
    await start({ swapEvery: 4 });
    const topics = ['a', 'b', 'c'];
    const client = connect({}, topics);
    await until(() => server.readyConnections() === 1, 5_000, 'the first connection');
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 12; i++) server.publish(topics[(i * 7 + round) % 3] as string);
      await until(() => client.received.length >= server.log.length - 2, 5_000, `round ${round}`);
      server.cut(); // the event held for the reorder is lost with the connection
      for (let i = 0; i < 3; i++) server.publish(topics[(i + round) % 3] as string);
      await until(() => server.readyConnections() === 1, 5_000, `reconnect ${round}`);
    }
    server.publish('a');
    server.publish('b');
    server.publish('c');
    await until(() => client.received.length >= server.log.length - 1, 5_000, 'the last events');
    server.cut();
    await until(() => server.resumptions.length === 7 && server.readyConnections() === 1, 5_000, 'the last resumption');
    await until(() => client.received.length === server.log.length, 5_000, 'every event');

    // A replay starts at the lowest topic's last event: at most the two other topics' newer ones,
    // and the events held above a reorder, were delivered already.
    expectResumedExactly(client, topics, 6);
    expect(server.resumptions.length).toBe(7);
    expect(server.resumptions[0]?.from).toBeNull();
    expect(server.resumptions.slice(1).every((r) => typeof r.from === 'number')).toBe(true);
  });

  it('should deliver a topic added mid-stream from its first event, without a resync', async () => {
    await start();
    const client = connect({ resume: { mode: 'perKey', start: 0, newKeys: 'first' }, gaps: { maxWait: 3_000 } }, ['a']);
    await until(() => server.readyConnections() === 1, 5_000, 'the first connection');
    server.publish('a', 3);
    server.publish('b', 50); // b is at seq 50 before the client asks for it
    await until(() => client.received.length === 3, 5_000, "a's events");
    client.socket.subscribeTopics('b');
    await until(() => server.received.some((f) => typeof f === 'object' && f !== null && 'op' in f && f.op === 'sub' && 'topics' in f && (f.topics as string[]).includes('b')));
    server.publish('b', 5);
    server.publish('a', 1);
    await until(() => client.received.length === 9, 1_000, "b's events at once (a hole would wait 3 s)");
    expect(seqs(client.received, 'b')).toEqual([51, 52, 53, 54, 55]);
    expect(seqs(client.received, 'a')).toEqual([1, 2, 3, 4]);
    expect(countOf(client, 'gap')).toBe(0);
    expect(client.socket.metrics().connections).toBe(1);
    expect(client.socket.cursor?.get('b')).toBe(55);
  });
});

describe('the reference server with an injected wire format', () => {
  const serverMsgpack: ServerWireFormat = {
    encode: (frame) => encode(frame),
    decode: (data, isBinary) => (isBinary ? decode(data) : JSON.parse(data.toString())),
  };

  it('should speak MessagePack in binary frames and resume after its connections are killed', async () => {
    const server = await startReferenceServer({ wire: serverMsgpack });
    const received: ServerFrame[] = [];
    const socket = managedSocket$<ServerFrame, ClientFrame>({
      url: server.url,
      ...referenceProtocol(),
      wire: { serialize: (frame) => encode(frame), deserialize: (frame) => (typeof frame === 'string' ? JSON.parse(frame) : decode(frame)) },
      resume: { start: 0 },
      retry: { initialInterval: 20, maxInterval: 100 },
      idleTimeout: 0,
    });
    socket.subscribeTopics('a');
    const subscription = socket.subscribe((frame) => received.push(frame));
    try {
      await server.waitFor((s) => s.openConnections().some((c) => c.topics.includes('a')));
      for (let i = 0; i < 5; i++) server.publish('a', { i });
      await until(() => received.length === 5, 5_000, 'the first events');
      const next = server.nextSession();
      server.killAll();
      for (let i = 5; i < 8; i++) server.publish('a', { i });
      await next;
      await until(() => received.length === 8, 5_000, 'the events published while down');
      expect(received.map((f) => (f.type === 'event' ? f.seq : -1))).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      expect(received.map((f) => (f.type === 'event' ? f.data : null))).toEqual([0, 1, 2, 3, 4, 5, 6, 7].map((i) => ({ i })));
      const frames = server.received;
      expect(frames.length).toBeGreaterThanOrEqual(4);
      expect(frames.every((f) => f.binary && f.frame !== null)).toBe(true);
      expect(frames.filter((f) => f.frame?.type === 'hello').pop()?.frame).toMatchObject({ type: 'hello', resume: { a: 5 } });
    } finally {
      subscription.unsubscribe();
      await server.stop();
    }
  });

  it('should close with 1002 on a frame its decode throws on, and answer in the wire format', async () => {
    const server = await startReferenceServer({ wire: serverMsgpack });
    const good = connectTestClient(server.url);
    const bad = connectTestClient(server.url);
    try {
      await Promise.all([good.opened, bad.opened]);
      good.ws.send(encode({ type: 'hello', resumeFromSeq: 0 }));
      await good.until((frames) => frames.length === 1);
      expect(good.frames[0]).toHaveProperty('binary'); // the welcome came as a binary frame
      bad.ws.send(new Uint8Array([0xc1])); // never used in MessagePack: decode throws
      expect(await bad.closed).toEqual({ code: 1002, reason: 'invalid frame' });
    } finally {
      good.ws.terminate();
      bad.ws.terminate();
      await server.stop();
    }
  });

  it('should refuse a wire format without encode or decode at creation', async () => {
    await expectInvalidOptionRejection(startReferenceServer({ wire: { decode: () => 1 } as unknown as ServerWireFormat }), {
      operator: 'startReferenceServer',
      option: 'wire.encode',
    });
  });
});
