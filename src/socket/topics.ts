import { Subject } from 'rxjs';
import { replaySubscriptions, TopicCommand } from '../operators/replaySubscriptions';

/** The active topic set of a managed socket: state that outlives connections. @internal */
export interface TopicSet {
  /** Adds topics; sends a subscribe for the new ones. */
  subscribe(topics: readonly string[]): void;
  /** Removes topics; sends an unsubscribe for the removed ones. */
  unsubscribe(topics: readonly string[]): void;
  /** A connection opened: sends the whole active set as one subscribe. */
  replay(): void;
  /** The active topics, in subscription order. */
  list(): readonly string[];
}

/**
 * The active topic set, built on {@link replaySubscriptions}: deduplicated deltas and a batched
 * replay per connection go to `send`. What `send` throws (a user's frame builder) is rethrown to
 * the caller of the method that caused it, never asynchronously.
 *
 * @internal
 */
export function createTopicSet(send: (command: TopicCommand) => void): TopicSet {
  const active = new Set<string>();
  let failure: { readonly error: unknown } | null = null;
  // Started on first use: a socket that never takes a topic holds no pipeline (about 5 KB).
  let lanes: { readonly commands: Subject<TopicCommand>; readonly opened: Subject<void> } | null = null;
  const start = () => {
    const commands = new Subject<TopicCommand>();
    const opened = new Subject<void>();
    commands.pipe(replaySubscriptions<string>(opened)).subscribe((command) => {
      for (const topic of command.topics) {
        if (command.type === 'subscribe') active.add(topic);
        else active.delete(topic);
      }
      try {
        send(command);
      } catch (error) {
        failure = { error };
      }
    });
    return { commands, opened };
  };
  const run = (step: () => void): void => {
    step();
    if (failure === null) return;
    const { error } = failure;
    failure = null;
    throw error;
  };
  return {
    subscribe: (topics) => run(() => (lanes ??= start()).commands.next({ type: 'subscribe', topics: [...topics] })),
    unsubscribe: (topics) => run(() => (lanes ??= start()).commands.next({ type: 'unsubscribe', topics: [...topics] })),
    replay: () => {
      const current = lanes;
      if (current !== null) run(() => current.opened.next()); // before any topic: nothing to replay
    },
    list: () => [...active],
  };
}
