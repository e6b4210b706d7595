import { concatMap, delay, exhaustMap, finalize, from, map, mergeMap, of, range, Subject, take, tap, timer } from 'rxjs';
import type { Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import fc from 'fast-check';
import { dropOnFull } from '../../src/operators/dropOnFull';
import type { DropInfo, DropPolicy } from '../../src/operators/dropOnFull';
import { expectInvalidOption } from '../support/invalidOption';

const upper = (v: string) => v.toUpperCase();

describe('dropOnFull', () => {
  let ts: TestScheduler;
  beforeEach(() => {
    ts = new TestScheduler((a, e) => expect(a).toEqual(e));
  });

  describe("with the default policy ('newest')", () => {
    it('should match the documented marble: drop the incoming value when the buffer is full', () => {
      const drops: Array<[string, DropInfo]> = [];
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        // prettier-ignore
        const source = cold(' -a-b-c-d--------e-|');
        const inner = cold('   ----(x|)');
        const subs = '        ^-----------------!';
        const innerSubs = [
          '                   -^---!',
          '                   -----^---!',
          '                   ---------^---!',
          '                   ----------------^---!',
        ];
        const expected = '    -----A---B---D------(E|)';
        //                         ^ c arrives while a runs and b waits: dropped
        const work = (v: string) => inner.pipe(map(() => upper(v)));
        expectObservable(source.pipe(dropOnFull(1, work, { onDrop: (v, i) => drops.push([v, i]) }))).toBe(expected);
        expectSubscriptions(source.subscriptions).toBe(subs);
        expectSubscriptions(inner.subscriptions).toBe(innerSubs);
      });
      expect(drops).toEqual([['c', { dropped: 1, received: 3, reason: 'full', index: 2, incoming: true, buffered: 1 }]]);
    });

    it('should run work like concatMap when the buffer never fills', () => {
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        // prettier-ignore
        const source = cold(' -a-b-c--|');
        const inner = cold('   --(x|)');
        const subs = '        ^-------!';
        const expected = '    ---A-B-C|';
        const work = (v: string) => inner.pipe(map(() => upper(v)));
        expectObservable(source.pipe(dropOnFull(3, work))).toBe(expected);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('should emit nothing and stay open for a never source', () => {
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        // prettier-ignore
        const source = cold(' -');
        const subs = '        ^';
        const expected = '    -';
        expectObservable(source.pipe(dropOnFull(1, (v: string) => of(v)))).toBe(expected);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('should complete when the source is empty', () => {
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        // prettier-ignore
        const source = cold(' |');
        const subs = '        (^!)';
        const expected = '    |';
        expectObservable(source.pipe(dropOnFull(1, (v: string) => of(v)))).toBe(expected);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('should run a single value and emit everything its work emits', () => {
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        // prettier-ignore
        const source = cold(' -a|');
        const inner = cold('   -x-y|');
        const subs = '        ^-!';
        const innerSubs = '   -^---!';
        const expected = '    --x-y|';
        expectObservable(source.pipe(dropOnFull(0, () => inner))).toBe(expected);
        expectSubscriptions(source.subscriptions).toBe(subs);
        expectSubscriptions(inner.subscriptions).toBe(innerSubs);
      });
    });

    it('should complete only when the source completed and all buffered work has run', () => {
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        // prettier-ignore
        const source = cold(' -ab|');
        const inner = cold('   ---(x|)');
        const subs = '        ^--!';
        const expected = '    ----A--(B|)';
        const work = (v: string) => inner.pipe(map(() => upper(v)));
        expectObservable(source.pipe(dropOnFull(1, work))).toBe(expected);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('should forward a source error at once, dropping the buffer and stopping running work', () => {
      const work = jest.fn((v: string) => of(v).pipe(delay(4)));
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        // prettier-ignore
        const source = cold(' -a-b-#');
        const subs = '        ^----!';
        const expected = '    -----#';
        expectObservable(source.pipe(dropOnFull(1, work))).toBe(expected);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
      // b was buffered and never started.
      expect(work).toHaveBeenCalledTimes(1);
    });

    it('should error when work emits an error', () => {
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        // prettier-ignore
        const source = cold(' -a-b---|');
        const inner = cold('   --#');
        const subs = '        ^--!';
        const expected = '    ---#';
        expectObservable(source.pipe(dropOnFull(1, () => inner))).toBe(expected);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('should error when work throws, whether the value starts at once or from the buffer', () => {
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        const boom = new Error('boom');
        const work = (v: string) => {
          if (v === 'x') throw boom;
          return timer(2).pipe(map(() => upper(v)));
        };
        // prettier-ignore
        const source1 = cold(' -a--x-|');
        const subs1 = '        ^---!';
        const expected1 = '    ---A#';
        expectObservable(source1.pipe(dropOnFull(1, work))).toBe(expected1, undefined, boom);
        expectSubscriptions(source1.subscriptions).toBe(subs1);

        // prettier-ignore
        const source2 = cold(' -ax---|');
        const subs2 = '        ^--!';
        const expected2 = '    ---(A#)';
        //                        ^ x starts from the buffer when a completes
        expectObservable(source2.pipe(dropOnFull(1, work))).toBe(expected2, undefined, boom);
        expectSubscriptions(source2.subscriptions).toBe(subs2);
      });
    });

    it('should keep running while work never completes, dropping what does not fit', () => {
      const onDrop = jest.fn();
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        // prettier-ignore
        const source = cold(' -a-b-c-d-|');
        const inner = cold('   x-');
        const subs = '        ^--------!';
        const innerSubs = '   -^';
        const expected = '    -x--------';
        expectObservable(source.pipe(dropOnFull(1, () => inner, { onDrop }))).toBe(expected);
        expectSubscriptions(source.subscriptions).toBe(subs);
        expectSubscriptions(inner.subscriptions).toBe(innerSubs);
      });
      expect(onDrop.mock.calls.map(([v]) => v)).toEqual(['c', 'd']);
    });

    it('should stop running work and free the buffer on early unsubscription', () => {
      const work = jest.fn();
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        // prettier-ignore
        const source = cold(' -a-b-c-|');
        const inner = cold('   ----x|');
        const unsub = '       ---!';
        const subs = '        ^--!';
        const innerSubs = '   -^-!';
        const expected = '    ----';
        work.mockImplementation(() => inner);
        expectObservable(source.pipe(dropOnFull(1, work)), unsub).toBe(expected);
        expectSubscriptions(source.subscriptions).toBe(subs);
        expectSubscriptions(inner.subscriptions).toBe(innerSubs);
      });
      // b was buffered at frame 3 and never started.
      expect(work).toHaveBeenCalledTimes(1);
    });

    it('should error with what onDrop throws', () => {
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        // prettier-ignore
        const source = cold(' -a-b-c-|');
        const inner = cold('   ------x|');
        const subs = '        ^----!';
        const expected = '    -----#';
        const onDrop = () => {
          throw new Error('onDrop');
        };
        expectObservable(source.pipe(dropOnFull(1, () => inner, { onDrop }))).toBe(expected, undefined, new Error('onDrop'));
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('should pass work the arrival index, which skips dropped values', () => {
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        // prettier-ignore
        const source = cold(' -a-b-c-d-----|');
        const subs = '        ^------------!';
        const expected = '    -----0---1---(3|)';
        //                         ^ c (index 2) is dropped at frame 5
        const work = (_v: string, i: number) => timer(4).pipe(map(() => String(i)));
        expectObservable(source.pipe(dropOnFull(1, work))).toBe(expected);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('should count drops per subscription', () => {
      const drops: number[] = [];
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        // prettier-ignore
        const source = cold(' -abc-|');
        const sub2 = '        --^';
        const subs = [
          '                   ^----!',
          '                   --^----!',
        ];
        const expected1 = '   ----A--(B|)';
        const expected2 = '   ------A--(B|)';
        const result = source.pipe(
          dropOnFull(1, (v: string) => timer(3).pipe(map(() => upper(v))), { onDrop: (_v, i) => drops.push(i.dropped) }),
        );
        expectObservable(result).toBe(expected1);
        expectObservable(result, sub2).toBe(expected2);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
      // Each subscription dropped c and counted it as its first drop.
      expect(drops).toEqual([1, 1]);
    });
  });

  describe('with capacity 0', () => {
    it('should behave like exhaustMap', () => {
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        // prettier-ignore
        const source = cold(' -a-b-c-d---|');
        const subs = '        ^----------!';
        const expected = '    ----A---C--|';
        //                       ^ b arrives while a runs: dropped
        const work = (v: string) => timer(3).pipe(map(() => upper(v)));
        expectObservable(source.pipe(dropOnFull(0, work))).toBe(expected);
        expectObservable(source.pipe(exhaustMap(work))).toBe(expected);
        expectSubscriptions(source.subscriptions).toBe([subs, subs]);
      });
    });

    it("should drop the incoming value under 'oldest' and priority too", () => {
      const policies: Array<DropPolicy<string>> = ['oldest', { priority: () => 1 }];
      for (const policy of policies) {
        const local = new TestScheduler((a, e) => expect(a).toEqual(e));
        const drops: Array<[string, boolean]> = [];
        local.run(({ cold, expectObservable, expectSubscriptions }) => {
          // prettier-ignore
          const source = cold(' -a-b-|');
          const subs = '        ^----!';
          const expected = '    ----A|';
          const work = (v: string) => timer(3).pipe(map(() => upper(v)));
          const onDrop = (v: string, i: DropInfo) => drops.push([v, i.incoming]);
          expectObservable(source.pipe(dropOnFull(0, work, { policy, onDrop }))).toBe(expected);
          expectSubscriptions(source.subscriptions).toBe(subs);
        });
        expect(drops).toEqual([['b', true]]);
      }
    });
  });

  describe("with policy: 'oldest'", () => {
    it('should evict the longest-waiting value and queue the new one', () => {
      const drops: Array<[string, DropInfo]> = [];
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        // prettier-ignore
        const source = cold(' -a-b-c-d--------e-|');
        const subs = '        ^-----------------!';
        const expected = '    -----A---C---D------(E|)';
        //                         ^ c evicts b, which waited since frame 3
        const work = (v: string) => timer(4).pipe(map(() => upper(v)));
        const onDrop = (v: string, i: DropInfo) => drops.push([v, i]);
        expectObservable(source.pipe(dropOnFull(1, work, { policy: 'oldest', onDrop }))).toBe(expected);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
      expect(drops).toEqual([['b', { dropped: 1, received: 3, reason: 'full', index: 1, incoming: false, buffered: 1 }]]);
    });

    it('should keep the newest values of a burst, in arrival order', () => {
      const out: number[] = [];
      const gate = new Subject<number>();
      range(0, 10)
        .pipe(dropOnFull(3, (n: number) => (n === 0 ? gate : of(n)), { policy: 'oldest' }))
        .subscribe((n) => out.push(n));
      gate.complete();
      expect(out).toEqual([7, 8, 9]);
    });
  });

  describe('with policy: { priority }', () => {
    it('should drop the lowest priority, the newer on a tie, and run the rest in arrival order', () => {
      const drops: Array<[string, boolean]> = [];
      const priorities: Record<string, number> = { a: 1, b: 1, c: 3, d: 2, e: 1, f: 1, g: 5 };
      const priority = jest.fn((v: string) => priorities[v] as number);
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        // prettier-ignore
        const source = cold(' -a-b-c-d-e-f-g-|');
        const subs = '        ^--------------!';
        const expected = '    -------A-----C-----D-----(G|)';
        //                           ^ d (2) evicts b (1); f (1) ties e (1) and is dropped; g (5) evicts e
        const work = (v: string) => timer(6).pipe(map(() => upper(v)));
        const onDrop = (v: string, i: DropInfo) => drops.push([v, i.incoming]);
        expectObservable(source.pipe(dropOnFull(2, work, { policy: { priority }, onDrop }))).toBe(expected);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
      expect(drops).toEqual([
        ['b', false],
        ['f', true],
        ['e', false],
      ]);
      // Called once per value that had to wait; never for a, which started at once.
      expect(priority.mock.calls.map(([v]) => v)).toEqual(['b', 'c', 'd', 'e', 'f', 'g']);
    });

    it('should evict the newer of two buffered values tied for the lowest priority', () => {
      const dropped: number[] = [];
      const gate = new Subject<number>();
      const out: number[] = [];
      of(0, 1, 2, 3)
        .pipe(
          dropOnFull(2, (n: number) => (n === 0 ? gate : of(n)), {
            policy: { priority: (n) => (n === 3 ? 2 : 1) },
            onDrop: (n) => dropped.push(n),
          }),
        )
        .subscribe((n) => out.push(n));
      gate.complete();
      expect(dropped).toEqual([2]);
      expect(out).toEqual([1, 3]);
    });

    it('should treat a NaN priority as the lowest', () => {
      const dropped: number[] = [];
      const gate = new Subject<number>();
      const out: number[] = [];
      of(0, 1, 2, 3)
        .pipe(
          dropOnFull(2, (n: number) => (n === 0 ? gate : of(n)), {
            policy: { priority: (n) => (n === 1 ? NaN : 0) },
            onDrop: (n) => dropped.push(n),
          }),
        )
        .subscribe((n) => out.push(n));
      gate.complete();
      expect(dropped).toEqual([1]);
      expect(out).toEqual([2, 3]);
    });

    it('should error with what priority throws', () => {
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        // prettier-ignore
        const source = cold(' -a-b-|');
        const subs = '        ^--!';
        const expected = '    ---#';
        const priority = () => {
          throw new Error('priority');
        };
        const work = (v: string) => timer(5).pipe(map(() => v));
        expectObservable(source.pipe(dropOnFull(1, work, { policy: { priority } }))).toBe(expected, undefined, new Error('priority'));
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });
  });

  describe('with concurrency', () => {
    it('should stop starting once the buffer is empty, when a started work completes at once', () => {
      ts.run(({ cold, expectObservable }) => {
        // prettier-ignore
        const source = cold(' -ab-------|');
        const expected = '    ----(AB)--|';
        // a takes 3 frames; b waits, then completes at once when it starts: nothing is left to start.
        const work = (v: string) => (v === 'a' ? timer(3).pipe(map(() => upper(v))) : of(upper(v)));
        expectObservable(source.pipe(dropOnFull(1, work))).toBe(expected);
      });
    });

    it('should run up to `concurrency` calls at once before buffering', () => {
      const onDrop = jest.fn();
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        // prettier-ignore
        const source = cold(' -a-b-c-d-e-|');
        const subs = '        ^----------!';
        const expected = '    -------A-B---C-(E|)';
        //                         ^ a and b run, c waits, d is dropped at 7
        const work = (v: string) => timer(6).pipe(map(() => upper(v)));
        expectObservable(source.pipe(dropOnFull(1, work, { concurrency: 2, onDrop }))).toBe(expected);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
      expect(onDrop.mock.calls.map(([v]) => v)).toEqual(['d']);
    });

    it('should behave like mergeMap and never drop when concurrency is Infinity', () => {
      const onDrop = jest.fn();
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        // prettier-ignore
        const source = cold(' -abc-|');
        const subs = '        ^----!';
        const expected = '    -----AB(C|)';
        const work = (v: string) => timer(4).pipe(map(() => upper(v)));
        expectObservable(source.pipe(dropOnFull(0, work, { concurrency: Infinity, onDrop }))).toBe(expected);
        expectObservable(source.pipe(mergeMap(work))).toBe(expected);
        expectSubscriptions(source.subscriptions).toBe([subs, subs]);
      });
      expect(onDrop).not.toHaveBeenCalled();
    });
  });

  describe('with synchronous sources and work', () => {
    it('should stop a synchronous source as soon as the consumer unsubscribes', () => {
      let pulled = 0;
      const out: number[] = [];
      range(0, 1_000_000)
        .pipe(
          tap(() => pulled++),
          dropOnFull(1, (n: number) => of(n)),
          take(3),
        )
        .subscribe((n) => out.push(n));
      expect(out).toEqual([0, 1, 2]);
      expect(pulled).toBe(3);
    });

    it('should drain a large buffer of synchronous work without deep recursion', () => {
      const n = 100_000;
      const gate = new Subject<number>();
      let count = 0;
      let completed = false;
      range(0, n + 1)
        .pipe(dropOnFull(n, (i: number) => (i === 0 ? gate : of(i))))
        .subscribe({ next: () => count++, complete: () => (completed = true) });
      expect(completed).toBe(false);
      gate.complete();
      expect(count).toBe(n);
      expect(completed).toBe(true);
    });

    it('should behave as in the documented example', () => {
      const log: string[] = [];
      ts.run(({ cold, flush }) => {
        cold('----------0---------1---------2---------3---------4---------5|')
          .pipe(
            map(Number),
            dropOnFull(1, (n: number) => timer(22).pipe(map(() => `done ${n}`)), {
              onDrop: (n, info) => log.push(`dropped ${n} (${info.dropped} so far)`),
            }),
          )
          .subscribe((line) => log.push(line));
        flush();
      });
      expect(log).toEqual(['dropped 2 (1 so far)', 'done 0', 'dropped 4 (2 so far)', 'done 1', 'done 3', 'done 5']);
    });
  });

  describe('with invalid options', () => {
    it('should throw InvalidOptionError at creation time', () => {
      const work = (v: number) => of(v);
      const bad: Array<[string, () => unknown]> = [
        ['capacity', () => dropOnFull(-1, work)],
        ['capacity', () => dropOnFull(1.5, work)],
        ['capacity', () => dropOnFull(NaN, work)],
        ['capacity', () => dropOnFull(Infinity, work)],
        ['work', () => dropOnFull(1, 'x' as unknown as typeof work)],
        ['concurrency', () => dropOnFull(1, work, { concurrency: 0 })],
        ['concurrency', () => dropOnFull(1, work, { concurrency: 1.5 })],
        ['concurrency', () => dropOnFull(1, work, { concurrency: NaN })],
        ['policy', () => dropOnFull(1, work, { policy: 'random' as 'newest' })],
        ['policy', () => dropOnFull(1, work, { policy: null as unknown as 'newest' })],
        ['policy.priority', () => dropOnFull(1, work, { policy: { priority: 1 as unknown as () => number } })],
        ['onDrop', () => dropOnFull(1, work, { onDrop: {} as unknown as () => void })],
      ];
      for (const [option, create] of bad) {
        expectInvalidOption(() => create(), { operator: 'dropOnFull', option });
      }
    });
  });

  describe('properties', () => {
    const policyArb = fc.constantFrom<'newest' | 'oldest' | 'priority'>('newest', 'oldest', 'priority');

    it('should never buffer more than capacity, and account for every value', () => {
      fc.assert(
        fc.property(
          fc.array(fc.tuple(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 8 }), fc.integer({ min: 0, max: 3 })), {
            maxLength: 40,
          }), // (frames before arrival, work duration, priority)
          fc.integer({ min: 0, max: 4 }), // capacity
          fc.integer({ min: 1, max: 3 }), // concurrency
          policyArb,
          (events, capacity, concurrency, policyName) => {
            let received = 0;
            let started = 0;
            let dropped = 0;
            let emitted = 0;
            let completed = false;
            const waiting = () => received - started - dropped;
            const policy: DropPolicy<number> =
              policyName === 'priority' ? { priority: (i) => (events[i] as [number, number, number])[2] } : policyName;
            const scheduler = new TestScheduler((a, e) => expect(a).toEqual(e));
            scheduler.run(() => {
              from(events.map((e, i) => [e[0], i] as const))
                .pipe(
                  concatMap(([wait, i]) => timer(wait).pipe(map(() => i))),
                  tap(() => {
                    expect(waiting()).toBeLessThanOrEqual(capacity);
                    received++;
                  }),
                  dropOnFull(
                    capacity,
                    (i) => {
                      started++;
                      expect(waiting()).toBeLessThanOrEqual(capacity);
                      return of(i).pipe(delay((events[i] as [number, number, number])[1]));
                    },
                    {
                      concurrency,
                      policy,
                      onDrop: (_i, info) => {
                        dropped++;
                        expect(info.dropped).toBe(dropped);
                        expect(info.received).toBe(received);
                        expect(info.buffered).toBe(capacity);
                        expect(waiting()).toBe(capacity);
                      },
                    },
                  ),
                )
                .subscribe({ next: () => emitted++, complete: () => (completed = true) });
            });
            expect(completed).toBe(true);
            expect(received).toBe(events.length);
            expect(emitted).toBe(started);
            expect(emitted + dropped).toBe(received);
          },
        ),
      );
    });

    it('should equal concatMap when the capacity is ample', () => {
      fc.assert(
        fc.property(
          fc.array(fc.tuple(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 6 })), { maxLength: 30 }),
          policyArb,
          (events, policyName) => {
            const policy: DropPolicy<number> = policyName === 'priority' ? { priority: () => 0 } : policyName;
            const record = (op: (s: Observable<number>) => Observable<string>) => {
              const out: Array<[number, string]> = [];
              const scheduler = new TestScheduler((a, e) => expect(a).toEqual(e));
              scheduler.run(() => {
                from(events.map((e, i) => [e[0], i] as const))
                  .pipe(
                    concatMap(([wait, i]) => timer(wait).pipe(map(() => i))),
                    op,
                  )
                  .subscribe({ next: (v) => out.push([scheduler.now(), v]), complete: () => out.push([scheduler.now(), '|']) });
              });
              return out;
            };
            const work = (i: number, index: number) =>
              of(`${i}@${index}`).pipe(delay((events[i] as [number, number])[1]));
            expect(record(dropOnFull(events.length, work, { policy }))).toEqual(record(concatMap(work)));
          },
        ),
      );
    });
  });

  describe('with a value arriving while waiting values are being started', () => {
    it('should queue it behind the values that were already waiting, even with a free slot', () => {
      const source = new Subject<string>();
      const gate = new Subject<string>();
      const out: string[] = [];
      // 'c' completes synchronously and, as it is torn down, the source emits 'e': the slot 'c'
      // freed is open, but 'd' has waited longer.
      const work = (v: string): Observable<string> =>
        v === 'a' ? gate : v === 'c' ? of('C').pipe(finalize(() => source.next('e'))) : of(upper(v));
      const subscription = source.pipe(dropOnFull(2, work)).subscribe((v) => out.push(v));
      source.next('a');
      source.next('c');
      source.next('d');
      expect(out).toEqual([]);
      gate.complete();
      expect(out).toEqual(['C', 'D', 'E']);
      subscription.unsubscribe();
    });
  });
});
