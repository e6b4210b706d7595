import { identity, of, throwError } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { consume } from '../../src/socket/delivery';
import { createLifecycle } from '../../src/socket/lifecycle';
import type { ManagedSocketEvent } from '../../src/socket/lifecycle';
import { resolveOptions } from '../../src/socket/options';
import type { ManagedSocketConfig } from '../../src/socket/config';
import { createFakeWebSockets } from '../../src/testing/fakeWebSocket';

describe('consume', () => {
  let ts: TestScheduler;
  beforeEach(() => {
    ts = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  });

  function setup(consumer?: ManagedSocketConfig<string, unknown>['consumer']) {
    const options = resolveOptions<string, unknown>({ url: 'ws://test', WebSocketCtor: createFakeWebSockets().WebSocketCtor, consumer });
    const lifecycle = createLifecycle(undefined);
    const events: ManagedSocketEvent[] = [];
    lifecycle.events$.subscribe((event) => events.push(event));
    return { options, lifecycle, events };
  }

  it('should leave the stream as it is without a consumer', () => {
    const { options, lifecycle } = setup();
    expect(consume(options, lifecycle)).toBe(identity);
  });

  it("should end the socket with a failed work's error: a 'closed' event carrying it", () => {
    ts.run(({ cold, expectObservable }) => {
      const boom = new Error('work failed');
      const { options, lifecycle, events } = setup({ capacity: 1, work: () => throwError(() => boom) });
      expectObservable(cold('a').pipe(consume(options, lifecycle))).toBe('#', undefined, boom);
      ts.flush();
      expect(events).toEqual([{ type: 'closed', error: boom }]);
    });
  });

  it("should not say 'closed' twice when the socket already did", () => {
    ts.run(({ cold, expectObservable }) => {
      const boom = new Error('work failed');
      const { options, lifecycle, events } = setup({ capacity: 1, work: () => throwError(() => boom) });
      lifecycle.emit({ type: 'closed', error: boom });
      expectObservable(cold('a').pipe(consume(options, lifecycle))).toBe('#', undefined, boom);
      ts.flush();
      expect(events).toEqual([{ type: 'closed', error: boom }]);
    });
  });

  it('should hand each message on once its work completed', () => {
    ts.run(({ cold, expectObservable }) => {
      const { options, lifecycle, events } = setup({ capacity: 1, work: () => of(1) });
      expectObservable(cold('a-b|').pipe(consume(options, lifecycle))).toBe('a-b|');
      ts.flush();
      expect(events).toEqual([]);
    });
  });
});
