/**
 * Servers that misbehave at the connection level, over real sockets on 127.0.0.1: one that
 * accepts and hangs up at once (the backoff must keep growing), one that accepts TCP and never
 * answers the upgrade (connect timeout), and permanent close codes (no reconnect at all).
 */
import * as net from 'node:net';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';
import { CloseError, ConnectTimeoutError } from '../../src/errors';
import { startReferenceServer } from '../../src/server/referenceServer';
import type { ReferenceServer } from '../../src/server/referenceServer';
import { pause, startClient, until } from './harness';
import type { Client } from './harness';

jest.setTimeout(15_000);

/** A `ws` server on 127.0.0.1 that runs `onConnection` for every client; `close()` frees everything. */
async function tinyServer(onConnection: (ws: WebSocket) => void): Promise<{ url: string; accepted: number[]; close(): Promise<void> }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  const accepted: number[] = [];
  wss.on('connection', (ws) => {
    accepted.push(Date.now());
    ws.on('error', () => undefined);
    onConnection(ws);
  });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  const { port } = wss.address() as net.AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}`,
    accepted,
    close: () =>
      new Promise<void>((resolve) => {
        for (const ws of wss.clients) ws.terminate();
        wss.close(() => resolve());
      }),
  };
}

/** A TCP server on 127.0.0.1 that accepts, reads and discards, and never answers: no HTTP upgrade ever. */
async function silentTcpServer(): Promise<{ url: string; accepted: number[]; open(): number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const accepted: number[] = [];
  const server = net.createServer((socket) => {
    accepted.push(Date.now());
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    socket.resume(); // read (and drop) the upgrade request, so a client's FIN is seen
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}`,
    accepted,
    open: () => sockets.size,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

describe('managedSocket$ against hostile servers', () => {
  let client: Client | undefined;
  const cleanups: Array<() => Promise<void>> = [];

  afterEach(async () => {
    client?.stop();
    client = undefined;
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  describe('a server that accepts and hangs up at once', () => {
    const initialInterval = 20;
    const jitter = 0.5;

    const cases: Array<[string, (ws: WebSocket) => void, number[]]> = [
      ['cuts the connection right after the upgrade', (ws) => ws.terminate(), []],
      ['closes with 1011 right after the upgrade', (ws) => ws.close(1011, 'overloaded'), []],
      [
        // The connection "works" (an event arrives) but never for long: still no reset.
        'sends a welcome and an event, then closes with 1001',
        (ws) => {
          ws.send(JSON.stringify({ type: 'welcome', sessionId: 's', heads: {} }));
          ws.send(JSON.stringify({ type: 'event', topic: 'a', seq: 1, id: 'a:1', data: null }));
          ws.close(1001, 'going away');
        },
        [1],
      ],
    ];

    it.each(cases)('should keep growing the backoff when the server %s', async (_name, behave, seqs) => {
      const server = await tinyServer(behave);
      cleanups.push(server.close);
      const c = startClient(server.url, { retry: { initialInterval, maxInterval: 10_000, jitter } });
      client = c;
      await until(() => c.ofType('reconnecting').length >= 6, 5_000, 'six retries');
      c.stop();

      const retries = c.ofType('reconnecting').slice(0, 6);
      // Never reset: attempts 1, 2, 3, ... in a row, each delay within the jitter band of its step.
      expect(retries.map((r) => r.attempt)).toEqual([1, 2, 3, 4, 5, 6]);
      retries.forEach((r, i) => {
        const cap = initialInterval * 2 ** i;
        expect(r.delay).toBeGreaterThanOrEqual(cap * (1 - jitter));
        expect(r.delay).toBeLessThanOrEqual(cap);
      });
      // And the server really saw the attempts that far apart.
      const gaps = server.accepted.slice(1, 7).map((at, i) => at - (server.accepted[i] as number));
      gaps.forEach((gap, i) => expect(gap).toBeGreaterThanOrEqual(Math.floor((retries[i] as { delay: number }).delay) - 2));
      expect(c.error).toBeUndefined();
      expect(c.seqs()).toEqual(seqs); // the event every connection resends is delivered once
    });
  });

  describe('a server that never answers the upgrade', () => {
    it('should give up on each attempt after connectTimeout with a ConnectTimeoutError, back off, and leave no socket open', async () => {
      const server = await silentTcpServer();
      cleanups.push(server.close);
      const c = startClient(server.url, { connectTimeout: 300, retry: { initialInterval: 50, maxInterval: 1_000, jitter: 0.5 } });
      client = c;
      await until(() => c.ofType('disconnected').length >= 3, 5_000, 'three connect timeouts');

      const disconnects = c.ofType('disconnected').slice(0, 3);
      for (const d of disconnects) {
        expect(d.error).toBeInstanceOf(ConnectTimeoutError);
        expect(d.error).toMatchObject({ name: 'ConnectTimeoutError', info: { timeoutMs: 300 } });
        expect(d.kind).toBe('transient');
      }
      // Each attempt lasted the timeout, then waited its backoff.
      const times = c.events.filter((e) => e.event.type === 'connecting' || e.event.type === 'disconnected').map((e) => e.at);
      expect((times[1] as number) - (times[0] as number)).toBeGreaterThanOrEqual(295);
      expect(c.ofType('reconnecting').map((r) => r.attempt).slice(0, 3)).toEqual([1, 2, 3]);
      expect(c.ofType('connected')).toHaveLength(0);
      // An abandoned attempt is closed: the server holds at most the one in progress.
      await until(() => server.open() <= 1, 2_000, 'the abandoned attempts to close');
      expect(server.accepted.length).toBeGreaterThanOrEqual(3);
      expect(c.error).toBeUndefined();
    });

    it('should give a slow upgrade the whole connectTimeout even when idleTimeout is shorter', async () => {
      // connectTimeout documents how long a socket may take to open; idleTimeout, how long an
      // open link may stay silent. A handshake slower than idleTimeout must still get its time.
      const server = await silentTcpServer();
      cleanups.push(server.close);
      const c = startClient(server.url, { connectTimeout: 600, idleTimeout: 150, retry: { initialInterval: 50, maxInterval: 1_000, jitter: 0.5 } });
      client = c;
      await until(() => c.ofType('disconnected').length >= 1, 5_000, 'the first failure');
      const [first] = c.ofType('disconnected');
      const started = c.events.find((e) => e.event.type === 'connecting')?.at ?? 0;
      const failed = c.events.find((e) => e.event.type === 'disconnected')?.at ?? 0;

      expect({ error: first?.error, afterMs: failed - started >= 590 }).toEqual({
        error: new ConnectTimeoutError({ timeoutMs: 600 }),
        afterMs: true,
      });
    });
  });

  describe('close codes', () => {
    let server: ReferenceServer;

    beforeEach(async () => {
      server = await startReferenceServer();
      cleanups.push(() => server.stop());
    });

    it.each([1002, 1003, 1007, 1008, 1009, 1010, 4400, 4403, 4499])('should not reconnect after the permanent close code %i', async (code) => {
      const c = startClient(server.url);
      client = c;
      await server.waitFor((s) => s.openConnections().some((conn) => conn.topics.includes('a')));
      server.publish('a', 1);
      await until(() => c.received.length === 1);
      server.closeAll(code, 'go away');
      await until(() => c.error !== undefined, 5_000, 'the permanent error');
      await pause(300); // fifteen times the first backoff: a retry would have happened by now

      expect(c.error).toBeInstanceOf(CloseError);
      expect((c.error as CloseError).info).toEqual({ code, reason: 'go away', wasClean: true });
      expect(server.stats.connectionsOpened).toBe(1);
      expect(c.ofType('reconnecting')).toHaveLength(0);
      expect(c.ofType('disconnected')).toEqual([{ type: 'disconnected', error: c.error, kind: 'permanent' }]);
      expect(c.states[c.states.length - 1]).toBe('closed');
      expect(c.seqs()).toEqual([1]);
    });

    it.each([1000, 1001, 1011, 1012, 1013, 1014, 4000])('should reconnect and resume after the transient close code %i', async (code) => {
      const c = startClient(server.url);
      client = c;
      await server.waitFor((s) => s.openConnections().some((conn) => conn.topics.includes('a')));
      server.publish('a', 1);
      await until(() => c.received.length === 1);
      const next = server.nextSession(5_000);
      server.closeAll(code, 'later');
      server.publish('a', 2); // while the client is away
      await next;
      server.publish('a', 3);
      await until(() => c.received.length === 3, 5_000, 'the events after the reconnect');

      expect(c.seqs()).toEqual([1, 2, 3]);
      expect(c.ofType('disconnected')[0]).toMatchObject({ kind: 'transient', error: { info: { code } } });
      expect(c.error).toBeUndefined();
    });
  });
});
