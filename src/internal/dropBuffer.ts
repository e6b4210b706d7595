import { InvalidOptionError } from '../errors';
import * as check from './validate';
import { Fifo } from './fifo';

/** A value waiting in a {@link DropBuffer}. */
export interface Waiting<T> {
  readonly value: T;
  /** Arrival index (0-based). */
  readonly index: number;
  /** `priority(value)`, read once when the value has to wait (0 under the other policies). */
  priority: number;
}

/** A checked drop policy: `priority` is set exactly when the policy ranks values. */
export interface CheckedPolicy<T> {
  readonly policy: 'newest' | 'oldest' | 'priority';
  readonly priority: ((value: T) => number) | undefined;
}

/**
 * Checks a `DropPolicy` option (`'newest'`, `'oldest'` or `{ priority }`); throws
 * {@link InvalidOptionError} naming `operator` otherwise.
 */
export function checkDropPolicy<T>(operator: string, policy: unknown): CheckedPolicy<T> {
  if (typeof policy === 'object' && policy !== null) {
    return { policy: 'priority', priority: check.func<(value: T) => number>(operator, 'policy.priority', (policy as { priority?: unknown }).priority) };
  }
  if (policy !== 'newest' && policy !== 'oldest') {
    const reason = "'newest', 'oldest' or { priority: (value) => number }";
    throw new InvalidOptionError({ operator, option: 'policy', reason, value: policy });
  }
  return { policy, priority: undefined };
}

/**
 * A FIFO of at most `capacity` waiting values and the drop policy that decides which value goes
 * when one more arrives: the one behind `dropOnFull` and the Node stream adapters.
 * `push` and `shift` are O(1) amortised; a priority eviction is O(capacity).
 */
export class DropBuffer<T> {
  private readonly queue = new Fifo<Waiting<T>>();

  constructor(
    private readonly capacity: number,
    private readonly checked: CheckedPolicy<T>,
  ) {}

  get size(): number {
    return this.queue.size;
  }

  /**
   * Buffers `entry`, or, when full, drops one value by the policy: the entry itself (`incoming`)
   * or a waiting one, which `entry` then replaces at the back. `drop` is called after the buffer
   * has changed, so `size` is what is left.
   */
  offer(entry: Waiting<T>, drop: (dropped: Waiting<T>, incoming: boolean) => void): void {
    const { policy, priority } = this.checked;
    if (priority !== undefined) entry.priority = rank(priority(entry.value));
    if (this.size < this.capacity) return this.queue.push(entry);
    let victim = -1;
    if (this.capacity > 0 && policy === 'oldest') {
      victim = 0;
    } else if (this.capacity > 0 && policy === 'priority') {
      // The lowest priority loses; on a tie, the later arrival (the new value is the latest).
      let lowest = entry.priority;
      for (let i = 0; i < this.size; i++) {
        const p = (this.queue.at(i) as Waiting<T>).priority;
        if (p < lowest || (victim !== -1 && p === lowest)) {
          victim = i;
          lowest = p;
        }
      }
    }
    if (victim === -1) return drop(entry, true);
    // The oldest goes through shift (O(1)), a ranked victim through removeAt (O(size)).
    const evicted = victim === 0 ? (this.queue.shift() as Waiting<T>) : this.queue.removeAt(victim);
    this.queue.push(entry);
    drop(evicted, false);
  }

  /** Removes and returns the value that has waited longest, or `undefined` when empty. */
  shift(): Waiting<T> | undefined {
    return this.queue.shift();
  }

  clear(): void {
    this.queue.clear();
  }
}

/** NaN sorts below everything, so a value without a usable priority is the first to go. */
function rank(p: number): number {
  return Number.isNaN(p) ? -Infinity : p;
}
