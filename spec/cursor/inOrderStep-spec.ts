import { createResumeCursor, memoryCursorStorage } from '../../src/cursor';
import { Cursor } from '../../src/cursor/createResumeCursor';

/** The cursor as the socket sees it: the library's own, with its in-order step. */
const own = (cursor: unknown): Cursor => {
  expect(cursor).toBeInstanceOf(Cursor);
  return cursor as Cursor;
};

describe("the cursor's in-order step (the socket's fast path)", () => {
  it('should move a key that is next in order, and nothing else', () => {
    const cursor = own(createResumeCursor({ mode: 'perKey' }));
    expect(cursor.next(1, 'a', undefined)).toBe(false); // the first event of a key: its base, through markDelivered
    expect(cursor.markDelivered(1, 'a')).toBe(true);
    expect(cursor.next(2, 'a', undefined)).toBe(true);
    expect(cursor.get('a')).toBe(2);
    expect(cursor.next(4, 'a', undefined)).toBe(false); // a gap: not the next one
    expect(cursor.next(2, 'a', undefined)).toBe(false); // a repeat
    expect(cursor.get('a')).toBe(2);
    expect(cursor.next(3, 'b', undefined)).toBe(false); // another key, never seen
    expect(cursor.value).toBe(2);
  });

  it('should leave to markDelivered a key with events waiting above a hole', () => {
    const cursor = own(createResumeCursor({ start: 0 }));
    cursor.markDelivered(1);
    cursor.markDelivered(3); // 3 waits above the hole at 2
    expect(cursor.next(2, undefined, undefined)).toBe(false);
    expect(cursor.value).toBe(1);
    expect(cursor.markDelivered(2)).toBe(true);
    expect(cursor.value).toBe(3);
  });

  it('should carry the resume token with the seq', () => {
    const cursor = own(createResumeCursor({ start: 0 }));
    expect(cursor.next(1, undefined, 101)).toBe(true);
    expect(cursor.resumeToken()).toBe(101);
  });

  it('should leave to markDelivered a cursor that saves, or whose value$ is watched', () => {
    const saving = own(createResumeCursor({ start: 0, storage: memoryCursorStorage() }));
    expect(saving.next(1, undefined, undefined)).toBe(false);
    const watched = own(createResumeCursor({ start: 0 }));
    const values: (number | null)[] = [];
    const subscription = watched.value$.subscribe((v) => values.push(v));
    expect(watched.next(1, undefined, undefined)).toBe(false);
    watched.markDelivered(1);
    subscription.unsubscribe();
    expect(watched.next(2, undefined, undefined)).toBe(true); // nobody watches any more
    expect(values).toEqual([0, 1]);
  });

  it('should refuse to move while onSkip runs', () => {
    const steps: boolean[] = [];
    const cursor = own(
      createResumeCursor({
        start: 0,
        window: 1,
        onSkip: () => steps.push(cursor.next(1, undefined, undefined)),
      }),
    );
    cursor.markDelivered(2);
    cursor.markDelivered(4); // one too many above the hole at 1: the hole is given up on
    expect(steps).toEqual([false]);
  });
});
