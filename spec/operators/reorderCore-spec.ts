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

describe('the reorder core: following the caller (follow)', () => {
  /** A core that follows `position` (what the caller delivered), keyed. */
  function following() {
    const position = new Map<string | number | undefined, number>();
    const out: string[] = [];
    const core = new Reorder<string>(
      { keyed: true, window: 10, maxWait: 100, gapAction: 'error', scheduler: new VirtualTimeScheduler(), follow: true },
      { next: (v) => out.push(v), error: () => undefined, startOf: (key) => position.get(key) ?? null },
    );
    return { core, out, position };
  }

  it('should take a sequence from where the caller moved it while nothing is held', () => {
    const { core, position } = following();
    expect(core.advance(1, 'a')).toBe(true);
    position.set('a', 5); // the caller delivered 2..5 without the stage
    expect(core.advance(2, 'a')).toBe(false); // a repeat for the caller
    expect(core.advance(6, 'a')).toBe(true);
  });

  it('should keep its own position while it holds values, and say when it holds none', () => {
    const { core, out, position } = following();
    position.set('a', 1);
    expect(core.idle).toBe(true);
    core.push('e3', 3, 'a'); // held: 2 is missing
    expect(core.idle).toBe(false);
    position.set('a', 9); // not read while 'a' holds a value
    core.push('e2', 2, 'a');
    expect(out).toEqual(['e2', 'e3']);
    expect(core.idle).toBe(true);
    core.push('e4', 4, 'a'); // 'a' holds nothing: it follows the caller again, where 4 is late
    expect(out).toEqual(['e2', 'e3']);
  });

  it('should hold nothing after dispose', () => {
    const { core, position } = following();
    position.set('a', 1);
    core.push('e3', 3, 'a');
    expect(core.idle).toBe(false);
    core.dispose();
    expect(core.idle).toBe(true);
  });
});
