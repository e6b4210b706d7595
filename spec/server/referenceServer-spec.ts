import * as http from 'node:http';
import * as net from 'node:net';
import { VirtualTimeScheduler } from 'rxjs';
import WebSocket from 'ws';
import { connectTestClient, type TestClient } from '../support/wsTestClient';
import { expectInvalidOption, expectInvalidOptionRejection } from '../support/invalidOption';
import { decodeServerFrame, ProtocolCloseCode } from '../../src/server/protocol';
import {
  ServerStoppedError,
  startReferenceServer,
  WaitTimeoutError,
  type ReferenceServer,
  type ReferenceServerOptions,
} from '../../src/server/referenceServer';

// A plain `ws` test client (spec/support/wsTestClient.ts). Every wait is event-driven and bounded.

const servers: ReferenceServer[] = [];
const clients: TestClient[] = [];

async function start(options?: ReferenceServerOptions): Promise<ReferenceServer> {
  const server = await startReferenceServer(options);
  servers.push(server);
  return server;
}

function connect(url: string, options: WebSocket.ClientOptions = {}): TestClient {
  const client = connectTestClient(url, options);
  clients.push(client);
  return client;
}

/** Connects, says hello and waits for the welcome. */
async function session(server: ReferenceServer, hello: Record<string, unknown> = {}, options?: WebSocket.ClientOptions): Promise<TestClient> {
  const client = connect(server.url, options);
  await client.opened;
  client.send({ type: 'hello', resumeFromSeq: null, ...hello });
  await client.until((f) => f.some(isType('welcome')));
  return client;
}

let pingId = 0;
/**
 * Frames are handled in order, so once the pong of a ping sent now arrives, everything the server
 * did for the earlier frames is on the wire. Resolves with the frames before that pong.
 */
async function barrier(client: TestClient): Promise<unknown[]> {
  const id = `barrier-${++pingId}`;
  client.send({ type: 'ping', id });
  const frames = await client.until((f) => f.some((x) => isType('pong')(x) && (x as { id?: unknown }).id === id));
  return frames.slice(0, frames.findIndex((x) => isType('pong')(x) && (x as { id?: unknown }).id === id));
}

function isType(type: string): (frame: unknown) => boolean {
  return (frame) => typeof frame === 'object' && frame !== null && (frame as { type?: unknown }).type === type;
}

function eventsIn(frames: readonly unknown[]): Array<{ topic: string; seq: number; data: unknown }> {
  return frames.filter(isType('event')).map((f) => {
    const decoded = decodeServerFrame(f);
    if (!decoded.ok || decoded.frame.type !== 'event') throw new Error(`not an event: ${JSON.stringify(f)}`);
    return { topic: decoded.frame.topic, seq: decoded.frame.seq, data: decoded.frame.data };
  });
}

const seqs = (frames: readonly unknown[], topic?: string): string[] =>
  eventsIn(frames)
    .filter((e) => topic === undefined || e.topic === topic)
    .map((e) => `${e.topic}:${e.seq}`);

afterEach(async () => {
  for (const client of clients.splice(0)) client.ws.terminate();
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

// ---------------------------------------------------------------------------------------------

describe('startReferenceServer', () => {
  describe('options', () => {
    it('should listen on 127.0.0.1 and an ephemeral port by default', async () => {
      const server = await start();
      expect(server.port).toBeGreaterThan(0);
      expect(server.url).toBe(`ws://127.0.0.1:${server.port}`);
      expect(server.listening).toBe(true);
    });

    it('should reject bad options with InvalidOptionError', async () => {
      const operator = 'startReferenceServer';
      await expectInvalidOptionRejection(startReferenceServer({ retain: -1 }), { operator, option: 'retain', value: -1 });
      await expectInvalidOptionRejection(startReferenceServer({ port: 70_000 }), { operator, option: 'port', value: 70_000 });
      await expectInvalidOptionRejection(startReferenceServer({ host: '' }), { operator, option: 'host', value: '' });
      const notScheduler = { now: () => 0 } as never;
      await expectInvalidOptionRejection(startReferenceServer({ scheduler: notScheduler }), { operator, option: 'scheduler', value: notScheduler });
    });

    it('should reject with the listen error when the port is taken', async () => {
      const server = await start();
      await expect(startReferenceServer({ port: server.port })).rejects.toMatchObject({ code: 'EADDRINUSE' });
    });

    it('should answer plain HTTP requests with 426', async () => {
      const server = await start();
      const status = await new Promise<number | undefined>((resolve, reject) => {
        http.get(`http://127.0.0.1:${server.port}/`, (res) => {
          res.resume();
          resolve(res.statusCode);
        }).on('error', reject);
      });
      expect(status).toBe(426);
    });
  });

  describe('hello / welcome', () => {
    it('should answer hello with a welcome carrying the session id and the heads', async () => {
      const server = await start();
      server.publish('a', 1);
      server.publish('a', 2);
      server.publish('b', 1);
      const client = await session(server);
      expect(client.frames[0]).toEqual({ type: 'welcome', sessionId: 's-1', heads: { a: 2, b: 1 }, epoch: server.epoch });
      expect(server.epoch).toMatch(/\S/);
      expect(decodeServerFrame(client.frames[0]).ok).toBe(true);
      expect(server.openConnections()).toEqual([
        { id: 1, sessionId: 's-1', path: '/', topics: [], silenced: false, tokenSource: null, expiresAt: null },
      ]);
    });

    it('should close with 1002 when the first frame is not a hello', async () => {
      const server = await start();
      const client = connect(server.url);
      await client.opened;
      client.send({ type: 'subscribe', topics: ['a'] });
      expect(await client.closed).toEqual({ code: ProtocolCloseCode.ProtocolError, reason: 'expected hello, got subscribe' });
    });

    it('should close with 1002 on invalid JSON', async () => {
      const server = await start();
      const client = connect(server.url);
      await client.opened;
      client.send('{nope');
      expect(await client.closed).toEqual({ code: 1002, reason: 'invalid JSON' });
      expect(server.received).toEqual([{ connectionId: 1, sessionId: null, raw: '{nope', binary: false, frame: null }]);
    });

    it('should close with 1002 naming the field of a malformed frame', async () => {
      const server = await start();
      const client = connect(server.url);
      await client.opened;
      client.send({ type: 'hello', resumeFromSeq: -1 });
      expect(await client.closed).toEqual({ code: 1002, reason: 'hello.resumeFromSeq: expected (Seq | null), got -1' });
    });

    it('should close with 1002 on a second hello', async () => {
      const server = await start();
      const client = await session(server);
      client.send({ type: 'hello', resumeFromSeq: null });
      expect(await client.closed).toEqual({ code: 1002, reason: 'duplicate hello' });
    });

    it('should close with 1003 on a binary frame', async () => {
      const server = await start();
      const client = connect(server.url);
      await client.opened;
      client.ws.send(Buffer.from([1, 2, 3]));
      expect((await client.closed).code).toBe(ProtocolCloseCode.UnsupportedData);
    });

    it('should close with 1009 on a frame above maxPayload', async () => {
      const server = await start({ maxPayload: 64 });
      const client = await session(server);
      client.send({ type: 'publish', topic: 'a', data: 'x'.repeat(100) });
      expect((await client.closed).code).toBe(ProtocolCloseCode.MessageTooBig);
    });
  });

  describe('subscribe', () => {
    it('should stream live events to subscribers only', async () => {
      const server = await start();
      const subscriber = await session(server);
      const other = await session(server);
      subscriber.send({ type: 'subscribe', topics: ['a'] });
      await barrier(subscriber);
      expect(server.publish('a', { n: 1 })).toEqual({ type: 'event', topic: 'a', seq: 1, id: 'a:1', data: { n: 1 } });
      server.publish('b', { n: 2 });
      const frames = await subscriber.until((f) => f.some(isType('event')));
      expect(frames.filter(isType('event'))).toEqual([{ type: 'event', topic: 'a', seq: 1, id: 'a:1', data: { n: 1 } }]);
      expect(eventsIn(await barrier(other))).toEqual([]);
    });

    it('should be idempotent', async () => {
      const server = await start();
      server.publish('a', 'old');
      const client = await session(server, { resumeFromSeq: 0 });
      client.send({ type: 'subscribe', topics: ['a', 'a'] });
      client.send({ type: 'subscribe', topics: ['a'] });
      await barrier(client);
      server.publish('a', 'new');
      expect(seqs(await barrier(client))).toEqual(['a:1', 'a:2']);
      expect(server.openConnections()[0]?.topics).toEqual(['a']);
    });

    it('should stop a topic on unsubscribe and replay nothing on a later resubscribe', async () => {
      const server = await start();
      const client = await session(server, { resumeFromSeq: 0 });
      client.send({ type: 'subscribe', topics: ['a', 'b'] });
      await barrier(client);
      server.publish('a', 1);
      client.send({ type: 'unsubscribe', topics: ['a', 'never-subscribed'] });
      await barrier(client);
      server.publish('a', 2); // missed: not subscribed
      server.publish('b', 1);
      client.send({ type: 'subscribe', topics: ['a'] });
      await barrier(client);
      server.publish('a', 3);
      expect(seqs(await barrier(client))).toEqual(['a:1', 'b:1', 'a:3']);
    });
  });

  describe('resume', () => {
    it('should replay each topic after resumeFromSeq, then go live', async () => {
      const server = await start();
      for (let i = 0; i < 5; i++) server.publish('a', i);
      for (let i = 0; i < 3; i++) server.publish('b', i);
      const client = await session(server, { resumeFromSeq: 2 });
      client.send({ type: 'subscribe', topics: ['a', 'b'] });
      await barrier(client);
      server.publish('a', 5);
      expect(seqs(await barrier(client))).toEqual(['a:3', 'a:4', 'a:5', 'b:3', 'a:6']);
    });

    it('should let the resume map override resumeFromSeq per topic', async () => {
      const server = await start();
      for (let i = 0; i < 4; i++) server.publish('a', i);
      for (let i = 0; i < 4; i++) server.publish('b', i);
      const client = await session(server, { resumeFromSeq: 3, resume: { b: 1 } });
      client.send({ type: 'subscribe', topics: ['a', 'b'] });
      expect(seqs(await barrier(client))).toEqual(['a:4', 'b:2', 'b:3', 'b:4']);
    });

    it('should replay nothing older than the welcome for resumeFromSeq null, but nothing after it is missed', async () => {
      const server = await start();
      server.publish('a', 'before');
      const client = await session(server, { resumeFromSeq: null, resume: { b: 0 } });
      server.publish('a', 'between welcome and subscribe');
      server.publish('c', 'new topic');
      server.publish('b', 'b1');
      client.send({ type: 'subscribe', topics: ['a', 'b', 'c'] });
      expect(seqs(await barrier(client))).toEqual(['a:2', 'b:1', 'c:1']);
    });

    it('should replay nothing when the resume point is beyond the head', async () => {
      const server = await start();
      server.publish('a', 1);
      const client = await session(server, { resumeFromSeq: 99 });
      client.send({ type: 'subscribe', topics: ['a'] });
      expect(seqs(await barrier(client))).toEqual([]);
      server.publish('a', 2); // seq 2 <= 99: live events go out anyway
      expect(seqs(await barrier(client))).toEqual(['a:2']);
    });

    it('should retain only the last `retain` events per topic', async () => {
      const server = await start({ retain: 3 });
      for (let i = 1; i <= 2000; i++) server.publish('a', i);
      expect(server.events('a').map((e) => e.seq)).toEqual([1998, 1999, 2000]);
      const client = await session(server, { resumeFromSeq: 0 });
      client.send({ type: 'subscribe', topics: ['a'] });
      expect(seqs(await barrier(client))).toEqual(['a:1998', 'a:1999', 'a:2000']); // the gap is the client's to see
    });
  });

  describe('ping', () => {
    it('should echo the id in the pong, and omit it when the ping had none', async () => {
      const server = await start();
      const client = await session(server);
      client.send({ type: 'ping', id: 7 });
      client.send({ type: 'ping' });
      const frames = await client.until((f) => f.filter(isType('pong')).length === 2);
      expect(frames.filter(isType('pong'))).toEqual([{ type: 'pong', id: 7 }, { type: 'pong' }]);
    });

    it('should answer WebSocket control pings', async () => {
      const server = await start();
      const client = await session(server);
      client.ws.ping('hi');
      await barrier(client);
      expect(client.pongs).toEqual(['hi']);
    });
  });

  describe('publish', () => {
    it('should append a client publish to the log and send it back to subscribers', async () => {
      const server = await start();
      const client = await session(server);
      client.send({ type: 'subscribe', topics: ['chat'] });
      client.send({ type: 'publish', topic: 'chat', data: { text: 'hi' }, id: 'm-1' });
      const frames = await client.until((f) => f.some(isType('event')));
      expect(frames.filter(isType('event'))).toEqual([{ type: 'event', topic: 'chat', seq: 1, id: 'chat:1', data: { text: 'hi' } }]);
      expect(server.events()).toEqual([{ type: 'event', topic: 'chat', seq: 1, id: 'chat:1', data: { text: 'hi' } }]);
      expect(server.received.map((r) => r.frame?.type)).toEqual(['hello', 'subscribe', 'publish']);
    });

    it('should ignore a publish repeating the id of a retained event', async () => {
      const server = await start();
      const client = await session(server);
      client.send({ type: 'publish', topic: 'chat', data: 1, id: 'm-1' });
      client.send({ type: 'publish', topic: 'chat', data: 1, id: 'm-1' }); // a retry
      client.send({ type: 'publish', topic: 'chat', data: 2 });
      client.send({ type: 'publish', topic: 'chat', data: 3 });
      client.send({ type: 'publish', topic: 'other', data: 1, id: 'm-1' }); // ids are per topic
      await barrier(client);
      expect(server.events().map((e) => `${e.id}=${String(e.data)}`)).toEqual(['chat:1=1', 'chat:2=2', 'chat:3=3', 'other:1=1']);
      expect(server.heads()).toEqual({ chat: 3, other: 1 });
    });

    it('should list events across topics in publish order', async () => {
      const server = await start();
      server.publish('b', 1);
      server.publish('a', 1);
      server.publish('b', 2);
      expect(server.events().map((e) => e.id)).toEqual(['b:1', 'a:1', 'b:2']);
      expect(server.events('nope')).toEqual([]);
      expectInvalidOption(() => server.publish('', 1), { operator: 'publish', option: 'topic', value: '' });
    });
  });

  describe('auth', () => {
    const tokens: Record<string, { expiresAt?: number }> = { good: {}, soon: { expiresAt: 2_000 }, later: { expiresAt: 10_000 } };
    let clock = 0;
    const options = (): ReferenceServerOptions => ({
      verifyToken: (token) => tokens[token] ?? null,
      now: () => clock,
    });
    beforeEach(() => {
      clock = 1_000;
    });

    it('should close with 1008 when the token is missing', async () => {
      const server = await start(options());
      const client = connect(server.url);
      await client.opened;
      client.send({ type: 'hello', resumeFromSeq: null });
      expect(await client.closed).toEqual({ code: ProtocolCloseCode.InvalidToken, reason: 'missing token' });
    });

    it('should close with 1008 when the token is invalid', async () => {
      const server = await start(options());
      const client = connect(server.url);
      await client.opened;
      client.send({ type: 'hello', resumeFromSeq: null, token: 'bad' });
      expect(await client.closed).toEqual({ code: 1008, reason: 'invalid token' });
    });

    it('should close with 4001 when the token already expired', async () => {
      clock = 5_000;
      const server = await start(options());
      const client = connect(server.url);
      await client.opened;
      client.send({ type: 'hello', resumeFromSeq: null, token: 'soon' });
      expect(await client.closed).toEqual({ code: ProtocolCloseCode.TokenExpired, reason: 'token expired' });
    });

    it('should accept the token from the hello, the Authorization header or the query, in that order', async () => {
      const server = await start(options());
      await session(server, { token: 'good' }, { headers: { Authorization: 'Bearer bad' } });
      await session(server, {}, { headers: { Authorization: 'Bearer good' } });
      const viaQuery = connect(`${server.url}/feed?token=good`);
      await viaQuery.opened;
      viaQuery.send({ type: 'hello', resumeFromSeq: null });
      await viaQuery.until((f) => f.some(isType('welcome')));
      expect(server.openConnections().map((c) => [c.tokenSource, c.path])).toEqual([
        ['hello', '/'],
        ['header', '/'],
        ['query', '/feed?token=good'],
      ]);
    });

    it('should close with 4001 once the token expires (injected clock)', async () => {
      const server = await start(options());
      const client = await session(server, { token: 'soon' });
      expect(server.openConnections()[0]?.expiresAt).toBe(2_000);
      expect(server.checkExpiry()).toBe(0);
      clock = 2_000;
      expect(server.checkExpiry()).toBe(1);
      expect(await client.closed).toEqual({ code: 4001, reason: 'token expired' });
    });

    it('should close with 4001 once the token expires (the expiry timer on an injected scheduler)', async () => {
      const scheduler = new VirtualTimeScheduler();
      const server = await start({ ...options(), scheduler });
      // Expires at 10,000: 9 s from now, longer than the test may take in real time.
      const client = await session(server, { token: 'later' });
      scheduler.maxFrames = 8_999;
      scheduler.flush();
      expect(server.connections).toBe(1); // not yet
      clock = 10_000;
      scheduler.maxFrames = Infinity;
      scheduler.flush();
      expect(await client.closed).toEqual({ code: 4001, reason: 'token expired' });
    });

    it('should close with 4001 once the token expires (real timer)', async () => {
      const server = await start({ verifyToken: () => ({ expiresAt: Date.now() + 50 }) });
      const client = await session(server, { token: 'any' });
      expect(await client.closed).toEqual({ code: 4001, reason: 'token expired' });
    });

    it('should extend the session on an in-band refresh', async () => {
      const server = await start(options());
      const client = await session(server, { token: 'soon' });
      client.send({ type: 'auth', token: 'later' });
      await client.until((f) => f.some(isType('auth_ok')));
      expect(client.frames.filter(isType('auth_ok'))).toEqual([{ type: 'auth_ok', expiresAt: 10_000 }]);
      clock = 5_000;
      expect(server.checkExpiry()).toBe(0);
      await barrier(client); // still served
      clock = 10_000;
      expect(server.checkExpiry()).toBe(1);
      expect((await client.closed).code).toBe(4001);
    });

    it('should close with 1008 on an invalid in-band token', async () => {
      const server = await start(options());
      const client = await session(server, { token: 'good' });
      client.send({ type: 'auth', token: 'bad' });
      expect(await client.closed).toEqual({ code: 1008, reason: 'invalid token' });
    });

    it('should close with 1011 when verifyToken throws', async () => {
      const server = await start({
        verifyToken: () => {
          throw new Error('db down');
        },
      });
      const client = connect(server.url);
      await client.opened;
      client.send({ type: 'hello', resumeFromSeq: null, token: 'x' });
      expect((await client.closed).code).toBe(ProtocolCloseCode.InternalError);
    });

    it('should require no token, and ack any refresh, without verifyToken', async () => {
      const server = await start();
      const client = await session(server);
      client.send({ type: 'auth', token: 'whatever' });
      await client.until((f) => f.some(isType('auth_ok')));
      expect(client.frames.filter(isType('auth_ok'))).toEqual([{ type: 'auth_ok', expiresAt: null }]);
    });
  });

  describe('waits', () => {
    it('should resolve waitFor once the predicate holds, and nextSession with the new session', async () => {
      const server = await start();
      const next = server.nextSession();
      const both = server.waitFor((s) => s.stats.sessionsStarted === 2);
      await session(server);
      expect(await next).toMatchObject({ id: 1, sessionId: 's-1' });
      await session(server);
      await expect(both).resolves.toBeUndefined();
      expect(server.connections).toBe(2);
    });

    it('should reject with WaitTimeoutError after the timeout', async () => {
      const server = await start();
      const err: unknown = await server.waitFor(() => false, 20).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WaitTimeoutError);
      expect(err).toMatchObject({ name: 'WaitTimeoutError', info: { waitingFor: 'waitFor', timeoutMs: 20 } });
      await expect(server.nextSession(10)).rejects.toBeInstanceOf(WaitTimeoutError);
    });

    it('should time a wait out on the injected scheduler, with no real time passing', async () => {
      const scheduler = new VirtualTimeScheduler();
      const server = await start({ scheduler });
      const wait = server.waitFor(() => false, 3_600_000).catch((e: unknown) => e);
      scheduler.flush();
      expect(await wait).toMatchObject({ name: 'WaitTimeoutError', info: { waitingFor: 'waitFor', timeoutMs: 3_600_000 } });
      expect(scheduler.now()).toBe(3_600_000);
    });

    it('should reject with the error a predicate throws', async () => {
      const server = await start();
      await expect(server.waitFor(() => { throw new Error('boom'); })).rejects.toThrow('boom');
    });

    it('should reject pending waits with ServerStoppedError on stop', async () => {
      const server = await start();
      const wait = server.waitFor(() => false, 10_000);
      await server.stop();
      await expect(wait).rejects.toBeInstanceOf(ServerStoppedError);
      await expect(server.nextSession()).rejects.toBeInstanceOf(ServerStoppedError);
    });
  });

  describe('fault controls', () => {
    it('killAll should cut connections off without a close frame (1006)', async () => {
      const server = await start();
      const a = await session(server);
      const b = await session(server);
      expect(server.killAll()).toBe(2);
      expect((await a.closed).code).toBe(1006);
      expect((await b.closed).code).toBe(1006);
      await server.waitFor((s) => s.connections === 0);
    });

    it('killAll should take a target connection', async () => {
      const server = await start();
      const a = await session(server);
      const b = await session(server);
      expect(server.killAll(2)).toBe(1);
      expect((await b.closed).code).toBe(1006);
      expect(a.ws.readyState).toBe(WebSocket.OPEN);
    });

    it('closeAll should close cleanly with the code and reason', async () => {
      const server = await start();
      const client = await session(server);
      expect(server.closeAll(4000, 'bye')).toBe(1);
      expect(await client.closed).toEqual({ code: 4000, reason: 'bye' });
      expectInvalidOption(() => server.closeAll(1006), { operator: 'closeAll', option: 'code', value: 1006 });
    });

    it('silence should mute everything, pongs included, while the socket stays open', async () => {
      const server = await start();
      const client = await session(server);
      const other = await session(server);
      client.send({ type: 'subscribe', topics: ['a'] });
      other.send({ type: 'subscribe', topics: ['a'] });
      await barrier(client);
      await barrier(other);
      expect(server.silence(true, 1)).toBe(1);
      server.publish('a', 'muted');
      client.ws.ping('muted');
      client.send({ type: 'ping', id: 'muted' });
      await server.waitFor((s) => s.received.some((r) => r.frame?.type === 'ping' && r.frame.id === 'muted'));
      expect(client.ws.readyState).toBe(WebSocket.OPEN);
      expect(server.openConnections().map((c) => c.silenced)).toEqual([true, false]);
      expect(seqs(await barrier(other))).toEqual(['a:1']); // the others are unaffected

      server.silence(false);
      server.publish('a', 'heard');
      client.ws.ping('heard');
      const frames = await barrier(client);
      // Nothing sent while muted: the first frames after the welcome and the first barrier are these.
      expect(frames.slice(frames.findIndex(isType('pong')) + 1)).toEqual([
        { type: 'event', topic: 'a', seq: 2, id: 'a:2', data: 'heard' },
      ]);
      expect(client.pongs).toEqual(['heard']);
    });

    it('silence should not affect connections opened later', async () => {
      const server = await start();
      await session(server);
      server.silence(true);
      const later = await session(server);
      await barrier(later);
    });

    it('sendRaw should send arbitrary frames, to all or one connection, even when muted', async () => {
      const server = await start();
      const a = await session(server);
      const b = await session(server);
      server.silence(true);
      expect(server.sendRaw('{not json')).toBe(2);
      expect(server.sendRaw(Buffer.from('bin'), 2)).toBe(1);
      const duplicate = JSON.stringify(server.publish('a', 1));
      expect(server.sendRaw(duplicate, 1)).toBe(1);
      await a.until((f) => f.length === 3);
      await b.until((f) => f.length === 3);
      expect(a.frames.slice(1)).toEqual(['{not json', { type: 'event', topic: 'a', seq: 1, id: 'a:1', data: 1 }]);
      expect(b.frames.slice(1)).toEqual(['{not json', { binary: 'bin' }]);
    });

    it('reorderNext should send the next n live events in reverse order', async () => {
      const server = await start();
      const client = await session(server);
      client.send({ type: 'subscribe', topics: ['a', 'b'] });
      await barrier(client);
      server.reorderNext(3);
      server.publish('a', 1);
      server.publish('b', 1);
      expect(seqs(await barrier(client))).toEqual([]); // held
      server.publish('a', 2);
      server.publish('a', 3); // after the swap: in order again
      expect(seqs(await barrier(client))).toEqual(['a:2', 'b:1', 'a:1', 'a:3']);
      expect(server.events().map((e) => e.id)).toEqual(['a:1', 'b:1', 'a:2', 'a:3']); // the log is in order
    });

    it('reorderNext should keep held events out of a replay, and release them on a new call', async () => {
      const server = await start();
      server.reorderNext(2);
      server.publish('a', 1);
      const client = await session(server, { resumeFromSeq: 0 });
      client.send({ type: 'subscribe', topics: ['a'] });
      expect(seqs(await barrier(client))).toEqual([]);
      server.reorderNext(0);
      expect(seqs(await barrier(client))).toEqual(['a:1']);
    });

    it('refuse should reject upgrades with an HTTP status until turned off', async () => {
      const server = await start();
      server.refuse(true);
      const refused = connect(server.url);
      const status = await new Promise<number | undefined>((resolve) =>
        refused.ws.once('unexpected-response', (_req, res) => {
          resolve(res.statusCode);
          refused.ws.terminate();
        }),
      );
      expect(status).toBe(503);
      expect(server.stats.connectionsOpened).toBe(0);
      server.refuse(true, 429);
      const limited = connect(server.url);
      await expect(limited.opened).rejects.toThrow('Unexpected server response: 429');
      server.refuse(false);
      await session(server);
    });

    it('restart should cut every connection and listen again on the same port, keeping the logs', async () => {
      const server = await start();
      const port = server.port;
      server.publish('a', 1);
      const client = await session(server);
      client.send({ type: 'subscribe', topics: ['a'] });
      await barrier(client);
      await server.restart();
      expect((await client.closed).code).toBe(1006);
      expect(server.port).toBe(port);
      expect(server.listening).toBe(true);
      const again = await session(server, { resumeFromSeq: 0 });
      expect(again.frames[0]).toMatchObject({ type: 'welcome', sessionId: 's-2', heads: { a: 1 } });
      again.send({ type: 'subscribe', topics: ['a'] });
      server.publish('a', 2);
      expect(seqs(await barrier(again))).toEqual(['a:1', 'a:2']);
    });

    it('refuse should send a Retry-After header when given seconds', async () => {
      const server = await start();
      server.refuse(true, 503, 7);
      const refused = connect(server.url);
      const header = await new Promise<string | string[] | undefined>((resolve) =>
        refused.ws.once('unexpected-response', (_req, res) => {
          resolve(res.headers['retry-after']);
          refused.ws.terminate();
        }),
      );
      expect(header).toBe('7');
      expectInvalidOption(() => server.refuse(true, 503, -1), { operator: 'refuse', option: 'retryAfterSeconds' });
    });

    it('restart should keep the epoch with the logs, and freshLog should empty the logs under a new epoch', async () => {
      const server = await start();
      const first = server.epoch;
      server.publish('a', 1);
      server.publish('a', 2);
      await server.restart();
      expect(server.epoch).toBe(first);
      expect(server.heads()).toEqual({ a: 2 });
      await server.restart({ freshLog: true });
      expect(server.epoch).not.toBe(first);
      expect(server.heads()).toEqual({});
      expect(server.publish('a', 'again').seq).toBe(1);
      const client = await session(server);
      expect(client.frames[0]).toMatchObject({ type: 'welcome', epoch: server.epoch });
    });

    it('restart should refuse connections during the downtime', async () => {
      const server = await start();
      const restarted = server.restart({ downtimeMs: 200 });
      expect(server.listening).toBe(false);
      const during = connect(server.url);
      await expect(during.opened).rejects.toMatchObject({ code: 'ECONNREFUSED' });
      await restarted;
      await session(server);
    });

    it('stop during a restart downtime should reject the restart with ServerStoppedError', async () => {
      const server = await start();
      const restarted = server.restart({ downtimeMs: 10_000 });
      await server.stop();
      await expect(restarted).rejects.toBeInstanceOf(ServerStoppedError);
      await expect(server.restart()).rejects.toBeInstanceOf(ServerStoppedError);
    });
  });

  describe('stop', () => {
    it('should close clients with 1001, free the port and be idempotent', async () => {
      const server = await start();
      const client = await session(server);
      const first = server.stop();
      expect(server.stop()).toBe(first);
      await first;
      expect(await client.closed).toEqual({ code: ProtocolCloseCode.GoingAway, reason: 'server stopping' });
      expect(server.listening).toBe(false);
      const probe = net.createServer();
      await new Promise<void>((resolve, reject) => {
        probe.once('error', reject);
        probe.listen(server.port, '127.0.0.1', () => resolve());
      });
      await new Promise<void>((resolve) => probe.close(() => resolve()));
      await server.stop();
    });

    it('should cut off a client that does not answer the close within stopGraceMs', async () => {
      const server = await start({ stopGraceMs: 20 });
      const client = await session(server);
      // A client whose socket never reads: it cannot answer the close handshake.
      (client.ws as unknown as { _socket: net.Socket })._socket.pause();
      await server.stop();
      client.ws.terminate();
      expect(server.connections).toBe(0);
    });
  });

  it('should run several independent servers in one process', async () => {
    const one = await start();
    const two = await start();
    expect(one.port).not.toBe(two.port);
    one.publish('a', 'one');
    const client = await session(two, { resumeFromSeq: 0 });
    client.send({ type: 'subscribe', topics: ['a'] });
    two.publish('a', 'two');
    expect(eventsIn(await barrier(client)).map((e) => e.data)).toEqual(['two']);
    expect(one.events('a').map((e) => e.data)).toEqual(['one']);
    expect(one.stats.sessionsStarted).toBe(0);
  });
});
