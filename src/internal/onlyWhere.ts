import { defer, filter, merge, Subject, tap } from 'rxjs';
import type { MonoTypeOperatorFunction } from 'rxjs';

/**
 * Applies `operator` to the values that match `predicate` and lets the others through untouched,
 * in one subscription to the source.
 *
 * Each value is tested once and routed: into `operator`'s input, or straight out. (The
 * `connect` + two `filter`s form multicasts every value to both filters and tests it twice.) A
 * source error ends the output at once; source completion completes `operator`'s input, so it can
 * flush, and the output completes once both are done.
 */
export function onlyWhere<T>(predicate: (value: T) => boolean, operator: MonoTypeOperatorFunction<T>): MonoTypeOperatorFunction<T> {
  return (source) =>
    defer(() => {
      const matching = new Subject<T>();
      // `merge` subscribes the operator lane first, so it is listening before the first value.
      return merge(
        operator(matching),
        source.pipe(
          filter((value) => {
            if (!predicate(value)) return true;
            matching.next(value);
            return false;
          }),
          tap({ complete: () => matching.complete() }),
        ),
      );
    });
}
