import { ActiveTopics } from '../internal/activeTopics';
import { applyCommand } from '../operators/replaySubscriptions';
import type { TopicCommand } from '../operators/replaySubscriptions';

/**
 * The active topic set of a managed socket: state that outlives connections. It runs the core of
 * `replaySubscriptions` (one step per command, no operators held): a subscribe or unsubscribe is
 * sent for what changed only, and each ready connection gets the whole set as one subscribe. What
 * `host.sendTopics` throws goes to the caller, with the set already changed.
 *
 * @internal
 */
export class TopicSet {
  /** Made at the first topic: a socket without topics holds no set. */
  private active: ActiveTopics<string> | null = null;

  /** `host.sendTopics` sends a command's frame (when open). */
  constructor(private readonly host: { sendTopics(command: TopicCommand): void }) {}

  /** Adds topics; sends a subscribe for the new ones. */
  subscribe(topics: readonly string[]): void {
    this.apply({ type: 'subscribe', topics: [...topics] });
  }

  /** Removes topics; sends an unsubscribe for the removed ones. */
  unsubscribe(topics: readonly string[]): void {
    this.apply({ type: 'unsubscribe', topics: [...topics] });
  }

  /** A connection is ready: sends the whole active set as one subscribe (nothing when empty). */
  replay(): void {
    if (this.active !== null && this.active.size > 0) this.host.sendTopics({ type: 'subscribe', topics: this.active.list() });
  }

  /** The active topics, in subscription order. */
  list(): readonly string[] {
    return this.active === null ? [] : this.active.list();
  }

  private apply(command: TopicCommand): void {
    const delta = applyCommand((this.active ??= new ActiveTopics()), command);
    if (delta !== undefined) this.host.sendTopics(delta);
  }
}
