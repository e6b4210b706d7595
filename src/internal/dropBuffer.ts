import { InvalidOptionError } from '../errors';
import * as check from './validate';

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
  private items: Array<Waiting<T> | undefined> = [];
  private head = 0;

  constructor(
    private readonly capacity: number,
    private readonly checked: CheckedPolicy<T>,
  ) {}

  get size(): number {
    return this.items.length - this.head;
  }

  /**
   * Buffers `entry`, or, when full, drops one value by the policy: the entry itself (`incoming`)
   * or a waiting one, which `entry` then replaces at the back. `drop` is called after the buffer
   * has changed, so `size` is what is left.
   */
  offer(entry: Waiting<T>, drop: (dropped: Waiting<T>, incoming: boolean) => void): void {
    const { policy, priority } = this.checked;
    if (priority !== undefined) entry.priority = rank(priority(entry.value));
    if (this.size < this.capacity) return this.push(entry);
    let victim = -1;
    if (this.capacity > 0 && policy === 'oldest') {
      victim = 0;
    } else if (this.capacity > 0 && policy === 'priority') {
      // The lowest priority loses; on a tie, the later arrival (the new value is the latest).
      let lowest = entry.priority;
      for (let i = 0; i < this.size; i++) {
        const p = (this.items[this.head + i] as Waiting<T>).priority;
        if (p < lowest || (victim !== -1 && p === lowest)) {
          victim = i;
          lowest = p;
        }
      }
    }
    if (victim === -1) return drop(entry, true);
    const evicted = victim === 0 ? (this.shift() as Waiting<T>) : (this.items.splice(this.head + victim, 1)[0] as Waiting<T>);
    this.push(entry);
    drop(evicted, false);
  }

  /** Removes and returns the value that has waited longest, or `undefined` when empty. */
  shift(): Waiting<T> | undefined {
    if (this.head === this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head++] = undefined; // let it be collected before the next compaction
    if (this.head === this.items.length) {
      this.clear();
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  clear(): void {
    this.items = [];
    this.head = 0;
  }

  private push(entry: Waiting<T>): void {
    this.items.push(entry);
  }
}

/** NaN sorts below everything, so a value without a usable priority is the first to go. */
function rank(p: number): number {
  return Number.isNaN(p) ? -Infinity : p;
}
