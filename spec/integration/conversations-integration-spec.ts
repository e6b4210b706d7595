/**
 * Issue #13 against the reference server over real sockets on 127.0.0.1 (port 0): a server that
 * comes back with an empty log, upgrades refused with an HTTP status, the ready handshake and the
 * round-trip time. Real time kept short, every wait bounded.
 */
import { firstValueFrom, lastValueFrom } from 'rxjs';
import type { Subscription } from 'rxjs';
import { managedSocket$ } from '../../src/node';
import type { ManagedSocket } from '../../src/socket/managedSocket';
import type { ManagedSocketConfig } from '../../src/socket/config';
import type { ManagedSocketEvent } from '../../src/socket/lifecycle';
import { UpgradeRefusedError } from '../../src/errors';
import { referenceProtocol } from '../../src/server/referenceClient';
import { startReferenceServer } from '../../src/server/referenceServer';
import type { ReferenceServer } from '../../src/server/referenceServer';
import type { ClientFrame, EventFrame, ServerFrame } from '../../src/server/protocol';
import { until } from '../support/until';

jest.setTimeout(20_000);

interface Client {
  readonly socket: ManagedSocket<ServerFrame, ClientFrame>;
  readonly received: EventFrame[];
  readonly events: ManagedSocketEvent[];
  error: unknown;
  subscription: Subscription | null;
}

describe('managedSocket$ conversations with the reference server', () => {
  let server: ReferenceServer;
  const clients: Client[] = [];

  beforeEach(async () => {
    server = await startReferenceServer();
  });

  afterEach(async () => {
    for (const client of clients.splice(0)) client.subscription?.unsubscribe();
    await server.stop();
  });

  function connect(overrides: Partial<ManagedSocketConfig<ServerFrame, ClientFrame>> = {}, topics: string[] = ['a']): Client {
    const socket = managedSocket$<ServerFrame, ClientFrame>({
      url: server.url,
      ...referenceProtocol(),
      resume: { start: 0 },
      retry: { initialInterval: 20, maxInterval: 200, jitter: 0.5 },
      idleTimeout: 0,
      ...overrides,
    });
    const client: Client = { socket, received: [], events: [], error: undefined, subscription: null };
    socket.events$.subscribe((event) => client.events.push(event));
    socket.subscribeTopics(...topics);
    client.subscription = socket.subscribe({
      next: (frame) => {
        if (frame.type === 'event') client.received.push(frame);
      },
      error: (err: unknown) => (client.error = err),
    });
    clients.push(client);
    return client;
  }

  const seqs = (frames: readonly EventFrame[]) => frames.map((f) => f.seq);
  const ofType = <K extends ManagedSocketEvent['type']>(client: Client, type: K) =>
    client.events.filter((e): e is Extract<ManagedSocketEvent, { type: K }> => e.type === type);
  const subscribed = (topic = 'a') => server.waitFor((s) => s.openConnections().some((c) => c.topics.includes(topic)), 5_000);

  describe('a server that comes back with an empty log', () => {
    async function restartEmpty(client: Client): Promise<void> {
      await subscribed();
      for (let i = 1; i <= 20; i++) server.publish('a', { before: i });
      await until(() => client.received.length === 20, 5_000, 'the first 20 events');
      await server.restart({ freshLog: true, downtimeMs: 50 });
      // published before the client is back: the new log has them from seq 1
      for (let i = 1; i <= 3; i++) server.publish('a', { after: i });
    }

    it('should see the new epoch within one reconnect and deliver the new log from its beginning', async () => {
      const client = connect();
      await restartEmpty(client);
      await until(() => client.received.length === 23, 5_000, 'the new log');
      server.publish('a', { after: 4 });
      await until(() => client.received.length === 24, 5_000, 'a live event of the new log');
      expect(seqs(client.received)).toEqual([...Array.from({ length: 20 }, (_, i) => i + 1), 1, 2, 3, 4]);
      expect(client.received.slice(20).map((e) => e.data)).toEqual([{ after: 1 }, { after: 2 }, { after: 3 }, { after: 4 }]);
      const resets = ofType(client, 'reset');
      expect(resets).toHaveLength(1);
      expect(resets[0]?.info).toMatchObject({ reason: 'epoch', policy: 'restart', epoch: server.epoch, cursor: 20 });
      // detected on the first connection after the restart, delivered on the next one
      const hellos = server.received.filter((r) => r.frame?.type === 'hello').map((r) => r.frame);
      expect(hellos.slice(-2)).toEqual([expect.objectContaining({ resume: { a: 20 } }), expect.objectContaining({ resume: { a: 0 } })]);
      expect(client.error).toBeUndefined();
    });

    it('should see it from the seqs alone when the server sends no epoch', async () => {
      const client = connect({ resets: {} }); // no epochOf: the seq fallback only
      const back = server.nextSession(5_000).then(() => server.nextSession(5_000));
      await restartEmpty(client);
      await back; // the first session is the one before the restart
      await subscribed();
      // The client asked for seqs after 20, which the new log does not have: the next live events
      // (seqs 4 and 5, counting up far below the cursor) give the restart away, and the client
      // resumes from the beginning.
      server.publish('a', { after: 4 });
      server.publish('a', { after: 5 });
      await until(() => client.received.length === 25, 5_000, 'the new log');
      expect(seqs(client.received).slice(20)).toEqual([1, 2, 3, 4, 5]);
      expect(ofType(client, 'reset')[0]?.info).toMatchObject({ reason: 'seq', cursor: 20 });
    });

    it("should stop with a ServerResetError with policy 'fail'", async () => {
      const client = connect({ resets: { ...referenceProtocol().resets, policy: 'fail' } });
      await restartEmpty(client);
      await until(() => client.error !== undefined, 5_000, 'the error');
      expect(client.error).toMatchObject({ name: 'ServerResetError', info: { reason: 'epoch', policy: 'fail', cursor: 20 } });
      expect(seqs(client.received)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    });
  });

  describe('an upgrade refused with an HTTP status', () => {
    it('should stop with an UpgradeRefusedError after one attempt on 401', async () => {
      server.refuse(true, 401);
      const client = connect();
      await until(() => client.error !== undefined, 5_000, 'the error');
      expect(client.error).toBeInstanceOf(UpgradeRefusedError);
      expect((client.error as UpgradeRefusedError).info.status).toBe(401);
      expect(ofType(client, 'connecting')).toHaveLength(1);
      expect(client.socket.metrics().reconnectAttempts).toBe(0);
    });

    it('should fetch a new token once on 401 with a token provider, then stop', async () => {
      server.refuse(true, 401);
      const token = jest.fn((): string => `t${token.mock.calls.length}`);
      const client = connect({ token });
      await until(() => client.error !== undefined, 5_000, 'the error');
      expect(client.error).toBeInstanceOf(UpgradeRefusedError);
      expect(ofType(client, 'connecting')).toHaveLength(2);
      expect(token).toHaveBeenCalledTimes(2);
    });

    it('should wait what Retry-After says on 503, then connect', async () => {
      server.refuse(true, 503, 1);
      const client = connect();
      await until(() => ofType(client, 'reconnecting').length === 1, 5_000, 'the retry');
      server.refuse(false);
      expect(ofType(client, 'reconnecting')[0]?.delay).toBeGreaterThanOrEqual(1_000);
      expect(ofType(client, 'disconnected')[0]).toMatchObject({ kind: 'transient', error: { name: 'UpgradeRefusedError', info: { status: 503, retryAfterMs: 1_000 } } });
      await until(() => ofType(client, 'connected').length === 1, 5_000, 'the connection');
      expect(client.error).toBeUndefined();
    });
  });

  it('should be ready only once the welcome arrived, and measure the heartbeat round trip', async () => {
    const client = connect({ ...referenceProtocol({ heartbeatInterval: 50 }) });
    client.socket.send({ type: 'publish', topic: 'a', data: 'queued before the welcome' });
    await until(() => client.received.length === 1, 5_000, 'the published event');
    const frames = server.received.map((r) => r.frame?.type);
    // hello first, then the subscription replay and the queued publish (after the welcome)
    expect(frames.slice(0, 3)).toEqual(['hello', 'subscribe', 'publish']);
    await until(() => client.socket.metrics().rttMs !== null, 5_000, 'a heartbeat reply');
    expect(client.socket.metrics().rttMs).toBeGreaterThanOrEqual(0);
    expect(client.socket.metrics().rttMs).toBeLessThan(1_000);
  });

  describe('request()', () => {
    it('should get the reply of a request across a reconnect, sent again on the new connection', async () => {
      const client = connect();
      const first = await server.nextSession();
      await subscribed();
      server.silence(true, first.id); // the server handles the request, its reply is lost
      const next = server.nextSession(5_000);
      const reply = firstValueFrom(client.socket.request({ type: 'request', id: 'r-1', op: 'echo', data: { n: 1 } }, { idempotent: true, timeout: 5_000 }));
      await server.waitFor((s) => s.received.some((r) => r.frame?.type === 'request'), 5_000);
      server.killAll();
      await next;
      await expect(reply).resolves.toEqual({ type: 'reply', id: 'r-1', data: { n: 1 } });
      expect(server.received.filter((r) => r.frame?.type === 'request')).toHaveLength(2);
    });

    it('should fail a request that is not idempotent when its connection is lost', async () => {
      const client = connect();
      const first = await server.nextSession();
      await subscribed();
      server.silence(true, first.id);
      const reply = firstValueFrom(client.socket.request({ type: 'request', id: 'r-1', op: 'echo' }));
      await server.waitFor((s) => s.received.some((r) => r.frame?.type === 'request'), 5_000);
      server.killAll();
      await expect(reply).rejects.toMatchObject({ name: 'DeliveryError', info: { reason: 'disconnected', id: 'r-1' } });
    });
  });

  describe('sendAcked()', () => {
    it('should deliver every message in order, each once, through cuts between send and ack', async () => {
      const client = connect();
      await subscribed();
      const total = 60;
      const acked: Array<Promise<void>> = [];
      for (let i = 1; i <= total; i++) {
        acked.push(lastValueFrom(client.socket.sendAcked({ type: 'publish', topic: 'chat', data: { i }, id: `m-${i}` }), { defaultValue: undefined }));
        if (i % 10 === 0) {
          // cut right after sending: some of the last ten reached the server, none was acked yet
          server.killAll();
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      }
      await Promise.all(acked);
      const ids = server.events('chat').map((e) => (e.data as { i: number }).i);
      expect(ids).toEqual(Array.from({ length: total }, (_, i) => i + 1));
      const publishes = server.received.filter((r) => r.frame?.type === 'publish').length;
      expect(publishes).toBeGreaterThanOrEqual(total); // resends, dropped by the server's dedupe
      expect(client.socket.metrics().connections).toBeGreaterThanOrEqual(2);
      expect(client.error).toBeUndefined();
    });
  });
});
