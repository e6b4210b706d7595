import { concat, concatMap, from, map, of, range, Subject, take, tap, throwError, timer } from 'rxjs';
import type { Subscription } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import fc from 'fast-check';
import { sequenceGaps } from '../../src/operators/sequenceGaps';
import { InvalidOptionError, InvalidSequenceError, SequenceGapError } from '../../src/errors';
import { expectInvalidOption } from '../support/invalidOption';
import type { SequenceGapInfo } from '../../src/errors';

/** Marble values are digit strings; their seq is the digit. */
const seqOf = (v: string): number => Number(v);

describe('sequenceGaps', () => {
  let ts: TestScheduler;
  beforeEach(() => {
    ts = new TestScheduler((a, e) => expect(a).toEqual(e));
  });

  describe('with the default config', () => {
    it('should pass an in-order sequence through unchanged', () => {
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        // prettier-ignore
        const source = cold(' -1-2-3-4-|');
        const subs = '        ^--------!';
        const expected = '    -1-2-3-4-|';
        expectObservable(source.pipe(sequenceGaps(seqOf))).toBe(expected);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('should emit nothing and stay open for a never source', () => {
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        // prettier-ignore
        const source = cold(' -');
        const subs = '        ^';
        const expected = '    -';
        expectObservable(source.pipe(sequenceGaps(seqOf))).toBe(expected);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('should complete when the source is empty', () => {
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        // prettier-ignore
        const source = cold(' |');
        const subs = '        (^!)';
        const expected = '    |';
        expectObservable(source.pipe(sequenceGaps(seqOf))).toBe(expected);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('should emit a single value whatever its seq and complete', () => {
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        // prettier-ignore
        const source = cold(' --7--|');
        const subs = '        ^----!';
        const expected = '    --7--|';
        expectObservable(source.pipe(sequenceGaps(seqOf))).toBe(expected);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('should hold an early value and release it when the hole fills', () => {
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        // prettier-ignore
        const source = cold(' -1-3-2----|');
        const subs = '        ^---------!';
        const expected = '    -1---(23)-|';
        //                       ^ 3 waits for 2
        expectObservable(source.pipe(sequenceGaps(seqOf))).toBe(expected);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('should release a run of held values in order, whatever order they came in', () => {
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        // prettier-ignore
        const source = cold(' -1-5-3-4-2--------|');
        const subs = '        ^-----------------!';
        const expected = '    -1-------(2345)---|';
        expectObservable(source.pipe(sequenceGaps(seqOf))).toBe(expected);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('should forward an error at once and drop the held values', () => {
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        // prettier-ignore
        const source = cold(' -1-3-#');
        const subs = '        ^----!';
        const expected = '    -1---#';
        expectObservable(source.pipe(sequenceGaps(seqOf))).toBe(expected);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('should keep holding while a never-ending source leaves a hole open', () => {
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        const onGap = jest.fn();
        // prettier-ignore
        const source = cold(' -1-3-4-');
        const subs = '        ^';
        const expected = '    -1------';
        expectObservable(source.pipe(sequenceGaps(seqOf, { maxWait: Infinity, onGap }))).toBe(expected);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('should stop on early unsubscription and cancel the pending timer', () => {
      const gaps: SequenceGapInfo[] = [];
      ts.run(({ cold, time, expectObservable, expectSubscriptions }) => {
        const maxWait = time('----|');
        // prettier-ignore
        const source = cold(' -1-3-----4-|');
        const unsub = '       -----!';
        const subs = '        ^----!';
        const expected = '    -1----';
        expectObservable(source.pipe(sequenceGaps(seqOf, { maxWait, onGap: (g) => gaps.push(g) })), unsub).toBe(expected);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
      // The hole 2..2 would have timed out at frame 7, after the unsubscription.
      expect(gaps).toEqual([]);
    });

    it('should leave no timer pending after unsubscription, error or completion', () => {
      const schedule = jest.spyOn(ts, 'schedule');
      const op = sequenceGaps(seqOf, { scheduler: ts });
      // Each source leaves a hole open (3 is held) when it ends or is dropped.
      const unsubscribed = new Subject<string>();
      const sub = unsubscribed.pipe(op).subscribe();
      unsubscribed.next('1');
      unsubscribed.next('3');
      sub.unsubscribe();
      concat(of('1', '3'), throwError(() => new Error('x')))
        .pipe(op)
        .subscribe({ error: () => undefined });
      of('1', '3').pipe(op).subscribe();
      const timers = schedule.mock.results.map((r) => r.value as Subscription);
      expect(timers.length).toBe(3);
      expect(timers.every((t) => t.closed)).toBe(true);
    });

    it('should emit held values in order and report the holes when the source completes', () => {
      const gaps: SequenceGapInfo[] = [];
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        // prettier-ignore
        const source = cold(' -1-5-3-|');
        const subs = '        ^------!';
        const expected = '    -1-----(35|)';
        expectObservable(source.pipe(sequenceGaps(seqOf, { onGap: (g) => gaps.push(g) }))).toBe(expected);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
      expect(gaps).toEqual([
        { from: 2, to: 2, lastContiguous: 1, reason: 'complete' },
        { from: 4, to: 4, lastContiguous: 3, reason: 'complete' },
      ]);
    });

    it('should give each subscription its own state', () => {
      ts.run(({ hot, expectObservable, expectSubscriptions }) => {
        // prettier-ignore
        const source = hot('  -1-2-3-4-|');
        const sub2 = '        ----^';
        const subs1 = '       ^--------!';
        const subs2 = '       ----^----!';
        const expected1 = '   -1-2-3-4-|';
        const expected2 = '   -----3-4-|';
        //                         ^ the second subscriber's first value sets its own base
        const result = source.pipe(sequenceGaps(seqOf));
        expectObservable(result).toBe(expected1);
        expectObservable(result, sub2).toBe(expected2);
        expectSubscriptions(source.subscriptions).toBe([subs1, subs2]);
      });
    });

    it('should be referentially transparent: resubscribing starts over', () => {
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        // prettier-ignore
        const source = cold(' -1-3-2----|');
        const subs1 = '       ^---------!';
        const subs2 = '       ----------^---------!';
        const expected = '    -1---(23)--1---(23)-|';
        //                               ^ the second run starts from a clean state
        const once = source.pipe(sequenceGaps(seqOf));
        expectObservable(concat(once, once)).toBe(expected);
        expectSubscriptions(source.subscriptions).toBe([subs1, subs2]);
      });
    });
  });

  describe('with maxWait', () => {
    it('should match the documented marble', () => {
      const gaps: SequenceGapInfo[] = [];
      ts.run(({ cold, time, expectObservable, expectSubscriptions }) => {
        const maxWait = time('-------|');
        // prettier-ignore
        const source = cold(' --1--3--4--2-----6--------7------|');
        const subs = '        ^--------------------------------!';
        const expected = '    --1--------(234)--------6-7------|';
        //                                            ^ 5 never came: given up 7 frames after 6 arrived
        expectObservable(source.pipe(sequenceGaps(seqOf, { maxWait, onGap: (g) => gaps.push(g) }))).toBe(expected);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
      expect(gaps).toEqual([{ from: 5, to: 5, lastContiguous: 4, reason: 'timeout' }]);
    });

    it('should give up on a hole after maxWait, report it and move on', () => {
      const gaps: Array<[number, SequenceGapInfo]> = [];
      ts.run(({ cold, time, expectObservable, expectSubscriptions }) => {
        const maxWait = time('----|');
        // prettier-ignore
        const source = cold(' -1-3------4---|');
        const subs = '        ^-------------!';
        const expected = '    -1-----3--4---|';
        //                           ^ frame 7: 2 has been missing for 4 frames since 3 arrived
        const onGap = (g: SequenceGapInfo) => gaps.push([ts.now(), g]);
        expectObservable(source.pipe(sequenceGaps(seqOf, { maxWait, onGap }))).toBe(expected);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
      expect(gaps).toEqual([[7, { from: 2, to: 2, lastContiguous: 1, reason: 'timeout' }]]);
    });

    it('should drop and report a value that arrives after its hole was given up on', () => {
      const late: Array<[string, number]> = [];
      ts.run(({ cold, time, expectObservable, expectSubscriptions }) => {
        const maxWait = time('----|');
        // prettier-ignore
        const source = cold(' -1-3------2-4-|');
        const subs = '        ^-------------!';
        const expected = '    -1-----3----4-|';
        const onLate = (v: string, s: number) => late.push([v, s]);
        expectObservable(source.pipe(sequenceGaps(seqOf, { maxWait, onLate }))).toBe(expected);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
      expect(late).toEqual([['2', 2]]);
    });

    it("should start the next hole's clock when the first value beyond it arrived", () => {
      const gaps: Array<[number, SequenceGapInfo]> = [];
      ts.run(({ cold, time, expectObservable, expectSubscriptions }) => {
        const maxWait = time('----|');
        // prettier-ignore
        const source = cold(' -1-3-5--------|');
        const subs = '        ^-------------!';
        const expected = '    -1-----3-5----|';
        //                           ^ hole 2 gives up at 7; hole 4 opened when 5 came (5), so at 9
        const onGap = (g: SequenceGapInfo) => gaps.push([ts.now(), g]);
        expectObservable(source.pipe(sequenceGaps(seqOf, { maxWait, onGap }))).toBe(expected);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
      expect(gaps).toEqual([
        [7, { from: 2, to: 2, lastContiguous: 1, reason: 'timeout' }],
        [9, { from: 4, to: 4, lastContiguous: 3, reason: 'timeout' }],
      ]);
    });

    it('should give up at once on a next hole whose held values have already waited maxWait', () => {
      const gaps: Array<[number, SequenceGapInfo]> = [];
      ts.run(({ cold, time, expectObservable, expectSubscriptions }) => {
        const maxWait = time('----|');
        // prettier-ignore
        const source = cold(' -1-5-3--------|');
        const subs = '        ^-------------!';
        const expected = '    -1-----(35)---|';
        //                           ^ 5 has waited since frame 3: holes 2 and 4 both time out at 7
        const onGap = (g: SequenceGapInfo) => gaps.push([ts.now(), g]);
        expectObservable(source.pipe(sequenceGaps(seqOf, { maxWait, onGap }))).toBe(expected);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
      expect(gaps).toEqual([
        [7, { from: 2, to: 2, lastContiguous: 1, reason: 'timeout' }],
        [7, { from: 4, to: 4, lastContiguous: 3, reason: 'timeout' }],
      ]);
    });

    it('should not report a hole that fills in time, and restart the clock for a new one', () => {
      const onGap = jest.fn();
      ts.run(({ cold, time, expectObservable, expectSubscriptions }) => {
        const maxWait = time('----|');
        // prettier-ignore
        const source = cold(' -1-3-2-5-4----|');
        const subs = '        ^-------------!';
        const expected = '    -1---(23)(45)-|';
        expectObservable(source.pipe(sequenceGaps(seqOf, { maxWait, onGap }))).toBe(expected);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
      expect(onGap).not.toHaveBeenCalled();
    });

    it('should move the deadline when the longest-waiting value is released', () => {
      const gaps: Array<[number, SequenceGapInfo]> = [];
      ts.run(({ cold, time, expectObservable, expectSubscriptions }) => {
        const maxWait = time('-----|');
        // prettier-ignore
        const source = cold(' -1-3-52-------|');
        const subs = '        ^-------------!';
        const expected = '    -1----(23)5---|';
        //                              ^ hole 4 opened when 5 came (frame 5): gives up at 10, not 8
        const onGap = (g: SequenceGapInfo) => gaps.push([ts.now(), g]);
        expectObservable(source.pipe(sequenceGaps(seqOf, { maxWait, onGap }))).toBe(expected);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
      expect(gaps).toEqual([[10, { from: 4, to: 4, lastContiguous: 3, reason: 'timeout' }]]);
    });

    it('should let only values of the same burst fill a hole when maxWait is 0', () => {
      const late: number[] = [];
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        // prettier-ignore
        const source = cold(' -1-(32)-5-4-|');
        const subs = '        ^-----------!';
        const expected = '    -1-(23)-5---|';
        //                              ^ 4 came a frame later: its hole had already been given up on
        const onLate = (_v: string, s: number) => late.push(s);
        expectObservable(source.pipe(sequenceGaps(seqOf, { maxWait: 0, onLate }))).toBe(expected);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
      expect(late).toEqual([4]);
    });

    it('should wait for the window alone when maxWait is Infinity', () => {
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        // prettier-ignore
        const source = cold(' -1-3-4---------------5-----|');
        const subs = '        ^--------------------------!';
        const expected = '    -1-------------------(345)-|';
        //                                         ^ the window (2) overflows only when 5 arrives
        expectObservable(source.pipe(sequenceGaps(seqOf, { maxWait: Infinity, window: 2 }))).toBe(expected);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });
  });

  describe('with window', () => {
    it('should give up on the lowest hole at once when one more value would be held', () => {
      const gaps: Array<[number, SequenceGapInfo]> = [];
      const late: number[] = [];
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        // prettier-ignore
        const source = cold(' -1-3-4-5-2---|');
        const subs = '        ^------------!';
        const expected = '    -1-----(345)-|';
        //                           ^ a third held value overflows window 2
        const onGap = (g: SequenceGapInfo) => gaps.push([ts.now(), g]);
        const onLate = (_v: string, s: number) => late.push(s);
        expectObservable(source.pipe(sequenceGaps(seqOf, { window: 2, onGap, onLate }))).toBe(expected);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
      expect(gaps).toEqual([[7, { from: 2, to: 2, lastContiguous: 1, reason: 'window' }]]);
      expect(late).toEqual([2]);
    });

    it('should only give up the lowest hole and keep holding past the next one', () => {
      const gaps: SequenceGapInfo[] = [];
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        // prettier-ignore
        const source = cold(' -1-3-6-4-5----|');
        const subs = '        ^-------------!';
        const expected = '    -1---3-4-(56)-|';
        //                         ^ window 1: holding 6 too overflows: hole 2 goes, 6 waits for 4..5
        const onGap = (g: SequenceGapInfo) => gaps.push(g);
        expectObservable(source.pipe(sequenceGaps(seqOf, { window: 1, onGap }))).toBe(expected);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
      expect(gaps).toEqual([{ from: 2, to: 2, lastContiguous: 1, reason: 'window' }]);
    });

    it('should never hold anything when window is 0', () => {
      const gaps: SequenceGapInfo[] = [];
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        // prettier-ignore
        const source = cold(' -1-3-7-8-|');
        const subs = '        ^--------!';
        const expected = '    -1-3-7-8-|';
        const onGap = (g: SequenceGapInfo) => gaps.push(g);
        expectObservable(source.pipe(sequenceGaps(seqOf, { window: 0, onGap }))).toBe(expected);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
      expect(gaps).toEqual([
        { from: 2, to: 2, lastContiguous: 1, reason: 'window' },
        { from: 4, to: 6, lastContiguous: 3, reason: 'window' },
      ]);
    });
  });

  describe('with start', () => {
    it('should expect start + 1 first and drop what was delivered before', () => {
      const late: number[] = [];
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        // prettier-ignore
        const source = cold(' -7-5-6----|');
        const subs = '        ^---------!';
        const expected = '    -----(67)-|';
        const onLate = (_v: string, s: number) => late.push(s);
        expectObservable(source.pipe(sequenceGaps(seqOf, { start: 5, onLate }))).toBe(expected);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
      expect(late).toEqual([5]);
    });

    it('should expect 0 first when start is -1', () => {
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        // prettier-ignore
        const source = cold(' -1-0----|');
        const subs = '        ^-------!';
        const expected = '    ---(01)-|';
        expectObservable(source.pipe(sequenceGaps(seqOf, { start: -1 }))).toBe(expected);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('should report a hole right after start with start as lastContiguous', () => {
      const gaps: SequenceGapInfo[] = [];
      ts.run(({ cold, time, expectObservable, expectSubscriptions }) => {
        const maxWait = time('--|');
        // prettier-ignore
        const source = cold(' -8---|');
        const subs = '        ^----!';
        const expected = '    ---8-|';
        const onGap = (g: SequenceGapInfo) => gaps.push(g);
        expectObservable(source.pipe(sequenceGaps(seqOf, { start: 5, maxWait, onGap }))).toBe(expected);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
      expect(gaps).toEqual([{ from: 6, to: 7, lastContiguous: 5, reason: 'timeout' }]);
    });

    it('should let the first value set the base when start is null', () => {
      const late: number[] = [];
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        // prettier-ignore
        const source = cold(' -5-3-6-|');
        const subs = '        ^------!';
        const expected = '    -5---6-|';
        const onLate = (_v: string, s: number) => late.push(s);
        expectObservable(source.pipe(sequenceGaps(seqOf, { start: null, onLate }))).toBe(expected);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
      expect(late).toEqual([3]);
    });
  });

  describe("with gapAction: 'error'", () => {
    it('should error with SequenceGapError when a hole times out', () => {
      const onGap = jest.fn();
      ts.run(({ cold, time, expectObservable, expectSubscriptions }) => {
        const maxWait = time('----|');
        // prettier-ignore
        const source = cold(' -1-3-----4-|');
        const subs = '        ^------!';
        const expected = '    -1-----#';
        const err = new SequenceGapError({ from: 2, to: 2, lastContiguous: 1, reason: 'timeout' });
        expectObservable(source.pipe(sequenceGaps(seqOf, { maxWait, gapAction: 'error', onGap }))).toBe(expected, undefined, err);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
      // onGap runs before the error.
      expect(onGap).toHaveBeenCalledTimes(1);
    });

    it('should error at once when the window overflows', () => {
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        // prettier-ignore
        const source = cold(' -1-3-4-|');
        const subs = '        ^----!';
        const expected = '    -1---#';
        const err = new SequenceGapError({ from: 2, to: 2, lastContiguous: 1, reason: 'window' });
        expectObservable(source.pipe(sequenceGaps(seqOf, { window: 1, gapAction: 'error' }))).toBe(expected, undefined, err);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('should error instead of completing when a hole is still open at completion', () => {
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        // prettier-ignore
        const source = cold(' -1-2-4-|');
        const subs = '        ^------!';
        const expected = '    -1-2---#';
        const err = new SequenceGapError({ from: 3, to: 3, lastContiguous: 2, reason: 'complete' });
        expectObservable(source.pipe(sequenceGaps(seqOf, { gapAction: 'error' }))).toBe(expected, undefined, err);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('should complete normally when no hole is open', () => {
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        // prettier-ignore
        const source = cold(' -1-3-2----|');
        const subs = '        ^---------!';
        const expected = '    -1---(23)-|';
        expectObservable(source.pipe(sequenceGaps(seqOf, { gapAction: 'error' }))).toBe(expected);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('should emit an error whose info says where to resume', () => {
      const errors: unknown[] = [];
      const scheduler = new TestScheduler(() => undefined);
      from(['1', '2', '3', '5'])
        .pipe(sequenceGaps(seqOf, { gapAction: 'error', scheduler }))
        .subscribe({ error: (e: unknown) => errors.push(e) });
      const [err] = errors;
      expect(err).toBeInstanceOf(SequenceGapError);
      expect((err as SequenceGapError).name).toBe('SequenceGapError');
      expect((err as SequenceGapError).info).toEqual({ from: 4, to: 4, lastContiguous: 3, reason: 'complete' });
    });
  });

  describe('with late and duplicate values', () => {
    it('should behave as in the documented example', () => {
      const log: string[] = [];
      of({ seq: 1 }, { seq: 3 }, { seq: 2 }, { seq: 2 }, { seq: 6 }, { seq: 4 })
        .pipe(
          sequenceGaps((m) => m.seq, {
            scheduler: ts,
            onGap: (gap) => log.push(`gap ${gap.from} ${gap.to}`),
            onLate: (_m, seq) => log.push(`late ${seq}`),
          }),
        )
        .subscribe((m) => log.push(String(m.seq)));
      expect(log).toEqual(['1', '2', '3', 'late 2', '4', 'gap 5 5', '6']);
    });

    it('should drop duplicates of emitted and of held values and report them', () => {
      const late: Array<[string, number]> = [];
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        // prettier-ignore
        const source = cold(' -1-1-3-3-2-2-|');
        const subs = '        ^------------!';
        const expected = '    -1-------(23)|';
        const onLate = (v: string, s: number) => late.push([v, s]);
        expectObservable(source.pipe(sequenceGaps(seqOf, { onLate }))).toBe(expected);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
      expect(late).toEqual([
        ['1', 1],
        ['3', 3],
        ['2', 2],
      ]);
    });

    it('should keep the first copy of a held seq', () => {
      const values = [
        { seq: 1, v: 'a' },
        { seq: 3, v: 'first' },
        { seq: 3, v: 'second' },
        { seq: 2, v: 'b' },
      ];
      const out: string[] = [];
      from(values)
        .pipe(sequenceGaps((m) => m.seq, { scheduler: ts }))
        .subscribe((m) => out.push(m.v));
      expect(out).toEqual(['a', 'b', 'first']);
    });
  });

  describe('with a throwing or invalid callback', () => {
    it('should error with InvalidSequenceError when seqOf returns an invalid seq', () => {
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        // prettier-ignore
        const source = cold(' -1-x-3-|');
        const subs = '        ^--!';
        const expected = '    -1-#';
        const err = new InvalidSequenceError({ seq: NaN, value: 'x' });
        expectObservable(source.pipe(sequenceGaps(seqOf))).toBe(expected, undefined, err);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('should reject negative, fractional and unsafe seqs with the value in the error', () => {
      for (const seq of [-1, 1.5, 2 ** 53]) {
        const errors: unknown[] = [];
        of('v')
          .pipe(sequenceGaps(() => seq, { scheduler: ts }))
          .subscribe({ error: (e: unknown) => errors.push(e) });
        expect(errors[0]).toBeInstanceOf(InvalidSequenceError);
        expect((errors[0] as InvalidSequenceError).info).toEqual({ seq, value: 'v' });
      }
    });

    it('should error with what seqOf throws', () => {
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        // prettier-ignore
        const source = cold(' -1-2-3-|');
        const subs = '        ^----!';
        const expected = '    -1-2-#';
        const throwing = (v: string) => {
          if (v === '3') throw new Error('boom');
          return Number(v);
        };
        expectObservable(source.pipe(sequenceGaps(throwing))).toBe(expected, undefined, new Error('boom'));
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('should error with what onGap throws', () => {
      ts.run(({ cold, time, expectObservable, expectSubscriptions }) => {
        const maxWait = time('--|');
        // prettier-ignore
        const source = cold(' -1-3----|');
        const subs = '        ^----!';
        const expected = '    -1---#';
        const onGap = () => {
          throw new Error('onGap');
        };
        expectObservable(source.pipe(sequenceGaps(seqOf, { maxWait, onGap }))).toBe(expected, undefined, new Error('onGap'));
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('should error with what onLate throws', () => {
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        // prettier-ignore
        const source = cold(' -1-1-2-|');
        const subs = '        ^--!';
        const expected = '    -1-#';
        const onLate = () => {
          throw new Error('onLate');
        };
        expectObservable(source.pipe(sequenceGaps(seqOf, { onLate }))).toBe(expected, undefined, new Error('onLate'));
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });
  });

  describe('with large jumps and synchronous sources', () => {
    it('should handle a jump of 10^9 seqs without work per missing seq', () => {
      const gaps: SequenceGapInfo[] = [];
      const out: number[] = [];
      from([1, 1_000_000_000, 2, 10 ** 15])
        .pipe(sequenceGaps((n: number) => n, { scheduler: ts, onGap: (g) => gaps.push(g) }))
        .subscribe((n) => out.push(n));
      expect(out).toEqual([1, 2, 1_000_000_000, 10 ** 15]);
      expect(gaps).toEqual([
        { from: 3, to: 999_999_999, lastContiguous: 2, reason: 'complete' },
        { from: 1_000_000_001, to: 10 ** 15 - 1, lastContiguous: 1_000_000_000, reason: 'complete' },
      ]);
    });

    it('should stop a synchronous source as soon as the consumer unsubscribes', () => {
      let pulled = 0;
      const out: number[] = [];
      range(1, 1_000_000)
        .pipe(
          tap(() => pulled++),
          sequenceGaps((n: number) => n, { scheduler: ts }),
          take(3),
        )
        .subscribe((n) => out.push(n));
      expect(out).toEqual([1, 2, 3]);
      expect(pulled).toBe(3);
    });
  });

  describe('with keyOf', () => {
    interface Ev {
      readonly k: string;
      readonly s: number;
    }
    const ev = (k: string, s: number): Ev => ({ k, s });
    const keyed = { seqOf: (e: Ev) => e.s, keyOf: (e: Ev) => e.k };

    it('should order each key on its own: a hole in one key does not hold back another', () => {
      ts.run(({ cold, expectObservable }) => {
        const values = { a: ev('x', 1), b: ev('x', 3), c: ev('y', 1), d: ev('y', 2), e: ev('x', 2) };
        // prettier-ignore
        const source = cold(' -a-b-c-d-e-----|', values);
        const expected = '    -a---c-d-(eb)--|';
        expectObservable(source.pipe(sequenceGaps(keyed.seqOf, { keyOf: keyed.keyOf, scheduler: ts }))).toBe(expected, values);
      });
    });

    it('should give each key its own start from a start function, called once per key', () => {
      ts.run(({ cold, expectObservable }) => {
        const start = jest.fn((key: string | number) => (key === 'x' ? 1 : null));
        const late: Ev[] = [];
        const values = { a: ev('x', 1), b: ev('x', 2), c: ev('y', 5), d: ev('y', 6), e: ev('x', 3) };
        // prettier-ignore
        const source = cold(' -a-b-c-d-e-|', values);
        const expected = '    ---b-c-d-e-|';
        const op = sequenceGaps(keyed.seqOf, { keyOf: keyed.keyOf, start, onLate: (v) => late.push(v), scheduler: ts });
        expectObservable(source.pipe(op)).toBe(expected, values);
        ts.flush();
        expect(late).toEqual([values.a]);
        expect(start.mock.calls).toEqual([['x'], ['y']]);
      });
    });

    it('should time out a hole in one key, report it with its key, and keep the other key flowing', () => {
      ts.run(({ cold, expectObservable }) => {
        const gaps: SequenceGapInfo[] = [];
        const values = { a: ev('x', 1), b: ev('x', 3), c: ev('y', 1), d: ev('y', 2) };
        // prettier-ignore
        const source = cold(' -a-b-c-d---|', values);
        const expected = '    -a---c-db--|';
        const op = sequenceGaps(keyed.seqOf, { keyOf: keyed.keyOf, maxWait: 5, onGap: (g) => gaps.push(g), scheduler: ts });
        expectObservable(source.pipe(op)).toBe(expected, values);
        ts.flush();
        expect(gaps).toEqual([{ from: 2, to: 2, lastContiguous: 1, reason: 'timeout', key: 'x' }]);
      });
    });

    it("should error with a SequenceGapError that names the key under gapAction: 'error'", () => {
      ts.run(({ cold, expectObservable }) => {
        const values = { a: ev('x', 1), c: ev('y', 1), d: ev('y', 3) };
        // prettier-ignore
        const source = cold(' -a-c-d----|', values);
        const expected = '    -a-c---#';
        const info = { from: 2, to: 2, lastContiguous: 1, reason: 'timeout', key: 'y' };
        const op = sequenceGaps(keyed.seqOf, { keyOf: keyed.keyOf, maxWait: 2, gapAction: 'error', scheduler: ts });
        expectObservable(source.pipe(op)).toBe(expected, values, new SequenceGapError(info as SequenceGapInfo));
      });
      const error = new SequenceGapError({ from: 2, to: 2, lastContiguous: 1, reason: 'timeout', key: 'y' });
      expect(error.message).toBe('Sequence gap in y: 2..2 missing (last contiguous 1)');
    });

    it('should count the window per key', () => {
      ts.run(({ cold, expectObservable }) => {
        const gaps: SequenceGapInfo[] = [];
        const values = { a: ev('x', 1), b: ev('x', 3), c: ev('y', 1), d: ev('y', 3), e: ev('x', 2), f: ev('y', 2) };
        // prettier-ignore
        const source = cold(' -a-b-c-d-e---f---|', values);
        const expected = '    -a---c---(eb)(fd)|';
        const op = sequenceGaps(keyed.seqOf, { keyOf: keyed.keyOf, window: 1, maxWait: Infinity, onGap: (g) => gaps.push(g), scheduler: ts });
        expectObservable(source.pipe(op)).toBe(expected, values);
        ts.flush();
        expect(gaps).toEqual([]);
      });
    });

    it('should give up every open hole of every key, in the order the keys appeared, on completion', () => {
      const gaps: SequenceGapInfo[] = [];
      const out: Ev[] = [];
      from([ev('x', 1), ev('y', 1), ev('y', 4), ev('x', 3)])
        .pipe(sequenceGaps(keyed.seqOf, { keyOf: keyed.keyOf, onGap: (g) => gaps.push(g), scheduler: ts }))
        .subscribe((e) => out.push(e));
      expect(out).toEqual([ev('x', 1), ev('y', 1), ev('x', 3), ev('y', 4)]);
      expect(gaps).toEqual([
        { from: 2, to: 2, lastContiguous: 1, reason: 'complete', key: 'x' },
        { from: 2, to: 3, lastContiguous: 1, reason: 'complete', key: 'y' },
      ]);
    });

    it('should reject a start function without keyOf, and a keyOf that is not a function', () => {
      const cases: Array<[string, () => unknown]> = [
        ['start', () => sequenceGaps(seqOf, { start: () => 1 })],
        ['keyOf', () => sequenceGaps(seqOf, { keyOf: 'k' as unknown as (v: string) => string })],
      ];
      for (const [option, create] of cases) {
        expectInvalidOption(create, { operator: 'sequenceGaps', option });
      }
    });

    it('should error the output when a start function returns an invalid start', () => {
      let error: unknown;
      of(ev('x', 1))
        .pipe(sequenceGaps(keyed.seqOf, { keyOf: keyed.keyOf, start: () => -5, scheduler: ts }))
        .subscribe({ error: (e: unknown) => (error = e) });
      expect(error).toBeInstanceOf(InvalidOptionError);
      expect((error as InvalidOptionError).info).toMatchObject({ operator: 'sequenceGaps', option: 'start', value: -5 });
    });

    it('should emit each key of an interleaving of locally shuffled sequences once, in order, with no gap', () => {
      fc.assert(
        fc.property(
          fc.array(fc.tuple(fc.constantFrom('x', 'y', 'z'), fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true })), { maxLength: 80 }),
          (draws) => {
            // Each key's events get seqs 1, 2, ... in draw order, then move by fewer than 4 places.
            const next: Record<string, number> = {};
            const events = draws
              .map(([k, j], i) => ({ e: ev(k, (next[k] = (next[k] ?? 0) + 1)), at: i + j * 4 }))
              .sort((a, b) => a.at - b.at)
              .map((x) => x.e);
            const out: Ev[] = [];
            const onGap = jest.fn();
            from(events)
              .pipe(sequenceGaps(keyed.seqOf, { keyOf: keyed.keyOf, start: () => 0, window: 12, maxWait: 1, onGap, scheduler: ts }))
              .subscribe((e) => out.push(e));
            for (const k of ['x', 'y', 'z']) {
              expect(out.filter((e) => e.k === k).map((e) => e.s)).toEqual(Array.from({ length: next[k] ?? 0 }, (_, i) => i + 1));
            }
            expect(onGap).not.toHaveBeenCalled();
          },
        ),
      );
    });
  });

  describe('with invalid options', () => {
    it('should throw InvalidOptionError at creation time', () => {
      const bad: Array<[string, () => unknown]> = [
        ['seqOf', () => sequenceGaps(1 as unknown as (v: number) => number)],
        ['start', () => sequenceGaps(seqOf, { start: -2 })],
        ['start', () => sequenceGaps(seqOf, { start: 1.5 })],
        ['start', () => sequenceGaps(seqOf, { start: NaN })],
        ['window', () => sequenceGaps(seqOf, { window: -1 })],
        ['window', () => sequenceGaps(seqOf, { window: 2.5 })],
        ['window', () => sequenceGaps(seqOf, { window: NaN })],
        ['window', () => sequenceGaps(seqOf, { window: Infinity, maxWait: Infinity })],
        ['maxWait', () => sequenceGaps(seqOf, { maxWait: -1 })],
        ['maxWait', () => sequenceGaps(seqOf, { maxWait: NaN })],
        ['maxWait', () => sequenceGaps(seqOf, { maxWait: 2 ** 31 })],
        ['gapAction', () => sequenceGaps(seqOf, { gapAction: 'ignore' as 'skip' })],
        ['onGap', () => sequenceGaps(seqOf, { onGap: 'x' as unknown as () => void })],
        ['onLate', () => sequenceGaps(seqOf, { onLate: 1 as unknown as () => void })],
        ['scheduler', () => sequenceGaps(seqOf, { scheduler: {} as unknown as TestScheduler })],
        ['scheduler', () => sequenceGaps(seqOf, { scheduler: null as unknown as TestScheduler })],
        ['scheduler', () => sequenceGaps(seqOf, { scheduler: { now: () => 0 } as unknown as TestScheduler })],
        ['scheduler', () => sequenceGaps(seqOf, { scheduler: { schedule: () => undefined } as unknown as TestScheduler })],
      ];
      for (const [option, create] of bad) {
        expectInvalidOption(() => create(), { operator: 'sequenceGaps', option });
      }
    });

    it('should accept Infinity for one of window and maxWait, and zero for both', () => {
      expect(() => sequenceGaps(seqOf, { window: Infinity, maxWait: 10 })).not.toThrow();
      expect(() => sequenceGaps(seqOf, { window: 10, maxWait: Infinity })).not.toThrow();
      expect(() => sequenceGaps(seqOf, { window: 0, maxWait: 0, start: -1 })).not.toThrow();
    });
  });

  describe('timers', () => {
    /** A virtual scheduler that counts the timers still pending: scheduled, not run, not cancelled. */
    function countingScheduler() {
      const scheduler = new TestScheduler(() => undefined);
      const pending = new Set<Subscription>();
      const delays: number[] = [];
      const schedule = scheduler.schedule.bind(scheduler);
      scheduler.schedule = ((work: () => void, delay = 0, state?: unknown) => {
        delays.push(delay);
        let subscription: Subscription | undefined = undefined;
        const run = function (this: unknown) {
          if (subscription !== undefined) pending.delete(subscription);
          work.call(this);
        };
        subscription = schedule(run as never, delay, state);
        pending.add(subscription);
        subscription.add(() => pending.delete(subscription as Subscription));
        return subscription;
      }) as TestScheduler['schedule'];
      return { scheduler, pending, delays };
    }

    it('should cancel the hole timer as soon as the hole is filled', () => {
      const { scheduler, pending } = countingScheduler();
      const values = new Subject<number>();
      const out: number[] = [];
      values.pipe(sequenceGaps((n: number) => n, { start: 0, maxWait: 100, scheduler })).subscribe((v) => out.push(v));
      values.next(1);
      values.next(3); // a hole at 2: one timer
      expect(pending.size).toBe(1);
      values.next(2); // filled
      expect(out).toEqual([1, 2, 3]);
      expect(pending.size).toBe(0);
    });

    it('should keep one timer per key however many values wait', () => {
      const { scheduler, pending } = countingScheduler();
      const values = new Subject<number>();
      values.pipe(sequenceGaps((n: number) => n, { start: 0, maxWait: 100, scheduler })).subscribe();
      values.next(3);
      values.next(5);
      values.next(4);
      expect(pending.size).toBe(1);
    });

    it('should schedule nothing when maxWait is Infinity (real timers would fire an Infinity delay at once)', () => {
      const { scheduler, delays } = countingScheduler();
      const values = new Subject<number>();
      const out: number[] = [];
      values.pipe(sequenceGaps((n: number) => n, { start: 0, maxWait: Infinity, window: 10, scheduler })).subscribe((v) => out.push(v));
      values.next(2);
      values.next(3);
      expect(delays).toEqual([]);
      expect(out).toEqual([]);
    });
  });

  describe('gap reports', () => {
    it('should name no key in a gap of a stream without keyOf', () => {
      const gaps: SequenceGapInfo[] = [];
      of(1, 3)
        .pipe(sequenceGaps((n: number) => n, { start: 0, onGap: (g) => gaps.push(g) }))
        .subscribe();
      expect(gaps).toHaveLength(1);
      expect(gaps[0]).toStrictEqual({ from: 2, to: 2, lastContiguous: 1, reason: 'complete' });
      expect('key' in (gaps[0] as object)).toBe(false);
    });
  });

  describe('properties', () => {
    /** Runs `values` through the operator synchronously (virtual time never advances). */
    const runSync = <T>(values: readonly T[], op: ReturnType<typeof sequenceGaps<T>>) => {
      const out: T[] = [];
      let completed = false;
      from(values)
        .pipe(op)
        .subscribe({ next: (v) => out.push(v), complete: () => (completed = true) });
      return { out, completed };
    };

    it('should emit a locally shuffled sequence exactly once, in order, with no gap', () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 12 }), // window
          fc.integer({ min: -1, max: 1000 }), // start
          fc.array(fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), { maxLength: 60 }),
          (window, start, jitter) => {
            // Sorting i + jitter*window moves every value by fewer than `window` places.
            const seqs = jitter
              .map((j, i) => ({ seq: start + 1 + i, key: i + j * window }))
              .sort((a, b) => a.key - b.key)
              .map((e) => e.seq);
            const onGap = jest.fn();
            const onLate = jest.fn();
            const { out, completed } = runSync(
              seqs,
              sequenceGaps((n: number) => n, { start, window, maxWait: 1, scheduler: ts, onGap, onLate }),
            );
            expect(out).toEqual(seqs.slice().sort((a, b) => a - b));
            expect(completed).toBe(true);
            expect(onGap).not.toHaveBeenCalled();
            expect(onLate).not.toHaveBeenCalled();
          },
        ),
      );
    });

    it('should emit strictly increasing seqs that, with the gaps reported, cover the range exactly', () => {
      fc.assert(
        fc.property(
          fc.array(fc.tuple(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 3 })), { maxLength: 50 }),
          fc.integer({ min: 0, max: 6 }), // window
          fc.integer({ min: 0, max: 5 }), // maxWait, in frames
          fc.option(fc.integer({ min: -1, max: 5 }), { nil: null }), // start
          (events, window, maxWait, start) => {
            const emitted: number[] = [];
            const gaps: SequenceGapInfo[] = [];
            const late: number[] = [];
            let completed = false;
            const scheduler = new TestScheduler((a, e) => expect(a).toEqual(e));
            scheduler.run(() => {
              // Each event is (seq, frames to wait before it).
              from(events)
                .pipe(
                  concatMap(([seq, wait]) => timer(wait).pipe(map(() => seq))),
                  sequenceGaps((n: number) => n, {
                    start,
                    window,
                    maxWait,
                    onGap: (g) => gaps.push(g),
                    onLate: (_v, s) => late.push(s),
                  }),
                )
                .subscribe({ next: (n) => emitted.push(n), complete: () => (completed = true) });
            });
            expect(completed).toBe(true);
            // Strictly increasing.
            for (let i = 1; i < emitted.length; i++) expect(emitted[i]).toBeGreaterThan(emitted[i - 1] as number);
            // Every input is emitted or reported late, never both and never lost.
            expect(emitted.length + late.length).toBe(events.length);
            // Emitted seqs and gaps tile [first .. last] exactly, in order.
            const covered: number[] = [];
            let g = 0;
            for (const seq of emitted) {
              while (g < gaps.length && (gaps[g] as SequenceGapInfo).from < seq) {
                const gap = gaps[g++] as SequenceGapInfo;
                expect(gap.to).toBeGreaterThanOrEqual(gap.from);
                expect(gap.lastContiguous).toBe(gap.from - 1);
                for (let s = gap.from; s <= gap.to; s++) covered.push(s);
              }
              covered.push(seq);
            }
            expect(g).toBe(gaps.length); // no gap past the last emitted seq
            if (emitted.length > 0) {
              const first = start === null ? (emitted[0] as number) : start + 1;
              const lastSeq = emitted[emitted.length - 1] as number;
              expect(covered).toEqual(Array.from({ length: lastSeq - first + 1 }, (_, i) => first + i));
            } else {
              expect(gaps).toEqual([]);
            }
          },
        ),
      );
    });
  });

  describe('with passUndefined', () => {
    it('should let values without a seq through at once, and order the others', () => {
      ts.run(({ cold, expectObservable }) => {
        const seq = (v: string): number | undefined => (v === 'x' ? undefined : Number(v));
        // prettier-ignore
        const source = cold(' -2-x-1-');
        // prettier-ignore
        const expected = '    ---x-(12)';
        expectObservable(source.pipe(sequenceGaps(seq, { start: 0, passUndefined: true }))).toBe(expected);
      });
    });

    it('should still refuse a value without a seq by default', () => {
      ts.run(({ cold, expectObservable }) => {
        const seq = (v: string): number | undefined => (v === 'x' ? undefined : Number(v));
        expectObservable(cold('-x').pipe(sequenceGaps(seq))).toBe('-#', undefined, new InvalidSequenceError({ seq: undefined, value: 'x' }));
      });
    });
  });
});
