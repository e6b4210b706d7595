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
