import * as fc from 'fast-check';
import { from, identity, of, Subject } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { dedupe } from '../../src/operators/dedupe';
import { expectInvalidOption } from '../support/invalidOption';

interface Event {
  readonly id: string;
  readonly n: number;
}

const byValue = (x: string): string => x;

describe('dedupe', () => {
  let ts: TestScheduler;

  beforeEach(() => {
    ts = new TestScheduler((a, e) => expect(a).toEqual(e));
  });

  describe('with a keyOf only (default window)', () => {
    it('should mirror a source that never emits', () => {
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        // prettier-ignore
        const source = cold('-');
        const subs = '       ^';
        const expected = '   -';
        expectObservable(source.pipe(dedupe(byValue))).toBe(expected);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('should complete with an empty source', () => {
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        // prettier-ignore
        const source = cold('|');
        const subs = '       (^!)';
        const expected = '   |';
        expectObservable(source.pipe(dedupe(byValue))).toBe(expected);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('should emit a single value', () => {
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        // prettier-ignore
        const source = cold('--a--|');
        const subs = '       ^----!';
        const expected = '   --a--|';
        expectObservable(source.pipe(dedupe(byValue))).toBe(expected);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('should drop values whose key was seen, comparing keys rather than values', () => {
      const e = {
        a: { id: 'x', n: 1 },
        b: { id: 'y', n: 2 },
        c: { id: 'x', n: 3 }, // same key as a, different object
        d: { id: 'z', n: 4 },
      };
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        // prettier-ignore
        const source = cold('-a-b-c-a-d-b-|', e);
        const subs = '       ^------------!';
        const expected = '   -a-b-----d---|';
        expectObservable(source.pipe(dedupe((ev: Event) => ev.id))).toBe(expected, e);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('should pass the source error through', () => {
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        // prettier-ignore
        const source = cold('-a-a-b-#');
        const subs = '       ^------!';
        const expected = '   -a---b-#';
        expectObservable(source.pipe(dedupe(byValue))).toBe(expected);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('should keep going with a never-ending source', () => {
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        // prettier-ignore
        const source = cold('-a-b-a-c-');
        const subs = '       ^--------';
        const expected = '   -a-b---c-';
        expectObservable(source.pipe(dedupe(byValue))).toBe(expected);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('should stop on early unsubscribe', () => {
      ts.run(({ hot, expectObservable, expectSubscriptions }) => {
        // prettier-ignore
        const source = hot('-a-b-a-c-d-|');
        const unsub = '     ------!     ';
        const subs = '      ^-----!     ';
        const expected = '  -a-b---     ';
        expectObservable(source.pipe(dedupe(byValue)), unsub).toBe(expected);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('should error with what keyOf throws', () => {
      const boom = new Error('no id');
      const keyOf = (x: string): string => {
        if (x === 'c') throw boom;
        return x;
      };
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        // prettier-ignore
        const source = cold('-a-b-c-d-|');
        const subs = '       ^----!    ';
        const expected = '   -a-b-#    ';
        expectObservable(source.pipe(dedupe(keyOf))).toBe(expected, undefined, boom);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('should compare keys with SameValueZero', () => {
      const out: unknown[] = [];
      const obj = {};
      of(NaN, NaN, 0, -0, '0', obj, {}, obj, undefined, undefined)
        .pipe(dedupe((x: unknown) => x))
        .subscribe((x) => out.push(x));
      expect(out).toEqual([NaN, 0, '0', obj, {}, undefined]);
    });
  });

  describe('with a window', () => {
    it('should forget the oldest accepted key once the window is full', () => {
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        // a is forgotten when c arrives, b when d arrives.
        // prettier-ignore
        const source = cold('-a-b-a-c-b-d-a-b-|');
        const subs = '       ^----------------!';
        const expected = '   -a-b---c---d-a-b-|';
        expectObservable(source.pipe(dedupe(byValue, 2))).toBe(expected);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('should not refresh the place of a key on a duplicate', () => {
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        // The duplicate a at frame 5 does not keep a in the window: c evicts it.
        // prettier-ignore
        const source = cold('-a-b-a-c-a-|');
        const subs = '       ^----------!';
        const expected = '   -a-b---c-a-|';
        expectObservable(source.pipe(dedupe(byValue, { window: 2 }))).toBe(expected);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('should drop only immediate repeats with a window of 1', () => {
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        // prettier-ignore
        const source = cold('-a-a-b-a-a-|');
        const subs = '       ^----------!';
        const expected = '   -a---b-a---|';
        expectObservable(source.pipe(dedupe(byValue, 1))).toBe(expected);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('should be a pass-through with a window of 0, without calling keyOf', () => {
      const keyOf = jest.fn(byValue);
      expect(dedupe(keyOf, 0)).toBe(identity);
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        // prettier-ignore
        const source = cold('-a-a-|');
        const subs = '       ^----!';
        const expected = '   -a-a-|';
        expectObservable(source.pipe(dedupe(keyOf, { window: 0 }))).toBe(expected);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
      expect(keyOf).not.toHaveBeenCalled();
    });

    it('should accept a key again once it is evicted, however long the stream', () => {
      const window = 100;
      const out: number[] = [];
      from(Array.from({ length: 10 * window }, (_, i) => i % (window + 1)))
        .pipe(dedupe((x: number) => x, window))
        .subscribe((x) => out.push(x));
      // Keys cycle through window + 1 values, so each one has been evicted by the time it repeats.
      expect(out).toHaveLength(10 * window);
    });
  });

  describe('onDuplicate', () => {
    it('should be told each dropped value and its key', () => {
      const dropped: Array<[Event, unknown]> = [];
      const e = { a: { id: 'x', n: 1 }, b: { id: 'x', n: 2 }, c: { id: 'y', n: 3 } };
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        // prettier-ignore
        const source = cold('-a-b-c-b-|', e);
        const subs = '       ^--------!';
        const expected = '   -a---c---|';
        const onDuplicate = (value: Event, key: unknown) => dropped.push([value, key]);
        expectObservable(source.pipe(dedupe((ev: Event) => ev.id, { onDuplicate }))).toBe(expected, e);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
      expect(dropped).toEqual([
        [{ id: 'x', n: 2 }, 'x'],
        [{ id: 'x', n: 2 }, 'x'],
      ]);
    });

    it('should error with what onDuplicate throws', () => {
      const boom = new Error('duplicate!');
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        // prettier-ignore
        const source = cold('-a-b-a-c-|');
        const subs = '       ^----!    ';
        const expected = '   -a-b-#    ';
        const onDuplicate = () => {
          throw boom;
        };
        expectObservable(source.pipe(dedupe(byValue, { onDuplicate }))).toBe(expected, undefined, boom);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });
  });

  describe('per subscription', () => {
    it('should give each subscription its own window (referential transparency)', () => {
      const op = dedupe(byValue, 2);
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        // prettier-ignore
        const source = cold('-a-b-a-|');
        const subs = '       ^------!';
        const expected = '   -a-b---|';
        expectObservable(source.pipe(op)).toBe(expected);
        expectObservable(source.pipe(op)).toBe(expected);
        expectSubscriptions(source.subscriptions).toBe([subs, subs]);
      });
    });

    it('should start empty again on resubscription', () => {
      const input = new Subject<string>();
      const deduped = input.pipe(dedupe(byValue));
      const first: string[] = [];
      const second: string[] = [];
      const sub = deduped.subscribe((x) => first.push(x));
      input.next('a');
      input.next('a');
      sub.unsubscribe();
      deduped.subscribe((x) => second.push(x));
      input.next('a');
      expect(first).toEqual(['a']);
      expect(second).toEqual(['a']);
    });
  });

  describe('options', () => {
    it('should throw InvalidOptionError at creation for bad options', () => {
      const cases: Array<[() => unknown, string]> = [
        [() => dedupe(undefined as never), 'keyOf'],
        [() => dedupe(byValue, null as never), 'config'],
        [() => dedupe(byValue, 'big' as never), 'config'],
        [() => dedupe(byValue, -1), 'window'],
        [() => dedupe(byValue, 1.5), 'window'],
        [() => dedupe(byValue, NaN), 'window'],
        [() => dedupe(byValue, Infinity), 'window'],
        [() => dedupe(byValue, { window: Infinity }), 'window'],
        [() => dedupe(byValue, { onDuplicate: 'log' as never }), 'onDuplicate'],
      ];
      for (const [create, option] of cases) {
        expectInvalidOption(() => create(), { operator: 'dedupe', option });
      }
    });
  });

  describe('properties', () => {
    const input = fc.record({
      keys: fc.array(fc.integer({ min: 0, max: 8 }), { maxLength: 80 }),
      window: fc.integer({ min: 1, max: 6 }),
    });

    it('should emit distinct keys within any `window` consecutive outputs', () => {
      fc.assert(
        fc.property(input, ({ keys, window }) => {
          const out: number[] = [];
          from(keys)
            .pipe(dedupe((k: number) => k, window))
            .subscribe((k) => out.push(k));
          for (let i = 0; i < out.length; i++) {
            const slice = out.slice(i, i + window);
            expect(new Set(slice).size).toBe(slice.length);
          }
        }),
      );
    });

    it('should drop a value exactly when its key is among the last `window` accepted keys', () => {
      fc.assert(
        fc.property(input, ({ keys, window }) => {
          const dropped: number[] = [];
          const out: number[] = [];
          const subject = new Subject<number>();
          subject.pipe(dedupe((k: number) => k, { window, onDuplicate: (k) => dropped.push(k) })).subscribe((k) => out.push(k));
          for (const k of keys) {
            const recent = out.slice(-window);
            const before = out.length;
            subject.next(k);
            expect(out.length === before).toBe(recent.includes(k));
          }
          expect(out.length + dropped.length).toBe(keys.length);
        }),
      );
    });
  });

  describe('with passUndefined', () => {
    it('should let values whose key is undefined through, every time, outside the window', () => {
      ts.run(({ cold, expectObservable }) => {
        const key = (v: string): string | undefined => (v === 'x' ? undefined : v);
        // prettier-ignore
        expectObservable(cold('-a-x-a-x-b').pipe(dedupe(key, { window: 1, passUndefined: true }))).toBe('-a-x---x-b');
      });
    });

    it('should treat undefined as a key like any other by default', () => {
      ts.run(({ cold, expectObservable }) => {
        const key = (v: string): string | undefined => (v === 'x' ? undefined : v);
        expectObservable(cold('-x-x-a').pipe(dedupe(key))).toBe('-x---a');
      });
    });
  });
});
