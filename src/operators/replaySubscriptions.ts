import { isObservable, Observable } from 'rxjs';
import type { OperatorFunction } from 'rxjs';
import { InvalidOptionError } from '../errors';
import { ActiveTopics } from '../internal/activeTopics';

const OP = 'replaySubscriptions';

/**
 * A request to start or stop receiving some topics, as the user issues it and as it goes on the
 * wire. Topics are compared with SameValueZero (`Set` semantics): strings and numbers by value,
 * objects by reference.
 */
export type TopicCommand<K = string> =
  | { readonly type: 'subscribe'; readonly topics: readonly K[] }
  | { readonly type: 'unsubscribe'; readonly topics: readonly K[] };

/**
 * Turns subscribe/unsubscribe commands into the minimal commands to send, and re-sends every
 * active topic in one batch each time a new connection opens.
 *
 * The server forgets a client's subscriptions when the connection drops; this operator remembers
 * them and replays them on the next open, so the user never has to.
 *
 * ```text
 * commands: -a---b-----c-----d---
 * opened$:  --------o-----o------
 * > replaySubscriptions(opened$)
 * output:   -a---B--r--C--s--d---
 *
 * a = subscribe [x, y]     B = subscribe [z]     (b = subscribe [y, z]; y is already active)
 * C = unsubscribe [x]      (c = unsubscribe [x, w]; w is not active)
 * d = subscribe [x]        r = subscribe [x, y, z]     s = subscribe [y, z]     (r, s: replays)
 * ```
 *
 * - A command is reduced to the topics whose state it changes: subscribing an active topic or
 *   unsubscribing an inactive one sends nothing, repeats inside one command collapse, and a
 *   command that changes nothing emits nothing.
 * - Each `opened$` emission emits one `subscribe` with all active topics, in the order they were
 *   (last) subscribed; nothing when none are active.
 * - Deltas are emitted whether or not a connection is open: the sender drops them while offline,
 *   since the next replay carries the whole set.
 * - The output completes when the command stream completes (the set can no longer change).
 *   When `opened$` completes first, deltas keep flowing and replays stop. An error from either
 *   input errors the output. `opened$` is subscribed first, so an `opened$` that emits at once
 *   replays the (empty) set before commands that arrive synchronously are applied.
 * - The active set is kept per subscription, starting empty.
 *
 * ## Example
 * ```ts
 * import { Subject } from 'rxjs';
 * import { replaySubscriptions, type TopicCommand } from 'rxjs-managed-socket';
 *
 * const commands$ = new Subject<TopicCommand>();
 * const opened$ = new Subject<void>();
 *
 * commands$
 *   .pipe(replaySubscriptions(opened$))
 *   .subscribe((cmd) => console.log(cmd.type, cmd.topics.join(', ')));
 *
 * commands$.next({ type: 'subscribe', topics: ['btc', 'eth'] });
 * commands$.next({ type: 'subscribe', topics: ['eth', 'sol'] });
 * commands$.next({ type: 'unsubscribe', topics: ['btc', 'doge'] });
 * opened$.next(); // a reconnect
 * // Output:
 * // subscribe btc, eth
 * // subscribe sol
 * // unsubscribe btc
 * // subscribe eth, sol
 * ```
 *
 * Errors: whatever either input errors with; a `TypeError` when a command's `type` is neither
 * `'subscribe'` nor `'unsubscribe'`. Creating it with an `opened$` that is not an Observable
 * throws {@link InvalidOptionError}.
 *
 * @param opened$ Emits each time a new connection opens; its values are ignored.
 * @returns An operator from user commands to the deduplicated commands to send, plus one replay
 * per `opened$` emission.
 */
export function replaySubscriptions<K = string>(
  opened$: Observable<unknown>,
): OperatorFunction<TopicCommand<K>, TopicCommand<K>> {
  if (!isObservable(opened$)) {
    throw new InvalidOptionError({ operator: OP, option: 'opened$', reason: 'an Observable', value: opened$ });
  }

  return (commands$) =>
    new Observable<TopicCommand<K>>((subscriber) => {
      const active = new ActiveTopics<K>();
      // First, so an `opened$` that emits at once replays the (empty) set before any command.
      // Its completion stops the replays only; its error errors the output.
      subscriber.add(
        opened$.subscribe({
          next: () => {
            if (active.size > 0) subscriber.next({ type: 'subscribe', topics: active.list() });
          },
          error: (error: unknown) => subscriber.error(error),
        }),
      );
      if (subscriber.closed) return;
      subscriber.add(
        commands$.subscribe({
          next: (command) => {
            let delta: TopicCommand<K> | undefined;
            try {
              delta = applyCommand(active, command);
            } catch (error) {
              return subscriber.error(error);
            }
            if (delta !== undefined) subscriber.next(delta);
          },
          error: (error: unknown) => subscriber.error(error),
          // The set can no longer change: the output completes (and the replays stop with it).
          complete: () => subscriber.complete(),
        }),
      );
    });
}

/**
 * The single-step core of `replaySubscriptions`, shared with the managed socket's topic set:
 * applies `command` to `active` and returns what changed (only the topics not already in, or
 * still in), or `undefined` when nothing did. Throws a `TypeError` for an unknown command type.
 *
 * @internal
 */
export function applyCommand<K>(active: ActiveTopics<K>, command: TopicCommand<K>): TopicCommand<K> | undefined {
  const { type, topics } = command;
  const subscribe = type === 'subscribe';
  if (!subscribe && type !== 'unsubscribe') {
    throw new TypeError(`${OP}: unknown command type ${JSON.stringify(type as unknown)}`);
  }
  // Made at the first change, at its size for the usual single topic.
  let changed: K[] | undefined;
  for (let i = 0; i < topics.length; i++) {
    const topic = topics[i] as K;
    if (!active.set(topic, subscribe)) continue;
    if (changed === undefined) changed = [topic];
    else changed.push(topic);
  }
  return changed === undefined ? undefined : { type, topics: changed };
}
