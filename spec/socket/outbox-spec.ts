import { Outbox, OutboxDropReason } from '../../src/socket/outbox';
import { OutboxOverflowError } from '../../src/errors';

describe('Outbox', () => {
  /** An outbox of numbers that records drops, and a sender that records what it sent. */
  function setup(capacity: number, maxAge = Infinity, overflow: 'error' | 'drop-newest' | 'drop-oldest' = 'error') {
    const drops: Array<[number, OutboxDropReason]> = [];
    const outbox = new Outbox<number>(capacity, maxAge, overflow, { dropped: (message, reason) => void drops.push([message, reason]) });
    const sent: number[] = [];
    const send = (message: number) => (sent.push(message), true);
    return { outbox, drops, sent, send };
  }

  it('should hand messages to the sender oldest first and empty itself', () => {
    const { outbox, sent, send } = setup(10);
    [1, 2, 3].forEach((n) => outbox.push(n, 0));
    expect(outbox.size).toBe(3);
    outbox.drain(0, send);
    expect(sent).toEqual([1, 2, 3]);
    expect(outbox.size).toBe(0);
    outbox.drain(0, send);
    expect(sent).toEqual([1, 2, 3]);
  });

  it('should stop when the sender refuses, keep the rest, and go on in order later', () => {
    const { outbox, sent } = setup(10);
    [1, 2, 3, 4].forEach((n) => outbox.push(n, 0));
    let budget = 2;
    outbox.drain(0, (n) => budget-- > 0 && (sent.push(n), true));
    expect(sent).toEqual([1, 2]);
    expect(outbox.size).toBe(2);
    outbox.drain(0, (n) => (sent.push(n), true));
    expect(sent).toEqual([1, 2, 3, 4]);
  });

  it('should drop messages older than maxAge at drain time, and keep those exactly maxAge old', () => {
    const { outbox, drops, sent, send } = setup(10, 5);
    outbox.push(1, 0); //  age 10: expired
    outbox.push(2, 4); //  age 6: expired
    outbox.push(3, 5); //  age 5: kept
    outbox.push(4, 9); //  age 1: kept
    outbox.drain(10, send);
    expect(sent).toEqual([3, 4]);
    expect(drops).toEqual([
      [1, 'expired'],
      [2, 'expired'],
    ]);
  });

  describe("with overflow 'error'", () => {
    it('should throw OutboxOverflowError when full and keep what it holds', () => {
      const { outbox, drops, sent, send } = setup(2);
      outbox.push(1, 0);
      outbox.push(2, 0);
      expect(() => outbox.push(3, 0)).toThrow(new OutboxOverflowError({ capacity: 2 }));
      expect(outbox.size).toBe(2);
      expect(drops).toEqual([]);
      outbox.drain(0, send);
      expect(sent).toEqual([1, 2]);
    });

    it('should accept again once drained', () => {
      const { outbox, sent, send } = setup(1);
      outbox.push(1, 0);
      outbox.drain(0, send);
      outbox.push(2, 0);
      outbox.drain(0, send);
      expect(sent).toEqual([1, 2]);
    });

    it('should throw on every push with capacity 0', () => {
      const { outbox } = setup(0);
      expect(() => outbox.push(1, 0)).toThrow(OutboxOverflowError);
    });
  });

  describe("with overflow 'drop-newest'", () => {
    it('should drop the new message and report it', () => {
      const { outbox, drops, sent, send } = setup(2, Infinity, 'drop-newest');
      [1, 2, 3, 4].forEach((n) => outbox.push(n, 0));
      outbox.drain(0, send);
      expect(sent).toEqual([1, 2]);
      expect(drops).toEqual([
        [3, 'overflow'],
        [4, 'overflow'],
      ]);
    });
  });

  describe("with overflow 'drop-oldest'", () => {
    it('should drop the oldest queued message to make room and report it', () => {
      const { outbox, drops, sent, send } = setup(2, Infinity, 'drop-oldest');
      [1, 2, 3, 4].forEach((n) => outbox.push(n, 0));
      outbox.drain(0, send);
      expect(sent).toEqual([3, 4]);
      expect(drops).toEqual([
        [1, 'overflow'],
        [2, 'overflow'],
      ]);
    });

    it('should drop the new message itself with capacity 0', () => {
      const { outbox, drops } = setup(0, Infinity, 'drop-oldest');
      outbox.push(1, 0);
      expect(outbox.size).toBe(0);
      expect(drops).toEqual([[1, 'overflow']]);
    });
  });

  it('should keep order and size right across many pushes and drains (internal compaction)', () => {
    const { outbox, sent } = setup(5000);
    for (let n = 0; n < 3000; n++) outbox.push(n, 0);
    let budget = 2000;
    outbox.drain(0, (n) => budget-- > 0 && (sent.push(n), true));
    expect(outbox.size).toBe(1000);
    for (let n = 3000; n < 3500; n++) outbox.push(n, 0);
    expect(outbox.size).toBe(1500);
    outbox.drain(0, (n) => (sent.push(n), true));
    expect(sent).toEqual(Array.from({ length: 3500 }, (_, n) => n));
    expect(outbox.size).toBe(0);
  });
});
