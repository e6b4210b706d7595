import { OutboxOverflowError } from '../errors';

/** What the outbox does with a message it cannot keep. */
export type OutboxOverflow = 'error' | 'drop-newest' | 'drop-oldest';

/** Why a user message was dropped instead of sent. */
export type OutboxDropReason = 'overflow' | 'expired' | 'disconnected';

/** Options of the outbound buffer of a managed socket. */
export interface OutboxConfig {
  /**
   * `'stateful'`: messages sent while disconnected are kept and delivered, in order, after the
   * next connection opened (after the handshake and the subscription replay). `'stateless'`:
   * a message sent while disconnected is dropped and counted.
   * @default 'stateful'
   */
  readonly mode?: 'stateful' | 'stateless';
  /**
   * The most messages kept while disconnected.
   * @default 1000
   */
  readonly capacity?: number;
  /**
   * Messages older than this (ms) when the connection opens are dropped, not sent stale.
   * @default Infinity
   */
  readonly maxAge?: number;
  /**
   * When the outbox is full: `'error'` makes `send()` throw an {@link OutboxOverflowError} (the
   * message is not accepted, the queued ones stay); `'drop-newest'` drops the new message;
   * `'drop-oldest'` drops the oldest queued message to make room. Drops are counted and reported.
   * @default 'error'
   */
  readonly overflow?: OutboxOverflow;
}

interface Entry<Out> {
  readonly message: Out;
  readonly at: number;
}

/**
 * A bounded FIFO of user messages waiting for an open socket. Plain data structure; the socket
 * decides when to push and when to drain.
 *
 * @internal
 */
export class Outbox<Out> {
  private queue: Array<Entry<Out> | undefined> = [];
  private head = 0;

  constructor(
    private readonly capacity: number,
    private readonly maxAge: number,
    private readonly overflow: OutboxOverflow,
    private readonly onDrop: (message: Out, reason: OutboxDropReason) => void,
  ) {}

  get size(): number {
    return this.queue.length - this.head;
  }

  /** Queues a message; throws {@link OutboxOverflowError} when full and the policy is `'error'`. */
  push(message: Out, now: number): void {
    if (this.size >= this.capacity) {
      if (this.overflow === 'error') throw new OutboxOverflowError({ capacity: this.capacity });
      if (this.overflow === 'drop-newest' || this.capacity === 0) return this.onDrop(message, 'overflow');
      const oldest = this.shift();
      if (oldest) this.onDrop(oldest.message, 'overflow');
    }
    this.queue.push({ message, at: now });
  }

  /**
   * Hands every queued message to `send`, oldest first, dropping the expired ones. Stops (keeping
   * the rest queued) as soon as `send` returns false: the socket went away mid-flush.
   */
  drain(now: number, send: (message: Out) => boolean): void {
    for (let entry = this.peek(); entry !== undefined; entry = this.peek()) {
      if (now - entry.at > this.maxAge) {
        this.shift();
        this.onDrop(entry.message, 'expired');
        continue;
      }
      if (!send(entry.message)) return;
      this.shift();
    }
  }

  private peek(): Entry<Out> | undefined {
    return this.queue[this.head];
  }

  private shift(): Entry<Out> | undefined {
    const entry = this.queue[this.head];
    this.queue[this.head++] = undefined;
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    return entry;
  }
}
