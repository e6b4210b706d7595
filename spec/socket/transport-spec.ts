import { TestScheduler } from 'rxjs/testing';
import { whenClosed } from '../../src/socket/transport';
import type { WebSocketLike } from '../../src/socket/transport';

/** A browser-like socket (no `terminate`): its close listeners, and a way to fire them. */
function browserSocket() {
  const listeners = new Set<() => void>();
  const socket = {
    readyState: 2,
    send: () => undefined,
    close: () => undefined,
    addEventListener: (type: string, listener: () => void) => type === 'close' && listeners.add(listener),
    removeEventListener: (type: string, listener: () => void) => type === 'close' && listeners.delete(listener),
  } as unknown as WebSocketLike;
  return { socket, listeners, fireClose: () => [...listeners].forEach((listener) => listener()) };
}

describe('whenClosed', () => {
  let ts: TestScheduler;
  beforeEach(() => {
    ts = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  });

  it('should give up waiting after timeoutMs on a socket that cannot be terminated (a browser socket)', () => {
    ts.run(({ expectObservable, time, flush }) => {
      const { socket, listeners } = browserSocket();
      const timeoutMs = time('---|');
      // prettier-ignore
      expectObservable(whenClosed(socket, timeoutMs, ts)).toBe('---(a|)', { a: undefined });
      flush();
      expect(listeners.size).toBe(0);
    });
  });

  it('should emit at the close, and stop listening', () => {
    ts.run(({ expectObservable, flush }) => {
      const { socket, listeners, fireClose } = browserSocket();
      ts.schedule(fireClose, 1);
      // prettier-ignore
      expectObservable(whenClosed(socket, 5, ts)).toBe('-(a|)', { a: undefined });
      flush();
      expect(listeners.size).toBe(0);
    });
  });
});
