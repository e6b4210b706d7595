import { TestScheduler } from 'rxjs/testing';
import { managedSocket$ } from '../../src/socket/managedSocket';
import { createFakeWebSockets } from '../../src/testing/fakeWebSocket';

// The reconnect story of docs/managedSocket.md ("Testing your code"), kept runnable here.
describe('managedSocket$ reconnect story', () => {
  it('should drop at frame 5, reconnect after the 2 s backoff, resume from seq 41 and replay the topics', () => {
    const ts = new TestScheduler((a, e) => expect(a).toEqual(e));
    const schedule = (work: () => void, frame: number) => ts.schedule(work, frame);
    ts.run(({ expectObservable }) => {
      const fake = createFakeWebSockets({ openAfter: 1 });
      const socket = managedSocket$<{ seq: number }, object>({
        url: 'ws://test',
        WebSocketCtor: fake.WebSocketCtor,
        handshake: ({ resumeFromSeq }) => ({ type: 'hello', resumeFromSeq }),
        topics: { subscribe: (topics) => ({ type: 'subscribe', topics }), unsubscribe: (topics) => ({ type: 'unsubscribe', topics }) },
        seqOf: (m) => m.seq,
        resume: { start: 39 },
        retry: { initialInterval: 2_000, jitter: 0 },
        idleTimeout: 0,
      });
      socket.subscribeTopics('prices');
      schedule(() => fake.latest().receive({ seq: 40 }), 2);
      schedule(() => fake.latest().receive({ seq: 41 }), 3);
      schedule(() => fake.latest().drop(), 5); // the network drops: 1006
      schedule(() => fake.latest().receive({ seq: 41 }), 2_007); // the server replays 41 ...
      schedule(() => fake.latest().receive({ seq: 42 }), 2_007); // ... and goes on
      // prettier-ignore
      expectObservable(socket, '^ 2010ms !').toBe('--ab 2003ms c', { a: { seq: 40 }, b: { seq: 41 }, c: { seq: 42 } });
      schedule(() => {
        expect(fake.sockets.map((s) => s.sentJson())).toEqual([
          [{ type: 'hello', resumeFromSeq: 39 }, { type: 'subscribe', topics: ['prices'] }],
          [{ type: 'hello', resumeFromSeq: 41 }, { type: 'subscribe', topics: ['prices'] }],
        ]);
        expect(socket.metrics()).toMatchObject({ connections: 2, reconnectAttempts: 1, duplicates: 1 });
      }, 2_009);
    });
  });
});
