import { OutboxOverflowError } from '../errors';
import { Fifo } from '../internal/fifo';

/** What the outbox does with a message it cannot keep. */
export type OutboxOverflow = 'error' | 'drop-newest' | 'drop-oldest';

/**
 * Why a user message was dropped instead of sent: the outbox was full (`'overflow'`), it waited
 * longer than `maxAge` (`'expired'`), it was sent while disconnected in stateless mode
 * (`'disconnected'`), or it was still queued when `close()` was called (`'closed'`).
 */
export type OutboxDropReason = 'overflow' | 'expired' | 'disconnected' | 'closed';

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
  private readonly queue = new Fifo<Entry<Out>>();

  constructor(
    private readonly capacity: number,
    private readonly maxAge: number,
    private readonly overflow: OutboxOverflow,
    /** Told of every message dropped, with the reason. */
    private readonly host: { dropped(message: Out, reason: OutboxDropReason): void },
  ) {}

  get size(): number {
    return this.queue.size;
  }

  /** Queues a message; throws {@link OutboxOverflowError} when full and the policy is `'error'`. */
  push(message: Out, now: number): void {
    if (this.size >= this.capacity) {
      if (this.overflow === 'error') throw new OutboxOverflowError({ capacity: this.capacity });
      if (this.overflow === 'drop-newest' || this.capacity === 0) return this.host.dropped(message, 'overflow');
      const oldest = this.queue.shift();
      if (oldest) this.host.dropped(oldest.message, 'overflow');
    }
    this.queue.push({ message, at: now });
  }

  /** Drops every queued message, oldest first, reporting each with `reason`. */
  dropAll(reason: OutboxDropReason): void {
    for (let entry = this.queue.shift(); entry !== undefined; entry = this.queue.shift()) this.host.dropped(entry.message, reason);
  }

  /**
   * Hands every queued message to `send`, oldest first, dropping the expired ones. Stops (keeping
   * the rest queued) as soon as `send` returns false: the socket went away mid-flush.
   */
  drain(now: number, send: (message: Out) => boolean): void {
    for (let entry = this.queue.at(0); entry !== undefined; entry = this.queue.at(0)) {
      if (now - entry.at > this.maxAge) {
        this.queue.shift();
        this.host.dropped(entry.message, 'expired');
        continue;
      }
      if (!send(entry.message)) return;
      this.queue.shift();
    }
  }
}
