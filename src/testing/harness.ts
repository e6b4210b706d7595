import type { Observable, SchedulerLike, Subscription } from 'rxjs';
import { managedSocket$ } from '../socket/managedSocket';
import type { ManagedSocket } from '../socket/managedSocket';
import type { ManagedSocketConfig } from '../socket/config';
import type { ManagedSocketEvent } from '../socket/lifecycle';
import { failFlush, VirtualTimeBoundError } from './bound';
import { createFakeWebSockets } from './fakeWebSocket';
import type { FakeWebSocketOptions, FakeWebSockets } from './fakeWebSocket';

/**
 * Runs `work` at an absolute frame of `scheduler` (also when called from inside another scheduled
 * action, where a relative delay would count from the current frame).
 *
 * @param scheduler The scheduler of the test, usually a `TestScheduler`.
 * @param frame The frame (virtual millisecond) to run at; not before `scheduler.now()`.
 * @param work What to do then.
 * @returns The scheduled action; unsubscribe to cancel it.
 * @throws RangeError when `frame` is already past.
 */
export function scheduleAt(scheduler: SchedulerLike, frame: number, work: () => void): Subscription {
  const now = scheduler.now();
  if (!(frame >= now)) throw new RangeError(`scheduleAt: frame ${frame} is not at or after the current frame ${now}`);
  return scheduler.schedule(work, frame - now);
}

/** What {@link subscribeUntil} saw: every value, the error and whether the source completed. */
export interface Seen<T> {
  /** The values, in order. */
  readonly values: T[];
  /** The error the source ended with; `undefined` while it did not error. */
  error: unknown;
  /** Whether the source completed. */
  complete: boolean;
}

/**
 * Subscribes to `source` now and unsubscribes at the absolute `frame`, recording what it emits and
 * how it ends: for stories too long for one marble.
 *
 * @param scheduler The scheduler of the test, usually a `TestScheduler`.
 * @param source What to subscribe to.
 * @param frame The frame to unsubscribe at.
 * @returns What was seen; it fills in as the scheduler runs.
 */
export function subscribeUntil<T>(scheduler: SchedulerLike, source: Observable<T>, frame: number): Seen<T> {
  const seen: Seen<T> = { values: [], error: undefined, complete: false };
  const subscription = source.subscribe({
    next: (value) => seen.values.push(value),
    error: (error: unknown) => (seen.error = error),
    complete: () => (seen.complete = true),
  });
  scheduleAt(scheduler, frame, () => subscription.unsubscribe());
  return seen;
}

/** Options of {@link createSocketHarness}. */
export interface SocketHarnessOptions {
  /**
   * How the fake WebSockets behave (see {@link createFakeWebSockets}); here `openAfter` is 1 unless given.
   * @default { openAfter: 1 }
   */
  readonly fake?: FakeWebSocketOptions;
  /**
   * The most connection attempts (`connecting` events) the socket may start; one more fails the
   * flush with a {@link VirtualTimeBoundError}.
   * @default 1000
   */
  readonly maxAttempts?: number;
  /**
   * The last frame at which the socket may report a lifecycle event; a later one fails the flush
   * with a {@link VirtualTimeBoundError}.
   * @default 1000000
   */
  readonly maxFrames?: number;
}

/** A managed socket on fake WebSockets, what it reported, and helpers to script the story in frames. */
export interface SocketHarness<In, Out> {
  /** The fake WebSockets the socket connects through: play the server with them. */
  readonly fake: FakeWebSockets;
  /** The socket under test. */
  readonly socket: ManagedSocket<In, Out>;
  /** Every lifecycle event, in order. */
  readonly events: ManagedSocketEvent[];
  /** `frame:type` of every lifecycle event, for stories too long for one marble. */
  readonly timeline: string[];
  /** The lifecycle events of one type. */
  ofType<K extends ManagedSocketEvent['type']>(type: K): Array<Extract<ManagedSocketEvent, { type: K }>>;
  /** {@link scheduleAt} on the harness's scheduler. */
  at(frame: number, work: () => void): Subscription;
  /** {@link subscribeUntil} on the harness's scheduler. */
  subscribeUntil<T>(source: Observable<T>, frame: number): Seen<T>;
}

/**
 * Creates a {@link managedSocket$} on fake WebSockets for a marble test, records its lifecycle
 * events with their frames, and bounds it: a socket that keeps reconnecting fails the test with a
 * {@link VirtualTimeBoundError} instead of hanging it.
 *
 * Call it inside `TestScheduler.run()`, where every rxjs timer runs in virtual time.
 *
 * ```text
 * frame    0    5    10   15   20
 * server   -----X                   the fake drops the connection (1006)
 * socket   --a-----------------b-   seq 1, then seq 2 on the new connection
 * events   co---d---------co----    connecting, connected, disconnected (+ reconnecting), ...
 * ```
 *
 * ## Example
 * ```ts
 * import { TestScheduler } from 'rxjs/testing';
 * import { createSocketHarness } from 'rxjs-managed-socket/testing';
 *
 * const ts = new TestScheduler((a, e) => expect(a).toEqual(e));
 * ts.run(() => {
 *   const { fake, socket, timeline, at, subscribeUntil } = createSocketHarness<{ seq: number }, object>(ts, {
 *     url: 'ws://test',
 *     seqOf: (m) => m.seq,
 *     retry: { initialInterval: 10, jitter: 0 },
 *   });
 *   at(2, () => fake.latest().receive({ seq: 1 }));
 *   at(5, () => fake.latest().drop());
 *   at(20, () => fake.latest().receive({ seq: 2 }));
 *   const seen = subscribeUntil(socket, 30);
 *   ts.flush();
 *   console.log(seen.values, timeline);
 *   // Output: [{ seq: 1 }, { seq: 2 }] ['0:connecting', '1:connected', '5:disconnected', '5:reconnecting', '15:connecting', '16:connected', ...]
 * });
 * ```
 *
 * @param scheduler The test's `TestScheduler` (any `SchedulerLike` whose flush rethrows works).
 * @param config The socket's config, without `WebSocketCtor` (the harness injects the fake's).
 * @param options The fake's behaviour and the bounds.
 * @returns The socket, its fakes, what it reported and the helpers.
 */
export function createSocketHarness<In, Out>(
  scheduler: SchedulerLike,
  config: Omit<ManagedSocketConfig<In, Out>, 'WebSocketCtor'>,
  options: SocketHarnessOptions = {},
): SocketHarness<In, Out> {
  const { fake: fakeOptions, maxAttempts = 1000, maxFrames = 1_000_000 } = options;
  const fake = createFakeWebSockets({ openAfter: 1, ...fakeOptions });
  const socket = managedSocket$<In, Out>({ ...config, WebSocketCtor: fake.WebSocketCtor });
  const events: ManagedSocketEvent[] = [];
  const timeline: string[] = [];
  let attempts = 0;
  let tripped = false;
  socket.events$.subscribe((event) => {
    const frame = scheduler.now();
    events.push(event);
    timeline.push(`${frame}:${event.type}`);
    if (event.type === 'connecting') attempts++;
    if (tripped) return;
    const over = attempts > maxAttempts ? 'attempts' : frame > maxFrames ? 'frames' : null;
    if (over === null) return;
    tripped = true;
    failFlush(scheduler, new VirtualTimeBoundError({ bound: over, limit: over === 'attempts' ? maxAttempts : maxFrames, frame, attempts }));
  });
  return {
    fake,
    socket,
    events,
    timeline,
    ofType: <K extends ManagedSocketEvent['type']>(type: K) =>
      events.filter((e): e is Extract<ManagedSocketEvent, { type: K }> => e.type === type),
    at: (frame, work) => scheduleAt(scheduler, frame, work),
    subscribeUntil: (source, frame) => subscribeUntil(scheduler, source, frame),
  };
}
