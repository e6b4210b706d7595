import * as fc from 'fast-check';
import { MinHeap } from '../../src/internal/minHeap';

describe('MinHeap', () => {
  it('should pop any multiset of numbers in ascending order', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -1000, max: 1000 })), (values) => {
        const heap = new MinHeap();
        for (const v of values) heap.push(v);
        expect(heap.size).toBe(values.length);
        const out: number[] = [];
        while (heap.size > 0) {
          const low = heap.peek();
          const popped = heap.pop();
          expect(popped).toBe(low);
          out.push(popped);
        }
        expect(out).toEqual([...values].sort((a, b) => a - b));
      }),
    );
  });

  it('should interleave pushes and pops and empty on clear', () => {
    const heap = new MinHeap();
    heap.push(5);
    heap.push(1);
    expect(heap.pop()).toBe(1);
    heap.push(3);
    expect(heap.peek()).toBe(3);
    heap.clear();
    expect(heap.size).toBe(0);
  });
});
