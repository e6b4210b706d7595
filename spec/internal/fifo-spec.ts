import { Fifo } from '../../src/internal/fifo';

describe('Fifo', () => {
  it('should hand items back in order across compactions, with size and at() in step', () => {
    const fifo = new Fifo<number>();
    for (let i = 0; i < 3000; i++) fifo.push(i);
    const out: number[] = [];
    for (let i = 0; i < 2000; i++) out.push(fifo.shift() as number);
    expect(out).toEqual(Array.from({ length: 2000 }, (_, i) => i));
    expect(fifo.size).toBe(1000);
    expect(fifo.at(0)).toBe(2000);
    expect(fifo.at(999)).toBe(2999);
    expect(fifo.at(1000)).toBeUndefined();
    fifo.push(3000);
    expect(fifo.removeAt(1)).toBe(2001);
    const rest: number[] = [];
    for (let item = fifo.shift(); item !== undefined; item = fifo.shift()) rest.push(item);
    expect(rest).toEqual([2000, ...Array.from({ length: 999 }, (_, i) => 2002 + i)]);
    expect(fifo.size).toBe(0);
  });

  it('should be empty again after clear()', () => {
    const fifo = new Fifo<string>();
    fifo.push('a');
    fifo.push('b');
    fifo.shift();
    fifo.clear();
    expect(fifo.size).toBe(0);
    expect(fifo.shift()).toBeUndefined();
    fifo.push('c');
    expect(fifo.at(0)).toBe('c');
  });
});
