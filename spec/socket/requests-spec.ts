/**
 * `Conversations` (src/socket/requests.ts) on its own, in virtual time: what waits for an answer,
 * what is written when, and what is given up on. The socket-level behaviour is in
 * conversations-spec.ts; these pin the edges it does not reach (found by mutation testing).
 */
import { TestScheduler } from 'rxjs/testing';
import { retry } from 'rxjs';
import type { Subscription } from 'rxjs';
import { Conversations } from '../../src/socket/requests';
import { DeliveryError } from '../../src/errors';
import type { DeliveryErrorInfo } from '../../src/errors';

interface Harness {
  readonly conversations: Conversations;
  /** Frames written, in order. */
  readonly written: unknown[];
  /** What `undelivered` was told. */
  readonly givenUp: DeliveryErrorInfo[];
  /** Whether the connection is ready (what `isReady` answers). */
  setReady(ready: boolean): void;
  /** Whether `writeFrame` succeeds. */
  setWritable(writable: boolean): void;
  /** Called on every write, before it returns. */
  onWrite(hook: (message: unknown) => void): void;
}

describe('Conversations', () => {
  let ts: TestScheduler;
  beforeEach(() => {
    ts = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  });

  function harness(initiallyReady = true): Harness {
    const written: unknown[] = [];
    const givenUp: DeliveryErrorInfo[] = [];
    let ready = initiallyReady;
    let writable = true;
    let hook: (message: unknown) => void = () => undefined;
    const conversations = new Conversations(ts, {
      get isReady() {
        return ready;
      },
      awaiting: () => undefined,
      writeFrame: (message) => {
        if (!writable) return false;
        written.push(message);
        hook(message);
        return true;
      },
      undelivered: (_message, info) => void givenUp.push(info),
    });
    return {
      conversations,
      written,
      givenUp,
      setReady: (value) => (ready = value),
      setWritable: (value) => (writable = value),
      onWrite: (value) => (hook = value),
    };
  }

  /** Subscribes and records what comes out. */
  function record<T>(conversations: Conversations, kind: 'request' | 'ack', id: string | number | undefined, message: unknown, timeoutMs = Infinity, resend = false) {
    const out = { values: [] as T[], errors: [] as unknown[], completed: false };
    const subscription = conversations.start<T>(kind, id, message, timeoutMs, resend).subscribe({
      next: (value) => out.values.push(value),
      error: (error: unknown) => out.errors.push(error),
      complete: () => (out.completed = true),
    });
    return { out, subscription };
  }

  const infoOf = (error: unknown): DeliveryErrorInfo => {
    expect(error).toBeInstanceOf(DeliveryError);
    return (error as DeliveryError).info;
  };

  describe('ids', () => {
    it('should take a numeric id, write the message and hand over the answer', () => {
      const { conversations, written } = harness();
      const { out } = record<string>(conversations, 'request', 7, { q: 7 });
      expect(written).toEqual([{ q: 7 }]);
      expect(conversations.size).toBe(1);
      expect(conversations.answer(7, 'seven', 'request')).toBe(true);
      expect(out).toEqual({ values: ['seven'], errors: [], completed: true });
      expect(conversations.size).toBe(0);
    });

    it.each([
      ['null', null],
      ['an object', { id: 1 }],
      ['a boolean', true],
    ])("should refuse an id that is %s as 'no-id', without writing anything", (_what, id) => {
      const { conversations, written } = harness();
      const { out } = record(conversations, 'ack', id as unknown as string, { m: 1 });
      expect(out.errors).toHaveLength(1);
      const error = out.errors[0] as DeliveryError;
      expect(error.name).toBe('DeliveryError');
      expect(error.message).toBe('Acknowledged send failed: the message has no id');
      expect(error.info).toStrictEqual({ kind: 'ack', reason: 'no-id', id: undefined, message: { m: 1 } });
      expect(written).toEqual([]);
      expect(conversations.size).toBe(0);
    });
  });

  describe('timeouts', () => {
    it('should schedule no timer for an Infinity timeout (a real timer would fire it at once)', () => {
      const { conversations } = harness();
      const schedule = jest.spyOn(ts, 'schedule');
      const { out } = record(conversations, 'request', 'r1', 'm', Infinity);
      expect(schedule).not.toHaveBeenCalled();
      ts.flush();
      expect(out.errors).toEqual([]);
      expect(conversations.size).toBe(1);
    });

    it('should schedule one timer of the timeout for a finite one', () => {
      const { conversations, givenUp } = harness();
      const schedule = jest.spyOn(ts, 'schedule');
      const { out } = record(conversations, 'request', 'r1', 'm', 30);
      expect(schedule.mock.calls.map((call) => call[1])).toEqual([30]);
      ts.flush();
      expect(ts.now()).toBe(30);
      expect(infoOf(out.errors[0])).toStrictEqual({ kind: 'request', reason: 'timeout', id: 'r1', message: 'm', timeoutMs: 30 });
      expect(givenUp).toStrictEqual([{ kind: 'request', reason: 'timeout', id: 'r1', message: 'm', timeoutMs: 30 }]);
    });

    it('should keep a request retried after its timeout, under the same id, until its own answer', () => {
      const { conversations, written } = harness();
      const values: unknown[] = [];
      const errors: unknown[] = [];
      conversations
        .start<string>('request', 'r1', 'm', 30, false)
        .pipe(retry(1))
        .subscribe({ next: (v) => values.push(v), error: (e: unknown) => errors.push(e) });
      ts.schedule(() => expect(conversations.answer('r1', 'late', 'request')).toBe(true), 40);
      ts.flush();
      expect(written).toEqual(['m', 'm']);
      expect(values).toEqual(['late']);
      expect(errors).toEqual([]);
      expect(conversations.size).toBe(0);
    });
  });

  describe('answers', () => {
    it('should not take an ack for the answer of a request with the same id, nor a reply for an ack', () => {
      const { conversations } = harness();
      const request = record<string>(conversations, 'request', 'x', 'req');
      const ack = record<void>(conversations, 'ack', 'y', 'pub');
      expect(conversations.answer('x', undefined, 'ack')).toBe(false);
      expect(conversations.answer('y', 'reply', 'request')).toBe(false);
      expect(request.out).toEqual({ values: [], errors: [], completed: false });
      expect(ack.out).toEqual({ values: [], errors: [], completed: false });
      expect(conversations.size).toBe(2);
      expect(conversations.answer('x', 'reply', 'request')).toBe(true);
      expect(request.out).toEqual({ values: ['reply'], errors: [], completed: true });
    });

    it('should keep a new conversation started, under the same id, when the previous one completes', () => {
      const { conversations, written } = harness();
      const values: unknown[] = [];
      conversations.start<string>('request', 'r1', 'first', Infinity, false).subscribe({
        next: (v) => values.push(v),
        complete: () => conversations.start<string>('request', 'r1', 'second', Infinity, false).subscribe((v) => values.push(v)),
      });
      expect(conversations.answer('r1', 'a1', 'request')).toBe(true);
      expect(conversations.size).toBe(1);
      expect(conversations.answer('r1', 'a2', 'request')).toBe(true);
      expect(written).toEqual(['first', 'second']);
      expect(values).toEqual(['a1', 'a2']);
    });
  });

  describe('before the connection is ready', () => {
    it('should not write until ready, then write each waiting message once, oldest first', () => {
      const h = harness(false);
      record(h.conversations, 'request', 'r1', 'm1');
      record(h.conversations, 'ack', 'a1', 'm2');
      expect(h.written).toEqual([]);
      h.setReady(true);
      h.conversations.ready();
      expect(h.written).toEqual(['m1', 'm2']);
      h.conversations.ready(); // a second ready on the same connection: nothing new to send
      expect(h.written).toEqual(['m1', 'm2']);
    });

    it('should not write again at ready what was written at once', () => {
      const { conversations, written } = harness(true);
      record(conversations, 'request', 'r1', 'm1');
      conversations.ready();
      expect(written).toEqual(['m1']);
    });

    it('should stop at the first write that fails and write the rest on the next ready', () => {
      const h = harness(false);
      record(h.conversations, 'request', 'r1', 'm1');
      record(h.conversations, 'request', 'r2', 'm2');
      h.setWritable(false);
      h.conversations.ready();
      expect(h.written).toEqual([]);
      h.setWritable(true);
      h.conversations.ready();
      expect(h.written).toEqual(['m1', 'm2']);
    });

    it('should not write a message unsubscribed from by the write of an earlier one', () => {
      const h = harness(false);
      record(h.conversations, 'request', 'r1', 'm1');
      const second = record(h.conversations, 'request', 'r2', 'm2');
      record(h.conversations, 'request', 'r3', 'm3');
      h.onWrite((message) => {
        if (message === 'm1') second.subscription.unsubscribe();
      });
      h.conversations.ready();
      expect(h.written).toEqual(['m1', 'm3']);
    });
  });

  describe('a lost connection', () => {
    it("should fail what was written at ready (not resent) as 'disconnected'", () => {
      const h = harness(false);
      const { out } = record(h.conversations, 'request', 'r1', 'm1');
      h.conversations.ready();
      expect(h.written).toEqual(['m1']);
      h.conversations.lost();
      expect(out.errors).toHaveLength(1);
      expect(infoOf(out.errors[0])).toStrictEqual({ kind: 'request', reason: 'disconnected', id: 'r1', message: 'm1' });
      expect(h.givenUp).toStrictEqual([{ kind: 'request', reason: 'disconnected', id: 'r1', message: 'm1' }]);
    });

    it('should keep what was never written, and write it on the next ready connection', () => {
      const h = harness(false);
      const { out } = record<string>(h.conversations, 'request', 'r1', 'm1');
      h.conversations.lost();
      expect(out.errors).toEqual([]);
      expect(h.givenUp).toEqual([]);
      h.setReady(true);
      h.conversations.ready();
      expect(h.written).toEqual(['m1']);
      expect(h.conversations.answer('r1', 'a', 'request')).toBe(true);
      expect(out).toEqual({ values: ['a'], errors: [], completed: true });
    });

    it('should write a resent message again on the next ready connection', () => {
      const h = harness(true);
      record(h.conversations, 'ack', 'a1', 'm1', Infinity, true);
      h.conversations.lost();
      expect(h.givenUp).toEqual([]);
      h.conversations.ready();
      expect(h.written).toEqual(['m1', 'm1']);
    });
  });

  describe('close', () => {
    it("should fail everything waiting as 'closed', without a timeoutMs in the info", () => {
      const h = harness(false);
      const first = record(h.conversations, 'request', 'r1', 'm1', 50);
      const second = record(h.conversations, 'ack', 'a1', 'm2');
      h.conversations.closed();
      expect(infoOf(first.out.errors[0])).toStrictEqual({ kind: 'request', reason: 'closed', id: 'r1', message: 'm1' });
      expect(infoOf(second.out.errors[0])).toStrictEqual({ kind: 'ack', reason: 'closed', id: 'a1', message: 'm2' });
      expect((first.out.errors[0] as Error).message).toBe('Request r1 failed: the socket closed before the answer');
      expect(h.givenUp.map((info) => info.id)).toEqual(['r1', 'a1']);
      ts.flush(); // the timeout of r1 was cancelled
      expect(first.out.errors).toHaveLength(1);
      expect(h.givenUp).toHaveLength(2);
    });

    it('should not report a message unsubscribed from while the others fail', () => {
      const h = harness(false);
      const second: { subscription?: Subscription } = {};
      h.conversations.start('request', 'r1', 'm1', Infinity, false).subscribe({ error: () => second.subscription?.unsubscribe() });
      second.subscription = record(h.conversations, 'request', 'r2', 'm2').subscription;
      h.conversations.closed();
      expect(h.givenUp.map((info) => info.id)).toEqual(['r1']);
      expect(h.conversations.size).toBe(0);
    });
  });
});
