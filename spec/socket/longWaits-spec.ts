import { RecordingScheduler } from '../support/recordingScheduler';
import { longTimer, MAX_TIMER_DELAY } from '../../src/internal/longTimer';
import { managedSocket$ } from '../../src/socket/managedSocket';
import type { ManagedSocketEvent } from '../../src/socket/lifecycle';
import { createFakeWebSockets } from '../../src/testing/fakeWebSocket';


const DAY = 86_400_000;

describe('waits longer than a timer takes (2^31 - 1 ms: a longer one fires at once)', () => {
  it('longTimer: should fire once, after the whole wait, from timers of at most 2^31 - 1 ms', () => {
    const scheduler = new RecordingScheduler();
    const fired: number[] = [];
    longTimer(60 * DAY, scheduler).subscribe(() => fired.push(scheduler.now()));
    scheduler.flush();
    expect(fired).toEqual([60 * DAY]);
    expect(scheduler.delays).toEqual([MAX_TIMER_DELAY, MAX_TIMER_DELAY, 60 * DAY - 2 * MAX_TIMER_DELAY]);
  });

  it('longTimer: should take a short wait as one timer, and never fire for Infinity', () => {
    const scheduler = new RecordingScheduler();
    const fired: number[] = [];
    longTimer(5, scheduler).subscribe(() => fired.push(scheduler.now()));
    longTimer(Infinity, scheduler).subscribe(() => fired.push(-1));
    scheduler.flush();
    expect(fired).toEqual([5]);
    expect(scheduler.delays).toEqual([5]);
  });

  it("managedSocket$: should wait out a server's retry-after of 30 days before the next attempt, not retry at once", () => {
    const scheduler = new RecordingScheduler();
    const fake = createFakeWebSockets({ scheduler, openAfter: 1 });
    const socket = managedSocket$({ url: 'ws://test', WebSocketCtor: fake.WebSocketCtor, scheduler, idleTimeout: 0, retry: { initialInterval: 10, jitter: 0 } });
    const events: { readonly at: number; readonly event: ManagedSocketEvent }[] = [];
    socket.events$.subscribe((event) => events.push({ at: scheduler.now(), event }));
    const subscription = socket.subscribe();
    // Server restart with a hint: retry-after in seconds.
    scheduler.schedule(() => fake.latest().serverClose(1013, `retry-after=${30 * 86_400}`), 5);
    longTimer(31 * DAY, scheduler).subscribe(() => subscription.unsubscribe());
    scheduler.flush();
    const connecting = events.filter(({ event }) => event.type === 'connecting').map(({ at }) => at);
    expect(connecting).toEqual([0, 5 + 30 * DAY]);
    expect(events.find(({ event }) => event.type === 'reconnecting')?.event).toMatchObject({ delay: 30 * DAY });
    expect(Math.max(...scheduler.delays)).toBeLessThanOrEqual(MAX_TIMER_DELAY);
  });
});
