import { ActiveTopics } from '../../src/internal/activeTopics';

/** How many entries the map holds, active and inactive. */
const held = (topics: ActiveTopics<unknown>) => (topics as unknown as { order: Map<unknown, number> }).order.size;

describe('ActiveTopics', () => {
  it('should say whether each change changed anything, and count the active topics', () => {
    const topics = new ActiveTopics<string>();
    expect(topics.set('a', true)).toBe(true);
    expect(topics.set('a', true)).toBe(false);
    expect(topics.set('b', false)).toBe(false);
    expect(topics.set('b', true)).toBe(true);
    expect(topics.size).toBe(2);
    expect(topics.set('a', false)).toBe(true);
    expect(topics.set('a', false)).toBe(false);
    expect(topics.size).toBe(1);
    expect(topics.list()).toEqual(['b']);
  });

  it('should list in the order of the latest subscribe: a topic subscribed again comes last', () => {
    const topics = new ActiveTopics<string>();
    for (const topic of ['a', 'b', 'c']) topics.set(topic, true);
    topics.set('a', false);
    topics.set('d', true);
    topics.set('a', true);
    expect(topics.list()).toEqual(['b', 'c', 'd', 'a']);
  });

  it('should keep topics apart by SameValueZero, as a Set does', () => {
    const topics = new ActiveTopics<unknown>();
    expect(topics.set(1, true)).toBe(true);
    expect(topics.set('1', true)).toBe(true);
    expect(topics.set(NaN, true)).toBe(true);
    expect(topics.set(NaN, true)).toBe(false);
    expect(topics.set(-0, true)).toBe(true);
    expect(topics.set(0, true)).toBe(false);
    expect(topics.list()).toEqual([1, '1', NaN, 0]); // -0 is kept as 0, as in a Set
  });

  it('should hold no more than the active topics plus a small slack, however often they change', () => {
    const topics = new ActiveTopics<string>();
    let most = 0;
    for (let i = 0; i < 10_000; i++) {
      topics.set(`t${i}`, true);
      topics.set(`t${i}`, false);
      most = Math.max(most, held(topics));
    }
    expect(topics.size).toBe(0);
    // Swept as soon as the inactive topics outnumber the active ones (none after each pair) plus
    // the slack of 16: the 17th inactive topic sweeps them all.
    expect(most).toBe(16);
  });

  it('should not sweep before the inactive topics outnumber the active ones plus the slack', () => {
    const topics = new ActiveTopics<string>();
    for (let i = 0; i < 100; i++) topics.set(`keep${i}`, true);
    for (let i = 0; i < 116; i++) {
      topics.set(`t${i}`, true);
      topics.set(`t${i}`, false);
    }
    // 116 inactive, 100 active: no sweep yet, so a sweep is paid for by as many changes as it costs
    expect(held(topics)).toBe(216);
    topics.set('t116', true);
    topics.set('t116', false);
    expect(held(topics)).toBe(100);
    expect(topics.size).toBe(100);
  });

  it('should keep the active topics and their order through a sweep of the inactive ones', () => {
    const topics = new ActiveTopics<string>();
    topics.set('keep1', true);
    for (let i = 0; i < 40; i++) topics.set(`t${i}`, true);
    topics.set('keep2', true);
    for (let i = 0; i < 40; i++) topics.set(`t${i}`, false);
    expect(held(topics)).toBeLessThan(42);
    expect(topics.list()).toEqual(['keep1', 'keep2']);
    expect(topics.set('t0', true)).toBe(true);
    expect(topics.list()).toEqual(['keep1', 'keep2', 't0']);
    expect(topics.size).toBe(3);
  });

  it('should toggle one topic over and over without growing', () => {
    const topics = new ActiveTopics<string>();
    for (let i = 0; i < 1_000; i++) {
      expect(topics.set('prices', true)).toBe(true);
      expect(topics.set('prices', false)).toBe(true);
    }
    expect(held(topics)).toBe(1);
    expect(topics.list()).toEqual([]);
  });
});
