import { VirtualTimeScheduler } from 'rxjs';
import { Reorder } from '../../src/operators/sequenceGaps';

/** The reorder core with a recording sink, keyed or not, every sequence starting at its first value. */
function setup(keyed: boolean) {
  const out: string[] = [];
  const errors: unknown[] = [];
  const core = new Reorder<string>(
    { keyed, window: 10, maxWait: 100, gapAction: 'error', scheduler: new VirtualTimeScheduler() },
    { next: (v) => out.push(v), error: (e) => errors.push(e), startOf: () => null },
  );
  return { core, out, errors };
}

describe('the reorder core: its in-order step (advance)', () => {
  it('should let the base and the next seq pass, and leave a gap or a repeat to push', () => {
    const { core, out } = setup(false);
    expect(core.advance(5, undefined)).toBe(true); // the base
    expect(core.advance(6, undefined)).toBe(true);
    expect(core.advance(8, undefined)).toBe(false); // a gap: nothing moved
    expect(core.advance(6, undefined)).toBe(false); // a repeat
    expect(core.advance(7, undefined)).toBe(true); // the next one is still 7
    expect(out).toEqual([]); // advance hands nothing over: the caller does
  });

  it('should leave the next seq to push while values are held, so they drain in order', () => {
    const { core, out } = setup(false);
    expect(core.advance(1, undefined)).toBe(true);
    core.push('e3', 3, undefined); // held: 2 is missing
    expect(core.advance(2, undefined)).toBe(false);
    core.push('e2', 2, undefined);
    expect(out).toEqual(['e2', 'e3']);
    expect(core.advance(4, undefined)).toBe(true); // nothing held any more
  });

  it('should keep one sequence per key', () => {
    const { core } = setup(true);
    expect(core.advance(1, 'a')).toBe(true);
    expect(core.advance(10, 'b')).toBe(true); // b's base
    expect(core.advance(2, 'a')).toBe(true);
    expect(core.advance(12, 'b')).toBe(false); // b misses 11
    expect(core.advance(11, 'b')).toBe(true);
    expect(core.advance(3, 'a')).toBe(true);
  });
});
