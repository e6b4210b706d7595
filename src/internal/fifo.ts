/**
 * A FIFO queue with O(1) amortised push and shift: an array and a head index, compacted once the
 * consumed front is at least half of it.
 */
export class Fifo<E> {
  private items: Array<E | undefined> = [];
  private head = 0;

  get size(): number {
    return this.items.length - this.head;
  }

  push(item: E): void {
    this.items.push(item);
  }

  /** The item `i` places from the front, or `undefined` past the end. */
  at(i: number): E | undefined {
    return this.items[this.head + i];
  }

  /** Removes and returns the front item, or `undefined` when empty. */
  shift(): E | undefined {
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

  /** Removes and returns the item `i` places from the front (O(size)); only call with `0 <= i < size`. */
  removeAt(i: number): E {
    return this.items.splice(this.head + i, 1)[0] as E;
  }

  clear(): void {
    this.items = [];
    this.head = 0;
  }
}
