import { TestScheduler } from 'rxjs/testing';
import { managedSocket$ } from '../../src/socket/managedSocket';
import { createFakeWebSockets } from '../../src/testing/fakeWebSocket';
import { InsecureUrlError } from '../../src/errors';
import { classifyFailure } from '../../src/socket/closeCodes';
import { checkSecure } from '../../src/socket/url';

describe('managedSocket$ secureOnly', () => {
  let ts: TestScheduler;
  beforeEach(() => {
    ts = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  });

  it('should refuse ws:// to a non-loopback host with a permanent InsecureUrlError and open no socket', () => {
    ts.run(({ expectObservable }) => {
      const fake = createFakeWebSockets();
      const socket = managedSocket$({ url: 'ws://feed.example.com/?token=secret', WebSocketCtor: fake.WebSocketCtor, secureOnly: true });
      const err = new InsecureUrlError({ host: 'feed.example.com' });
      expectObservable(socket).toBe('#', undefined, err);
      ts.flush();
      expect(fake.sockets).toHaveLength(0);
      expect(err.message).not.toContain('secret');
    });
  });

  it.each(['ws://127.0.0.1:8080', 'ws://localhost/x', 'ws://[::1]:9000', 'wss://feed.example.com'])('should allow %s', (url) => {
    ts.run(({ expectObservable }) => {
      const fake = createFakeWebSockets();
      const socket = managedSocket$({ url, WebSocketCtor: fake.WebSocketCtor, secureOnly: true });
      expectObservable(socket, '^--!').toBe('---');
      ts.flush();
      expect(fake.sockets.map((s) => s.url)).toEqual([url]);
    });
  });

  it('should allow plain ws:// anywhere by default', () => {
    ts.run(({ expectObservable }) => {
      const fake = createFakeWebSockets();
      const socket = managedSocket$({ url: 'ws://feed.example.com', WebSocketCtor: fake.WebSocketCtor });
      expectObservable(socket, '^--!').toBe('---');
      ts.flush();
      expect(fake.sockets).toHaveLength(1);
    });
  });

  it('should leave a malformed URL to the WebSocket constructor', () => {
    expect(() => checkSecure('not a url')).not.toThrow();
    expect(() => checkSecure('ws://feed.example.com')).toThrow(InsecureUrlError);
  });

  it('should classify InsecureUrlError as permanent', () => {
    expect(classifyFailure(new InsecureUrlError({ host: 'h' }))).toBe('permanent');
  });
});
