// A binary min-heap of sequence numbers, shared by the operators that hold seqs ahead of a hole.

/** A binary min-heap of seqs: O(log n) push and pop, O(1) peek. */
export class MinHeap {
  private readonly items: number[] = [];

  get size(): number {
    return this.items.length;
  }

  /** The lowest seq; only call when `size > 0`. */
  peek(): number {
    return this.items[0] as number;
  }

  push(seq: number): void {
    const items = this.items;
    let i = items.length;
    items.push(seq);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = items[parent] as number;
      if (p <= seq) break;
      items[i] = p;
      i = parent;
    }
    items[i] = seq;
  }

  /** Removes and returns the lowest seq; only call when `size > 0`. */
  pop(): number {
    const items = this.items;
    const top = items[0] as number;
    const tail = items.pop() as number;
    const n = items.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && (items[r] as number) < (items[l] as number) ? r : l;
        const child = items[c] as number;
        if (child >= tail) break;
        items[i] = child;
        i = c;
      }
      items[i] = tail;
    }
    return top;
  }

  clear(): void {
    this.items.length = 0;
  }
}
