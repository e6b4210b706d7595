/**
 * managedSocket$ against the reference server over real sockets on 127.0.0.1: every fault the
 * library promises to survive, with real time kept short and every wait bounded.
 */
import { Subscription } from 'rxjs';
import { managedSocket$ } from '../../src/node';
import type { ManagedSocket } from '../../src/socket/managedSocket';
import type { ManagedSocketConfig } from '../../src/socket/config';
import type { ManagedSocketEvent } from '../../src/socket/lifecycle';
import { CloseError } from '../../src/errors';
import { referenceProtocol } from '../../src/server/referenceClient';
import { startReferenceServer, ReferenceServer } from '../../src/server/referenceServer';
import type { ClientFrame, EventFrame, ServerFrame } from '../../src/server/protocol';
import { until } from '../support/until';

jest.setTimeout(20_000);

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Client {
  readonly socket: ManagedSocket<ServerFrame, ClientFrame>;
  readonly received: EventFrame[];
  readonly events: ManagedSocketEvent[];
  error: unknown;
  completed: boolean;
  readonly subscription: Subscription;
}

describe('managedSocket$ with the reference server', () => {
  let server: ReferenceServer;
  const clients: Client[] = [];

  beforeEach(async () => {
    server = await startReferenceServer();
  });

  afterEach(async () => {
    for (const client of clients.splice(0)) client.subscription.unsubscribe();
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
    const client = {
      socket,
      received: [] as EventFrame[],
      events: [] as ManagedSocketEvent[],
      error: undefined as unknown,
      completed: false,
    } as Client & { subscription: Subscription };
    socket.events$.subscribe((event) => client.events.push(event));
    socket.subscribeTopics(...topics);
    (client as { subscription: Subscription }).subscription = socket.subscribe({
      next: (frame) => {
        if (frame.type === 'event') client.received.push(frame);
      },
      error: (err: unknown) => (client.error = err),
      complete: () => (client.completed = true),
    });
    clients.push(client);
    return client;
  }

  const seqs = (frames: readonly EventFrame[], topic = 'a') => frames.filter((f) => f.topic === topic).map((f) => f.seq);
  const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

  it('should receive every event exactly once and in order when all connections are killed mid-stream', async () => {
    const client = connect({}, ['a', 'b']);
    await server.waitFor((s) => s.openConnections().some((c) => c.topics.length === 2));
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 20; i++) {
        server.publish('a', { round, i });
        server.publish('b', { round, i });
      }
      const next = server.nextSession();
      server.killAll();
      for (let i = 0; i < 5; i++) server.publish('a', { round, late: i }); // published while the client is down
      const session = await next;
      await server.waitFor((s) => s.openConnections().some((c) => c.id === session.id && c.topics.length === 2));
    }
    await until(() => client.received.length === 5 * 45, 5_000, 'all events');
    expect(seqs(client.received, 'a')).toEqual(range(1, 125));
    expect(seqs(client.received, 'b')).toEqual(range(1, 100));
    expect(client.socket.metrics().connections).toBeGreaterThanOrEqual(6);
    expect(client.error).toBeUndefined();
  });

  it('should resume after the server restarts, without losing or repeating events', async () => {
    const client = connect();
    await server.nextSession();
    await server.waitFor((s) => s.openConnections().some((c) => c.topics.includes('a')));
    for (let i = 0; i < 10; i++) server.publish('a', i);
    await until(() => client.received.length === 10);
    await server.restart({ downtimeMs: 100 });
    for (let i = 10; i < 20; i++) server.publish('a', i);
    await until(() => client.received.length === 20, 5_000, 'events after restart');
    expect(seqs(client.received)).toEqual(range(1, 20));
    const hellos = server.received.filter((r) => r.frame?.type === 'hello').map((r) => r.frame);
    expect(hellos[hellos.length - 1]).toMatchObject({ type: 'hello', resume: { a: 10 } });
  });

  it('should detect a silent server and leave it for a new connection', async () => {
    const client = connect({ idleTimeout: 300, ...referenceProtocol({ heartbeatInterval: 100 }) });
    const first = await server.nextSession();
    await server.waitFor((s) => s.openConnections().some((c) => c.topics.includes('a')));
    server.publish('a', 1);
    await until(() => client.received.length === 1);
    const next = server.nextSession(5_000);
    server.silence(true, first.id);
    server.publish('a', 2); // swallowed by the mute connection: must come back through resume
    const second = await next;
    expect(second.id).not.toBe(first.id);
    await until(() => client.received.length === 2, 5_000, 'the resumed event');
    expect(seqs(client.received)).toEqual([1, 2]);
    expect(client.events.some((e) => e.type === 'disconnected' && e.error instanceof Error && e.error.name === 'IdleTimeoutError')).toBe(true);
    await until(() => !server.openConnections().some((c) => c.id === first.id), 2_000, 'the zombie to be dropped');
  });

  it('should stop on close 1008 without a retry storm', async () => {
    await server.stop();
    server = await startReferenceServer({ verifyToken: (token) => (token === 'good' ? {} : null) });
    const client = connect({ token: () => 'bad' });
    await until(() => client.error !== undefined, 5_000, 'the permanent error');
    expect(client.error).toBeInstanceOf(CloseError);
    expect((client.error as CloseError).info.code).toBe(1008);
    await pause(300); // ten times the first backoff: a retry would have happened by now
    expect(server.stats.connectionsOpened).toBe(1);
    expect(client.events.filter((e) => e.type === 'reconnecting')).toHaveLength(0);
    expect(JSON.stringify(client.events)).not.toContain('bad');
  });

  it('should refresh a token expiring mid-stream in-band, with no lost events', async () => {
    await server.stop();
    const issued: string[] = [];
    server = await startReferenceServer({ verifyToken: (token) => (issued.includes(token) ? { expiresAt: Date.now() + 400 } : null) });
    const client = connect({
      token: () => {
        const token = `tok-${issued.length + 1}`;
        issued.push(token);
        return { token, expiresAt: Date.now() + 400 };
      },
      refreshBefore: 200,
    });
    await server.waitFor((s) => s.openConnections().some((c) => c.topics.includes('a')));
    for (let i = 0; i < 30; i++) {
      server.publish('a', i);
      await pause(20);
    }
    await until(() => client.received.length === 30, 5_000, 'all events');
    expect(seqs(client.received)).toEqual(range(1, 30));
    expect(issued.length).toBeGreaterThanOrEqual(2);
    expect(server.received.some((r) => r.frame?.type === 'auth')).toBe(true);
    expect(client.socket.metrics().tokenRefreshes).toBeGreaterThanOrEqual(1);
    expect(server.stats.sessionsStarted).toBe(1); // refreshed on the open socket, never dropped
    for (const token of issued) expect(JSON.stringify(client.events)).not.toContain(token);
  });

  it('should reconnect with a fresh token after the server closes with 4001', async () => {
    await server.stop();
    let now = Date.now();
    const issued: string[] = [];
    server = await startReferenceServer({ verifyToken: (token) => (issued.includes(token) ? { expiresAt: now + 1_000 } : null), now: () => now });
    const client = connect({ token: () => `tok-${issued.push(`tok-${issued.length + 1}`)}` });
    await server.waitFor((s) => s.openConnections().some((c) => c.topics.includes('a')));
    server.publish('a', 1);
    await until(() => client.received.length === 1);
    now += 2_000;
    const next = server.nextSession();
    expect(server.checkExpiry()).toBe(1);
    await next;
    server.publish('a', 2);
    await until(() => client.received.length === 2);
    expect(seqs(client.received)).toEqual([1, 2]);
    expect(issued).toEqual(['tok-1', 'tok-2']);
    expect(client.events.some((e) => e.type === 'disconnected' && e.kind === 'reauth')).toBe(true);
  });

  it('should replay the active subscriptions after a reconnect', async () => {
    const client = connect({}, ['a', 'b']);
    await server.waitFor((s) => s.openConnections().some((c) => c.topics.length === 2));
    client.socket.unsubscribeTopics('b');
    client.socket.subscribeTopics('c');
    await server.waitFor((s) => s.openConnections().some((c) => c.topics.join() === 'a,c'));
    server.killAll();
    const session = await server.nextSession();
    await server.waitFor((s) => s.openConnections().some((c) => c.id === session.id && c.topics.join() === 'a,c'));
    const frames = server.received.filter((r) => r.connectionId === session.id).map((r) => r.frame?.type);
    expect(frames.slice(0, 2)).toEqual(['hello', 'subscribe']);
    expect(client.socket.topics()).toEqual(['a', 'c']);
  });

  it('should deliver messages sent while disconnected after the reconnect, in order', async () => {
    const client = connect();
    await server.waitFor((s) => s.openConnections().some((c) => c.topics.includes('a')));
    await server.restart({ downtimeMs: 300 });
    await until(() => client.socket.metrics().disconnects >= 1);
    for (let i = 0; i < 5; i++) client.socket.send({ type: 'publish', topic: 'a', data: i, id: `m-${i}` });
    await until(() => client.received.length === 5, 5_000, 'the published events');
    expect(client.received.map((e) => e.data)).toEqual([0, 1, 2, 3, 4]);
    const session = server.openConnections()[0];
    const order = server.received.filter((r) => r.connectionId === session?.id).map((r) => r.frame?.type);
    expect(order).toEqual(['hello', 'subscribe', 'publish', 'publish', 'publish', 'publish', 'publish']);
  });

  it('should close gracefully and complete the subscriber', async () => {
    const client = connect();
    await server.waitFor((s) => s.openConnections().some((c) => c.topics.includes('a')));
    const states: string[] = [];
    client.socket.state$.subscribe((s) => states.push(s));
    await new Promise<void>((resolve) => client.socket.close().subscribe({ complete: resolve }));
    expect(client.completed).toBe(true);
    expect(states.slice(-2)).toEqual(['closing', 'closed']);
    await server.waitFor((s) => s.connections === 0, 2_000);
  });
});
