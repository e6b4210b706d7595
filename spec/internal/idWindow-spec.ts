import * as fc from 'fast-check';
import { hashOf, IdWindow } from '../../src/internal/idWindow';

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

/**
 * How often a window of `size` (and `seed`) answers otherwise than the model, over `count` keys
 * made by `keyOf` from a linear congruential sequence started at `start`.
 */
function mismatchesOf(size: number, seed: number, count: number, start: number, keyOf: (random: number) => unknown): number {
  const window = new IdWindow(size, seed);
  const model = new ModelWindow(size);
  let state = start;
  let mismatches = 0;
  for (let i = 0; i < count; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    const k = keyOf(state);
    if (window.add(k) !== model.add(k)) mismatches++;
  }
  return mismatches;
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
      const mismatches = mismatchesOf(size, seed, 20_000, 1, (r) => {
        const n = r % (size * 3);
        return n % 2 === 0 ? n : `id:${n}`;
      });
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

  it('should keep answering right when many keys share one place (long runs, wrapping past the end)', () => {
    // Integers hash to a multiple of the seed's mix: keys a multiple of 256 apart share their place
    // in a table of up to 256 places, so every add probes a long run and every eviction shifts it.
    for (const seed of [0, 12345]) {
      for (const [size, offset] of [
        [5, 15],
        [100, 255],
      ] as const) {
        const mismatches = mismatchesOf(size, seed, 3000, 7, (r) => {
          const n = r % (size * 2);
          return n * 256 + (n % 3 === 0 ? offset : 0);
        });
        expect({ seed, size, mismatches }).toEqual({ seed, size, mismatches: 0 });
      }
    }
  });

  it('should find a key to forget away from its place: a run that wrapped past the end, then the table grew', () => {
    // Seed 0: k * 256 + 255 all start at place 13 of the first 16 places, and at 109 of 256;
    // k * 256 at place 0 of both. Four of the first wrap past the end (13, 14, 15, 0): the growth
    // places the youngest of them first, so the oldest ends up away from its place.
    const window = new IdWindow(100, 0);
    const model = new ModelWindow(100);
    const wrapped = [1, 2, 3, 4].map((k) => k * 256 + 255);
    const keys = [...wrapped, ...[1, 2, 3, 4].map((k) => k * 256), ...Array.from({ length: 93 }, (_, i) => 100_001 + 2 * i)];
    // The 101st key forgets the first; the youngest of the wrapped run must still be held.
    const answers = [...keys, wrapped[3], ...keys].map((k) => [window.add(k), model.add(k)]);
    expect(window.add(keys[100] as number)).toBe(false);
    expect(answers.filter(([a, b]) => a !== b)).toEqual([]);
  });

  it('should treat -0 as 0, NaN as NaN, and a number apart from its string', () => {
    const window = new IdWindow(10, 7);
    expect([window.add(0), window.add(-0), window.add(NaN), window.add(NaN), window.add('0'), window.add(0.5), window.add(0.5), window.add('NaN'), window.add(NaN)]).toEqual([
      true,
      false,
      true,
      false,
      true,
      true,
      false,
      true,
      false,
    ]);
    const other = new IdWindow(10, 7);
    expect([other.add('NaN'), other.add(NaN), other.add('0.5'), other.add(0.5)]).toEqual([true, true, true, true]);
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
    // 1 and a were in the window: after the clear they are new.
    expect([window.add(1), window.add(a)]).toEqual([true, true]);
    expect([window.add('x'), window.add(1), window.add('x'), window.add(a), window.add(1), window.add('x')]).toEqual([true, true, false, true, false, true]);
  });

  it('should draw a seed at random for each window not given one', () => {
    // The seed is what keeps a prepared set of colliding keys from working in every process.
    const seeds = new Set(Array.from({ length: 8 }, () => (new IdWindow(1) as unknown as { seed: number }).seed));
    expect(seeds.size).toBeGreaterThan(1);
  });

  it('should hash a string by FNV-1a over its code units, an int32 in one step, another number by its string form', () => {
    const BASIS = 0x811c9dc5 | 0; // FNV-1a's offset basis: the published test vectors
    expect([hashOf('', BASIS), hashOf('a', BASIS), hashOf('foobar', BASIS)]).toEqual([0x811c9dc5 | 0, 0xe40c292c | 0, 0xbf9cf968 | 0]);
    expect(hashOf(5, 7)).toBe(Math.imul(7 ^ 5, 0x01000193));
    expect(hashOf(-0, 7)).toBe(hashOf(0, 7));
    expect([hashOf(0.5, 7), hashOf(2 ** 31, 7), hashOf(NaN, 7)]).toEqual([hashOf('0.5', 7), hashOf('2147483648', 7), hashOf('NaN', 7)]);
  });

  it('should store for a string key the hash hashOf gives it (the inline copy of the hash)', () => {
    const window = new IdWindow(4, 99);
    window.add('prices:12');
    window.add('é');
    const stored = (window as unknown as { slotHashes: Int32Array }).slotHashes;
    expect([stored[0], stored[1]]).toEqual([hashOf('prices:12', 99), hashOf('é', 99)]);
  });

  it('should grow its table straight to a full window at its 11th key, and no further while the window turns over', () => {
    const sizes = (w: IdWindow) => (w as unknown as { places: Int32Array }).places.length;
    const used = (w: IdWindow) => (w as unknown as { used: number }).used;
    const window = new IdWindow(100, 1);
    const lengths: number[] = [];
    let most = 0;
    for (let i = 0; i < 2000; i++) {
      window.add(i);
      if (i === 9 || i === 10 || i === 1999) lengths.push(sizes(window));
      most = Math.max(most, used(window));
    }
    // 100 keys in under 3/8 of the places: 512
    expect(lengths).toEqual([16, 512, 512]);
    // Keys that left keep their places until a rebuild, which comes at 5/8 of the places.
    expect(most).toBe(320);
    const big = new IdWindow(100_000, 1);
    for (let i = 0; i < 11; i++) big.add(i);
    expect(sizes(big)).toBe(131_072);
    // A window whose keys take exactly 3/8 of 16 places grows: the keys stay under 3/8.
    const six = new IdWindow(6, 1);
    for (let i = 0; i < 11; i++) six.add(i);
    expect(sizes(six)).toBe(32);
    // Past the first growth's limit, the table grows as the keys need, at the rebuild that comes
    // once 5/8 of its places are taken (81,920 of 131,072): 60,000 keys, 262,144 places.
    const large = new IdWindow(60_000, 1);
    for (let i = 0; i < 81_920; i++) large.add(i);
    expect(sizes(large)).toBe(131_072);
    large.add(81_920);
    expect(sizes(large)).toBe(262_144);
    // The same at the edges: 96 keys take exactly 3/8 of 256 places, 49,152 keys 3/8 of 131,072.
    const edge = new IdWindow(96, 1);
    for (let i = 0; i < 11; i++) edge.add(i);
    expect(sizes(edge)).toBe(512);
    const limit = new IdWindow(49_152, 1);
    for (let i = 0; i <= 81_920; i++) limit.add(i);
    expect(sizes(limit)).toBe(262_144);
    const one = new IdWindow(3, 1);
    for (let i = 0; i < 50; i++) one.add(i);
    expect(sizes(one)).toBe(16);
    expect(used(one)).toBeLessThanOrEqual(10);
  });
});
