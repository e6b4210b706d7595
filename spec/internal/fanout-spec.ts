import { Observable } from 'rxjs';
import type { Observer } from 'rxjs';
import { Fanout } from '../../src/internal/fanout';

/** A source that records its runs and lets the spec push into the current one. */
function source() {
  const runs: { out: Observer<number>; stopped: boolean }[] = [];
  const fanout = new Fanout<number>({
    run: (out) => {
      const run = { out, stopped: false };
      runs.push(run);
      return () => {
        run.stopped = true;
      };
    },
  });
  const shared$ = new Observable<number>((subscriber) => fanout.attach(subscriber));
  const current = () => runs[runs.length - 1] as { out: Observer<number>; stopped: boolean };
  return { runs, shared$, current };
}

describe('Fanout', () => {
  it('should start the source at the first subscriber only, and give every value to every subscriber', () => {
    const { runs, shared$, current } = source();
    const a: number[] = [];
    const b: number[] = [];
    shared$.subscribe((v) => a.push(v));
    current().out.next(1);
    shared$.subscribe((v) => b.push(v));
    current().out.next(2);
    expect(runs).toHaveLength(1);
    expect(a).toEqual([1, 2]);
    expect(b).toEqual([2]);
  });

  it('should stop the source when the last subscriber leaves, and start it again for the next one', () => {
    const { runs, shared$ } = source();
    const one = shared$.subscribe();
    const two = shared$.subscribe();
    one.unsubscribe();
    expect(runs[0]?.stopped).toBe(false);
    two.unsubscribe();
    expect(runs[0]?.stopped).toBe(true);
    shared$.subscribe();
    expect(runs).toHaveLength(2);
    expect(runs[1]?.stopped).toBe(false);
  });

  it('should end every subscriber with an error or a completion, stop the source once, and start afresh after', () => {
    const { runs, shared$, current } = source();
    const seen: string[] = [];
    shared$.subscribe({ error: (e: unknown) => seen.push(`a:${String(e)}`) });
    shared$.subscribe({ error: (e: unknown) => seen.push(`b:${String(e)}`) });
    current().out.error('boom');
    expect(seen).toEqual(['a:boom', 'b:boom']);
    expect(runs[0]?.stopped).toBe(true);
    shared$.subscribe({ complete: () => seen.push('c:done') });
    expect(runs).toHaveLength(2);
    current().out.complete();
    expect(seen).toEqual(['a:boom', 'b:boom', 'c:done']);
    expect(runs[1]?.stopped).toBe(true);
  });

  it('should not disturb a delivery when a subscriber leaves during it', () => {
    const { shared$, current } = source();
    const seen: string[] = [];
    const first = shared$.subscribe((v) => {
      seen.push(`a${v}`);
      first.unsubscribe();
    });
    shared$.subscribe((v) => seen.push(`b${v}`));
    current().out.next(1);
    current().out.next(2);
    expect(seen).toEqual(['a1', 'b1', 'b2']);
  });

  it('should stop a source that errors while starting (nobody is left to stop it)', () => {
    let stopped = 0;
    const fanout = new Fanout<number>({
      run: (out) => {
        out.error(new Error('no'));
        return () => stopped++;
      },
    });
    const errors: unknown[] = [];
    new Observable<number>((subscriber) => fanout.attach(subscriber)).subscribe({ error: (e: unknown) => errors.push(e) });
    expect(errors).toEqual([new Error('no')]);
    expect(stopped).toBe(1);
  });
});
