import { TestScheduler } from 'rxjs/testing';
import { createFakeWebSockets, FakeWebSocket } from '../../src/testing/fakeWebSocket';
import { scheduleAt } from '../../src/testing/harness';
import { VirtualTimeBoundError } from '../../src/testing/bound';
import type { WebSocketCloseEvent, WebSocketCtor } from '../../src/socket/transport';

describe('createFakeWebSockets', () => {
  let ts: TestScheduler;
  beforeEach(() => {
    ts = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  });

  const at = (frame: number, work: () => void) => scheduleAt(ts, frame, work);
  const create = (Ctor: WebSocketCtor, url = 'ws://test') => new Ctor(url) as FakeWebSocket;
  /** Records `frame:type` of every event the client would see (and the close event's fields). */
  const record = (socket: FakeWebSocket) => {
    const log: unknown[] = [];
    socket.addEventListener('open', () => log.push(`${ts.now()}:open`));
    socket.addEventListener('message', (e) => log.push(`${ts.now()}:message:${String(e.data)}`));
    socket.addEventListener('error', () => log.push(`${ts.now()}:error`));
    socket.addEventListener('close', (e: WebSocketCloseEvent) => log.push(`${ts.now()}:close:${e.code}:${e.reason}:${e.wasClean}`));
    socket.on('pong', () => log.push(`${ts.now()}:pong`));
    return log;
  };

  it('should record each socket with its constructor arguments and tell onConnect', () => {
    const onConnect = jest.fn();
    const fake = createFakeWebSockets({ onConnect });
    expect(() => fake.latest()).toThrow('no socket was created yet');
    const Ctor = fake.WebSocketCtor as unknown as new (url: string, protocols?: string[], options?: unknown) => FakeWebSocket;
    const a = new Ctor('ws://a', ['v1'], { headers: {} });
    const b = new Ctor('ws://b');
    expect(fake.sockets).toEqual([a, b]);
    expect(fake.latest()).toBe(b);
    expect([a.url, a.protocols, a.options]).toEqual(['ws://a', ['v1'], { headers: {} }]);
    expect(onConnect.mock.calls).toEqual([[a], [b]]);
    expect(a.readyState).toBe(0);
  });

  it('should open after openAfter on the scheduler, or only when told with openAfter null', () => {
    ts.run(() => {
      const auto = create(createFakeWebSockets({ openAfter: 3 }).WebSocketCtor);
      const manual = create(createFakeWebSockets({ openAfter: null }).WebSocketCtor);
      const autoLog = record(auto);
      const manualLog = record(manual);
      at(5, () => manual.open());
      at(6, () => manual.open()); // once only
      ts.flush();
      expect(autoLog).toEqual(['3:open']);
      expect(manualLog).toEqual(['5:open']);
      expect(manual.readyState).toBe(1);
    });
  });

  it('should deliver objects as JSON and strings and binary as they are, only while open', () => {
    ts.run(() => {
      const socket = create(createFakeWebSockets({ openAfter: 1 }).WebSocketCtor);
      const data: unknown[] = [];
      socket.addEventListener('message', (e) => data.push(e.data));
      socket.receive('too early');
      const bytes = new Uint8Array([1]);
      const buffer = new ArrayBuffer(2);
      at(2, () => [{ a: 1 }, 'text', bytes, buffer].forEach((d) => socket.receive(d)));
      at(3, () => socket.drop());
      at(4, () => socket.receive('too late'));
      ts.flush();
      expect(data).toEqual(['{"a":1}', 'text', bytes, buffer]);
      expect(data[2]).toBe(bytes);
    });
  });

  it('should record what the client sends, and refuse sends while not open', () => {
    ts.run(() => {
      const socket = create(createFakeWebSockets({ openAfter: 1 }).WebSocketCtor);
      expect(() => socket.send('x')).toThrow('readyState is 0');
      at(2, () => {
        socket.send('{"type":"hello"}');
        socket.send('[1]');
      });
      ts.flush();
      expect(socket.sent).toEqual(['{"type":"hello"}', '[1]']);
      expect(socket.sentJson()).toEqual([{ type: 'hello' }, [1]]);
    });
  });

  describe('closing', () => {
    it("should answer the client's close after closeDelay with its code and reason", () => {
      ts.run(() => {
        const socket = create(createFakeWebSockets({ openAfter: 1, closeDelay: 4 }).WebSocketCtor);
        const log = record(socket);
        at(2, () => socket.close(4000, 'done'));
        at(3, () => socket.close(1000, 'again')); // ignored: already closing
        ts.flush();
        expect(socket.closedByClient).toEqual({ code: 4000, reason: 'done' });
        expect(log).toEqual(['1:open', '6:close:4000:done:true']);
        expect(socket.readyState).toBe(3);
      });
    });

    it('should answer a close without a code with 1005', () => {
      ts.run(() => {
        const socket = create(createFakeWebSockets({ openAfter: 1 }).WebSocketCtor);
        const log = record(socket);
        at(2, () => socket.close());
        ts.flush();
        expect(log).toEqual(['1:open', '2:close:1005::true']);
      });
    });

    it('should not answer as a zombie peer, until terminate()', () => {
      ts.run(() => {
        const socket = create(createFakeWebSockets({ openAfter: 1, answerClose: false }).WebSocketCtor);
        const log = record(socket);
        at(2, () => socket.close(1000));
        at(50, () => socket.terminate());
        ts.flush();
        expect(socket.readyState).toBe(3);
        expect(socket.terminated).toBe(true);
        expect(log).toEqual(['1:open', '50:close:1006::false']);
      });
    });

    it('should play the server closing, dropping and refusing, each closing once', () => {
      ts.run(() => {
        const Ctor = createFakeWebSockets({ openAfter: 1 }).WebSocketCtor;
        const a = create(Ctor);
        const b = create(Ctor);
        const c = create(createFakeWebSockets({ openAfter: null }).WebSocketCtor);
        const [logA, logB, logC] = [record(a), record(b), record(c)];
        at(2, () => a.serverClose(1001, 'going away'));
        at(3, () => a.drop()); // already closed: nothing
        at(2, () => b.drop());
        at(2, () => c.refuse());
        ts.flush();
        expect(logA).toEqual(['1:open', '2:close:1001:going away:true']);
        expect(logB).toEqual(['1:open', '2:close:1006::false']);
        expect(logC).toEqual(['2:error', '2:close:1006::false']);
      });
    });
  });

  it('should count protocol pings and deliver pongs only while open', () => {
    ts.run(() => {
      const socket = create(createFakeWebSockets({ openAfter: 1 }).WebSocketCtor);
      const log = record(socket);
      socket.pong(); // not open yet
      at(2, () => {
        socket.ping();
        socket.ping();
        socket.pong();
      });
      ts.flush();
      expect(socket.pings).toBe(2);
      expect(log).toEqual(['1:open', '2:pong']);
    });
  });

  it('should hold what the server sends while paused and deliver it in order at resume (ws pause/resume)', () => {
    ts.run(() => {
      const socket = create(createFakeWebSockets({ openAfter: 1 }).WebSocketCtor);
      const log = record(socket);
      socket.pause(); // not open yet: nothing to pause
      expect(socket.paused).toBe(false);
      at(2, () => {
        socket.pause();
        socket.receive('a');
        socket.pong(); // a pong cannot be read either
        socket.receive('b');
      });
      at(5, () => socket.resume());
      at(6, () => socket.receive('c'));
      ts.flush();
      expect(log).toEqual(['1:open', '5:message:a', '5:message:b', '6:message:c']);
      expect([socket.paused, socket.held]).toEqual([false, []]);
    });
  });

  it('should count listeners, leaving error listeners out of the total, and remove them', () => {
    const socket = create(createFakeWebSockets({ openAfter: null }).WebSocketCtor);
    const onOpen = () => undefined;
    const onPong = () => undefined;
    socket.addEventListener('open', onOpen);
    socket.addEventListener('error', () => undefined);
    socket.on('pong', onPong);
    expect(socket.listenerCount()).toBe(2);
    expect(socket.listenerCount('error')).toBe(1);
    socket.removeEventListener('open', onOpen);
    socket.off('pong', onPong);
    expect(socket.listenerCount()).toBe(0);
  });

  it('should end the flush with a VirtualTimeBoundError once more than maxSockets sockets are made', () => {
    let made = 0;
    const run = (maxSockets?: number) => {
      const scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
      scheduler.run(() => {
        const fake = createFakeWebSockets({ maxSockets });
        // A client that opens a new socket every 10 ms, 5 times.
        for (let frame = 0; frame < 50; frame += 10) scheduleAt(scheduler, frame, () => void create(fake.WebSocketCtor));
        scheduler.flush();
        made = fake.sockets.length;
      });
    };
    expect(() => run(5)).not.toThrow();
    expect(made).toBe(5);
    expect(() => run()).not.toThrow(); // no bound by default
    expect(run.bind(null, 3)).toThrow(new VirtualTimeBoundError({ bound: 'sockets', limit: 3, frame: 30, attempts: 4 }));
    expect(run.bind(null, 3)).toThrow('FakeWebSockets: more than 3 sockets (maxSockets) by frame 30');
  });
});
