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
      heartbeatSent(at) {
        this.heartbeatAt = at;
      },
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

  it('should take a close event without a reason or wasClean as an empty reason, not clean', () => {
    ts.run(() => {
      const { fake, connection, failures } = setup({ openAfter: 1 });
      connection.start();
      // Some transports' close events carry the code only.
      at(3, () => (first(fake) as unknown as { dispatch(type: string, event: object): void }).dispatch('close', { code: 1005 }));
      ts.flush();
      expect(failures).toEqual([new CloseError({ code: 1005, reason: '', wasClean: false })]);
      expect((failures[0] as CloseError).info).toStrictEqual({ code: 1005, reason: '', wasClean: false });
    });
  });

  it('should open a socket without on() (a browser socket: no protocol pongs)', () => {
    ts.run(() => {
      const browser = createFakeWebSockets({ openAfter: 1 });
      const Ctor = function (url: string, protocols?: string | string[]) {
        const socket = new browser.WebSocketCtor(url, protocols);
        Object.defineProperty(socket, 'on', { value: undefined });
        return socket;
      } as unknown as WebSocketCtor;
      const { connection, log, failures } = setup({}, {}, Ctor);
      connection.start();
      at(5, () => connection.stop());
      ts.flush();
      expect(log).toEqual(['o']);
      expect(failures).toEqual([]);
    });
  });

  describe('keep-alive lanes', () => {
    it('should count a frame and a pong as two signs of life for the idle check', () => {
      ts.run(() => {
        const { fake, connection, host, failures } = setup({ openAfter: 1 }, { idleTimeout: 10 });
        connection.start();
        // looks at 6, 11, 16: a frame and a pong between the first two are two signs, not none
        at(7, () => host.lifecycle.counters.messagesIn++);
        at(8, () => first(fake).pong());
        at(15, () => connection.stop());
        ts.flush();
        expect(failures).toEqual([]);
      });
    });

    /** A WebSocket constructor over `fake` whose sockets get `ping` replaced (undefined: a browser socket). */
    const withPing = (fake: ReturnType<typeof createFakeWebSockets>, ping: (() => void) | undefined): WebSocketCtor =>
      function (url: string, protocols?: string | string[]) {
        const socket = new fake.WebSocketCtor(url, protocols);
        Object.defineProperty(socket, 'ping', { value: ping });
        return socket;
      } as unknown as WebSocketCtor;

    it('should time the round trip from the first unanswered ping, and ignore a pong nothing waits for', () => {
      ts.run(() => {
        const { fake, connection, host } = setup({ openAfter: 1 }, { pingInterval: 10 });
        connection.start();
        // pings at 11 and 21; the pong at 25 answers the first
        at(25, () => first(fake).pong());
        at(27, () => first(fake).pong());
        at(28, () => connection.stop());
        ts.flush();
        expect(first(fake).pings).toBe(2);
        expect(host.rttMs).toBe(14);
        expect(host.pongs).toBe(2);
      });
    });

    it('should not ping a socket that cannot, and fail the attempt when a ping throws', () => {
      ts.run(() => {
        const browser = createFakeWebSockets({ openAfter: 1 });
        const quiet = setup({}, { pingInterval: 10 }, withPing(browser, undefined));
        quiet.connection.start();
        const boom = new Error('ping failed');
        const broken = createFakeWebSockets({ openAfter: 1 });
        const throwing = setup({}, { pingInterval: 10 }, withPing(broken, () => {
          throw boom;
        }));
        throwing.connection.start();
        at(35, () => quiet.connection.stop());
        at(35, () => throwing.connection.stop());
        ts.flush();
        expect(quiet.failures).toEqual([]);
        expect(throwing.failures).toEqual([boom]);
      });
    });

    it('should time a heartbeat only once written, from the first unanswered one', () => {
      ts.run(() => {
        const { connection, host } = setup({ openAfter: 1 }, { heartbeat: { interval: 10, message: () => 'hb', isReply: () => true } });
        let writable = false;
        host.writeFrame = () => writable;
        connection.start();
        const seen: Array<number | null> = [];
        // heartbeats at 11 (not written), 21 and 31
        at(15, () => seen.push(host.heartbeatAt));
        at(16, () => (writable = true));
        at(35, () => seen.push(host.heartbeatAt));
        at(36, () => connection.stop());
        ts.flush();
        expect(seen).toEqual([null, 21]);
      });
    });

    it('should fail the attempt when the heartbeat message throws', () => {
      ts.run(() => {
        const boom = new Error('no heartbeat');
        const { connection, failures } = setup({ openAfter: 1 }, {
          heartbeat: {
            interval: 10,
            message: () => {
              throw boom;
            },
          },
        });
        connection.start();
        at(25, () => connection.stop());
        ts.flush();
        expect(failures).toEqual([boom]);
      });
    });
  });

  describe('ready handshake', () => {
    it('should take a ready reply that comes at once, during the open, and do the ready work once', () => {
      ts.run(() => {
        const { connection, host, failures } = setup({ openAfter: 1 }, { ready: { isReady: () => true, timeout: 5 } });
        let readies = 0;
        host.ready = () => readies++;
        host.opened = () => connection.readyReceived();
        connection.start();
        at(3, () => connection.readyReceived());
        at(20, () => connection.stop());
        ts.flush();
        expect(readies).toBe(1);
        expect(failures).toEqual([]);
      });
    });
  });
});

