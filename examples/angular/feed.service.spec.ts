import { Injector } from '@angular/core';
import { TestScheduler } from 'rxjs/testing';
import { createFakeWebSockets } from 'rxjs-managed-socket/testing';
import { FEED_CONFIG } from './feed.config';
import type { FeedConfig } from './feed.config';
import { feedProtocol } from './feed.protocol';
import type { FeedEvent } from './feed.protocol';
import { FeedService } from './feed.service';

const event = (seq: number): FeedEvent => ({ type: 'event', topic: 'orders', seq, id: `orders:${seq}`, data: { seq } });
const e1 = event(1);
const e2 = event(2);

describe('FeedService', () => {
  it('should replay the recent list to a late subscriber, and not replay events', () => {
    const ts = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
    ts.run(({ expectObservable }) => {
      const fake = createFakeWebSockets({ openAfter: 1 });
      const config: FeedConfig = { socket: { url: 'ws://feed.test', WebSocketCtor: fake.WebSocketCtor, ...feedProtocol() }, keepAliveMs: 5 };
      const app = Injector.create({
        providers: [
          { provide: FEED_CONFIG, useValue: config },
          { provide: FeedService, useFactory: () => new FeedService() },
        ],
      });
      const feed = app.get(FeedService);
      ts.createColdObservable('---a--b', { a: e1, b: e2 }).subscribe((e) => fake.latest().receive(e)); // the server
      // The socket never ends by itself: the app going away ends the test (and closes the socket).
      ts.schedule(() => app.destroy(), 9);

      expectObservable(feed.recent$).toBe('a--b--c--|', { a: [], b: [e1], c: [e2, e1] });
      expectObservable(feed.recent$, '----^').toBe('----b-c--|', { b: [e1], c: [e2, e1] }); // replayed
      expectObservable(feed.events$, '----^').toBe('------y--|', { y: e2 }); // not replayed
    });
  });
});
