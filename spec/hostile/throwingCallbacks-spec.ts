/**
 * Code of the application that throws: a subscriber's `next`, an `events$` or `state$` observer,
 * the logger, the consumer's `work`. In virtual time on fake WebSockets.
 *
 * What rxjs says should happen: an error thrown by an observer's `next` is not the producer's
 * error. rxjs 7 catches it in the Subscriber, reports it out of band with `reportUnhandledError`
 * (`config.onUnhandledError` when set, else a throw on a later macrotask) and keeps delivering
 * to that subscriber. So the socket must not see it at all: same connection, same state, other
 * subscribers unaffected, the cursor moved past the event (it was handed over). The logger is an
 * observer of the lifecycle in all but name, so it should get the same treatment. `work` is part
 * of the pipeline (like a `mergeMap` project): its error ends the stream, with that error.
 */
import { config as rxjsConfig, throwError, timer } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import type { ManagedSocketConfig } from '../../src/socket/config';
import { referenceProtocol } from '../../src/server/referenceClient';
import type { ClientFrame, EventFrame, ServerFrame } from '../../src/server/protocol';
import { createSocketHarness } from '../../src/testing/harness';

const event = (seq: number, topic = 'a'): EventFrame => ({ type: 'event', topic, seq, id: `${topic}:${seq}`, data: null });

describe('managedSocket$ with throwing application code', () => {
  let ts: TestScheduler;
  let unhandled: unknown[];
  let previous: typeof rxjsConfig.onUnhandledError;

  beforeEach(() => {
    ts = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
    unhandled = [];
    previous = rxjsConfig.onUnhandledError;
    rxjsConfig.onUnhandledError = (err: unknown) => unhandled.push(err);
  });

  afterEach(() => {
    rxjsConfig.onUnhandledError = previous;
  });

  function setup(overrides: Partial<ManagedSocketConfig<ServerFrame, ClientFrame>> = {}) {
    const { fake, socket, events, ofType } = createSocketHarness<ServerFrame, ClientFrame>(ts, {
      url: 'ws://127.0.0.1:1/feed',
      ...referenceProtocol({ waitForWelcome: false }), // the fake server sends no welcome
      resume: { start: 0 },
      retry: { initialInterval: 10, jitter: 0 },
      idleTimeout: 0,
      ...overrides,
    });
    socket.subscribeTopics('a');
    const states: string[] = [];
    socket.state$.subscribe((s) => states.push(s));
    /** Plays the server: sends `frames` on the newest socket at `frame`. */
    const serve = (frame: number, ...frames: unknown[]) => ts.schedule(() => frames.forEach((f) => fake.latest().receive(f)), frame);
    return { fake, socket, events, states, ofType, serve };
  }

  it('should report an error thrown by a subscriber out of band and keep the socket, the other subscribers and the cursor consistent', () => {
    ts.run(() => {
      const { fake, socket, states, ofType, serve } = setup();
      const boom = new Error('subscriber bug');
      const thrower: number[] = [];
      const other: number[] = [];
      let error: unknown;
      socket.subscribe({
        next: (m) => {
          if (m.type !== 'event') return;
          thrower.push(m.seq);
          if (m.seq === 2) throw boom;
        },
        error: (e: unknown) => (error = e),
      });
      socket.subscribe((m) => m.type === 'event' && other.push(m.seq));
      serve(3, event(1), event(2), event(3));
      serve(5, event(4));
      ts.schedule(() => fake.latest().drop(), 8); // then a reconnect: what does it resume from?
      serve(30, event(5));
      ts.flush();

      expect(unhandled).toEqual([boom]); // reported once, out of band
      expect(error).toBeUndefined();
      expect(thrower).toEqual([1, 2, 3, 4, 5]); // rxjs keeps delivering to it
      expect(other).toEqual([1, 2, 3, 4, 5]);
      expect(ofType('disconnected')).toHaveLength(1); // only the drop at 8, not the throw
      expect(states).toEqual(['idle', 'connecting', 'open', 'reconnecting', 'open']);
      // Event 2 was handed over, so it counts as delivered: the resume starts after 4.
      expect(fake.sockets[1]?.sentJson()[0]).toMatchObject({ type: 'hello', resume: { a: 4 } });
      expect(socket.cursor?.get('a')).toBe(5);
    });
  });

  it('should report an error thrown by an events$ or state$ observer out of band and go on', () => {
    ts.run(() => {
      const { fake, socket, serve } = setup();
      const got: number[] = [];
      socket.events$.subscribe(() => {
        throw new Error('events$ observer bug');
      });
      socket.state$.subscribe((s) => {
        if (s === 'open') throw new Error('state$ observer bug');
      });
      socket.subscribe((m) => m.type === 'event' && got.push(m.seq));
      serve(3, event(1), '{oops', event(2));
      ts.flush();

      expect(got).toEqual([1, 2]);
      expect(fake.sockets).toHaveLength(1);
      expect(socket.metrics()).toMatchObject({ connections: 1, disconnects: 0, decodeErrors: 1 });
      expect(unhandled.map((e) => (e as Error).message)).toContain('events$ observer bug');
      expect(unhandled.map((e) => (e as Error).message)).toContain('state$ observer bug');
    });
  });

  it('should not let a throwing logger break the connection or swallow the lifecycle events', () => {
    ts.run(() => {
      const logged: string[] = [];
      const { fake, socket, ofType, serve } = setup({
        logger: {
          info: (message) => logged.push(message),
          warn: (message) => {
            throw new Error(`logger bug on ${message}`);
          },
        },
      });
      const got: number[] = [];
      socket.subscribe((m) => m.type === 'event' && got.push(m.seq));
      serve(3, event(1), '{oops', event(2)); // the decodeError goes to logger.warn, which throws
      serve(6, event(3));
      ts.flush();

      expect(got).toEqual([1, 2, 3]);
      expect(fake.sockets).toHaveLength(1); // no reconnect because of the logger
      expect(ofType('decodeError')).toHaveLength(1); // still on events$
      expect(ofType('disconnected')).toHaveLength(0);
      expect(logged).toEqual(['connected']);
      expect(unhandled.map((e) => (e as Error).message)).toEqual(['logger bug on decodeError']);
    });
  });

  it('should end the stream with the error of a consumer work that fails, without reconnecting', () => {
    ts.run(() => {
      const failure = new Error('could not store event 2');
      const { fake, socket, states, ofType, serve } = setup({
        consumer: {
          capacity: 10,
          work: (m) => (m.type === 'event' && m.seq === 2 ? throwError(() => failure) : timer(1)),
        },
      });
      const got: number[] = [];
      let error: unknown;
      socket.subscribe({ next: (m) => m.type === 'event' && got.push(m.seq), error: (e: unknown) => (error = e) });
      serve(3, event(1));
      serve(6, event(2), event(3));
      ts.flush();

      expect(got).toEqual([1]);
      expect(error).toBe(failure);
      expect(ofType('closed')).toEqual([{ type: 'closed', error: failure }]);
      expect(states[states.length - 1]).toBe('closed');
      expect(fake.sockets).toHaveLength(1);
      expect(fake.sockets[0]?.readyState).toBe(3); // the socket was closed, not leaked
      expect(ofType('reconnecting')).toHaveLength(0);
      expect(unhandled).toEqual([]);
    });
  });
});
