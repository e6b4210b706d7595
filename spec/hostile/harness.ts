/**
 * Real-socket helpers for the hostile and security specs: a `managedSocket$` client on the `ws`
 * package that records what it delivers and every lifecycle event, and bounded waits.
 */
import type { Subscription } from 'rxjs';
import { managedSocket$ } from '../../src/node';
import type { ManagedSocket } from '../../src/socket/managedSocket';
import type { ManagedSocketConfig } from '../../src/socket/config';
import type { ConnectionState, ManagedSocketEvent } from '../../src/socket/lifecycle';
import { referenceProtocol } from '../../src/server/referenceClient';
import type { ClientFrame, EventFrame, ServerFrame } from '../../src/server/protocol';

/** Resolves once `predicate()` holds; rejects after `timeoutMs`. Polls every 5 ms. */
export async function until(predicate: () => boolean, timeoutMs = 5_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await pause(5);
  }
}

/** A bounded sleep, for "nothing more happens" checks. */
export const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export interface Client {
  readonly socket: ManagedSocket<ServerFrame, ClientFrame>;
  /** The events the subscriber got, in order. */
  readonly received: EventFrame[];
  /** Every lifecycle event (of the types in `options.record`, when given), with the time it was seen (`Date.now()`). */
  readonly events: Array<{ readonly at: number; readonly event: ManagedSocketEvent }>;
  readonly states: ConnectionState[];
  error: unknown;
  completed: boolean;
  /** The lifecycle events of one type. */
  ofType<K extends ManagedSocketEvent['type']>(type: K): Array<Extract<ManagedSocketEvent, { type: K }>>;
  /** The seqs received on `topic`. */
  seqs(topic?: string): number[];
  stop(): void;
}

/**
 * A managed socket speaking the reference protocol to `url`, subscribed to `topics`, resuming
 * from the start, with short real-time timers. `overrides` win.
 */
export function startClient(
  url: string,
  overrides: Partial<ManagedSocketConfig<ServerFrame, ClientFrame>> = {},
  topics: readonly string[] = ['a'],
  options: { readonly record?: ReadonlyArray<ManagedSocketEvent['type']> } = {},
): Client {
  const socket = managedSocket$<ServerFrame, ClientFrame>({
    url,
    ...referenceProtocol(),
    resume: { start: 0 },
    retry: { initialInterval: 20, maxInterval: 400, jitter: 0.5 },
    gaps: { maxWait: 200 },
    idleTimeout: 0,
    closeTimeout: 200,
    ...overrides,
  });
  const subscriptions: Subscription[] = [];
  const client: Client = {
    socket,
    received: [],
    events: [],
    states: [],
    error: undefined,
    completed: false,
    ofType: <K extends ManagedSocketEvent['type']>(type: K) =>
      client.events.map((e) => e.event).filter((e): e is Extract<ManagedSocketEvent, { type: K }> => e.type === type),
    seqs: (topic = 'a') => client.received.filter((e) => e.topic === topic).map((e) => e.seq),
    stop: () => {
      for (const subscription of subscriptions.splice(0).reverse()) subscription.unsubscribe();
    },
  };
  const { record } = options;
  subscriptions.push(
    socket.events$.subscribe((event) => {
      if (record === undefined || record.includes(event.type)) client.events.push({ at: Date.now(), event });
    }),
  );
  subscriptions.push(socket.state$.subscribe((state) => client.states.push(state)));
  if (topics.length > 0) socket.subscribeTopics(...topics);
  subscriptions.push(
    socket.subscribe({
      next: (frame) => {
        if (frame.type === 'event') client.received.push(frame);
      },
      error: (err: unknown) => (client.error = err),
      complete: () => (client.completed = true),
    }),
  );
  return client;
}

/** `from..to` inclusive. */
export const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);
