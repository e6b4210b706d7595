import type { Observer, Subscriber, TeardownLogic } from 'rxjs';

/** What a {@link Fanout} shares: `run(out)` starts it and returns its stop. @internal */
export interface FanoutSource<T> {
  run(out: Observer<T>): () => void;
}

/**
 * One source shared by its subscribers, as `share()` does, without a Subject and its subscriber in
 * between: the first subscriber starts the source (`source.run(fanout)` returns its stop), each value
 * goes straight to every subscriber, the last one to leave stops it, and an error or completion
 * ends it for all (the next subscriber starts it again).
 *
 * @internal
 */
export class Fanout<T> implements Observer<T> {
  /** Replaced, never changed in place: a subscriber that leaves during a value does not disturb the loop. */
  private subscribers: readonly Subscriber<T>[] = [];
  private stop: (() => void) | null = null;

  constructor(private readonly source: FanoutSource<T>) {}

  /** Adds `subscriber` (the first one starts the source); returns its teardown. */
  attach(subscriber: Subscriber<T>): TeardownLogic {
    this.subscribers = [...this.subscribers, subscriber];
    if (this.subscribers.length === 1) {
      const stop = this.source.run(this);
      // Ended while starting (an error at once): stop it now, nobody is left to.
      if (!this.subscribers.includes(subscriber)) stop();
      else this.stop = stop;
    }
    return () => this.detach(subscriber);
  }

  next(value: T): void {
    const list = this.subscribers;
    for (let i = 0; i < list.length; i++) (list[i] as Subscriber<T>).next(value);
  }

  error(error: unknown): void {
    for (const subscriber of this.end()) subscriber.error(error);
    this.halt();
  }

  complete(): void {
    for (const subscriber of this.end()) subscriber.complete();
    this.halt();
  }

  private detach(subscriber: Subscriber<T>): void {
    const at = this.subscribers.indexOf(subscriber);
    if (at < 0) return;
    this.subscribers = this.subscribers.filter((_, i) => i !== at);
    if (this.subscribers.length === 0) this.halt();
  }

  /** The subscribers, now removed: they are told of the end, and leave nothing to detach. */
  private end(): readonly Subscriber<T>[] {
    const list = this.subscribers;
    this.subscribers = [];
    return list;
  }

  private halt(): void {
    const stop = this.stop;
    this.stop = null;
    stop?.();
  }
}
