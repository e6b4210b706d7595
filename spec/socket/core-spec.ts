import { Subject } from 'rxjs';
import { VirtualTimeScheduler } from 'rxjs';
import { managedSocket$ } from '../../src/socket/managedSocket';
import { createFakeWebSockets } from '../../src/testing/fakeWebSocket';

/** A socket on fake WebSockets in virtual time, with `retry` as given; what its output ends with. */
function setup(retry: Record<string, unknown>) {
  const scheduler = new VirtualTimeScheduler();
  const fake = createFakeWebSockets({ scheduler, openAfter: 1 });
  const socket = managedSocket$({ url: 'ws://test', WebSocketCtor: fake.WebSocketCtor, scheduler, idleTimeout: 0, retry: { initialInterval: 10, jitter: 0, ...retry } });
  const ended: unknown[] = [];
  const subscription = socket.subscribe({ error: (error: unknown) => ended.push(error), complete: () => ended.push('complete') });
  return { scheduler, fake, ended, subscription };
}

describe('managedSocket$: a retry setting that fails', () => {
  it('should error with what a retry callback throws when a connection fails, and connect no more', () => {
    const bug = new Error('onRetry bug');
    const { scheduler, fake, ended } = setup({
      onRetry: () => {
        throw bug;
      },
    });
    scheduler.schedule(() => fake.latest().serverClose(1006, 'dropped'), 5);
    scheduler.flush();
    expect(ended).toEqual([bug]);
    expect(fake.sockets).toHaveLength(1);
  });

  it('should error with the error of retry.retryNow while it waits to reconnect, and connect no more', () => {
    const retryNow = new Subject<void>();
    const failure = new Error('retryNow failed');
    const { scheduler, fake, ended } = setup({ retryNow, initialInterval: 1_000 });
    scheduler.schedule(() => fake.latest().serverClose(1006, 'dropped'), 5);
    scheduler.schedule(() => retryNow.error(failure), 100);
    scheduler.flush();
    expect(ended).toEqual([failure]);
    expect(fake.sockets).toHaveLength(1);
  });
});

describe('managedSocket$: a socket that is closing', () => {
  it('should not write on a socket that is closing, and send the message on the next connection', () => {
    const scheduler = new VirtualTimeScheduler();
    const fake = createFakeWebSockets({ scheduler, openAfter: 1, closeDelay: 50 });
    const socket = managedSocket$<unknown, string>({ url: 'ws://test', WebSocketCtor: fake.WebSocketCtor, scheduler, idleTimeout: 0, retry: { initialInterval: 10, jitter: 0 } });
    const subscription = socket.subscribe();
    // The first socket starts closing (the page or the runtime closed it): its close event comes 50 ms later.
    scheduler.schedule(() => fake.latest().close(1001, 'going away'), 5);
    scheduler.schedule(() => socket.send('hello'), 10);
    scheduler.schedule(() => subscription.unsubscribe(), 500);
    scheduler.flush();
    expect(fake.sockets[0]?.sent).toEqual([]);
    expect(fake.sockets[1]?.sent).toEqual([JSON.stringify('hello')]);
  });
});

describe('managedSocket$: a socket without the ws extras (a browser WebSocket)', () => {
  /** Fake sockets without `terminate()`, `pause()` and `resume()`, as a browser's WebSocket has none. */
  function browserLike(scheduler: VirtualTimeScheduler) {
    return createFakeWebSockets({
      scheduler,
      openAfter: 1,
      onConnect: (socket) => {
        Object.assign(socket, { terminate: undefined, pause: undefined, resume: undefined });
      },
    });
  }

  it('should drop a silent connection and connect again, with no terminate() to call', () => {
    const scheduler = new VirtualTimeScheduler();
    const fake = browserLike(scheduler);
    const socket = managedSocket$({ url: 'ws://test', WebSocketCtor: fake.WebSocketCtor, scheduler, idleTimeout: 100, retry: { initialInterval: 10, jitter: 0 } });
    const kinds: string[] = [];
    socket.events$.subscribe((event) => event.type === 'disconnected' && kinds.push(event.error instanceof Error ? event.error.name : String(event.error)));
    const ended: unknown[] = [];
    const subscription = socket.subscribe({ error: (error: unknown) => ended.push(error) });
    scheduler.schedule(() => subscription.unsubscribe(), 200);
    scheduler.flush();
    expect(kinds[0]).toBe('IdleTimeoutError');
    expect(fake.sockets.length).toBeGreaterThanOrEqual(2);
    expect(ended).toEqual([]);
  });

  it('should close cleanly, with no resume() to call', () => {
    const scheduler = new VirtualTimeScheduler();
    const fake = browserLike(scheduler);
    const socket = managedSocket$({ url: 'ws://test', WebSocketCtor: fake.WebSocketCtor, scheduler, idleTimeout: 0 });
    const ended: unknown[] = [];
    socket.subscribe({ error: (error: unknown) => ended.push(error), complete: () => ended.push('complete') });
    const closed: unknown[] = [];
    scheduler.schedule(() => socket.close().subscribe({ error: (error: unknown) => closed.push(error), complete: () => closed.push('closed') }), 5);
    scheduler.flush();
    expect(closed).toEqual(['closed']);
    expect(fake.sockets).toHaveLength(1);
    expect(fake.sockets[0]?.readyState).toBe(3);
  });
});

describe('managedSocket$: a transport with only one of pause() and resume()', () => {
  it.each([
    ['pause() but no resume() (it could never be resumed)', { resume: undefined }],
    ['resume() but no pause()', { pause: undefined }],
  ])('should not pause a socket with %s: pause() answers false and the socket reads on', (_, missing) => {
    const scheduler = new VirtualTimeScheduler();
    const fake = createFakeWebSockets({ scheduler, openAfter: 1, onConnect: (socket) => void Object.assign(socket, missing) });
    const socket = managedSocket$<{ n: number }, unknown>({ url: 'ws://test', WebSocketCtor: fake.WebSocketCtor, scheduler, idleTimeout: 0 });
    const seen: number[] = [];
    const answers: boolean[] = [];
    const subscription = socket.subscribe((m) => seen.push(m.n));
    scheduler.schedule(() => answers.push(socket.pause()), 5);
    scheduler.schedule(() => fake.latest().receive({ n: 1 }), 6);
    scheduler.schedule(() => subscription.unsubscribe(), 10);
    scheduler.flush();
    expect({ answers, paused: socket.paused, socketPaused: fake.latest().paused, seen }).toEqual({ answers: [false], paused: false, socketPaused: false, seen: [1] });
  });
});
