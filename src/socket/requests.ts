import { Observable } from 'rxjs';
import type { SchedulerLike, Subscriber, Subscription } from 'rxjs';
import { DeliveryError } from '../errors';
import { longTimer } from '../internal/longTimer';
import type { DeliveryErrorInfo } from '../errors';

/** What a conversation (a request, or an acknowledged send) waits for, by id. @internal */
interface Pending<R> {
  readonly id: string | number;
  readonly message: unknown;
  readonly kind: 'request' | 'ack';
  /** Sent on the current connection. */
  sent: boolean;
  /** Send again on the next connection when this one is lost before the answer. */
  readonly resend: boolean;
  readonly subscriber: Subscriber<R>;
  timer: Subscription | null;
}

/** What a {@link Conversations} needs from the socket. @internal */
export interface ConversationDeps {
  /** Whether the connection is ready for user messages. */
  readonly isReady: boolean;
  /** Sends a frame on the open socket; `false` when there is none. */
  writeFrame(message: unknown): boolean;
  /** A message is given up on: report it (a `dropped` event). */
  undelivered(message: unknown, info: DeliveryErrorInfo): void;
  /** An answer is waited for from now on (the inbound messages must be looked at for it). */
  awaiting(): void;
}

/**
 * Messages that wait for an answer from the server, by an id the protocol defines: requests
 * (the answer is a reply, handed to the caller) and acknowledged sends (the answer is an ack).
 * Sent at once when the connection is ready, else on the next ready connection, in the order they
 * were made. When a connection is lost before the answer, each is sent again on the next one
 * (`resend`), or fails with a {@link DeliveryError} (`'disconnected'`). Plain state with no timers
 * of its own beyond each message's timeout; the socket calls in at ready, at the end of a
 * connection and at close.
 *
 * @internal
 */
export class Conversations {
  /** What waits, by id: a shared empty map until the first message (nothing is ever added to it). */
  private pending: Map<string | number, Pending<unknown>> = NONE;

  constructor(
    private readonly scheduler: SchedulerLike,
    private readonly deps: ConversationDeps,
  ) {}

  /** How many wait for an answer. */
  get size(): number {
    return this.pending.size;
  }

  /**
   * Sends `message` (now, or on the next ready connection) and emits the answer; errors with a
   * {@link DeliveryError} on timeout, a lost connection (unless `resend`), or close. Cold: each
   * subscription sends once; unsubscribing forgets it (the answer, if it comes, goes on as a
   * plain message).
   */
  start<R>(kind: 'request' | 'ack', id: string | number | undefined, message: unknown, timeoutMs: number, resend: boolean): Observable<R> {
    return new Observable<R>((subscriber) => {
      if (id === undefined || (typeof id !== 'string' && typeof id !== 'number')) {
        subscriber.error(new DeliveryError({ kind, reason: 'no-id', id: undefined, message }));
        return;
      }
      if (this.pending.has(id)) {
        subscriber.error(new DeliveryError({ kind, reason: 'duplicate-id', id, message }));
        return;
      }
      const entry: Pending<R> = { id, message, kind, sent: false, resend, subscriber, timer: null };
      if (this.pending === NONE) this.pending = new Map();
      this.pending.set(id, entry as Pending<unknown>);
      this.deps.awaiting();
      if (timeoutMs !== Infinity) entry.timer = longTimer(timeoutMs, this.scheduler).subscribe(() => this.giveUp(entry as Pending<unknown>, 'timeout', timeoutMs));
      if (this.deps.isReady) entry.sent = this.deps.writeFrame(message);
      return () => {
        if (this.pending.get(id) === (entry as Pending<unknown>)) this.forget(entry as Pending<unknown>);
      };
    });
  }

  /**
   * An inbound message: when it answers a pending one (`answerOf` gives its id), hands it over and
   * returns `true` (it is not a plain message then). Called only while something is pending.
   */
  answer(id: string | number | undefined, value: unknown, kind: 'request' | 'ack'): boolean {
    if (id === undefined) return false;
    const entry = this.pending.get(id);
    if (entry === undefined || entry.kind !== kind) return false;
    this.forget(entry);
    entry.subscriber.next(value);
    entry.subscriber.complete();
    return true;
  }

  /** A connection became ready: sends what waits, oldest first (resends included). */
  ready(): void {
    for (const entry of [...this.pending.values()]) {
      if (entry.sent || this.pending.get(entry.id) !== entry) continue;
      if (!this.deps.writeFrame(entry.message)) return;
      entry.sent = true;
    }
  }

  /** The connection ended: what was sent waits for the next one (`resend`) or fails. */
  lost(): void {
    for (const entry of [...this.pending.values()]) {
      if (!entry.sent) continue;
      entry.sent = false;
      if (!entry.resend) this.giveUp(entry, 'disconnected');
    }
  }

  /** The socket closed: everything still waiting fails. */
  closed(): void {
    for (const entry of [...this.pending.values()]) this.giveUp(entry, 'closed');
  }

  private forget(entry: Pending<unknown>): void {
    this.pending.delete(entry.id);
    entry.timer?.unsubscribe();
    entry.timer = null;
  }

  private giveUp(entry: Pending<unknown>, reason: 'timeout' | 'disconnected' | 'closed', timeoutMs?: number): void {
    if (this.pending.get(entry.id) !== entry) return;
    this.forget(entry);
    const info: DeliveryErrorInfo = { kind: entry.kind, reason, id: entry.id, message: entry.message, ...(timeoutMs === undefined ? {} : { timeoutMs }) };
    this.deps.undelivered(entry.message, info);
    entry.subscriber.error(new DeliveryError(info));
  }
}

const NONE: Map<string | number, Pending<unknown>> = new Map();
