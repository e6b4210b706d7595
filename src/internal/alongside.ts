import { Observable } from 'rxjs';
import type { MonoTypeOperatorFunction } from 'rxjs';

/**
 * Runs `side$` for as long as the source is subscribed, beside it: the source's values,
 * completion and errors go straight to the subscriber (no step added to the path of each value,
 * as `merge` would add), `side$`'s values and completion are ignored, and an error from `side$`
 * errors the output. `side$` is subscribed first, so it is in place before the source's first value.
 *
 * For work that belongs to a stream's lifetime but not to its values: timers, keep-alive lanes,
 * watchdogs.
 *
 * @internal
 */
export function alongside<T>(side$: Observable<unknown>): MonoTypeOperatorFunction<T> {
  return (source) =>
    new Observable<T>((subscriber) => {
      subscriber.add(side$.subscribe({ error: (error: unknown) => subscriber.error(error) }));
      // Subscribing `subscriber` itself links the two: the source's values reach it directly.
      if (!subscriber.closed) source.subscribe(subscriber);
    });
}
