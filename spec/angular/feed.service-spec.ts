// The real @angular/core, compiled to CommonJS for jest (see ./support/angular.ts). No TestBed, no compiler.
jest.mock('@angular/core', () => jest.requireActual<typeof import('./support/angular')>('./support/angular').angular().core);
jest.mock('@angular/core/rxjs-interop', () => jest.requireActual<typeof import('./support/angular')>('./support/angular').angular().interop);

import { Injector, runInInjectionContext } from '@angular/core';
import type { DestroyableInjector } from '@angular/core';
import { TestScheduler } from 'rxjs/testing';
import { createFakeWebSockets } from 'rxjs-managed-socket/testing';
import type { FakeWebSockets } from 'rxjs-managed-socket/testing';
import { FEED_CONFIG } from '../../examples/angular/feed.config';
import type { FeedConfig } from '../../examples/angular/feed.config';
import { feedProtocol } from '../../examples/angular/feed.protocol';
import type { FeedEvent } from '../../examples/angular/feed.protocol';
import { FeedService } from '../../examples/angular/feed.service';
import { FeedComponent } from '../../examples/angular/feed.component';

const ev = (seq: number, topic = 'orders'): FeedEvent => ({ type: 'event', topic, seq, id: `${topic}:${seq}`, data: { seq } });
const e1 = ev(1);
const e2 = ev(2);

/** Marble letters for connection states. */
const ST = { i: 'idle', c: 'connecting', o: 'open', r: 'reconnecting', k: 'closing', z: 'closed' } as const;

describe('FeedService (examples/angular)', () => {
  let ts: TestScheduler;
  beforeEach(() => {
    ts = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  });

  /**
   * The app's injector as a test builds it: the config token carries the fake WebSocket, and
   * asyncScheduler (the default of every timer) is virtual inside `ts.run`. Call it inside `run`.
   */
  function setup(overrides: Partial<FeedConfig> = {}) {
    const fake: FakeWebSockets = createFakeWebSockets({ openAfter: 1, maxSockets: 100 }); // a reconnect loop fails fast
    const config: FeedConfig = {
      socket: { url: 'ws://feed.test', WebSocketCtor: fake.WebSocketCtor, ...feedProtocol(), retry: { initialInterval: 10, jitter: 0 }, idleTimeout: 0 },
      topics: ['orders'],
      keepAliveMs: 5,
      ...overrides,
    };
    const app: DestroyableInjector = Injector.create({
      providers: [
        { provide: FEED_CONFIG, useValue: config },
        // `providedIn: 'root'` would make Angular read the decorator's metadata, which needs the
        // JIT compiler; a factory provider runs the constructor in the injection context without it.
        { provide: FeedService, useFactory: () => new FeedService() },
      ],
    });
    const feed = app.get(FeedService);
    /** Plays the server: each letter of the marble delivers that event on the newest socket. */
    const serve = (marble: string, events: Record<string, FeedEvent>) =>
      ts.createColdObservable(marble, events).subscribe((event) => fake.latest().receive(event));
    return { fake, app, feed, serve };
  }

  it('should share one connection, replay the recent list to a late subscriber, and not replay events', () => {
    ts.run(({ expectObservable }) => {
      const { fake, feed, serve } = setup();
      // prettier-ignore
      serve('         ---a--b----', { a: e1, b: e2 });
      const early = '   a--b--c----';
      const state = '   co---------';
      //                  ^ the first subscriber (above) connected; the socket opens at frame 1
      const lateSub = ' ----^------';
      const late = '    ----b-c----'; // the current list at once, then updates
      const events = '  ---x--y----';
      const lateEventsSub = '----^------';
      const lateEvents = '------y----'; // e1 happened before: not replayed
      expectObservable(feed.recent$, '^----------').toBe(early, { a: [], b: [e1], c: [e2, e1] });
      expectObservable(feed.state$).toBe(state, ST);
      expectObservable(feed.recent$, lateSub).toBe(late, { b: [e1], c: [e2, e1] });
      expectObservable(feed.events$).toBe(events, { x: e1, y: e2 });
      expectObservable(feed.events$, lateEventsSub).toBe(lateEvents, { y: e2 });
      ts.flush();
      expect(fake.sockets).toHaveLength(1);
      expect(fake.latest().sentJson()).toEqual([
        { type: 'hello', resumeFromSeq: null, resume: {} },
        { type: 'subscribe', topics: ['orders'] },
      ]);
    });
  });

  it('should keep the connection through a short gap between subscribers, and close keepAliveMs after the last one left', () => {
    ts.run(({ expectObservable, time }) => {
      const { fake, feed, serve } = setup();
      const keepAlive = time('-----|'); // 5, as configured
      // prettier-ignore
      serve('           --a---------------b-', { a: e1, b: e2 });
      const firstSub = '^--!';
      const first = '   x-y';
      const secondSub = '-----^--!';
      //                      ^ within keepAlive of frame 3: the same socket, the same list
      const second = '  -----a---';
      const state = '   co-----------z-co-';
      //                             ^ 8 + keepAlive: closed
      const thirdSub = '---------------^-----';
      const third = '   ---------------a--b';
      //                               ^ a new connection, resumed after seq 1
      expectObservable(feed.recent$, firstSub).toBe(first, { x: [], y: [e1] });
      expectObservable(feed.state$).toBe(state, ST);
      expectObservable(feed.recent$, secondSub).toBe(second, { a: [e1] });
      expectObservable(feed.recent$, thirdSub).toBe(third, { a: [], b: [e2] });
      ts.flush();
      expect(keepAlive).toBe(5);
      expect(fake.sockets).toHaveLength(2);
      expect(fake.sockets[0]?.closedByClient).toEqual({ code: 1000, reason: 'client closed' });
      expect(fake.sockets[1]?.sentJson()[0]).toEqual({ type: 'hello', resumeFromSeq: null, resume: { orders: 1 } });
    });
  });

  it('should close the socket and complete every stream when the application is destroyed', () => {
    ts.run(({ expectObservable, cold }) => {
      const { fake, app, feed, serve } = setup();
      // prettier-ignore
      serve('          --a---b', { a: e1, b: e2 });
      cold('           ----x').subscribe(() => app.destroy());
      const events = ' --a-|';
      const state = '  co--(k|)';
      //                   ^ destroyed at frame 4: close() starts, every stream completes
      expectObservable(feed.events$).toBe(events, { a: e1 });
      expectObservable(feed.state$).toBe(state, ST);
      // After the app is gone, a straggler's subscription completes at once and does not reconnect.
      expectObservable(feed.recent$, '------^').toBe('------(a|)', { a: [] });
      ts.flush();
      expect(fake.sockets).toHaveLength(1);
      expect(fake.latest().closedByClient).not.toBeNull();
      expect(fake.latest().readyState).toBe(3);
    });
  });

  it('should drive the component through toSignal, and release the connection with the component', () => {
    ts.run(({ cold }) => {
      const { fake, app, feed, serve } = setup();
      // A component's injector is a child of the app's; destroying it is what a route change does.
      // (A real component's injector finds the root service through its parents; resolving a
      // `providedIn: 'root'` class would need the JIT compiler here, so the view gets the instance.)
      const view = Injector.create({ providers: [{ provide: FeedService, useValue: feed }], parent: app });
      const component = runInInjectionContext(view, () => new FeedComponent());
      expect(component.state()).toBe('connecting'); // requireSync: a value at once, never undefined
      expect(component.events()).toEqual([]);
      // prettier-ignore
      serve('   --a-b', { a: e1, b: e2 });
      /** [frame, state signal, event ids in the events signal, the socket's readyState]. */
      const seen: Array<[number, string, string[], number]> = [];
      cold('    -x-x-x-x--x-x----x').subscribe(() =>
        seen.push([ts.now(), component.state(), component.events().map((e) => e.id), fake.latest().readyState]),
      );
      cold('    ------x').subscribe(() => view.destroy()); // the component goes away at frame 6
      ts.flush();
      expect(seen).toEqual([
        [1, 'open', [], 1],
        [3, 'open', ['orders:1'], 1],
        [5, 'open', ['orders:2', 'orders:1'], 1],
        [7, 'open', ['orders:2', 'orders:1'], 1], // destroyed: the signals keep their last values
        [10, 'open', ['orders:2', 'orders:1'], 1], // the connection is kept for keepAliveMs...
        [12, 'open', ['orders:2', 'orders:1'], 3], // ...and closed at 6 + 5 = 11
        [17, 'open', ['orders:2', 'orders:1'], 3],
      ]);
      expect(feed.metrics().connections).toBe(1);
      expect(fake.latest().closedByClient).toEqual({ code: 1000, reason: 'client closed' });
    });
  });

  it('should follow and unfollow topics on the shared connection', () => {
    ts.run(({ expectObservable, cold }) => {
      const { fake, feed, serve } = setup({ topics: [] });
      cold('--f-u').subscribe((c) => (c === 'f' ? feed.follow('news', 'orders') : feed.unfollow('news')));
      serve('---a', { a: ev(1, 'news') });
      expectObservable(feed.events$, '^-----').toBe('---a--', { a: ev(1, 'news') });
      ts.flush();
      expect(fake.latest().sentJson().slice(1)).toEqual([
        { type: 'subscribe', topics: ['news', 'orders'] },
        { type: 'unsubscribe', topics: ['news'] },
      ]);
    });
  });

  it('should provide FEED_CONFIG to the service (and fail clearly without it)', () => {
    const bare = Injector.create({ providers: [{ provide: FeedService, useFactory: () => new FeedService() }] });
    expect(() => bare.get(FeedService)).toThrow(/FEED_CONFIG/);
    bare.destroy();
  });
});
