import { from, isObservable, of } from 'rxjs';
import type { Observable } from 'rxjs';

/**
 * What a user callback may return (a value, a promise of one, or an Observable) as an Observable.
 * A plain value is emitted synchronously; it never goes through `from`, which would iterate a
 * string or reject an object.
 */
export function toObservable<T>(value: T | PromiseLike<T> | Observable<T>): Observable<T> {
  if (isObservable(value)) return value;
  return isPromiseLike(value) ? from(value) : of(value);
}

function isPromiseLike<T>(value: unknown): value is PromiseLike<T> {
  return typeof value === 'object' && value !== null && 'then' in value && typeof value.then === 'function';
}
