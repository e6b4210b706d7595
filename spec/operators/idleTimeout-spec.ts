import { catchError, concat, EMPTY, interval, NEVER, Observable, of, take, TimeoutError, VirtualTimeScheduler } from 'rxjs';
import type { SchedulerAction, SchedulerLike } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { idleTimeout } from '../../src/operators/idleTimeout';
import type { IdleTimeoutOptions } from '../../src/operators/idleTimeout';
import { IdleTimeoutError } from '../../src/errors';
import { expectInvalidOption } from '../support/invalidOption';

/**
 * A virtual-time scheduler that counts its clock reads and the actions scheduled on it directly
 * (not the ones an action schedules again).
 */
function countingScheduler() {
  const virtual = new VirtualTimeScheduler();
  let count = 0;
  let clockReads = 0;
  const scheduler: SchedulerLike = {
    now: () => {
      clockReads++;
      return virtual.now();
    },
    schedule: ((work: (this: SchedulerAction<unknown>, state?: unknown) => void, delay?: number, state?: unknown) => {
      count++;
      return virtual.schedule(work, delay, state);
    }) as SchedulerLike['schedule'],
  };
  return { virtual, scheduler, scheduled: () => count, reads: () => clockReads };
}

describe('idleTimeout', () => {
  let ts: TestScheduler;
  beforeEach(() => {
    ts = new TestScheduler((a, e) => expect(a).toEqual(e));
  });

  describe('with a limit', () => {
    it('should mirror a source that never stays silent for ms', () => {
      ts.run(({ cold, time, expectObservable, expectSubscriptions }) => {
        const ms = time('---|');
        // prettier-ignore
        const source = cold(' --a--b-c--d|');
        // prettier-ignore
        const subs = '        ^----------!';
        // prettier-ignore
        const expected = '    --a--b-c--d|';
        expectObservable(source.pipe(idleTimeout(ms))).toBe(expected);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('should error ms after subscription when no value arrives', () => {
      ts.run(({ cold, time, expectObservable, expectSubscriptions }) => {
        const ms = time('----|');
        // prettier-ignore
        const source = cold(' -----a');
        // prettier-ignore
        const subs = '        ^---!';
        // prettier-ignore
        const expected = '    ----#'; // looks at 2 and 4, both quiet
        const err = new IdleTimeoutError({ idleMs: ms, seen: 0 });
        expectObservable(source.pipe(idleTimeout(ms))).toBe(expected, undefined, err);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('should error at the second look in a row that finds no new value', () => {
      ts.run(({ cold, time, expectObservable, expectSubscriptions }) => {
        const ms = time('   ----|');
        // prettier-ignore
        const source = cold(' ---a-------b|');
        // prettier-ignore
        const subs = '        ^-------!';
        // prettier-ignore
        const expected = '    ---a----#'; // looks every 2: 4 sees a, 6 and 8 see nothing new
        const err = new IdleTimeoutError({ idleMs: ms, seen: 1 });
        expectObservable(source.pipe(idleTimeout(ms))).toBe(expected, undefined, err);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('should let a value through that arrives exactly ms after subscription or after the last value', () => {
      ts.run(({ cold, time, expectObservable, expectSubscriptions }) => {
        const ms = time('----|');
        // prettier-ignore
        const source = cold(' ----a---b---c-----');
        //                        ^   ^   ^ each exactly 4 frames after the previous mark
        // prettier-ignore
        const subs = '        ^---------------!';
        // prettier-ignore
        const expected = '    ----a---b---c---#';
        expectObservable(source.pipe(idleTimeout(ms))).toBe(expected, undefined, new IdleTimeoutError({ idleMs: ms, seen: 3 }));
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('should error at the look that finds the silence, before a value that comes later', () => {
      ts.run(({ cold, time, expectObservable, expectSubscriptions }) => {
        const ms = time('----|');
        // prettier-ignore
        const source = cold(' --a----b');
        // prettier-ignore
        const subs = '        ^-----!';
        // prettier-ignore
        const expected = '    --a---#'; // b would come at 7, after the second quiet look at 6
        expectObservable(source.pipe(idleTimeout(ms))).toBe(expected, undefined, new IdleTimeoutError({ idleMs: ms, seen: 1 }));
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('should let a hot value through that arrives exactly at the limit', () => {
      ts.run(({ hot, time, expectObservable, expectSubscriptions }) => {
        const ms = time('--|');
        // prettier-ignore
        const source = hot('-x-^-a-b---c');
        // prettier-ignore
        const subs = '         ^-----!';
        // prettier-ignore
        const expected = '     --a-b-#';
        expectObservable(source.pipe(idleTimeout(ms))).toBe(expected, undefined, new IdleTimeoutError({ idleMs: ms, seen: 2 }));
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('should error a never source one frame after an odd ms (two looks of ms / 2 rounded up)', () => {
      ts.run(({ cold, time, expectObservable, expectSubscriptions }) => {
        const ms = time('-----|');
        const source = cold('-');
        // prettier-ignore
        const subs = '        ^-----!';
        // prettier-ignore
        const expected = '    ------#';
        expectObservable(source.pipe(idleTimeout(ms))).toBe(expected, undefined, new IdleTimeoutError({ idleMs: ms, seen: 0 }));
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it.each([
      [3, 9],
      [4, 12],
      [5, 12],
      [6, 12],
    ])('should error between ms and 1.5 * ms after the last value (value at %i: error at %i)', (at, errorAt) => {
      ts.run(({ cold, expectObservable }) => {
        const ms = 6; // looks at 3, 6, 9, 12
        const source = cold(`${'-'.repeat(at)}a`);
        const expected = `${'-'.repeat(at)}a${'-'.repeat(errorAt - at - 1)}#`;
        expectObservable(source.pipe(idleTimeout(ms))).toBe(expected, undefined, new IdleTimeoutError({ idleMs: ms, seen: 1 }));
        expect(errorAt - at).toBeGreaterThanOrEqual(ms);
        expect(errorAt - at).toBeLessThan(1.5 * ms);
      });
    });

    it('should error at the first quiet look when ms is 1', () => {
      ts.run(({ cold, expectObservable }) => {
        // prettier-ignore
        const source = cold(' a-b---c');
        // prettier-ignore
        const expected = '    a-b#'; // looks every frame: 1 sees a, 2 sees b, 3 sees nothing new
        expectObservable(source.pipe(idleTimeout(1))).toBe(expected, undefined, new IdleTimeoutError({ idleMs: 1, seen: 2 }));
      });
    });

    it('should mirror an empty source', () => {
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('|');
        expectObservable(source.pipe(idleTimeout(3))).toBe('|');
        expectSubscriptions(source.subscriptions).toBe('(^!)');
      });
    });

    it('should stop the check when the source completes', () => {
      ts.run(({ cold, time, expectObservable, expectSubscriptions }) => {
        const ms = time('---|');
        // prettier-ignore
        const source = cold(' -a-|');
        // prettier-ignore
        const subs = '        ^--!';
        // prettier-ignore
        const expected = '    -a-|';
        expectObservable(source.pipe(idleTimeout(ms))).toBe(expected);
        expectSubscriptions(source.subscriptions).toBe(subs);
        ts.flush();
        expect(ts.actions.length).toBe(0);
      });
    });

    it('should pass a source error through unchanged', () => {
      ts.run(({ cold, time, expectObservable, expectSubscriptions }) => {
        const ms = time('---|');
        // prettier-ignore
        const source = cold(' -a-#', undefined, 'closed');
        // prettier-ignore
        const subs = '        ^--!';
        // prettier-ignore
        const expected = '    -a-#';
        expectObservable(source.pipe(idleTimeout(ms))).toBe(expected, undefined, 'closed');
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('should keep mirroring a never-ending source that talks often enough', () => {
      ts.run(({ hot, time, expectObservable, expectSubscriptions }) => {
        const ms = time('---|');
        // prettier-ignore
        const source = hot('  -a-b-c-d-e-f-g-h-i-j');
        // prettier-ignore
        const unsub = '       -------------------!';
        // prettier-ignore
        const subs = '        ^------------------!';
        // prettier-ignore
        const expected = '    -a-b-c-d-e-f-g-h-i-';
        expectObservable(source.pipe(idleTimeout(ms)), unsub).toBe(expected);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('should not error after an early unsubscribe', () => {
      ts.run(({ cold, time, expectObservable, expectSubscriptions }) => {
        const ms = time('-----|');
        // prettier-ignore
        const source = cold(' -a--------');
        // prettier-ignore
        const unsub = '       ---!';
        // prettier-ignore
        const subs = '        ^--!';
        // prettier-ignore
        const expected = '    -a---------';
        expectObservable(source.pipe(idleTimeout(ms)), unsub).toBe(expected);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('should count a synchronous burst as values seen at the subscription', () => {
      ts.run(({ time, expectObservable }) => {
        const ms = time('------|');
        const source = concat(of('a', 'b'), NEVER);
        // prettier-ignore
        const expected = '    (ab)--#'; // the group takes frame 0; looks at 3 and 6 are quiet
        expectObservable(source.pipe(idleTimeout(ms))).toBe(expected, undefined, new IdleTimeoutError({ idleMs: ms, seen: 2 }));
      });
    });

    it('should set no timer for a source that completes at once', () => {
      const { scheduler, scheduled } = countingScheduler();
      const values: string[] = [];
      of('a', 'b').pipe(idleTimeout(5, { scheduler })).subscribe((v) => values.push(v));
      expect(values).toEqual(['a', 'b']);
      expect(scheduled()).toBe(0);
    });

    it('should mirror a synchronous source that completes', () => {
      ts.run(({ expectObservable }) => {
        expectObservable(of('a', 'b').pipe(idleTimeout(1))).toBe('(ab|)');
      });
    });

    it('should keep separate looks and a separate count for each subscription of one operator value', () => {
      ts.run(({ cold, time, expectObservable, expectSubscriptions }) => {
        const ms = time('----|');
        const op = idleTimeout<string>(ms);
        // prettier-ignore
        const source = cold('  -a-b');
        const result = source.pipe(op);
        // prettier-ignore
        const secondSub = '    --^';
        // prettier-ignore
        const first = '        -a-b----#'; // looks at 2, 4, 6, 8
        // prettier-ignore
        const second = '       ---a-b----#'; // looks at 4, 6, 8, 10
        expectObservable(result).toBe(first, undefined, new IdleTimeoutError({ idleMs: ms, seen: 2 }));
        expectObservable(result, secondSub).toBe(second, undefined, new IdleTimeoutError({ idleMs: ms, seen: 2 }));
        // prettier-ignore
        expectSubscriptions(source.subscriptions).toBe([
          '                    ^-------!',
          '                    --^-------!',
        ]);
      });
    });

    it('should stop a synchronous source as soon as the consumer unsubscribes', () => {
      let pulled = 0;
      const out: number[] = [];
      const firehose = new Observable<number>((subscriber) => {
        for (let i = 0; i < 1_000_000 && !subscriber.closed; i++) {
          pulled++;
          subscriber.next(i);
        }
      });
      firehose.pipe(idleTimeout(1_000), take(3)).subscribe((v) => out.push(v));
      expect(out).toEqual([0, 1, 2]);
      expect(pulled).toBe(3);
    });

    it('should schedule one timer per subscription and read no clock, whatever the number of values', () => {
      const { virtual, scheduler, scheduled, reads } = countingScheduler();
      const values: number[] = [];
      interval(1, virtual)
        .pipe(take(1_000), idleTimeout(50, { scheduler }))
        .subscribe((v) => values.push(v));
      virtual.flush();
      expect(values.length).toBe(1_000);
      expect(scheduled()).toBe(1);
      expect(reads()).toBe(0);
    });

    it('should run its timer on the given scheduler', () => {
      const scheduler = new VirtualTimeScheduler();
      let error: unknown;
      NEVER.pipe(idleTimeout(50, { scheduler })).subscribe({ error: (e: unknown) => (error = e) });
      expect(error).toBeUndefined();
      scheduler.flush();
      expect(scheduler.frame).toBe(50);
      expect(error).toBeInstanceOf(IdleTimeoutError);
    });

    it('should error once, ms after subscription, when the clock has fractional times', () => {
      // After a jittered backoff, virtual time is fractional: here (start + 30000) - start is
      // 29999.999999999985.
      const start = 122_990.348_959_298_59;
      const scheduler = new VirtualTimeScheduler();
      const errors: number[] = [];
      scheduler.schedule(() => {
        NEVER.pipe(idleTimeout(30_000, { scheduler })).subscribe({ error: () => errors.push(scheduler.now()) });
      }, start);
      scheduler.flush();
      expect(errors).toEqual([start + 30_000]);
    });
  });

  describe('documentation example', () => {
    it('should draw what the guide and the TSDoc marble show', () => {
      ts.run(({ cold, expectObservable }) => {
        // prettier-ignore
        const source = cold(' --a----b------------');
        // prettier-ignore
        const expected = '    --a----b-------#';
        expectObservable(source.pipe(idleTimeout(6))).toBe(expected, undefined, new IdleTimeoutError({ idleMs: 6, seen: 2 }));
      });
    });


    it('should log what the TSDoc example says', () => {
      ts.run(({ expectObservable }) => {
        const log: string[] = [];
        const feed$ = concat(interval(1_000).pipe(take(3)), NEVER);
        const result = feed$.pipe(
          idleTimeout(30_000),
          catchError((err: unknown) => {
            if (err instanceof IdleTimeoutError) log.push(`silent ${err.info.idleMs} ms after ${err.info.seen} values`);
            return EMPTY;
          }),
        );
        // looks every 15 s: the one at 15 s sees the ticks, those at 30 s and 45 s nothing new
        expectObservable(result).toBe('1s a 999ms b 999ms c 41999ms |', { a: 0, b: 1, c: 2 });
        ts.flush();
        expect(log).toEqual(['silent 30000 ms after 3 values']);
      });
    });
  });

  describe('turned off', () => {
    it('should return the source itself for 0', () => {
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        // prettier-ignore
        const source = cold(' ------------a');
        // prettier-ignore
        const subs = '        ^------------';
        const result = idleTimeout<string>(0)(source);
        expect(result).toBe(source);
        expectObservable(result).toBe('------------a');
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('should return the source itself for Infinity', () => {
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        // prettier-ignore
        const source = cold(' ------------a');
        // prettier-ignore
        const subs = '        ^------------';
        const result = idleTimeout<string>(Infinity)(source);
        expect(result).toBe(source);
        expectObservable(result).toBe('------------a');
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });
  });

  describe('with invalid options', () => {
    it.each([
      ['a negative ms', -1, undefined, 'ms'],
      ['a NaN ms', NaN, undefined, 'ms'],
      ['a string ms', '5', undefined, 'ms'],
      ['an undefined ms', undefined, undefined, 'ms'],
      ['an ms longer than a timer takes (2^31 ms)', 2 ** 31, undefined, 'ms'],
      ['null options', 5, null, 'options'],
      ['non-object options', 5, 'fast', 'options'],
    ])('should throw InvalidOptionError at creation time for %s', (_label, ms, options, option) => {
      expectInvalidOption(() => idleTimeout(ms as number, options as IdleTimeoutOptions), { operator: 'idleTimeout', option });
    });
  });

  describe('the reason of a refusal', () => {
    it('should say that options must be an options object', () => {
      expectInvalidOption(() => idleTimeout(5, null as unknown as IdleTimeoutOptions), { operator: 'idleTimeout', option: 'options', reason: 'an options object' });
    });
  });

  describe('IdleTimeoutError', () => {
    it('should carry its name and info, and not be an rxjs TimeoutError', () => {
      const scheduler = new VirtualTimeScheduler();
      let error: unknown;
      concat(of(1, 2, 3), NEVER)
        .pipe(idleTimeout(10, { scheduler }))
        .subscribe({ error: (e: unknown) => (error = e) });
      scheduler.flush();
      expect(error).toBeInstanceOf(IdleTimeoutError);
      expect(error).toBeInstanceOf(Error);
      expect(error).not.toBeInstanceOf(TimeoutError);
      const idle = error as IdleTimeoutError;
      expect(idle.name).toBe('IdleTimeoutError');
      expect(idle.info).toEqual({ idleMs: 10, seen: 3 });
    });
  });
});
