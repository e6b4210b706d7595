import * as fc from 'fast-check';
import { IdWindow } from '../../src/internal/idWindow';

/** The window as its docs say it: the last `size` distinct keys accepted, compared as a Set does. */
class ModelWindow {
  private readonly accepted: unknown[] = [];
  constructor(private readonly size: number) {}
  add(key: unknown): boolean {
    if (this.accepted.some((k) => Object.is(k, key) || (k === 0 && key === 0))) return false;
    this.accepted.push(key);
    if (this.accepted.length > this.size) this.accepted.shift();
    return true;
  }
}

const SHARED = { id: 1 };
/** Keys of every kind, few enough distinct ones that repeats are common. */
const key = fc.oneof(
  fc.integer({ min: -40, max: 40 }),
  fc.constantFrom(0, -0, NaN, 0.5, 1e21, 2 ** 31, -(2 ** 31), Infinity, 'NaN', '0', '1e+21'),
  fc.string({ maxLength: 3 }).map((s) => `k${s}`),
  fc.constantFrom<unknown>(undefined, null, true, false, SHARED, 1n, Symbol.for('s')),
);

describe('IdWindow', () => {
  it('should answer as the last `size` distinct accepted keys do, for any keys and sizes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.integer(), fc.array(key, { maxLength: 400 }), (size, seed, keys) => {
        const window = new IdWindow(size, seed);
        const model = new ModelWindow(size);
        for (const k of keys) expect(window.add(k)).toBe(model.add(k));
      }),
      { numRuns: 300 },
    );
  });

  it('should keep answering right through many evictions, growth and colliding hashes', () => {
    // A long run over a key space a few times the window: every add that is new evicts, and the
    // table's runs shift back on every eviction. Seed 0 and a large window make long runs likely.
    for (const [size, seed] of [
      [1, 0],
      [3, 0],
      [64, 0],
      [1000, 0],
      [1000, -1],
    ] as const) {
      const window = new IdWindow(size, seed);
      const model = new ModelWindow(size);
      let state = 1;
      let mismatches = 0;
      for (let i = 0; i < 20_000; i++) {
        state = (Math.imul(state, 1103515245) + 12345) >>> 0;
        const n = state % (size * 3);
        const k = n % 2 === 0 ? n : `id:${n}`;
        if (window.add(k) !== model.add(k)) mismatches++;
      }
      expect({ size, seed, mismatches }).toEqual({ size, seed, mismatches: 0 });
    }
  });

  it('should hold a window larger than its first growth covers (over 65,536 keys)', () => {
    const size = 70_000;
    const window = new IdWindow(size, 3);
    let accepted = 0;
    for (let i = 0; i < size + 100; i++) if (window.add(`k${i}`)) accepted++;
    // Every key from k100 on is still held (a repeat changes nothing); the first 100 are forgotten.
    const answers = [window.add(`k${size + 99}`), window.add('k100'), window.add('k99'), window.add('k0')];
    expect({ accepted, answers }).toEqual({ accepted: size + 100, answers: [false, false, true, true] });
  });

  it('should treat -0 as 0, NaN as NaN, and a number apart from its string', () => {
    const window = new IdWindow(10, 7);
    expect([window.add(0), window.add(-0), window.add(NaN), window.add(NaN), window.add('0'), window.add(0.5), window.add(0.5)]).toEqual([
      true,
      false,
      true,
      false,
      true,
      true,
      false,
    ]);
  });

  it('should compare objects by reference', () => {
    const window = new IdWindow(10, 7);
    const a = { id: 'a' };
    expect([window.add(a), window.add({ id: 'a' }), window.add(a)]).toEqual([true, true, false]);
  });

  it('should forget every key on clear, and work as new afterwards', () => {
    const window = new IdWindow(2, 7);
    const a = { id: 'a' };
    for (const k of ['x', 1, a]) window.add(k);
    window.clear();
    expect([window.add('x'), window.add(1), window.add('x'), window.add(a), window.add(1), window.add('x')]).toEqual([true, true, false, true, false, true]);
  });

  it('should draw a seed at random for each window not given one', () => {
    // The seed is what keeps a prepared set of colliding keys from working in every process.
    const seeds = new Set(Array.from({ length: 8 }, () => (new IdWindow(1) as unknown as { seed: number }).seed));
    expect(seeds.size).toBeGreaterThan(1);
  });
});
