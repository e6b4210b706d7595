import { config as rxjsConfig } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { causeMetricOf, createLifecycle, emptyMetrics, ManagedSocketEvent, metricOf, nextState, ConnectionState } from '../../src/socket/lifecycle';
import { DecodeError } from '../../src/errors';

const EVENTS: Record<ManagedSocketEvent['type'], ManagedSocketEvent> = {
  connecting: { type: 'connecting', attempt: 1 },
  connected: { type: 'connected', attempt: 1 },
  disconnected: { type: 'disconnected', error: undefined, kind: 'transient' },
  reconnecting: { type: 'reconnecting', attempt: 1, delay: 10, error: undefined },
  closing: { type: 'closing' },
  closed: { type: 'closed' },
  gap: { type: 'gap', gap: { from: 2, to: 2, lastContiguous: 1, reason: 'timeout' } },
  duplicate: { type: 'duplicate', seq: 1, key: undefined, stage: 'cursor' },
  dropped: { type: 'dropped', reason: 'overflow', message: 'm' },
  decodeError: { type: 'decodeError', error: new DecodeError({ kind: 'json', raw: 'x', size: 1, errors: [] }) },
  tokenRefreshed: { type: 'tokenRefreshed', inBand: true },
  tokenRefreshFailed: { type: 'tokenRefreshFailed', error: new Error('down'), retryIn: 50 },
  reset: { type: 'reset', info: { reason: 'epoch', policy: 'restart', previousEpoch: 'e1', epoch: 'e2', cursor: 9 } },
};

describe('lifecycle', () => {
  it('should start every counter at zero', () => {
    expect(emptyMetrics()).toEqual({
      connections: 0,
      disconnects: 0,
      reconnectAttempts: 0,
      messagesIn: 0,
      messagesOut: 0,
      duplicates: 0,
      duplicatesFromCursor: 0,
      duplicatesFromGaps: 0,
      duplicatesFromDedupe: 0,
      gaps: 0,
      drops: 0,
      dropsFromConsumer: 0,
      dropsFromOutbox: 0,
      decodeErrors: 0,
      tokenRefreshes: 0,
      resets: 0,
    });
    expect(emptyMetrics()).not.toBe(emptyMetrics());
  });

  it('should say which counter each event moves', () => {
    const moved = Object.fromEntries(Object.values(EVENTS).map((e) => [e.type, metricOf(e)]));
    expect(moved).toEqual({
      connecting: null,
      connected: 'connections',
      disconnected: 'disconnects',
      reconnecting: 'reconnectAttempts',
      closing: null,
      closed: null,
      gap: 'gaps',
      duplicate: 'duplicates',
      dropped: 'drops',
      decodeError: 'decodeErrors',
      tokenRefreshed: 'tokenRefreshes',
      tokenRefreshFailed: null,
      reset: 'resets',
    });
  });

  it('should say which by-cause counter a repeat or a drop moves beside the total', () => {
    expect(causeMetricOf({ type: 'duplicate', seq: 1, key: undefined, stage: 'cursor' })).toBe('duplicatesFromCursor');
    expect(causeMetricOf({ type: 'duplicate', seq: 1, key: undefined, stage: 'gaps' })).toBe('duplicatesFromGaps');
    expect(causeMetricOf({ type: 'duplicate', seq: 1, key: undefined, stage: 'dedupe' })).toBe('duplicatesFromDedupe');
    expect(causeMetricOf({ type: 'dropped', reason: 'consumer-full' })).toBe('dropsFromConsumer');
    for (const reason of ['overflow', 'expired', 'disconnected', 'closed'] as const) expect(causeMetricOf({ type: 'dropped', reason })).toBe('dropsFromOutbox');
    expect(causeMetricOf(EVENTS.gap)).toBeNull();
  });

  describe('nextState', () => {
    const STATES: ConnectionState[] = ['idle', 'connecting', 'open', 'reconnecting', 'closing', 'closed'];
    const row = (type: ManagedSocketEvent['type']) => STATES.map((state) => nextState(state, EVENTS[type]));

    it('should follow the table, state by state', () => {
      // 'connecting' and 'connected' while 'closing' (a new subscription before the peer answered
      // close()) are left to managedSocket-spec, which says what the state must end up as.
      const notClosing = (states: ConnectionState[]) => states.filter((_, i) => STATES[i] !== 'closing');
      //                                         idle          connecting    open            reconnecting    closed
      expect(notClosing(row('connecting'))).toEqual(['connecting', 'connecting', 'reconnecting', 'reconnecting', 'connecting']);
      expect(notClosing(row('connected'))).toEqual(['open', 'open', 'open', 'open', 'open']);
      //                             idle            connecting      open            reconnecting    closing    closed
      expect(row('disconnected')).toEqual(['reconnecting', 'reconnecting', 'reconnecting', 'reconnecting', 'closing', 'closed']);
      expect(row('reconnecting')).toEqual(['reconnecting', 'reconnecting', 'reconnecting', 'reconnecting', 'closing', 'reconnecting']);
      expect(row('closing')).toEqual(['closing', 'closing', 'closing', 'closing', 'closing', 'closing']);
      expect(row('closed')).toEqual(['closed', 'closed', 'closed', 'closed', 'closed', 'closed']);
    });

    it.each(['gap', 'duplicate', 'dropped', 'decodeError', 'tokenRefreshed', 'tokenRefreshFailed', 'reset'] as const)('should leave the state alone on %s', (type) => {
      expect(row(type)).toEqual(STATES);
    });
  });

  describe('a logger', () => {
    let unhandled: unknown[];
    let previous: typeof rxjsConfig.onUnhandledError;
    beforeEach(() => {
      unhandled = [];
      previous = rxjsConfig.onUnhandledError;
      rxjsConfig.onUnhandledError = (err: unknown) => unhandled.push(err);
    });
    afterEach(() => {
      rxjsConfig.onUnhandledError = previous;
    });

    it('should be told each event at its level, and a throw of it reported out of band while events$ still gets the event', () => {
      new TestScheduler((a, e) => expect(a).toEqual(e)).run(({ flush }) => {
        const boom = new Error('logger down');
        const logged: string[] = [];
        const lifecycle = createLifecycle({
          info: (type: string) => logged.push(type),
          warn: () => {
            throw boom;
          },
        });
        const seen: string[] = [];
        lifecycle.events$.subscribe((e) => seen.push(e.type));
        lifecycle.emit(EVENTS.connected);
        // No debug method: nothing to call, nothing reported.
        lifecycle.emit(EVENTS.connecting);
        lifecycle.emit(EVENTS.gap);
        flush();
        expect(logged).toEqual(['connected']);
        expect(seen).toEqual(['connected', 'connecting', 'gap']);
        expect(unhandled).toEqual([boom]);
        expect(lifecycle.counters.gaps).toBe(1);
      });
    });
  });
});
