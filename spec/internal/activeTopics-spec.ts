import { ActiveTopics } from '../../src/internal/activeTopics';

/** How many entries the map holds, active and inactive. */
const held = (topics: ActiveTopics<unknown>) => (topics as unknown as { order: Map<unknown, number> }).order.size;

describe('ActiveTopics', () => {
  it('should say whether each change changed anything, and count the active topics', () => {
    const topics = new ActiveTopics<string>();
    expect(topics.add('a')).toBe(true);
    expect(topics.add('a')).toBe(false);
    expect(topics.delete('b')).toBe(false);
    expect(topics.add('b')).toBe(true);
    expect(topics.size).toBe(2);
    expect(topics.delete('a')).toBe(true);
    expect(topics.delete('a')).toBe(false);
    expect(topics.size).toBe(1);
    expect(topics.list()).toEqual(['b']);
  });

  it('should list in the order of the latest subscribe: a topic subscribed again comes last', () => {
    const topics = new ActiveTopics<string>();
    for (const topic of ['a', 'b', 'c']) topics.add(topic);
    topics.delete('a');
    topics.add('d');
    topics.add('a');
    expect(topics.list()).toEqual(['b', 'c', 'd', 'a']);
  });

  it('should keep topics apart by SameValueZero, as a Set does', () => {
    const topics = new ActiveTopics<unknown>();
    expect(topics.add(1)).toBe(true);
    expect(topics.add('1')).toBe(true);
    expect(topics.add(NaN)).toBe(true);
    expect(topics.add(NaN)).toBe(false);
    expect(topics.add(-0)).toBe(true);
    expect(topics.add(0)).toBe(false);
    expect(topics.list()).toEqual([1, '1', NaN, 0]); // -0 is kept as 0, as in a Set
  });

  it('should hold no more than the active topics plus a small slack, however often they change', () => {
    const topics = new ActiveTopics<string>();
    let most = 0;
    for (let i = 0; i < 10_000; i++) {
      topics.add(`t${i}`);
      topics.delete(`t${i}`);
      most = Math.max(most, held(topics));
    }
    expect(topics.size).toBe(0);
    expect(most).toBeLessThanOrEqual(17);
  });

  it('should keep the active topics and their order through a sweep of the inactive ones', () => {
    const topics = new ActiveTopics<string>();
    topics.add('keep1');
    for (let i = 0; i < 40; i++) topics.add(`t${i}`);
    topics.add('keep2');
    for (let i = 0; i < 40; i++) topics.delete(`t${i}`);
    expect(held(topics)).toBeLessThan(42);
    expect(topics.list()).toEqual(['keep1', 'keep2']);
    expect(topics.add('t0')).toBe(true);
    expect(topics.list()).toEqual(['keep1', 'keep2', 't0']);
    expect(topics.size).toBe(3);
  });

  it('should toggle one topic over and over without growing', () => {
    const topics = new ActiveTopics<string>();
    for (let i = 0; i < 1_000; i++) {
      expect(topics.add('prices')).toBe(true);
      expect(topics.delete('prices')).toBe(true);
    }
    expect(held(topics)).toBe(1);
    expect(topics.list()).toEqual([]);
  });
});
