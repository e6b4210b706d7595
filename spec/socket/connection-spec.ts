import { TestScheduler } from 'rxjs/testing';
import { CloseError, ConnectTimeoutError } from '../../src/errors';
import { Connection } from '../../src/socket/connection';
import type { ConnectionHost } from '../../src/socket/connection';
import { createLifecycle } from '../../src/socket/lifecycle';
import { resolveOptions } from '../../src/socket/options';
import type { ManagedSocketConfig } from '../../src/socket/config';
import { FRAMES } from '../../src/socket/transport';
import type { WebSocketCtor, WebSocketLike } from '../../src/socket/transport';
import { createFakeWebSockets, FakeWebSocket } from '../../src/testing/fakeWebSocket';
import type { FakeWebSocketOptions } from '../../src/testing/fakeWebSocket';
import { scheduleAt } from '../../src/testing/harness';

describe('Connection', () => {
  let ts: TestScheduler;
  beforeEach(() => {
    ts = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  });

  const at = (frame: number, work: () => void) => scheduleAt(ts, frame, work);
  const first = (fake: ReturnType<typeof createFakeWebSockets>): FakeWebSocket => fake.sockets[0] as FakeWebSocket;

  /**
   * One attempt on fake sockets with a recording host: `log` has o (opened, with the socket), the
   * data of each frame, and p for a pong; `failures` what ended it.
   */
  function setup(fakeOptions: FakeWebSocketOptions = {}, config: Partial<ManagedSocketConfig<unknown, unknown>> = {}, Ctor?: WebSocketCtor) {
    const fake = createFakeWebSockets(fakeOptions);
    const options = resolveOptions<unknown, unknown>({
      url: 'ws://test',
      WebSocketCtor: Ctor ?? fake.WebSocketCtor,
      protocols: ['v1'],
      transportOptions: (ctx) => ({ headers: { attempt: String(ctx.attempt) } }),
      idleTimeout: 0,
      scheduler: ts,
      ...config,
    });
    const log: string[] = [];
    const opened: WebSocketLike[] = [];
    const failures: unknown[] = [];
    const host: ConnectionHost<unknown, unknown> = {
      options,
      lifecycle: createLifecycle(undefined),
      tokens: undefined,
      pongs: 0,
      rttMs: null,
      heartbeatAt: null,
      pingAt: null,
      created: () => undefined,
      opened: (_connection, socket) => {
        opened.push(socket);
        log.push('o');
      },
      ready: () => undefined,
      frame: (_connection, data) => log.push(String(data)),
      failed: (_connection, error) => failures.push(error),
      writeFrame: () => false,
      tokenRenewed: () => undefined,
      tokenRefreshFailed: () => undefined,
      requestReconnect: () => undefined,
      isHeld: () => false,
    };
    const connection = new Connection(host, 3, 0, undefined, false);
    return { fake, host, connection, log, opened, failures };
  }

  it('should open one socket with the url, the protocols and the transport options of its attempt', () => {
    ts.run(() => {
      const { fake, connection } = setup();
      expect(fake.sockets).toHaveLength(0);
      connection.start();
      expect(fake.sockets.map((s) => [s.url, s.protocols, s.options])).toEqual([['ws://test', ['v1'], { headers: { attempt: '3' } }]]);
    });
  });

  it('should report the open with the socket itself, then every frame and every protocol pong', () => {
    ts.run(() => {
      const { fake, connection, log, opened, host } = setup({ openAfter: 1 });
      connection.start();
      at(2, () => first(fake).receive('x'));
      at(3, () => first(fake).pong());
      at(4, () => first(fake).receive('y'));
      ts.flush();
      expect(log).toEqual(['o', 'x', 'y']);
      expect(opened).toEqual([first(fake)]);
      expect(host.pongs).toBe(1);
      expect(connection.open).toBe(true);
    });
  });

  it('should fail with a CloseError carrying code, reason and wasClean whenever the socket closes, once', () => {
    ts.run(() => {
      const a = setup({ openAfter: 1 });
      const b = setup({ openAfter: 1 });
      const c = setup({ openAfter: null });
      for (const { connection } of [a, b, c]) connection.start();
      at(3, () => first(a.fake).serverClose(1000, 'bye'));
      at(3, () => first(b.fake).drop());
      at(2, () => first(c.fake).refuse()); // error, then close: only the close is reported
      ts.flush();
      expect(a.failures).toEqual([new CloseError({ code: 1000, reason: 'bye', wasClean: true })]);
      expect(b.failures).toEqual([new CloseError({ code: 1006, reason: '', wasClean: false })]);
      expect(c.failures).toEqual([new CloseError({ code: 1006, reason: '', wasClean: false })]);
      expect([a, b, c].map(({ connection }) => connection.live)).toEqual([false, false, false]);
    });
  });

  it('should fail with a ConnectTimeoutError when the socket does not open in time, and close it', () => {
    ts.run(() => {
      const { fake, connection, failures, log } = setup({ openAfter: null }, { connectTimeout: 50 });
      connection.start();
      ts.flush();
      expect(failures).toEqual([new ConnectTimeoutError({ timeoutMs: 50 })]);
      expect(ts.now()).toBe(50);
      expect(first(fake).closedByClient).toEqual({ code: 1000, reason: 'client closed' });
      expect(log).toEqual([]);
    });
  });

  it('should stop the connect timeout at the open', () => {
    ts.run(() => {
      const { connection, failures } = setup({ openAfter: 10 }, { connectTimeout: 50 });
      connection.start();
      ts.flush();
      expect(failures).toEqual([]);
      expect(connection.live).toBe(true);
    });
  });

  it('should close an open or opening socket with 1000 on stop() and detach its listeners', () => {
    ts.run(() => {
      const open = setup({ openAfter: 1 });
      const opening = setup({ openAfter: null });
      for (const { connection } of [open, opening]) {
        connection.start();
        at(3, () => connection.stop());
      }
      ts.flush();
      for (const { fake, failures } of [open, opening]) {
        expect(first(fake).closedByClient).toEqual({ code: 1000, reason: 'client closed' });
        expect(first(fake).listenerCount()).toBe(0);
        // an error listener stays: `ws` emits 'error' on a socket closed before it opened
        expect(first(fake).listenerCount('error')).toBe(1);
        expect(failures).toEqual([]);
      }
    });
  });

  it('should not close again a socket that is already closing', () => {
    ts.run(() => {
      const { fake, connection } = setup({ openAfter: 1, answerClose: false });
      connection.start();
      let close: jest.SpyInstance | undefined;
      at(2, () => {
        first(fake).close(4000, 'mine');
        close = jest.spyOn(first(fake), 'close');
      });
      at(3, () => connection.stop());
      ts.flush();
      expect(close).toHaveBeenCalledTimes(0);
      expect(first(fake).closedByClient).toEqual({ code: 4000, reason: 'mine' });
      expect(first(fake).listenerCount()).toBe(0);
    });
  });

  it('should hand over nothing after stop()', () => {
    ts.run(() => {
      const { fake, connection, log } = setup({ openAfter: 1 });
      connection.start();
      at(2, () => connection.stop());
      at(3, () => first(fake).receive('late'));
      ts.flush();
      expect(log).toEqual(['o']);
    });
  });

  it("should read frames through the transport's own frame listener when it has one, and remove it on stop()", () => {
    ts.run(() => {
      const listeners = new Set<(data: unknown, isBinary: boolean) => void>();
      const fake = createFakeWebSockets({ openAfter: 1, scheduler: ts });
      // A transport with its own frame listener: frames reach it, not 'message' listeners.
      class FramedSocket extends FakeWebSocket {
        [FRAMES](listener: (data: unknown, isBinary: boolean) => void): () => void {
          listeners.add(listener);
          return () => listeners.delete(listener);
        }
      }
      const sockets: FramedSocket[] = [];
      const Ctor = function (url: string, protocols?: string | string[], options?: never) {
        const created = fake.WebSocketCtor as unknown as new (...args: unknown[]) => FakeWebSocket;
        const base = new created(url, protocols, options);
        const socket = Object.setPrototypeOf(base, FramedSocket.prototype) as FramedSocket;
        sockets.push(socket);
        return socket;
      } as unknown as WebSocketCtor;
      const { connection, log } = setup({}, {}, Ctor);
      connection.start();
      at(2, () => listeners.forEach((listener) => listener(Buffer.from('direct'), false))); // text: its String() is the text
      at(2, () => listeners.forEach((listener) => listener(new Uint8Array([7]), true))); // binary: as it is
      at(3, () => connection.stop());
      at(4, () => listeners.forEach((listener) => listener('late', false)));
      ts.flush();
      expect(log).toEqual(['o', 'direct', '7']);
      expect(listeners.size).toBe(0);
      expect(sockets[0]?.listenerCount('message')).toBe(0);
    });
  });
});
