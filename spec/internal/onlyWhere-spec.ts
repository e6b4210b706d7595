import { delay, identity, map, Observable, take } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { onlyWhere } from '../../src/internal/onlyWhere';
import { sequenceGaps } from '../../src/operators/sequenceGaps';

describe('onlyWhere', () => {
  let ts: TestScheduler;
  beforeEach(() => {
    ts = new TestScheduler((a, e) => expect(a).toEqual(e));
  });

  it('should apply the operator to the matching values and pass the others through', () => {
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      // prettier-ignore
      const source = cold(' -a-b-c-d-|', { a: 1, b: 2, c: 3, d: 4 });
      // prettier-ignore
      const subs = '        ^--------!';
      // prettier-ignore
      const expected = '    -a-B-c-D-|';
      expectObservable(source.pipe(onlyWhere((v) => v % 2 === 0, map((v) => v * 10)))).toBe(expected, { a: 1, B: 20, c: 3, D: 40 });
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('should let the operator flush on completion before completing', () => {
    ts.run(({ cold, expectObservable }) => {
      // odd values go through sequenceGaps: 3 is held (2 never comes as an odd value), then
      // released when the source completes.
      // prettier-ignore
      const source = cold(' -a-b-c-|', { a: 1, b: 3, c: 2 });
      // prettier-ignore
      const expected = '    -a---c-(b|)';
      expectObservable(source.pipe(onlyWhere((v) => v % 2 === 1, sequenceGaps((v: number) => v, { maxWait: 100 })))).toBe(expected, { a: 1, b: 3, c: 2 });
    });
  });

  it('should wait for the operator to complete', () => {
    ts.run(({ cold, expectObservable }) => {
      // prettier-ignore
      const source = cold(' -a-|', { a: 1 });
      // prettier-ignore
      const expected = '    -----(a|)';
      expectObservable(source.pipe(onlyWhere(() => true, delay(4)))).toBe(expected, { a: 1 });
    });
  });

  it('should error at once when the source errors, dropping what the operator holds', () => {
    ts.run(({ cold, expectObservable }) => {
      // prettier-ignore
      const source = cold(' -a-#', { a: 1 });
      // prettier-ignore
      const expected = '    ---#';
      expectObservable(source.pipe(onlyWhere(() => true, delay(5)))).toBe(expected);
    });
  });

  it('should error when the predicate throws', () => {
    ts.run(({ cold, expectObservable }) => {
      // prettier-ignore
      const source = cold(' -a-b', { a: 1, b: 2 });
      // prettier-ignore
      const expected = '    -a-#';
      const predicate = (v: number) => {
        if (v === 2) throw new Error('bad');
        return false;
      };
      expectObservable(source.pipe(onlyWhere(predicate, identity))).toBe(expected, { a: 1 }, new Error('bad'));
    });
  });

  it('should test each value once', () => {
    const tested: number[] = [];
    const out: number[] = [];
    new Observable<number>((s) => {
      [1, 2, 3].forEach((v) => s.next(v));
      s.complete();
    })
      .pipe(onlyWhere((v) => (tested.push(v), v > 1), identity))
      .subscribe((v) => out.push(v));
    expect(tested).toEqual([1, 2, 3]);
    expect(out).toEqual([1, 2, 3]);
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
    firehose.pipe(onlyWhere((v) => v % 2 === 0, map((v) => v * 10)), take(3)).subscribe((v) => out.push(v));
    expect(out).toEqual([0, 1, 20]);
    expect(pulled).toBe(3);
  });
});
