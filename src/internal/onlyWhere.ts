import { connect, filter, merge, MonoTypeOperatorFunction } from 'rxjs';

/**
 * Applies `operator` to the values that match `predicate` and lets the others through untouched,
 * in one subscription to the source.
 */
export function onlyWhere<T>(predicate: (value: T) => boolean, operator: MonoTypeOperatorFunction<T>): MonoTypeOperatorFunction<T> {
  return connect((shared) => merge(shared.pipe(filter((value) => !predicate(value))), shared.pipe(filter(predicate), operator)));
}
