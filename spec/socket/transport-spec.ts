import { TestScheduler } from 'rxjs/testing';
import { map, Observable } from 'rxjs';
import { socketFrames$ } from '../../src/socket/transport';
import type { WebSocketLike } from '../../src/socket/transport';
import { createFakeWebSockets, FakeWebSocket } from '../../src/testing/fakeWebSocket';
import { scheduleAt } from '../../src/testing/harness';
import { CloseError } from '../../src/errors';

describe('socketFrames$', () => {
  let ts: TestScheduler;
  beforeEach(() => {
    ts = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  });

  const at = (frame: number, work: () => void) => scheduleAt(ts, frame, work);
  /** The frames (their data) and, from the hooks beside them, o for the open and p for a pong, as letters. */
  const letters = (fake: ReturnType<typeof createFakeWebSockets>) =>
    new Observable<string>((subscriber) =>
      socketFrames$(fake.WebSocketCtor, 'ws://test', ['v1'], { headers: { a: 'b' } }, { onOpen: () => subscriber.next('o'), onPong: () => subscriber.next('p') })
        .pipe(map(String))
        .subscribe(subscriber),
    );
  const noHooks = { onOpen: () => undefined, onPong: () => undefined };
  const first = (fake: ReturnType<typeof createFakeWebSockets>): FakeWebSocket => fake.sockets[0] as FakeWebSocket;

  it('should open one socket per subscription with the url, protocols and options', () => {
    ts.run(() => {
      const fake = createFakeWebSockets();
      const socket$ = letters(fake);
      expect(fake.sockets).toHaveLength(0);
      socket$.subscribe();
      socket$.subscribe();
      expect(fake.sockets.map((s) => [s.url, s.protocols, s.options])).toEqual([
        ['ws://test', ['v1'], { headers: { a: 'b' } }],
        ['ws://test', ['v1'], { headers: { a: 'b' } }],
      ]);
    });
  });

  it('should emit open, every message and every protocol pong', () => {
    ts.run(({ expectObservable }) => {
      const fake = createFakeWebSockets({ openAfter: 1 });
      at(2, () => first(fake).receive('x'));
      at(3, () => first(fake).pong());
      at(4, () => first(fake).receive('y'));
      // prettier-ignore
      expectObservable(letters(fake), '^-----!').toBe('-oxpy-');
    });
  });

  it('should hand the socket itself to the open hook, and emit no frame for the open', () => {
    ts.run(() => {
      const fake = createFakeWebSockets({ openAfter: 1 });
      const opened: WebSocketLike[] = [];
      const frames: unknown[] = [];
      socketFrames$(fake.WebSocketCtor, 'ws://test', undefined, undefined, { ...noHooks, onOpen: (socket) => opened.push(socket) }).subscribe((data) => frames.push(data));
      ts.flush();
      expect(opened).toEqual([first(fake)]);
      expect(frames).toEqual([]);
    });
  });

  it('should error with a CloseError carrying code, reason and wasClean whenever the socket closes', () => {
    ts.run(({ expectObservable }) => {
      const a = createFakeWebSockets({ openAfter: 1 });
      const b = createFakeWebSockets({ openAfter: 1 });
      const c = createFakeWebSockets({ openAfter: null });
      at(3, () => first(a).serverClose(1000, 'bye'));
      at(3, () => first(b).drop());
      at(2, () => first(c).refuse()); // error, then close: only the close is reported
      // prettier-ignore
      expectObservable(letters(a)).toBe('-o-#', undefined, new CloseError({ code: 1000, reason: 'bye', wasClean: true }));
      expectObservable(letters(b)).toBe('-o-#', undefined, new CloseError({ code: 1006, reason: '', wasClean: false }));
      expectObservable(letters(c)).toBe('--#', undefined, new CloseError({ code: 1006, reason: '', wasClean: false }));
    });
  });

  it('should close an open or opening socket with 1000 on unsubscribe and detach its listeners', () => {
    ts.run(({ expectObservable }) => {
      const open = createFakeWebSockets({ openAfter: 1 });
      const opening = createFakeWebSockets({ openAfter: null });
      expectObservable(letters(open), '^--!').toBe('-o--');
      expectObservable(letters(opening), '^--!').toBe('----');
      ts.flush();
      for (const fake of [open, opening]) {
        expect(first(fake).closedByClient).toEqual({ code: 1000, reason: 'client closed' });
        expect(first(fake).listenerCount()).toBe(0);
        // an error listener stays: `ws` emits 'error' on a socket closed before it opened
        expect(first(fake).listenerCount('error')).toBe(1);
      }
    });
  });

  it('should not close again a socket that is already closing', () => {
    ts.run(() => {
      const fake = createFakeWebSockets({ openAfter: 1, answerClose: false });
      const sub = letters(fake).subscribe();
      let close: jest.SpyInstance | undefined;
      at(2, () => {
        first(fake).close(4000, 'mine');
        close = jest.spyOn(first(fake), 'close');
      });
      at(3, () => sub.unsubscribe());
      ts.flush();
      expect(close).toHaveBeenCalledTimes(0);
      expect(first(fake).closedByClient).toEqual({ code: 4000, reason: 'mine' });
      expect(first(fake).listenerCount()).toBe(0);
    });
  });

  it('should emit nothing after unsubscription', () => {
    ts.run(() => {
      const fake = createFakeWebSockets({ openAfter: 1 });
      const seen: string[] = [];
      const sub = letters(fake).subscribe((e) => seen.push(e));
      at(2, () => sub.unsubscribe());
      at(3, () => first(fake).receive('late'));
      ts.flush();
      expect(seen).toEqual(['o']);
    });
  });
});
