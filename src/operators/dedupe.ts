import { filter, identity, Observable } from 'rxjs';
import type { MonoTypeOperatorFunction } from 'rxjs';
import { InvalidOptionError } from '../errors';
import { IdWindow } from '../internal/idWindow';
import { count, func } from '../internal/validate';

const OP = 'dedupe';

/** Configuration of {@link dedupe}. */
export interface DedupeConfig<T = unknown> {
  /**
   * How many of the most recently accepted distinct keys are remembered (an integer >= 0,
   * finite: memory is bounded by it). `0` remembers nothing and makes the operator a
   * pass-through.
   * @default 10_000
   */
  window?: number;
  /**
   * Called with each dropped value and its key, before it is dropped. If it throws, the output
   * errors with what it threw.
   * @default undefined
   */
  onDuplicate?: (value: T, key: unknown) => void;
  /**
   * Let values whose key is `undefined` through untouched, outside the window (messages that
   * carry no identity). Without it, `undefined` is a key like any other.
   * @default false
   */
  passUndefined?: boolean;
}

/**
 * Drops a value whose key was already seen among the last `window` distinct keys let through.
 *
 * Removes the duplicates that at-least-once delivery produces (a message re-sent after a
 * reconnect, the same event from two replicas) using a bounded amount of memory.
 *
 * ```text
 * --a--b--a--c--b--d--a--|
 * > dedupe((x) => x, 2)
 * --a--b-----c-----d--a--|
 * ```
 *
 * Keys are compared with SameValueZero, like a `Set` (`NaN` equals `NaN`, `0` equals `-0`,
 * objects by reference). Each value costs constant time. The window holds the last `window`
 * keys that were let through, oldest evicted first; a duplicate does not refresh its key's place,
 * so a key is forgotten `window` accepted values after it was first let through, however often it
 * was repeated since. A key that has been forgotten is let through again.
 *
 * Every subscription has its own window, emptied when the subscription ends.
 *
 * ## Example
 * Drop events re-delivered after a reconnect.
 * ```ts
 * import { of } from 'rxjs';
 * import { dedupe } from 'rxjs-managed-socket';
 *
 * of({ id: 'x1' }, { id: 'x2' }, { id: 'x1' }, { id: 'x3' })
 *   .pipe(dedupe((e) => e.id, { onDuplicate: (_, id) => console.log('duplicate', id) }))
 *   .subscribe((e) => console.log(e.id));
 * // Output:
 * // x1
 * // x2
 * // duplicate x1
 * // x3
 * ```
 *
 * Errors: whatever `keyOf` or `onDuplicate` throws; the source's own errors pass through.
 * Creating it with a bad option throws {@link InvalidOptionError}.
 *
 * @see {@link resumeFrom}, which drops replays by sequence number instead of by key.
 * @param keyOf Reads the identity of a value (an id, a seq, a string built from several fields).
 * @param config The {@link DedupeConfig}, or a number that is its `window`.
 * @returns An operator that mirrors the source minus the values whose key is in the window.
 */
export function dedupe<T>(keyOf: (value: T) => unknown, config: number | DedupeConfig<T> = {}): MonoTypeOperatorFunction<T> {
  func(OP, 'keyOf', keyOf);
  if (typeof config !== 'number' && (typeof config !== 'object' || config === null)) {
    throw new InvalidOptionError({ operator: OP, option: 'config', reason: 'a number or a config object', value: config });
  }
  const { window = 10_000, onDuplicate, passUndefined = false }: DedupeConfig<T> = typeof config === 'number' ? { window: config } : config;

  count(OP, 'window', window, 0);
  if (onDuplicate !== undefined) func(OP, 'onDuplicate', onDuplicate);

  if (window === 0) return identity;

  return (source: Observable<T>): Observable<T> =>
    new Observable<T>((subscriber) => {
      const seen = new IdWindow(window);
      subscriber.add(() => seen.clear());
      // Subscribing `subscriber` itself: one operator between source and consumer (no finalize
      // hop per value), and a synchronous source stops as soon as the consumer unsubscribes.
      source
        .pipe(
          filter((value: T) => {
            const key = keyOf(value);
            if (key === undefined && passUndefined) return true;
            if (seen.add(key)) return true;
            onDuplicate?.(value, key);
            return false;
          }),
        )
        .subscribe(subscriber);
    });
}
