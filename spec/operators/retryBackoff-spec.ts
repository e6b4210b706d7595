import { concat, defer, map, mergeMap, NEVER, Observable, of, queueScheduler, share, take, takeUntil, throwError, VirtualAction, VirtualTimeScheduler } from 'rxjs';
import { RecordingScheduler } from '../support/recordingScheduler';
import { TestScheduler } from 'rxjs/testing';
import fc from 'fast-check';
import { exponentialBackoffDelay, retryBackoff } from '../../src/operators/retryBackoff';
import type { RetryBackoffConfig, RetryInfo } from '../../src/operators/retryBackoff';
import { expectInvalidOption } from '../support/invalidOption';

/** Subscribes to each observable in turn: the first subscription gets list[0], the next list[1] ... */
function inTurn<T>(...list: Observable<T>[]): Observable<T> {
  let i = 0;
  return defer(() => {
    const next = list[i++];
    if (!next) throw new Error('inTurn: no more sources');
    return next;
  });
}

/** A virtual scheduler that records the delay of everything scheduled on it. */

describe('retryBackoff', () => {
  let ts: TestScheduler;
  beforeEach(() => {
    ts = new TestScheduler((a, e) => expect(a).toEqual(e));
  });

  describe('backoff-rxjs compatibility', () => {
    it('should resubscribe after 1, 2, 4 ... intervals and pass the error on after maxRetries', () => {
      ts.run(({ cold, time, expectObservable, expectSubscriptions }) => {
        const initialInterval = time('-|');
        // prettier-ignore
        const source = cold(' --1-2-3-#');
        // prettier-ignore
        const subs = [
          '                   ^-------!',
          '                   ---------^-------!', //  waited 1
          '                   -------------------^-------!', //  waited 2
          '                   -------------------------------^-------!', //  waited 4
        ];
        // prettier-ignore
        const expected = '  --1-2-3----1-2-3-----1-2-3-------1-2-3-#';
        expectObservable(source.pipe(retryBackoff({ initialInterval, maxRetries: 3 }))).toBe(expected);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('should keep retrying while subscribed when maxRetries is left out', () => {
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        // prettier-ignore
        const source = cold(' --1-2-3-#');
        // prettier-ignore
        const unsub = '       -------------------------------------!';
        // prettier-ignore
        const subs = [
          '                   ^-------!',
          '                   ---------^-------!',
          '                   -------------------^-------!',
          '                   -------------------------------^-----!',
        ];
        // prettier-ignore
        const expected = '    --1-2-3----1-2-3-----1-2-3-------1-2--';
        expectObservable(source.pipe(retryBackoff({ initialInterval: 1 })), unsub).toBe(expected);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('should never emit for an async just-throw source and no maxRetries', () => {
      ts.run(({ cold, expectObservable }) => {
        // prettier-ignore
        const source = cold(' -#');
        // prettier-ignore
        const unsub = '       -------------------------------------!';
        // prettier-ignore
        const expected = '    --------------------------------------';
        expectObservable(source.pipe(retryBackoff(1)), unsub).toBe(expected);
      });
    });

    it('should cap the delay at maxInterval', () => {
      ts.run(({ cold, time, expectObservable, expectSubscriptions }) => {
        const maxInterval = time('--|');
        // prettier-ignore
        const source = cold(' --1-2-3-#');
        // prettier-ignore
        const unsub = '       -------------------------------------!';
        // prettier-ignore
        const subs = [
          '                   ^-------!',
          '                   ---------^-------!',
          '                   -------------------^-------!',
          '                   -----------------------------^-------!', // would be 4, capped at 2
        ];
        // prettier-ignore
        const expected = '    --1-2-3----1-2-3-----1-2-3-----1-2-3--';
        expectObservable(source.pipe(retryBackoff({ initialInterval: 1, maxInterval })), unsub).toBe(expected);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('should wait what a custom backoffDelay returns', () => {
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        const constant = (_iteration: number, initialInterval: number) => initialInterval;
        // prettier-ignore
        const source = cold(' -1-#');
        // prettier-ignore
        const unsub = '       -------------------!';
        // prettier-ignore
        const subs = [
          '                   ^--!',
          '                   ----^--!',
          '                   --------^--!',
          '                   ------------^--!',
          '                   ----------------^--!',
        ];
        // prettier-ignore
        const expected = '    -1---1---1---1---1--';
        expectObservable(source.pipe(retryBackoff({ initialInterval: 1, backoffDelay: constant })), unsub).toBe(expected);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('should pass 0-based iterations and initialInterval to backoffDelay', () => {
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        const calls: Array<[number, number]> = [];
        const policy = (iteration: number, initial: number) => {
          calls.push([iteration, initial]);
          return initial;
        };
        // prettier-ignore
        const source = cold(' -#');
        // prettier-ignore
        const subs = ['       ^!', '--^!', '----^!', '------^!'];
        // prettier-ignore
        const expected = '    -------#';
        expectObservable(source.pipe(retryBackoff({ initialInterval: 1, maxRetries: 3, backoffDelay: policy }))).toBe(expected);
        expectSubscriptions(source.subscriptions).toBe(subs);
        ts.flush();
        expect(calls).toEqual([
          [0, 1],
          [1, 1],
          [2, 1],
        ]);
      });
    });

    it('should treat a bare number as initialInterval', () => {
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        // prettier-ignore
        const source = cold(' --1-2-3-#');
        // prettier-ignore
        const unsub = '       --------------------!';
        // prettier-ignore
        const subs = [
          '                   ^-------!',
          '                   ---------^-------!',
          '                   -------------------^!',
        ];
        // prettier-ignore
        const expected = '    --1-2-3----1-2-3------';
        expectObservable(source.pipe(retryBackoff(1)), unsub).toBe(expected);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('should pass the error on at once when shouldRetry returns false', () => {
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        const soft = cold('  --#', undefined, 'soft');
        const fatal = cold(' --#', undefined, 'fatal');
        // prettier-ignore
        const expected = '   -----#'; // no wait after 'fatal'
        const isSoft = (error: unknown) => error === 'soft';
        expectObservable(inTurn(soft, fatal).pipe(retryBackoff({ initialInterval: 1, shouldRetry: isSoft }))).toBe(
          expected,
          undefined,
          'fatal',
        );
        expectSubscriptions(soft.subscriptions).toBe('^-!');
        expectSubscriptions(fatal.subscriptions).toBe('---^-!');
      });
    });

    it('should not ask shouldRetry once the retries are used up', () => {
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        const shouldRetry = jest.fn(() => true);
        // prettier-ignore
        const source = cold(' -#');
        // prettier-ignore
        const subs = ['       ^!', '--^!'];
        // prettier-ignore
        const expected = '    ---#';
        expectObservable(source.pipe(retryBackoff({ initialInterval: 1, maxRetries: 1, shouldRetry }))).toBe(expected);
        expectSubscriptions(source.subscriptions).toBe(subs);
        ts.flush();
        expect(shouldRetry).toHaveBeenCalledTimes(1);
      });
    });

    it('should restart from initialInterval after every value with resetOnSuccess', () => {
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        const a = cold('--#');
        const b = cold('--#');
        const c = cold('-x#'); // a value: the next wait is 1 again
        const d = cold('--#');
        const e = cold('-y|');
        // prettier-ignore
        const expected = '    --------x------y|';
        expectObservable(inTurn(a, b, c, d, e).pipe(retryBackoff({ initialInterval: 1, resetOnSuccess: true }))).toBe(expected);
        expectSubscriptions(a.subscriptions).toBe('^-!');
        expectSubscriptions(b.subscriptions).toBe('---^-!'); //                  waited 1
        expectSubscriptions(c.subscriptions).toBe('-------^-!'); //              waited 2
        expectSubscriptions(d.subscriptions).toBe('----------^-!'); //           waited 1 (reset)
        expectSubscriptions(e.subscriptions).toBe('--------------^-!'); //       waited 2
      });
    });

    it('should not reset the count on values without resetOnSuccess', () => {
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        // prettier-ignore
        const source = cold(' -1#');
        // prettier-ignore
        const unsub = '       ----------------!';
        // prettier-ignore
        const subs = ['       ^-!', '---^-!', '-------^-!', '-------------^-!'];
        // prettier-ignore
        const expected = '    -1--1---1-----1--'; // waits 1, 2, 4: never back to 1
        expectObservable(source.pipe(retryBackoff(1)), unsub).toBe(expected);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('should mirror an empty source', () => {
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('|');
        expectObservable(source.pipe(retryBackoff(1))).toBe('|');
        expectSubscriptions(source.subscriptions).toBe('(^!)');
      });
    });

    it('should mirror a never source', () => {
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('-');
        expectObservable(source.pipe(retryBackoff(1))).toBe('-');
        expectSubscriptions(source.subscriptions).toBe('^');
      });
    });

    it('should mirror a hot source that emits and completes', () => {
      ts.run(({ hot, expectObservable, expectSubscriptions }) => {
        // prettier-ignore
        const source = hot('--1--2--^--3--4--5---|');
        // prettier-ignore
        const subs = '              ^------------!';
        // prettier-ignore
        const expected = '          ---3--4--5---|';
        expectObservable(source.pipe(retryBackoff(1))).toBe(expected);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('should mirror a hot source that emits and never ends', () => {
      ts.run(({ hot, expectObservable, expectSubscriptions }) => {
        // prettier-ignore
        const source = hot('--1--2--^--3--4--5---');
        // prettier-ignore
        const subs = '              ^------------';
        // prettier-ignore
        const expected = '          ---3--4--5---';
        expectObservable(source.pipe(retryBackoff(1))).toBe(expected);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('should stop retrying when unsubscribed early', () => {
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        // prettier-ignore
        const source = cold(' --1-2-3-#');
        // prettier-ignore
        const unsub = '       -------------!';
        // prettier-ignore
        const subs = ['       ^-------!', '---------^---!'];
        // prettier-ignore
        const expected = '    --1-2-3----1--';
        expectObservable(source.pipe(retryBackoff({ initialInterval: 1, maxRetries: 3 })), unsub).toBe(expected);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('should not break the unsubscription chain when unsubscribed explicitly', () => {
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        // prettier-ignore
        const source = cold(' --1-2-3-#');
        // prettier-ignore
        const unsub = '       -------------!';
        // prettier-ignore
        const subs = ['       ^-------!', '---------^---!'];
        // prettier-ignore
        const expected = '    --1-2-3----1--';
        const result = source.pipe(
          mergeMap((x) => of(x)),
          retryBackoff(1),
          mergeMap((x) => of(x)),
        );
        expectObservable(result, unsub).toBe(expected);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('should retry a synchronous shared source several times and then pass the error on', () => {
      const scheduler = new VirtualTimeScheduler();
      const values: number[] = [];
      let error: unknown;
      concat(of(1, 2, 3), throwError(() => 'bad!'))
        .pipe(share(), retryBackoff({ initialInterval: 1, maxRetries: 4, scheduler }))
        .subscribe({ next: (v) => values.push(v), error: (e: unknown) => (error = e) });
      scheduler.flush();
      expect(values).toEqual([1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3]);
      expect(error).toBe('bad!');
    });

    it('should accept policies typed with a narrower error parameter, as backoff-rxjs did', () => {
      ts.run(({ cold, expectObservable }) => {
        // Compile-time check: Error is narrower than unknown; method syntax keeps this legal.
        const isTransient = (error: Error) => error.message !== 'fatal';
        const config: RetryBackoffConfig = { initialInterval: 1, shouldRetry: isTransient };
        const op = retryBackoff(config);
        // One operator value reused on streams of different types keeps their types.
        const numbers$: Observable<number> = cold('-#', undefined, new Error('fatal')).pipe(map(() => 1), op);
        const strings$: Observable<string> = cold('a|').pipe(op);
        const named$: Observable<string> = cold('a|').pipe(retryBackoff<string>(1));
        expectObservable(numbers$).toBe('-#', undefined, new Error('fatal'));
        expectObservable(strings$).toBe('a|');
        expectObservable(named$).toBe('a|');
      });
    });
  });

  describe('documentation example', () => {
    it('should log what the TSDoc example says', () => {
      ts.run(({ expectObservable }) => {
        const log: string[] = [];
        let calls = 0;
        const connect$ = defer(() => (++calls < 3 ? throwError(() => new Error('down')) : of('connected')));
        const result = connect$.pipe(
          retryBackoff({
            initialInterval: 100,
            maxRetries: 5,
            onRetry: ({ attempt, delay }) => log.push(`retry ${attempt} in ${delay} ms`),
          }),
        );
        expectObservable(result).toBe('300ms (c|)', { c: 'connected' });
        ts.flush();
        expect(log).toEqual(['retry 1 in 100 ms', 'retry 2 in 200 ms']);
        expect(calls).toBe(3);
      });
    });
  });

  describe('exponentialBackoffDelay', () => {
    it('should double from initialInterval', () => {
      expect([0, 1, 2, 3, 10].map((i) => exponentialBackoffDelay(i, 100))).toEqual([100, 200, 400, 800, 102400]);
      expect(exponentialBackoffDelay(5, 0)).toBe(0);
    });
  });

  describe('with zero or no retries', () => {
    it('should pass the error through at once with maxRetries 0, without asking shouldRetry', () => {
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        const shouldRetry = jest.fn(() => true);
        // prettier-ignore
        const source = cold(' --a--#');
        // prettier-ignore
        const subs = '        ^----!';
        // prettier-ignore
        const expected = '    --a--#';
        expectObservable(source.pipe(retryBackoff({ initialInterval: 1, maxRetries: 0, shouldRetry }))).toBe(expected);
        expectSubscriptions(source.subscriptions).toBe(subs);
        ts.flush();
        expect(shouldRetry).not.toHaveBeenCalled();
      });
    });

    it('should return the source itself with maxRetries 0', () => {
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        // prettier-ignore
        const source = cold(' -a-#');
        // prettier-ignore
        const subs = '        ^--!';
        const result = retryBackoff<string>({ initialInterval: 1, maxRetries: 0 })(source);
        expect(result).toBe(source);
        expectObservable(result).toBe('-a-#');
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('should resubscribe in the same frame with initialInterval 0', () => {
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        // prettier-ignore
        const source = cold(' -#');
        // prettier-ignore
        const subs = ['       ^!', '-^!', '--^!'];
        // prettier-ignore
        const expected = '    ---#';
        expectObservable(source.pipe(retryBackoff({ initialInterval: 0, maxRetries: 2 }))).toBe(expected);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });
  });

  describe('lifecycle', () => {
    it('should pass the error on when the source errors before its first value and retries are used up', () => {
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        // prettier-ignore
        const source = cold(' #', undefined, 'refused');
        // prettier-ignore
        const subs = ['       (^!)', '-(^!)', '---(^!)'];
        // prettier-ignore
        const expected = '    ---#';
        expectObservable(source.pipe(retryBackoff({ initialInterval: 1, maxRetries: 2 }))).toBe(expected, undefined, 'refused');
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('should complete when a resubscription completes', () => {
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        const first = cold(' -a#');
        const second = cold('-b|');
        // prettier-ignore
        const expected = '   -a--b|';
        expectObservable(inTurn(first, second).pipe(retryBackoff(1))).toBe(expected);
        expectSubscriptions(first.subscriptions).toBe('^-!');
        expectSubscriptions(second.subscriptions).toBe('---^-!');
      });
    });

    it('should stay silent while a retry waits, and cancel the wait when the output completes downstream', () => {
      ts.run(({ cold, hot, time, expectObservable, expectSubscriptions }) => {
        const initialInterval = time('----|');
        // prettier-ignore
        const source = cold(' -a#');
        // prettier-ignore
        const stop = hot('    ----x');
        // prettier-ignore
        const subs = '        ^-!';
        // prettier-ignore
        const expected = '    -a--|'; // the wait would end at frame 6; nothing resubscribes
        expectObservable(source.pipe(retryBackoff({ initialInterval }), takeUntil(stop))).toBe(expected);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('should not resubscribe when unsubscribed during a wait', () => {
      ts.run(({ cold, time, expectObservable, expectSubscriptions }) => {
        const initialInterval = time('---|');
        // prettier-ignore
        const source = cold(' -a#');
        // prettier-ignore
        const unsub = '       ---!'; // the wait would end at frame 5
        // prettier-ignore
        const subs = '        ^-!';
        // prettier-ignore
        const expected = '    -a--';
        expectObservable(source.pipe(retryBackoff({ initialInterval })), unsub).toBe(expected);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('should keep separate retry counts for each subscription of one operator value', () => {
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        const op = retryBackoff<string>(1);
        // prettier-ignore
        const source = cold('         -#');
        const result = source.pipe(op);
        // prettier-ignore
        const firstUnsub = '          ^--------!';
        // prettier-ignore
        const secondUnsub = '         ------^--------!';
        // prettier-ignore
        const expected = '            ----------------';
        expectObservable(result, firstUnsub).toBe(expected);
        expectObservable(result, secondUnsub).toBe(expected);
        // prettier-ignore
        expectSubscriptions(source.subscriptions).toBe([
          '                           ^!', //          1st: waits 1, 2
          '                           --^!',
          '                           -----^!',
          '                           ------^!', //    2nd starts afresh: waits 1, 2
          '                           --------^!',
          '                           -----------^!',
        ]);
      });
    });

    it('should stop a synchronous always-failing source when unsubscribed', () => {
      let subscriptions = 0;
      const source = defer(() => {
        subscriptions++;
        return subscriptions > 100 ? of('leaked') : concat(of('v'), throwError(() => 'e'));
      });
      const values: string[] = [];
      source.pipe(retryBackoff({ initialInterval: 0, scheduler: queueScheduler }), take(3)).subscribe((v) => values.push(v));
      expect(values).toEqual(['v', 'v', 'v']);
      expect(subscriptions).toBe(3);
    });

    it('should run its timers on the given scheduler', () => {
      const scheduler = new VirtualTimeScheduler();
      let subscriptions = 0;
      let error: unknown;
      defer(() => {
        subscriptions++;
        return throwError(() => 'e');
      })
        .pipe(retryBackoff({ initialInterval: 10, maxRetries: 1, scheduler }))
        .subscribe({ error: (e: unknown) => (error = e) });
      expect(subscriptions).toBe(1);
      scheduler.flush();
      expect(subscriptions).toBe(2);
      expect(scheduler.frame).toBe(10);
      expect(error).toBe('e');
    });
  });

  describe('delay policy edges', () => {
    it('should treat a negative backoffDelay as no wait', () => {
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        // prettier-ignore
        const source = cold(' -#');
        // prettier-ignore
        const subs = ['       ^!', '-^!'];
        // prettier-ignore
        const expected = '    --#';
        expectObservable(source.pipe(retryBackoff({ initialInterval: 1, maxRetries: 1, backoffDelay: () => -5 }))).toBe(expected);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('should stop retrying and pass the source error on when backoffDelay returns NaN', () => {
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        const onRetry = jest.fn();
        // prettier-ignore
        const source = cold(' --#', undefined, 'down');
        // prettier-ignore
        const subs = '        ^-!';
        // prettier-ignore
        const expected = '    --#';
        const config = { initialInterval: 1, backoffDelay: () => NaN, onRetry };
        expectObservable(source.pipe(retryBackoff(config))).toBe(expected, undefined, 'down');
        expectSubscriptions(source.subscriptions).toBe(subs);
        ts.flush();
        expect(onRetry).not.toHaveBeenCalled();
      });
    });

    it('should stop retrying when backoffDelay returns something that is not a number', () => {
      // Bounded to 100 frames: a retry loop fails the spec instead of running forever.
      const scheduler = new VirtualTimeScheduler(VirtualAction, 100);
      let subscriptions = 0;
      const errors: unknown[] = [];
      defer(() => {
        subscriptions++;
        return throwError(() => 'down');
      })
        .pipe(retryBackoff({ initialInterval: 1, backoffDelay: () => '1' as unknown as number, scheduler }))
        .subscribe({ error: (err: unknown) => errors.push(err) });
      scheduler.flush();
      expect(subscriptions).toBe(1);
      expect(errors).toEqual(['down']);
    });

    it('should wait until unsubscribed when the delay is Infinity', () => {
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        // prettier-ignore
        const source = cold(' -a#');
        // prettier-ignore
        const unsub = '       ----------!';
        // prettier-ignore
        const subs = '        ^-!';
        // prettier-ignore
        const expected = '    -a---------';
        expectObservable(source.pipe(retryBackoff({ initialInterval: 1, backoffDelay: () => Infinity })), unsub).toBe(expected);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('should never schedule an Infinity timer (which real timers would fire at once)', () => {
      const scheduler = new RecordingScheduler();
      let subscriptions = 0;
      const subscription = defer(() => {
        subscriptions++;
        return throwError(() => 'e');
      })
        .pipe(retryBackoff({ initialInterval: 1, backoffDelay: () => Infinity, scheduler }))
        .subscribe();
      scheduler.flush();
      expect(scheduler.delays).toEqual([]);
      expect(subscriptions).toBe(1);
      expect(subscription.closed).toBe(false);
      subscription.unsubscribe();
    });

    it('should wait out a delay longer than a timer takes (2^31 - 1 ms) in steps, then retry once', () => {
      const scheduler = new RecordingScheduler();
      const DAY = 86_400_000;
      const at: number[] = [];
      const subscription = defer(() => {
        at.push(scheduler.now());
        return at.length === 1 ? throwError(() => 'e') : NEVER;
      })
        .pipe(retryBackoff({ initialInterval: 1, backoffDelay: () => 40 * DAY, maxInterval: Infinity, scheduler }))
        .subscribe();
      scheduler.flush();
      expect(at).toEqual([0, 40 * DAY]);
      expect(scheduler.delays).toEqual([2 ** 31 - 1, 40 * DAY - (2 ** 31 - 1)]);
      subscription.unsubscribe();
    });

    it('should error with what backoffDelay throws', () => {
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        const boom = new Error('policy bug');
        // prettier-ignore
        const source = cold(' -a#');
        // prettier-ignore
        const subs = '        ^-!';
        // prettier-ignore
        const expected = '    -a#';
        const backoffDelay = () => {
          throw boom;
        };
        expectObservable(source.pipe(retryBackoff({ initialInterval: 1, backoffDelay }))).toBe(expected, undefined, boom);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('should error with what shouldRetry throws', () => {
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        const boom = new Error('classifier bug');
        // prettier-ignore
        const source = cold(' -a#');
        // prettier-ignore
        const subs = '        ^-!';
        // prettier-ignore
        const expected = '    -a#';
        const shouldRetry = (): boolean => {
          throw boom;
        };
        expectObservable(source.pipe(retryBackoff({ initialInterval: 1, shouldRetry }))).toBe(expected, undefined, boom);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });
  });

  describe('with jitter', () => {
    it('should take a random share of the capped delay away', () => {
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        const delays: number[] = [];
        // capped delays 4, 8, 8 (maxInterval 8) times (1 - 0.5 * 0.5) = 3, 6, 6
        const config: RetryBackoffConfig = {
          initialInterval: 4,
          maxInterval: 8,
          maxRetries: 3,
          jitter: 0.5,
          random: () => 0.5,
          onRetry: ({ delay }) => delays.push(delay),
        };
        // prettier-ignore
        const source = cold(' -#');
        // prettier-ignore
        const subs = ['       ^!', '----^!', '-----------^!', '------------------^!'];
        // prettier-ignore
        const expected = '    -------------------#';
        expectObservable(source.pipe(retryBackoff(config))).toBe(expected);
        expectSubscriptions(source.subscriptions).toBe(subs);
        ts.flush();
        expect(delays).toEqual([3, 6, 6]);
      });
    });

    it('should not call random while jitter is 0', () => {
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        const random = jest.fn(() => 0.5);
        // prettier-ignore
        const source = cold(' -#');
        // prettier-ignore
        const subs = ['       ^!', '--^!'];
        // prettier-ignore
        const expected = '    ---#';
        expectObservable(source.pipe(retryBackoff({ initialInterval: 1, maxRetries: 1, random }))).toBe(expected);
        expectSubscriptions(source.subscriptions).toBe(subs);
        ts.flush();
        expect(random).not.toHaveBeenCalled();
      });
    });

    it('should keep every delay in (capped * (1 - jitter), capped] and never above maxInterval', () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 0, max: 10_000 }),
          fc.integer({ min: 0, max: 60_000 }),
          fc.double({ min: 0, max: 1, noNaN: true }),
          fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
          fc.integer({ min: 0, max: 40 }),
          (initialInterval, maxInterval, jitter, r, iteration) => {
            const delays: number[] = [];
            const scheduler = new VirtualTimeScheduler();
            throwError(() => 'e')
              .pipe(
                retryBackoff({
                  initialInterval,
                  maxInterval,
                  jitter,
                  random: () => r,
                  backoffDelay: (_i, initial) => exponentialBackoffDelay(iteration, initial),
                  maxRetries: 1,
                  scheduler,
                  onRetry: ({ delay }) => delays.push(delay),
                }),
              )
              .subscribe({ error: () => undefined });
            const capped = Math.min(exponentialBackoffDelay(iteration, initialInterval), maxInterval);
            const [delay] = delays;
            expect(delay).toBeDefined();
            expect(delay).toBeLessThanOrEqual(capped);
            expect(delay).toBeLessThanOrEqual(maxInterval);
            if (capped > 0 && jitter > 0) expect(delay).toBeGreaterThan(capped * (1 - jitter) - 1e-9);
            else expect(delay).toBe(capped);
          },
        ),
      );
    });

    it('should clamp a random result outside [0, 1] so the delay stays in [0, capped]', () => {
      const delaysFor = (value: number) => {
        const delays: number[] = [];
        throwError(() => 'e')
          .pipe(
            retryBackoff({
              initialInterval: 10,
              maxRetries: 1,
              jitter: 1,
              random: () => value,
              scheduler: new VirtualTimeScheduler(),
              onRetry: ({ delay }) => delays.push(delay),
            }),
          )
          .subscribe({ error: () => undefined });
        return delays;
      };
      expect(delaysFor(-3)).toEqual([10]);
      expect(delaysFor(7)).toEqual([0]);
      expect(delaysFor(NaN)).toEqual([10]);
    });

    it('should error with what random throws', () => {
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        const boom = new Error('no entropy');
        // prettier-ignore
        const source = cold(' -#');
        // prettier-ignore
        const subs = '        ^!';
        // prettier-ignore
        const expected = '    -#';
        const random = (): number => {
          throw boom;
        };
        expectObservable(source.pipe(retryBackoff({ initialInterval: 1, jitter: 0.3, random }))).toBe(expected, undefined, boom);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });
  });

  describe('with resetAfter', () => {
    it('should reset the count once a resubscription stays up for resetAfter after its first value', () => {
      ts.run(({ cold, time, expectObservable, expectSubscriptions }) => {
        const resetAfter = time('---|');
        const a = cold('-a#'); //     drops right after its first value: no reset
        const b = cold('-b#'); //     same
        const c = cold('-c----#'); // up for 5 frames after its first value: reset
        const d = cold('-d|');
        // prettier-ignore
        const expected = '    -a--b---c------d|';
        expectObservable(inTurn(a, b, c, d).pipe(retryBackoff({ initialInterval: 1, resetAfter }))).toBe(expected);
        expectSubscriptions(a.subscriptions).toBe('^-!');
        expectSubscriptions(b.subscriptions).toBe('---^-!'); //            waited 1
        expectSubscriptions(c.subscriptions).toBe('-------^-----!'); //    waited 2
        expectSubscriptions(d.subscriptions).toBe('--------------^-!'); // waited 1 after the reset, not 4
      });
    });

    it('should not reset when the error comes exactly at resetAfter', () => {
      ts.run(({ cold, time, expectObservable, expectSubscriptions }) => {
        const resetAfter = time('---|');
        const a = cold('-a#');
        const b = cold('-b--#'); // first value at 1, error at 4 = 1 + resetAfter
        const c = cold('-c|');
        // prettier-ignore
        const expected = '    -a--b-----c|';
        expectObservable(inTurn(a, b, c).pipe(retryBackoff({ initialInterval: 1, resetAfter }))).toBe(expected);
        expectSubscriptions(a.subscriptions).toBe('^-!');
        expectSubscriptions(b.subscriptions).toBe('---^---!');
        expectSubscriptions(c.subscriptions).toBe('---------^-!'); // waited 2: no reset
      });
    });

    it('should start the reset clock at the first value, not at subscription', () => {
      ts.run(({ cold, time, expectObservable, expectSubscriptions }) => {
        const resetAfter = time('--|');
        const a = cold('-a#');
        const b = cold('---b#'); //  up 4 frames, but only 1 after its first value: no reset
        const c = cold('-----#'); // never emits: no reset however long it stays up
        const d = cold('-d|');
        // prettier-ignore
        const expected = '    -a----b------------d|';
        expectObservable(inTurn(a, b, c, d).pipe(retryBackoff({ initialInterval: 1, resetAfter }))).toBe(expected);
        expectSubscriptions(a.subscriptions).toBe('^-!');
        expectSubscriptions(b.subscriptions).toBe('---^---!'); //                 waited 1
        expectSubscriptions(c.subscriptions).toBe('---------^----!'); //          waited 2
        expectSubscriptions(d.subscriptions).toBe('------------------^-!'); //    waited 4
      });
    });

    it('should reset later in the frame of the first value with resetAfter 0, unless the error comes in that frame', () => {
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        const a = cold('-a#');
        const b = cold('(b#)'); // value and error in one frame: no reset
        const c = cold('c#'); //   value, then error a frame later: reset
        const d = cold('-d|');
        // prettier-ignore
        const expected = '    -a-b-c--d|';
        expectObservable(inTurn(a, b, c, d).pipe(retryBackoff({ initialInterval: 1, resetAfter: 0 }))).toBe(expected);
        expectSubscriptions(a.subscriptions).toBe('^-!');
        expectSubscriptions(b.subscriptions).toBe('---(^!)'); //    waited 1
        expectSubscriptions(c.subscriptions).toBe('-----^!'); //    waited 2: b did not reset
        expectSubscriptions(d.subscriptions).toBe('-------^-!'); // waited 1: c did
      });
    });

    it('should start one reset timer per subscription, at its first value only', () => {
      ts.run(({ cold, time, expectObservable, expectSubscriptions }) => {
        const resetAfter = time('---|');
        const a = cold('-a#');
        const b = cold('-bc#'); // first value at 4, error at 6: no reset at 7 (nor at 8)
        const c = cold('-#');
        const d = cold('-d|');
        // prettier-ignore
        const expected = '    -a--bc--------d|';
        expectObservable(inTurn(a, b, c, d).pipe(retryBackoff({ initialInterval: 1, resetAfter }))).toBe(expected);
        expectSubscriptions(a.subscriptions).toBe('^-!');
        expectSubscriptions(b.subscriptions).toBe('---^--!'); //         waited 1
        expectSubscriptions(c.subscriptions).toBe('--------^!'); //      waited 2
        expectSubscriptions(d.subscriptions).toBe('-------------^-!'); // waited 4
      });
    });

    it('should run no reset timer: the clock is read when the next error comes', () => {
      const scheduler = new VirtualTimeScheduler();
      const subscription = concat(of('a'), NEVER)
        .pipe(retryBackoff({ initialInterval: 1, resetAfter: 5, scheduler }))
        .subscribe();
      expect(scheduler.actions.length).toBe(0);
      subscription.unsubscribe();
      expect(scheduler.actions.length).toBe(0);
    });
  });

  describe('timers that must not exist', () => {
    it('should schedule no reset timer for resetAfter: Infinity (real timers would fire it at once)', () => {
      const scheduler = new RecordingScheduler();
      const subscription = concat(of('a'), NEVER)
        .pipe(retryBackoff({ initialInterval: 1, resetAfter: Infinity, scheduler }))
        .subscribe();
      scheduler.flush();
      expect(scheduler.delays).toEqual([]);
      subscription.unsubscribe();
    });

    it('should schedule no reset timer for resetOnSuccess alone (it resets on the value itself)', () => {
      const scheduler = new RecordingScheduler();
      const subscription = concat(of('a', 'b'), NEVER)
        .pipe(retryBackoff({ initialInterval: 1, resetOnSuccess: true, scheduler }))
        .subscribe();
      scheduler.flush();
      expect(scheduler.delays).toEqual([]);
      subscription.unsubscribe();
    });
  });

  describe('with onRetry', () => {
    it('should report each scheduled retry with its 1-based attempt, delay and error', () => {
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        const infos: RetryInfo[] = [];
        // prettier-ignore
        const source = cold(' -#', undefined, 'lost');
        // prettier-ignore
        const subs = ['       ^!', '--^!', '-----^!'];
        // prettier-ignore
        const expected = '    ------#';
        const config = { initialInterval: 1, maxRetries: 2, onRetry: (info: RetryInfo) => infos.push(info) };
        expectObservable(source.pipe(retryBackoff(config))).toBe(expected, undefined, 'lost');
        expectSubscriptions(source.subscriptions).toBe(subs);
        ts.flush();
        expect(infos).toEqual([
          { attempt: 1, delay: 1, error: 'lost' },
          { attempt: 2, delay: 2, error: 'lost' },
        ]);
      });
    });

    it('should error with what onRetry throws, without resubscribing', () => {
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        const boom = new Error('logger bug');
        // prettier-ignore
        const source = cold(' -#');
        // prettier-ignore
        const subs = '        ^!';
        // prettier-ignore
        const expected = '    -#';
        const onRetry = () => {
          throw boom;
        };
        expectObservable(source.pipe(retryBackoff({ initialInterval: 1, onRetry }))).toBe(expected, undefined, boom);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });
  });

  describe('with retryNow', () => {
    it('should cut a wait short and resubscribe when retryNow emits during it', () => {
      ts.run(({ cold, hot, time, expectObservable, expectSubscriptions }) => {
        const initialInterval = time('-----|');
        // prettier-ignore
        const source = cold('   -a#');
        // prettier-ignore
        const retryNow = hot('  ----n---------');
        // prettier-ignore
        const expected = '      -a---a-----------a-';
        // prettier-ignore
        const unsub = '         ------------------!';
        expectObservable(source.pipe(retryBackoff({ initialInterval, retryNow })), unsub).toBe(expected);
        // prettier-ignore
        expectSubscriptions(source.subscriptions).toBe([
          '                     ^-!', //                 fails at 2; the wait would end at 7
          '                     ----^-!', //             n at 4 cuts it short
          '                     ----------------^-!', // waits the full 10: the count was not reset
        ]);
        // prettier-ignore
        expectSubscriptions(retryNow.subscriptions).toBe([
          '                     --^-!', //               subscribed only while waiting
          '                     ------^---------!',
        ]);
      });
    });

    it('should ignore retryNow while no retry is waiting', () => {
      ts.run(({ cold, hot, expectObservable, expectSubscriptions }) => {
        // prettier-ignore
        const source = cold('   -a--b|');
        // prettier-ignore
        const retryNow = hot('  --n-n--n');
        // prettier-ignore
        const expected = '      -a--b|';
        expectObservable(source.pipe(retryBackoff({ initialInterval: 1, retryNow }))).toBe(expected);
        expectSubscriptions(source.subscriptions).toBe('^----!');
        expectSubscriptions(retryNow.subscriptions).toBe([]);
      });
    });

    it('should resubscribe on retryNow even when the delay is Infinity', () => {
      ts.run(({ cold, hot, expectObservable, expectSubscriptions }) => {
        const first = cold('  -#');
        const second = cold('-a|');
        // prettier-ignore
        const retryNow = hot('------n');
        // prettier-ignore
        const expected = '    -------a|';
        const config = { initialInterval: 1, backoffDelay: () => Infinity, retryNow };
        expectObservable(inTurn(first, second).pipe(retryBackoff(config))).toBe(expected);
        expectSubscriptions(first.subscriptions).toBe('^!');
        expectSubscriptions(second.subscriptions).toBe('------^-!');
        expectSubscriptions(retryNow.subscriptions).toBe('-^----!');
      });
    });

    it('should keep waiting for the timer when retryNow completes, and error when it errors', () => {
      ts.run(({ cold, hot, expectObservable, expectSubscriptions }) => {
        // prettier-ignore
        const source = cold('   -#', undefined, 'down');
        // prettier-ignore
        const retryNow = hot('  --|');
        // prettier-ignore
        const failing = hot('   --#', undefined, 'broken');
        const config = { initialInterval: 3, maxRetries: 1 };
        expectObservable(source.pipe(retryBackoff({ ...config, retryNow }))).toBe('-----#', undefined, 'down');
        expectObservable(source.pipe(retryBackoff({ ...config, retryNow: failing }))).toBe('--#', undefined, 'broken');
        expectSubscriptions(source.subscriptions).toBe(['^!', '^!', '----^!']);
        expectSubscriptions(retryNow.subscriptions).toBe('-^!');
        expectSubscriptions(failing.subscriptions).toBe('-^!');
      });
    });
  });

  describe('with invalid options', () => {
    const cases: Array<[string, unknown, string]> = [
      ['a negative number', -1, 'initialInterval'],
      ['a NaN number', NaN, 'initialInterval'],
      ['an infinite number', Infinity, 'initialInterval'],
      ['null', null, 'config'],
      ['a string', '100', 'config'],
      ['no initialInterval', {}, 'initialInterval'],
      ['a negative initialInterval', { initialInterval: -1 }, 'initialInterval'],
      ['a NaN maxInterval', { initialInterval: 1, maxInterval: NaN }, 'maxInterval'],
      ['a negative maxInterval', { initialInterval: 1, maxInterval: -1 }, 'maxInterval'],
      ['a fractional maxRetries', { initialInterval: 1, maxRetries: 1.5 }, 'maxRetries'],
      ['a negative maxRetries', { initialInterval: 1, maxRetries: -1 }, 'maxRetries'],
      ['a NaN maxRetries', { initialInterval: 1, maxRetries: NaN }, 'maxRetries'],
      ['a non-function shouldRetry', { initialInterval: 1, shouldRetry: true }, 'shouldRetry'],
      ['a non-function backoffDelay', { initialInterval: 1, backoffDelay: 2 }, 'backoffDelay'],
      ['a jitter above 1', { initialInterval: 1, jitter: 1.5 }, 'jitter'],
      ['a negative jitter', { initialInterval: 1, jitter: -0.1 }, 'jitter'],
      ['a NaN jitter', { initialInterval: 1, jitter: NaN }, 'jitter'],
      ['a null random', { initialInterval: 1, random: null }, 'random'],
      ['a negative resetAfter', { initialInterval: 1, resetAfter: -1 }, 'resetAfter'],
      ['a NaN resetAfter', { initialInterval: 1, resetAfter: NaN }, 'resetAfter'],
      ['a non-function onRetry', { initialInterval: 1, onRetry: 'log' }, 'onRetry'],
      ['a non-Observable retryNow', { initialInterval: 1, retryNow: () => undefined }, 'retryNow'],
    ];
    it.each(cases)('should throw InvalidOptionError at creation time for %s', (_label, config, option) => {
      expectInvalidOption(() => retryBackoff(config as RetryBackoffConfig), { operator: 'retryBackoff', option });
    });

    it('should accept the boundary values', () => {
      expect(() => retryBackoff(0)).not.toThrow();
      expect(() =>
        retryBackoff({ initialInterval: 0, maxInterval: Infinity, maxRetries: Infinity, jitter: 1, resetAfter: Infinity }),
      ).not.toThrow();
      expect(() => retryBackoff({ initialInterval: 1, maxInterval: 0, jitter: 0, resetAfter: 0 })).not.toThrow();
    });
  });

  describe('with healthy', () => {
    it('should start the resetAfter clock at the first emission of healthy, not at the first value', () => {
      ts.run(({ cold, hot, time, expectObservable }) => {
        const resetAfter = time('---|');
        // each subscription is declared healthy 1 frame in, long before (or without) any value
        // prettier-ignore
        const healthy = hot('   -h-h-h-h-h-h-h-h-h-h-h-h-h-h-h-h-h-h-h-h');
        // prettier-ignore
        const a = cold('        -----#');                     // healthy at 1, up 5 >= 3: the count resets
        // prettier-ignore
        const b = cold('        -#');                         // fails before healthy: count 1 -> wait 2
        // prettier-ignore
        const c = cold('        --1');
        // prettier-ignore
        const expected = '      ------ - -- --1';
        const waits: number[] = [];
        const result = inTurn(a, b, c).pipe(retryBackoff({ initialInterval: 1, resetAfter, healthy, onRetry: (info) => waits.push(info.delay) }));
        expectObservable(result).toBe(expected.replace(/ /g, ''));
        ts.flush();
        expect(waits).toEqual([1, 2]);
      });
    });

    it('should reset at once on healthy with resetOnSuccess, and look at no value', () => {
      ts.run(({ cold, hot }) => {
        // prettier-ignore
        const healthy = hot('----h---------------');
        const waits: number[] = [];
        // prettier-ignore
        const source = inTurn(cold('#'), cold('#'), cold('--#'), cold('#'), cold('-'));
        source.pipe(retryBackoff({ initialInterval: 1, resetOnSuccess: true, healthy, onRetry: (info) => waits.push(info.delay) })).subscribe();
        ts.flush();
        // 1, 2 (attempts at 0, 1, 3); healthy at 4 during the third: the count resets, so 1 again
        expect(waits).toEqual([1, 2, 1, 2]);
      });
    });

    it('should throw InvalidOptionError for a healthy that is not an Observable', () => {
      expect(() => retryBackoff({ initialInterval: 1, healthy: (() => undefined) as never })).toThrow(
        expect.objectContaining({ info: expect.objectContaining({ option: 'healthy' }) }),
      );
    });
  });

  describe('with minDelay', () => {
    it('should wait at least minDelay(error), after the cap and the jitter', () => {
      ts.run(({ cold, expectObservable }) => {
        const slow = new Error('slow down');
        const waits: number[] = [];
        const source = inTurn(cold('#', undefined, slow), cold('#'), cold('a'));
        const floor = (error: unknown) => (error === slow ? 5 : 0);
        // prettier-ignore
        expectObservable(source.pipe(retryBackoff({ initialInterval: 1, maxInterval: 2, minDelay: floor, onRetry: (i) => waits.push(i.delay) }))).toBe('-------a');
        ts.flush();
        expect(waits).toEqual([5, 2]);
      });
    });

    it('should leave the computed delay when minDelay is below it, or not a number', () => {
      ts.run(({ cold, expectObservable }) => {
        const waits: number[] = [];
        const source = inTurn(cold('#'), cold('#'), cold('a'));
        const floors = [3, '9' as unknown as number];
        const minDelay = () => floors.shift() as number;
        // prettier-ignore
        expectObservable(source.pipe(retryBackoff({ initialInterval: 4, minDelay, onRetry: (i) => waits.push(i.delay) }))).toBe('------------a');
        ts.flush();
        expect(waits).toEqual([4, 8]);
      });
    });

    it('should error the output with what minDelay throws', () => {
      ts.run(({ cold, expectObservable }) => {
        const boom = new Error('boom');
        const minDelay = () => {
          throw boom;
        };
        expectObservable(cold('#').pipe(retryBackoff({ initialInterval: 1, minDelay }))).toBe('#', undefined, boom);
      });
    });
  });
});
