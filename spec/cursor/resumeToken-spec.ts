import * as fc from 'fast-check';
import { createResumeCursor, memoryCursorStorage } from '../../src/cursor';
import { expectInvalidOption } from '../support/invalidOption';

describe('createResumeCursor: resume tokens', () => {
  describe("'contiguous' mode", () => {
    it('should keep the token of the event at the cursor, not of one above a hole', () => {
      const cursor = createResumeCursor({ start: 0 });
      expect(cursor.resumeToken()).toBeNull();
      cursor.markDelivered(1, undefined, 100);
      cursor.markDelivered(2, undefined, 105);
      cursor.markDelivered(4, undefined, 120);
      expect(cursor.value).toBe(2);
      expect(cursor.resumeToken()).toBe(105);
      cursor.markDelivered(3, undefined, 110);
      expect(cursor.value).toBe(4);
      expect(cursor.resumeToken()).toBe(120);
    });

    it('should claim no token while the cursor still stands at a numeric start', () => {
      const cursor = createResumeCursor({ start: 0 });
      cursor.markDelivered(2, undefined, 50);
      expect(cursor.resumeToken()).toBeNull();
      cursor.markDelivered(1, undefined, 40);
      expect(cursor.resumeToken()).toBe(50);
    });

    it('should keep the older, lower token when the cursor moves over a seq delivered without one', () => {
      const cursor = createResumeCursor({ start: 0 });
      cursor.markDelivered(1, undefined, 10);
      cursor.markDelivered(3);
      cursor.markDelivered(2, undefined, 20);
      expect(cursor.value).toBe(3);
      expect(cursor.resumeToken()).toBe(20);
    });

    it('should take the first token with the first seq when start is null', () => {
      const cursor = createResumeCursor();
      cursor.markDelivered(7, undefined, 700);
      expect(cursor.resumeToken()).toBe(700);
    });

    it('should move the token along in ordered mode', () => {
      const cursor = createResumeCursor({ mode: 'ordered', start: 0 });
      cursor.markDelivered(3, undefined, 30);
      cursor.markDelivered(9, undefined, 90);
      expect(cursor.resumeToken()).toBe(90);
    });

    it('should refuse a token that is not a finite number, and leave the cursor as it was', () => {
      const cursor = createResumeCursor({ start: 0 });
      expect(() => cursor.markDelivered(1, undefined, NaN)).toThrow(TypeError);
      expect(() => cursor.markDelivered(1, undefined, '5' as unknown as number)).toThrow(TypeError);
      expect(cursor.value).toBe(0);
    });
  });

  describe("'perKey' mode", () => {
    it('should give the lowest token at the keys’ cursors', () => {
      const cursor = createResumeCursor({ mode: 'perKey', start: 0 });
      cursor.markDelivered(1, 'a', 1);
      cursor.markDelivered(1, 'b', 2);
      cursor.markDelivered(2, 'a', 3);
      cursor.markDelivered(3, 'b', 5); // b's 2 (token 4) is missing
      cursor.markDelivered(3, 'a', 6);
      expect(cursor.resumeToken()).toBe(2);
      expect(cursor.resumeToken(['a'])).toBe(6);
      cursor.markDelivered(2, 'b', 4);
      expect(cursor.resumeToken()).toBe(5);
    });

    it('should not claim past a key given that was never seen, when it starts from a numeric start', () => {
      const cursor = createResumeCursor({ mode: 'perKey', start: 0 });
      cursor.markDelivered(1, 'a', 10);
      expect(cursor.resumeToken(['a', 'b'])).toBeNull();
      expect(cursor.resumeToken(['a'])).toBe(10);
    });

    it('should leave out a key never seen when its first event will be its base', () => {
      const fromFirst = createResumeCursor({ mode: 'perKey', start: 0, newKeys: 'first' });
      fromFirst.markDelivered(1, 'a', 10);
      expect(fromFirst.resumeToken(['a', 'b'])).toBe(10);
      const fromNull = createResumeCursor({ mode: 'perKey' });
      fromNull.markDelivered(1, 'a', 10);
      expect(fromNull.resumeToken(['a', 'b'])).toBe(10);
    });

    it('should save the token at the cursor and load it back', () => {
      const storage = memoryCursorStorage();
      const first = createResumeCursor({ mode: 'perKey', start: 0, storage });
      first.markDelivered(1, 'a', 10);
      first.markDelivered(3, 'a', 30);
      expect(first.snapshot()).toEqual({ version: 1, mode: 'perKey', keys: [{ key: 'a', cursor: 1, ahead: [3], token: 10 }] });
      const second = createResumeCursor({ mode: 'perKey', start: 0, storage });
      expect(second.resumeToken()).toBe(10);
      // The ahead seq's token was not saved: the cursor moves over it keeping the lower token.
      second.markDelivered(2, 'a', 20);
      expect(second.value).toBe(3);
      expect(second.resumeToken()).toBe(20);
    });

    it('should refuse a stored token that is not a finite number', () => {
      const storage = memoryCursorStorage({ version: 1, mode: 'contiguous', cursor: 1, ahead: [], token: 'x' as unknown as number });
      expectInvalidOption(() => createResumeCursor({ storage }), { operator: 'createResumeCursor', option: 'storage' });
    });
  });
});

describe("createResumeCursor: newKeys: 'first'", () => {
  it('should make the first seq of a key never seen its base', () => {
    const cursor = createResumeCursor({ mode: 'perKey', start: 0, newKeys: 'first' });
    expect(cursor.newKeys).toBe('first');
    expect(cursor.get('late')).toBeNull();
    expect(cursor.isDelivered(3, 'late')).toBe(false);
    expect(cursor.markDelivered(500, 'late')).toBe(true);
    expect(cursor.get('late')).toBe(500);
    expect(cursor.value).toBe(500);
    expect(cursor.isDelivered(499, 'late')).toBe(true);
  });

  it("should leave a new key with a hole from start with the default 'start'", () => {
    const cursor = createResumeCursor({ mode: 'perKey', start: 0 });
    expect(cursor.newKeys).toBe('start');
    expect(cursor.get('late')).toBe(0);
    cursor.markDelivered(500, 'late');
    expect(cursor.get('late')).toBe(0);
  });

  it('should still send start before any key was seen', () => {
    expect(createResumeCursor({ mode: 'perKey', start: 0, newKeys: 'first' }).value).toBe(0);
  });

  it('should refuse a bad newKeys at creation', () => {
    expectInvalidOption(() => createResumeCursor({ newKeys: 'later' as 'first' }), { operator: 'createResumeCursor', option: 'newKeys' });
  });
});

describe('createResumeCursor: the resume token is gap-safe and no lower than it must be', () => {
  // A log of events over three keys: a global offset g (1, 2, ...) and a dense seq per key.
  const logOf = (keys: readonly number[]) => {
    const seqs = new Map<number, number>();
    return keys.map((key, i) => {
      const seq = (seqs.get(key) ?? 0) + 1;
      seqs.set(key, seq);
      return { key, seq, g: i + 1 };
    });
  };

  it('should never claim past an event not delivered, and equal the lowest offset at the keys’ cursors', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 40 }),
        fc.array(fc.nat(), { maxLength: 60 }),
        (keys, picks) => {
          const log = logOf(keys);
          // Deliver some events, in an order of the test's choosing (reordered, with holes).
          const order: typeof log = [];
          const pool = [...log];
          for (const pick of picks) {
            if (pool.length === 0) break;
            order.push(...pool.splice(pick % pool.length, 1));
          }
          const cursor = createResumeCursor({ mode: 'perKey', start: 0 });
          for (const e of order) cursor.markDelivered(e.seq, e.key, e.g);
          const all = [...new Set(keys)];
          const token = cursor.resumeToken(all);
          const delivered = new Set(order.map((e) => e.g));
          // Safe: a replay after the token holds every event not delivered.
          if (token !== null) for (const e of log) if (!delivered.has(e.g)) expect(e.g).toBeGreaterThan(token);
          // Exact: per key, the offset of the last event of its contiguous run from seq 1; the lowest.
          let expected: number | null = Infinity;
          for (const key of all) {
            let last: number | null = null;
            for (const e of log.filter((x) => x.key === key)) {
              if (!delivered.has(e.g)) break;
              last = e.g;
            }
            if (last === null) {
              expected = null;
              break;
            }
            expected = Math.min(expected, last);
          }
          expect(token).toBe(expected);
        },
      ),
      { seed: 12, numRuns: 300 },
    );
  });
});
