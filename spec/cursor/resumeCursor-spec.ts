import * as fc from 'fast-check';
import { createResumeCursor, memoryCursorStorage } from '../../src/cursor';
import type { CursorStorage, ResumeCursor, ResumeCursorSkip, ResumeCursorState } from '../../src/cursor';
import { InvalidSequenceError } from '../../src/errors';
import { expectInvalidOption } from '../support/invalidOption';

/** Collects everything `value$` emits. */
function watch(cursor: ResumeCursor): Array<number | null> {
  const seen: Array<number | null> = [];
  cursor.value$.subscribe((v) => seen.push(v));
  return seen;
}

/** A storage that records every save and can be told to fail. */
function recordingStorage(initial: unknown = null): CursorStorage & { saves: ResumeCursorState[]; fail: boolean } {
  const store = {
    saves: [] as ResumeCursorState[],
    fail: false,
    load: () => initial as ResumeCursorState | null,
    save: (state: ResumeCursorState) => {
      if (store.fail) throw new Error('disk full');
      store.saves.push(state);
    },
  };
  return store;
}

describe('createResumeCursor', () => {
  describe("mode 'contiguous' (the default)", () => {
    it("should default to 'contiguous' with a null value", () => {
      const cursor = createResumeCursor();
      expect(cursor.mode).toBe('contiguous');
      expect(cursor.value).toBeNull();
      expect(cursor.get()).toBeNull();
      expect(cursor.keys()).toEqual([]);
    });

    it('should start at `start` when given', () => {
      const cursor = createResumeCursor({ start: 0 });
      expect(cursor.value).toBe(0);
      expect(cursor.isDelivered(0)).toBe(true);
      expect(cursor.isDelivered(1)).toBe(false);
    });

    it('should take the first seq delivered as the base when `start` is null', () => {
      const cursor = createResumeCursor();
      expect(cursor.isDelivered(7)).toBe(false);
      expect(cursor.markDelivered(7)).toBe(true);
      expect(cursor.value).toBe(7);
      // Anything below the base is not ours to claim: it counts as a replay.
      expect(cursor.isDelivered(3)).toBe(true);
      expect(cursor.markDelivered(3)).toBe(false);
      expect(cursor.value).toBe(7);
    });

    it('should stay below a hole, remember the seqs above it, and jump when it fills', () => {
      const cursor = createResumeCursor({ start: 0 });
      const values: Array<number | null> = [];
      for (const seq of [1, 2, 4, 5, 7, 3]) {
        cursor.markDelivered(seq);
        values.push(cursor.value);
      }
      expect(values).toEqual([1, 2, 2, 2, 2, 5]);
      expect(cursor.snapshot()).toEqual({ version: 1, mode: 'contiguous', cursor: 5, ahead: [7] });
    });

    it('should count a seq as delivered at or below the cursor and in the ahead set, not in a hole', () => {
      const cursor = createResumeCursor({ start: 0 });
      for (const seq of [1, 2, 5]) cursor.markDelivered(seq);
      expect([1, 2, 3, 4, 5, 6].map((s) => cursor.isDelivered(s))).toEqual([true, true, false, false, true, false]);
    });

    it('should return false and change nothing for a replay', () => {
      const storage = recordingStorage();
      const cursor = createResumeCursor({ start: 0, storage });
      const values = watch(cursor);
      cursor.markDelivered(1);
      cursor.markDelivered(3);
      const before = cursor.snapshot();
      const savesBefore = storage.saves.length;
      expect(cursor.markDelivered(1)).toBe(false);
      expect(cursor.markDelivered(3)).toBe(false);
      expect(cursor.markDelivered(0)).toBe(false);
      expect(cursor.snapshot()).toEqual(before);
      expect(storage.saves.length).toBe(savesBefore);
      expect(values).toEqual([0, 1]);
    });

    it('should emit the current value on subscribe, then distinct changes only', () => {
      const cursor = createResumeCursor({ start: 0 });
      cursor.markDelivered(1);
      const values = watch(cursor);
      cursor.markDelivered(3); // ahead: no change
      cursor.markDelivered(4); // ahead: no change
      cursor.markDelivered(2); // fills the hole: 4
      cursor.markDelivered(2); // replay
      expect(values).toEqual([1, 4]);
    });

    it('should keep seqs up to Number.MAX_SAFE_INTEGER', () => {
      const max = Number.MAX_SAFE_INTEGER;
      const cursor = createResumeCursor({ start: max - 2 });
      cursor.markDelivered(max);
      expect(cursor.value).toBe(max - 2);
      cursor.markDelivered(max - 1);
      expect(cursor.value).toBe(max);
    });
  });

  describe('window', () => {
    it('should give up on the lowest hole and report it when the ahead set would exceed the window', () => {
      const skips: ResumeCursorSkip[] = [];
      const cursor = createResumeCursor({ start: 0, window: 2, onSkip: (s) => skips.push(s) });
      cursor.markDelivered(1);
      cursor.markDelivered(4);
      cursor.markDelivered(5);
      expect(skips).toEqual([]);
      expect(cursor.value).toBe(1);
      cursor.markDelivered(7); // a third seq ahead: 2..3 are given up
      expect(skips).toEqual([{ from: 2, to: 3, key: undefined }]);
      expect(cursor.value).toBe(5);
      expect(cursor.snapshot()).toEqual({ version: 1, mode: 'contiguous', cursor: 5, ahead: [7] });
      // The lost seqs now count as delivered: that is the loss onSkip reported.
      expect(cursor.isDelivered(2)).toBe(true);
    });

    it('should give up the hole below the new seq when it is the lowest one ahead', () => {
      const skips: ResumeCursorSkip[] = [];
      const cursor = createResumeCursor({ start: 0, window: 2, onSkip: (s) => skips.push(s) });
      for (const seq of [8, 9, 4]) cursor.markDelivered(seq);
      expect(skips).toEqual([{ from: 1, to: 3, key: undefined }]);
      expect(cursor.value).toBe(4);
      expect(cursor.snapshot()).toEqual({ version: 1, mode: 'contiguous', cursor: 4, ahead: [8, 9] });
    });

    it('should tolerate no reordering with a window of 0', () => {
      const skips: ResumeCursorSkip[] = [];
      const cursor = createResumeCursor({ start: 0, window: 0, onSkip: (s) => skips.push(s) });
      for (const seq of [1, 3, 2]) cursor.markDelivered(seq);
      expect(cursor.value).toBe(3);
      expect(skips).toEqual([{ from: 2, to: 2, key: undefined }]);
    });

    it('should run onSkip before moving, and leave the cursor unchanged when it throws', () => {
      const seenInSkip: Array<number | null> = [];
      const cursor: ResumeCursor = createResumeCursor({
        start: 0,
        window: 1,
        onSkip: () => {
          seenInSkip.push(cursor.value);
          throw new Error('strict');
        },
      });
      cursor.markDelivered(1);
      cursor.markDelivered(3);
      const before = cursor.snapshot();
      expect(() => cursor.markDelivered(5)).toThrow('strict');
      expect(seenInSkip).toEqual([1]);
      expect(cursor.snapshot()).toEqual(before);
      expect(cursor.isDelivered(5)).toBe(false);
      // Filling the hole instead works as usual.
      expect(cursor.markDelivered(2)).toBe(true);
      expect(cursor.value).toBe(3);
    });

    it('should refuse markDelivered and reset from inside onSkip', () => {
      const errors: unknown[] = [];
      const cursor: ResumeCursor = createResumeCursor({
        start: 0,
        window: 0,
        onSkip: () => {
          for (const call of [() => cursor.markDelivered(9), () => cursor.reset()]) {
            try {
              call();
            } catch (err) {
              errors.push(err);
            }
          }
        },
      });
      cursor.markDelivered(2);
      expect(errors.map((e) => (e as Error).message)).toEqual([
        'ResumeCursor.markDelivered: called from inside onSkip',
        'ResumeCursor.reset: called from inside onSkip',
      ]);
      expect(cursor.value).toBe(2);
    });

    it('should skip silently from the cursor but still move when there is no onSkip', () => {
      const cursor = createResumeCursor({ start: 0, window: 1 });
      cursor.markDelivered(3);
      cursor.markDelivered(5);
      expect(cursor.value).toBe(3);
    });
  });

  describe("mode 'ordered'", () => {
    it('should follow the highest seq delivered, with no ahead set', () => {
      const cursor = createResumeCursor({ mode: 'ordered', start: 0 });
      for (const seq of [1, 2, 5]) expect(cursor.markDelivered(seq)).toBe(true);
      expect(cursor.value).toBe(5);
      expect(cursor.snapshot()).toEqual({ version: 1, mode: 'ordered', cursor: 5, ahead: [] });
    });

    it('should take a seq that arrives late, below the cursor, for a replay', () => {
      const cursor = createResumeCursor({ mode: 'ordered', start: 0 });
      cursor.markDelivered(1);
      cursor.markDelivered(3);
      expect(cursor.isDelivered(2)).toBe(true);
      expect(cursor.markDelivered(2)).toBe(false);
    });

    it('should never call onSkip, even for jumps', () => {
      const onSkip = jest.fn();
      const cursor = createResumeCursor({ mode: 'ordered', start: 0, window: 0, onSkip });
      cursor.markDelivered(10);
      cursor.markDelivered(20);
      expect(onSkip).not.toHaveBeenCalled();
      expect(cursor.value).toBe(20);
    });
  });

  describe("mode 'perKey'", () => {
    it('should keep one contiguous cursor per key and report the lowest as the value', () => {
      const cursor = createResumeCursor({ mode: 'perKey', start: 0 });
      expect(cursor.value).toBe(0);
      cursor.markDelivered(1, 'a');
      cursor.markDelivered(2, 'a');
      cursor.markDelivered(1, 'b');
      cursor.markDelivered(3, 'b');
      expect(cursor.get('a')).toBe(2);
      expect(cursor.get('b')).toBe(1);
      expect(cursor.get('never-seen')).toBe(0);
      expect(cursor.value).toBe(1);
      expect(cursor.keys()).toEqual(['a', 'b']);
      cursor.markDelivered(2, 'b');
      expect(cursor.get('b')).toBe(3);
      expect(cursor.value).toBe(2);
    });

    it('should keep the keys independent', () => {
      const cursor = createResumeCursor({ mode: 'perKey', start: 0 });
      cursor.markDelivered(1, 'a');
      expect(cursor.isDelivered(1, 'a')).toBe(true);
      expect(cursor.isDelivered(1, 'b')).toBe(false);
      expect(cursor.markDelivered(1, 'b')).toBe(true);
    });

    it('should tell number keys from string keys, and treat -0 as 0', () => {
      const cursor = createResumeCursor({ mode: 'perKey', start: 0 });
      cursor.markDelivered(1, 1);
      expect(cursor.isDelivered(1, '1')).toBe(false);
      expect(cursor.isDelivered(1, -0)).toBe(false);
      cursor.markDelivered(1, -0);
      expect(cursor.isDelivered(1, 0)).toBe(true);
      expect(cursor.keys()).toEqual([1, 0]);
    });

    it('should be null until a key has a cursor when `start` is null, then the lowest over known keys', () => {
      const cursor = createResumeCursor({ mode: 'perKey' });
      const values = watch(cursor);
      expect(cursor.value).toBeNull();
      expect(cursor.get('a')).toBeNull();
      cursor.markDelivered(10, 'a');
      cursor.markDelivered(4, 'b');
      cursor.markDelivered(5, 'b');
      cursor.markDelivered(11, 'a');
      cursor.markDelivered(6, 'b');
      expect(values).toEqual([null, 10, 4, 5, 6]);
    });

    it('should keep the value right when several keys share the lowest cursor', () => {
      const cursor = createResumeCursor({ mode: 'perKey', start: 0 });
      cursor.markDelivered(1, 'a');
      cursor.markDelivered(1, 'b');
      cursor.markDelivered(1, 'c');
      cursor.markDelivered(2, 'a');
      expect(cursor.value).toBe(1);
      cursor.markDelivered(2, 'b');
      expect(cursor.value).toBe(1);
      cursor.markDelivered(2, 'c');
      expect(cursor.value).toBe(2);
    });

    it('should apply the window per key and name the key in onSkip', () => {
      const skips: ResumeCursorSkip[] = [];
      const cursor = createResumeCursor({ mode: 'perKey', start: 0, window: 1, onSkip: (s) => skips.push(s) });
      cursor.markDelivered(3, 'a');
      cursor.markDelivered(3, 'b');
      expect(skips).toEqual([]);
      cursor.markDelivered(5, 'b');
      expect(skips).toEqual([{ from: 1, to: 2, key: 'b' }]);
      expect(cursor.get('a')).toBe(0);
      expect(cursor.get('b')).toBe(3);
    });

    it('should not register a key when onSkip throws on its first seq', () => {
      const cursor = createResumeCursor({
        mode: 'perKey',
        start: 0,
        window: 0,
        onSkip: () => {
          throw new Error('strict');
        },
      });
      expect(() => cursor.markDelivered(3, 'a')).toThrow('strict');
      expect(cursor.keys()).toEqual([]);
      expect(cursor.markDelivered(1, 'a')).toBe(true);
    });

    it('should keep the value equal to the lowest per-key cursor through any deliveries and resets', () => {
      const step = fc.oneof(
        fc.record({ kind: fc.constant('mark' as const), key: fc.constantFrom('a', 'b', 'c', 'd'), seq: fc.integer({ min: 0, max: 12 }) }),
        fc.record({ kind: fc.constant('reset' as const) }),
      );
      fc.assert(
        fc.property(fc.option(fc.integer({ min: 0, max: 3 }), { nil: null }), fc.array(step, { maxLength: 60 }), (start, steps) => {
          const cursor = createResumeCursor({ mode: 'perKey', start, window: 3 });
          for (const s of steps) {
            if (s.kind === 'mark') cursor.markDelivered(s.seq, s.key);
            else cursor.reset(cursor.snapshot());
            const perKey = cursor.keys().map((k) => cursor.get(k) as number);
            expect(cursor.value).toBe(perKey.length === 0 ? start : Math.min(...perKey));
          }
        }),
      );
    });
  });

  describe('snapshot and reset', () => {
    it('should snapshot plain JSON with sorted ahead sets', () => {
      const cursor = createResumeCursor({ mode: 'perKey', start: 0 });
      for (const [seq, key] of [[5, 'x'], [3, 'x'], [1, 'x'], [2, 7]] as const) cursor.markDelivered(seq, key);
      const state = cursor.snapshot();
      expect(state).toEqual({
        version: 1,
        mode: 'perKey',
        keys: [
          { key: 'x', cursor: 1, ahead: [3, 5] },
          { key: 7, cursor: 0, ahead: [2] },
        ],
      });
      expect(JSON.parse(JSON.stringify(state))).toEqual(state);
    });

    it('should return a copy that does not change with the cursor', () => {
      const cursor = createResumeCursor({ start: 0 });
      cursor.markDelivered(3);
      const state = cursor.snapshot();
      cursor.markDelivered(1);
      expect(state).toEqual({ version: 1, mode: 'contiguous', cursor: 0, ahead: [3] });
    });

    it('should go back to `start` on reset() and emit the change', () => {
      const cursor = createResumeCursor({ start: 0 });
      const values = watch(cursor);
      cursor.markDelivered(1);
      cursor.markDelivered(3);
      cursor.reset();
      expect(cursor.snapshot()).toEqual({ version: 1, mode: 'contiguous', cursor: 0, ahead: [] });
      expect(values).toEqual([0, 1, 0]);
    });

    it('should restore a state given to reset(state)', () => {
      const first = createResumeCursor({ start: 0 });
      for (const seq of [1, 2, 4]) first.markDelivered(seq);
      const second = createResumeCursor();
      second.reset(first.snapshot());
      expect(second.value).toBe(2);
      expect(second.isDelivered(4)).toBe(true);
      second.markDelivered(3);
      expect(second.value).toBe(4);
    });

    it('should move over ahead seqs right above the cursor in a given state', () => {
      const cursor = createResumeCursor();
      cursor.reset({ version: 1, mode: 'contiguous', cursor: 2, ahead: [4, 3, 6] });
      expect(cursor.snapshot()).toEqual({ version: 1, mode: 'contiguous', cursor: 4, ahead: [6] });
    });

    it('should reject a malformed or other-mode state with InvalidOptionError and stay unchanged', () => {
      const cursor = createResumeCursor({ start: 0 });
      cursor.markDelivered(1);
      const bad: unknown[] = [
        { version: 1, mode: 'ordered', cursor: 1, ahead: [] },
        { version: 2, mode: 'contiguous', cursor: 1, ahead: [] },
        { version: 1, mode: 'contiguous', cursor: -1, ahead: [] },
        { version: 1, mode: 'contiguous', cursor: 3, ahead: [2] },
        { version: 1, mode: 'contiguous', cursor: 3, ahead: [5, 5] },
        { version: 1, mode: 'contiguous', cursor: null, ahead: [5] },
        { version: 1, mode: 'contiguous', cursor: 3 },
        'state',
      ];
      for (const state of bad) {
        expectInvalidOption(() => cursor.reset(state as ResumeCursorState), { operator: 'ResumeCursor.reset', option: 'state', value: state });
      }
      expect(cursor.value).toBe(1);
    });
  });

  describe('storage', () => {
    it('should let a second cursor on the same storage resume where the first stopped', () => {
      const storage = memoryCursorStorage();
      const first = createResumeCursor({ start: 0, storage });
      for (const seq of [1, 2, 4]) first.markDelivered(seq);
      const second = createResumeCursor({ start: 0, storage });
      expect(second.value).toBe(2);
      expect(second.isDelivered(4)).toBe(true);
      expect(second.snapshot()).toEqual(first.snapshot());
    });

    it('should save after every change and only then', () => {
      const storage = recordingStorage();
      const cursor = createResumeCursor({ start: 0, storage });
      expect(storage.saves).toEqual([]);
      cursor.markDelivered(2);
      cursor.markDelivered(2);
      cursor.markDelivered(1);
      cursor.reset();
      expect(storage.saves).toEqual([
        { version: 1, mode: 'contiguous', cursor: 0, ahead: [2] },
        { version: 1, mode: 'contiguous', cursor: 2, ahead: [] },
        { version: 1, mode: 'contiguous', cursor: 0, ahead: [] },
      ]);
    });

    it('should load the stored state once and prefer it to `start`', () => {
      const load = jest.fn(() => ({ version: 1, mode: 'contiguous', cursor: 9, ahead: [11] }) as ResumeCursorState);
      const cursor = createResumeCursor({ start: 0, storage: { load, save: () => undefined } });
      cursor.markDelivered(10);
      expect(load).toHaveBeenCalledTimes(1);
      expect(cursor.value).toBe(11);
    });

    it('should use `start` when the storage holds nothing', () => {
      for (const empty of [null, undefined]) {
        const cursor = createResumeCursor({ start: 5, storage: { load: () => empty, save: () => undefined } });
        expect(cursor.value).toBe(5);
      }
    });

    it('should reject a stored state of another mode, naming `mode`', () => {
      const storage = memoryCursorStorage({ version: 1, mode: 'ordered', cursor: 3, ahead: [] });
      expectInvalidOption(() => createResumeCursor({ storage }), { operator: 'createResumeCursor', option: 'mode', value: 'contiguous' });
      expect(() => createResumeCursor({ storage })).toThrow(
        "createResumeCursor: invalid option `mode`: 'ordered', the mode of the state in storage (got \"contiguous\")",
      );
    });

    it('should reject a malformed stored state, naming `storage`', () => {
      const bad: unknown[] = [
        42,
        { mode: 'perKey', keys: [] },
        { version: 1, mode: 'sideways' },
        { version: 1, mode: 'perKey', keys: {} },
        { version: 1, mode: 'perKey', keys: [{ key: 'a', cursor: 1, ahead: [] }, { key: 'a', cursor: 2, ahead: [] }] },
        { version: 1, mode: 'perKey', keys: [{ key: null, cursor: 1, ahead: [] }] },
        { version: 1, mode: 'perKey', keys: [{ key: 'a', cursor: null, ahead: [] }] },
        { version: 1, mode: 'perKey', keys: [{ key: 'a', cursor: 1, ahead: [1.5] }] },
        { version: 1, mode: 'perKey', keys: [{ key: NaN, cursor: 1, ahead: [] }] },
      ];
      for (const state of bad) {
        const storage = { load: () => state as ResumeCursorState, save: () => undefined };
        expectInvalidOption(() => createResumeCursor({ mode: 'perKey', storage }), { operator: 'createResumeCursor', option: 'storage', value: state });
      }
    });

    it('should reject an ahead set in a stored ordered state', () => {
      const storage = memoryCursorStorage({ version: 1, mode: 'ordered', cursor: 3, ahead: [5] });
      expect(() => createResumeCursor({ mode: 'ordered', storage })).toThrow("ahead must be empty in 'ordered' mode");
    });

    it('should fit a loaded state into a smaller window, reporting and saving the skip', () => {
      const storage = recordingStorage({ version: 1, mode: 'contiguous', cursor: 1, ahead: [3, 4, 6, 8] });
      const skips: ResumeCursorSkip[] = [];
      const cursor = createResumeCursor({ window: 1, storage, onSkip: (s) => skips.push(s) });
      expect(skips).toEqual([
        { from: 2, to: 2, key: undefined },
        { from: 5, to: 5, key: undefined },
      ]);
      expect(cursor.snapshot()).toEqual({ version: 1, mode: 'contiguous', cursor: 6, ahead: [8] });
      expect(storage.saves).toEqual([cursor.snapshot()]);
    });

    it('should undo a change in memory when saving it fails, and pass the error on', () => {
      const storage = recordingStorage();
      const cursor = createResumeCursor({ mode: 'perKey', start: 0, storage });
      const values = watch(cursor);
      cursor.markDelivered(1, 'a');
      storage.fail = true;
      expect(() => cursor.markDelivered(2, 'a')).toThrow('disk full');
      expect(() => cursor.markDelivered(1, 'b')).toThrow('disk full');
      expect(cursor.snapshot()).toEqual({ version: 1, mode: 'perKey', keys: [{ key: 'a', cursor: 1, ahead: [] }] });
      expect(cursor.value).toBe(1);
      expect(values).toEqual([0, 1]);
      storage.fail = false;
      expect(cursor.markDelivered(2, 'a')).toBe(true);
      expect(cursor.value).toBe(2);
    });

    it('should make memoryCursorStorage keep copies', () => {
      const initial: ResumeCursorState = { version: 1, mode: 'contiguous', cursor: 1, ahead: [3] };
      const storage = memoryCursorStorage(initial);
      (initial.ahead as number[]).push(9);
      const loaded = storage.load() as ResumeCursorState & { ahead: number[] };
      expect(loaded).toEqual({ version: 1, mode: 'contiguous', cursor: 1, ahead: [3] });
      loaded.ahead.push(10);
      expect(storage.load()).toEqual({ version: 1, mode: 'contiguous', cursor: 1, ahead: [3] });
      expect(memoryCursorStorage().load()).toBeNull();
    });
  });

  describe('arguments', () => {
    it('should throw InvalidSequenceError for a seq that is not a safe integer >= 0', () => {
      const cursor = createResumeCursor();
      for (const bad of [-1, 1.5, NaN, Infinity, 2 ** 53, '1']) {
        expect(() => cursor.markDelivered(bad as number)).toThrow(InvalidSequenceError);
        expect(() => cursor.isDelivered(bad as number)).toThrow(InvalidSequenceError);
      }
      expect(cursor.value).toBeNull();
    });

    it("should throw a TypeError for a key outside 'perKey' mode", () => {
      const cursor = createResumeCursor({ mode: 'ordered' });
      expect(() => cursor.markDelivered(1, 'a')).toThrow(TypeError);
      expect(() => cursor.isDelivered(1, 'a')).toThrow("a key is only accepted in 'perKey' mode");
      expect(() => cursor.get('a')).toThrow(TypeError);
    });

    it("should throw a TypeError for a missing or bad key in 'perKey' mode", () => {
      const cursor = createResumeCursor({ mode: 'perKey' });
      for (const bad of [undefined, null, NaN, Infinity, {}, true]) {
        expect(() => cursor.markDelivered(1, bad as string)).toThrow(TypeError);
      }
      expect(() => cursor.get()).toThrow('the key must be a string or a finite number');
      expect(cursor.keys()).toEqual([]);
    });
  });

  describe('options', () => {
    it('should throw InvalidOptionError at creation for bad options', () => {
      const cases: Array<[unknown, string]> = [
        [null, 'config'],
        [{ mode: 'sorted' }, 'mode'],
        [{ start: -1 }, 'start'],
        [{ start: 1.5 }, 'start'],
        [{ start: 2 ** 53 }, 'start'],
        [{ start: '0' }, 'start'],
        [{ window: -1 }, 'window'],
        [{ window: 2.5 }, 'window'],
        [{ window: Infinity }, 'window'],
        [{ storage: {} }, 'storage'],
        [{ storage: null }, 'storage'],
        [{ onSkip: 'log' }, 'onSkip'],
      ];
      for (const [config, option] of cases) {
        expectInvalidOption(() => createResumeCursor(config as never), { operator: 'createResumeCursor', option });
      }
    });
  });
});
