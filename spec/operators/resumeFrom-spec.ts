import * as fc from 'fast-check';
import { concat, defer, from, Observable, of, retry, Subject, tap, throwError } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { resumeFrom } from '../../src/operators/resumeFrom';
import { createResumeCursor } from '../../src/cursor';
import type { ResumeCursorSequenceState, ResumeCursorSkip, ResumeCursorState } from '../../src/cursor';
import { InvalidSequenceError } from '../../src/errors';
import { expectInvalidOption } from '../support/invalidOption';

/** Marble values: the letter's place in the alphabet is the seq. */
const v = { a: 1, b: 2, c: 3, d: 4, e: 5, f: 6 };
const bySeq = (seq: number): number => seq;

interface Msg {
  readonly key: string;
  readonly seq: number;
}

/** The lowest seq in 1..n+1 that is not in `delivered`. */
function lowestMissing(delivered: ReadonlySet<number>): number {
  let s = 1;
  while (delivered.has(s)) s++;
  return s;
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);

describe('resumeFrom', () => {
  let ts: TestScheduler;

  beforeEach(() => {
    ts = new TestScheduler((a, e) => expect(a).toEqual(e));
  });

  describe('with a seqOf (the shorthand) and a contiguous cursor', () => {
    it('should mirror a source that never emits', () => {
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        // prettier-ignore
        const source = cold<number>('-');
        const subs = '               ^';
        const expected = '           -';
        expectObservable(source.pipe(resumeFrom(createResumeCursor(), bySeq))).toBe(expected);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('should complete with an empty source', () => {
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        // prettier-ignore
        const source = cold<number>('|');
        const subs = '               (^!)';
        const expected = '           |';
        expectObservable(source.pipe(resumeFrom(createResumeCursor(), bySeq))).toBe(expected);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('should emit one value and record it', () => {
      const cursor = createResumeCursor({ start: 0 });
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        // prettier-ignore
        const source = cold('--a--|', v);
        const subs = '       ^----!';
        const expected = '   --a--|';
        expectObservable(source.pipe(resumeFrom(cursor, bySeq))).toBe(expected, v);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
      expect(cursor.value).toBe(1);
    });

    it('should emit new values in order and drop the ones already delivered', () => {
      const cursor = createResumeCursor({ start: 0 });
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        // prettier-ignore
        const source = cold('-a-b-a-c-b-c-d-|', v);
        const subs = '       ^--------------!';
        const expected = '   -a-b---c-----d-|';
        expectObservable(source.pipe(resumeFrom(cursor, bySeq))).toBe(expected, v);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
      expect(cursor.value).toBe(4);
    });

    it('should let reordered values through once each', () => {
      const cursor = createResumeCursor({ start: 0 });
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        // prettier-ignore
        const source = cold('-a-c-d-c-b-d-e-|', v);
        const subs = '       ^--------------!';
        const expected = '   -a-c-d---b---e-|';
        expectObservable(source.pipe(resumeFrom(cursor, bySeq))).toBe(expected, v);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
      expect(cursor.value).toBe(5);
    });

    it('should drop what an earlier cursor state says was delivered', () => {
      const cursor = createResumeCursor({ start: 0 });
      cursor.markDelivered(1);
      cursor.markDelivered(3);
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        // prettier-ignore
        const source = cold('-a-b-c-d-|', v);
        const subs = '       ^--------!';
        const expected = '   ---b---d-|';
        expectObservable(source.pipe(resumeFrom(cursor, bySeq))).toBe(expected, v);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('should take the first seq as the base with a null start, and drop lower seqs after it', () => {
      const cursor = createResumeCursor();
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        // prettier-ignore
        const source = cold('-c-a-d-b-e-|', v);
        const subs = '       ^----------!';
        const expected = '   -c---d---e-|';
        expectObservable(source.pipe(resumeFrom(cursor, bySeq))).toBe(expected, v);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
      expect(cursor.value).toBe(5);
    });

    it('should pass the source error through', () => {
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        // prettier-ignore
        const source = cold('-a-a-#', v);
        const subs = '       ^----!';
        const expected = '   -a---#';
        expectObservable(source.pipe(resumeFrom(createResumeCursor(), bySeq))).toBe(expected, v);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('should keep going with a never-ending source', () => {
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        // prettier-ignore
        const source = cold('-a-b-b-c-', v);
        const subs = '       ^--------';
        const expected = '   -a-b---c-';
        expectObservable(source.pipe(resumeFrom(createResumeCursor(), bySeq))).toBe(expected, v);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('should stop on early unsubscribe and record nothing after it', () => {
      const cursor = createResumeCursor({ start: 0 });
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        // prettier-ignore
        const source = cold('-a-b-c-d-|', v);
        const unsub = '      ----!     ';
        const subs = '       ^---!     ';
        const expected = '   -a-b-     ';
        expectObservable(source.pipe(resumeFrom(cursor, bySeq)), unsub).toBe(expected, v);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
      expect(cursor.value).toBe(2);
    });

    it('should error with InvalidSequenceError for an invalid seq, leaving the cursor unchanged', () => {
      const cursor = createResumeCursor({ start: 0 });
      const bad = { a: 1, x: 2.5 };
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        // prettier-ignore
        const source = cold('-a-x-a-|', bad);
        const subs = '       ^--!    ';
        const expected = '   -a-#    ';
        const err = new InvalidSequenceError({ seq: 2.5, value: 2.5 });
        expectObservable(source.pipe(resumeFrom(cursor, bySeq))).toBe(expected, bad, err);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
      expect(cursor.snapshot()).toEqual({ version: 1, mode: 'contiguous', cursor: 1, ahead: [] });
    });

    it('should error with what seqOf throws', () => {
      const cursor = createResumeCursor({ start: 0 });
      const boom = new Error('no seq');
      const seqOf = (n: number): number => {
        if (n === 2) throw boom;
        return n;
      };
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        // prettier-ignore
        const source = cold('-a-b-c-|', v);
        const subs = '       ^--!    ';
        const expected = '   -a-#    ';
        expectObservable(source.pipe(resumeFrom(cursor, { seqOf }))).toBe(expected, v, boom);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
      expect(cursor.value).toBe(1);
    });

    it('should error with what onSkip throws, without emitting or recording the value', () => {
      const strict = new Error('hole given up');
      const cursor = createResumeCursor({
        start: 0,
        window: 1,
        onSkip: () => {
          throw strict;
        },
      });
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        // prettier-ignore
        const source = cold('-a-c-e-b-|', v);
        const subs = '       ^----!    ';
        const expected = '   -a-c-#    ';
        expectObservable(source.pipe(resumeFrom(cursor, bySeq))).toBe(expected, v, strict);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
      expect(cursor.snapshot()).toEqual({ version: 1, mode: 'contiguous', cursor: 1, ahead: [3] });
    });

    it('should record a value before passing it on, so the downstream sees it counted', () => {
      const cursor = createResumeCursor({ start: 0 });
      const seenDownstream: Array<[number, number | null]> = [];
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        // prettier-ignore
        const source = cold('-a-c-b-|', v);
        const subs = '       ^------!';
        const expected = '   -a-c-b-|';
        const result = source.pipe(
          resumeFrom(cursor, bySeq),
          tap((seq) => seenDownstream.push([seq, cursor.value])),
        );
        expectObservable(result).toBe(expected, v);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
      expect(seenDownstream).toEqual([
        [1, 1],
        [3, 1],
        [2, 3],
      ]);
    });

    it('should drop a value the downstream pushes back in synchronously', () => {
      const cursor = createResumeCursor({ start: 0 });
      const input = new Subject<number>();
      const out: number[] = [];
      input.pipe(resumeFrom(cursor, bySeq)).subscribe((seq) => {
        out.push(seq);
        if (seq === 1) input.next(1); // re-entrant echo of the same seq
      });
      input.next(1);
      input.next(2);
      expect(out).toEqual([1, 2]);
    });
  });

  describe('sharing the cursor', () => {
    it('should keep no state of its own: one operator on two subscriptions shares the cursor', () => {
      const cursor = createResumeCursor({ start: 0 });
      const op = resumeFrom(cursor, bySeq);
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        // prettier-ignore
        const first = cold(' -a-b-|     ', v);
        const second = cold('-----b-c-|', v);
        const subs1 = '      ^----!     ';
        const subs2 = '      ^--------! ';
        const expected1 = '  -a-b-|     ';
        const expected2 = '  -------c-| ';
        expectObservable(first.pipe(op)).toBe(expected1, v);
        expectObservable(second.pipe(op)).toBe(expected2, v);
        expectSubscriptions(first.subscriptions).toBe(subs1);
        expectSubscriptions(second.subscriptions).toBe(subs2);
      });
    });

    it('should keep two cursors apart', () => {
      const one = createResumeCursor({ start: 0 });
      const two = createResumeCursor({ start: 0 });
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        // prettier-ignore
        const source = cold('-a-b-a-|', v);
        const subs = '       ^------!';
        const expected = '   -a-b---|';
        expectObservable(source.pipe(resumeFrom(one, bySeq))).toBe(expected, v);
        expectObservable(source.pipe(resumeFrom(two, bySeq))).toBe(expected, v);
        expectSubscriptions(source.subscriptions).toBe([subs, subs]);
      });
    });
  });

  describe('gap safety across reconnects', () => {
    it('should lose nothing and repeat nothing when a reconnect falls between two swapped events', () => {
      const cursor = createResumeCursor({ start: 0 });
      const resumedFrom: Array<number | null> = [];
      const states: ResumeCursorState[] = [];
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        // The first connection delivers 1, 2, 4 (3 is late) and drops; the server then replays
        // everything after the cursor: 3 and 4.
        // prettier-ignore
        const connection1 = cold('-a-b-d-#      ', v);
        const connection2 = cold('       -c-d-| ', v);
        const subs1 = '           ^------!      ';
        const subs2 = '           -------^----! ';
        const expected = '        -a-b-d--c---| ';
        const connections = [connection1, connection2];
        const feed$ = defer(() => {
          resumedFrom.push(cursor.value); // what the handshake would send
          states.push(cursor.snapshot());
          return connections[resumedFrom.length - 1] as Observable<number>;
        });
        expectObservable(feed$.pipe(resumeFrom(cursor, bySeq), retry(1))).toBe(expected, v);
        expectSubscriptions(connection1.subscriptions).toBe(subs1);
        expectSubscriptions(connection2.subscriptions).toBe(subs2);
      });
      expect(resumedFrom).toEqual([0, 2]); // after 4, the cursor was still 2
      expect(states[1]).toEqual({ version: 1, mode: 'contiguous', cursor: 2, ahead: [4] });
      expect(cursor.snapshot()).toEqual({ version: 1, mode: 'contiguous', cursor: 4, ahead: [] });
    });

    it('should do the same with the retry inside and resumeFrom outside', () => {
      const cursor = createResumeCursor({ start: 0 });
      const resumedFrom: Array<number | null> = [];
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        // prettier-ignore
        const connection1 = cold('-a-b-d-#      ', v);
        const connection2 = cold('       -c-d-| ', v);
        const subs1 = '           ^------!      ';
        const subs2 = '           -------^----! ';
        const expected = '        -a-b-d--c---| ';
        const connections = [connection1, connection2];
        const feed$ = defer(() => {
          resumedFrom.push(cursor.value);
          return connections[resumedFrom.length - 1] as Observable<number>;
        });
        expectObservable(feed$.pipe(retry(1), resumeFrom(cursor, bySeq))).toBe(expected, v);
        expectSubscriptions(connection1.subscriptions).toBe(subs1);
        expectSubscriptions(connection2.subscriptions).toBe(subs2);
      });
      expect(resumedFrom).toEqual([0, 2]);
    });

    it('should resume a perKey feed from the lowest key cursor and drop each key\'s replays', () => {
      const cursor = createResumeCursor({ mode: 'perKey', start: 0 });
      const resumedFrom: Array<number | null> = [];
      const m = {
        a: { key: 'x', seq: 1 },
        b: { key: 'x', seq: 2 },
        c: { key: 'x', seq: 3 },
        p: { key: 'y', seq: 1 },
        r: { key: 'y', seq: 3 },
        q: { key: 'y', seq: 2 },
      };
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        // y2 is late; the server replays per key after 1: x2, x3, y2, y3.
        // prettier-ignore
        const connection1 = cold('-a-p-b-c-r-#        ', m);
        const connection2 = cold('           -b-c-q-r-|', m);
        const subs1 = '           ^----------!        ';
        const subs2 = '           -----------^--------!';
        const expected = '        -a-p-b-c-r------q---|';
        const connections = [connection1, connection2];
        const feed$ = defer(() => {
          resumedFrom.push(cursor.value);
          return connections[resumedFrom.length - 1] as Observable<Msg>;
        });
        const result = feed$.pipe(resumeFrom(cursor, { seqOf: (msg: Msg) => msg.seq, keyOf: (msg) => msg.key }), retry(1));
        expectObservable(result).toBe(expected, m);
        expectSubscriptions(connection1.subscriptions).toBe(subs1);
        expectSubscriptions(connection2.subscriptions).toBe(subs2);
      });
      expect(resumedFrom).toEqual([0, 1]);
      expect([cursor.get('x'), cursor.get('y'), cursor.value]).toEqual([3, 3, 3]);
    });
  });

  describe("with an 'ordered' cursor", () => {
    it('should drop a seq that arrives after a higher one: the mode is for in-order streams only', () => {
      const cursor = createResumeCursor({ mode: 'ordered', start: 0 });
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        // prettier-ignore
        const source = cold('-a-b-d-c-e-|', v);
        const subs = '       ^----------!';
        const expected = '   -a-b-d---e-|';
        expectObservable(source.pipe(resumeFrom(cursor, bySeq))).toBe(expected, v);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('should claim 4 before 3 arrives, so a reconnect then loses 3', () => {
      const cursor = createResumeCursor({ mode: 'ordered', start: 0 });
      const resumedFrom: Array<number | null> = [];
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        // The server replays after 4: nothing of 3 comes back.
        // prettier-ignore
        const connection1 = cold('-a-b-d-#      ', v);
        const connection2 = cold('       -e-|   ', v);
        const subs1 = '           ^------!      ';
        const subs2 = '           -------^--!   ';
        const expected = '        -a-b-d--e-|   ';
        const connections = [connection1, connection2];
        const feed$ = defer(() => {
          resumedFrom.push(cursor.value);
          return connections[resumedFrom.length - 1] as Observable<number>;
        });
        expectObservable(feed$.pipe(resumeFrom(cursor, bySeq), retry(1))).toBe(expected, v);
        expectSubscriptions(connection1.subscriptions).toBe(subs1);
        expectSubscriptions(connection2.subscriptions).toBe(subs2);
      });
      expect(resumedFrom).toEqual([0, 4]);
    });

    it('should let a sparse in-order sequence through', () => {
      const cursor = createResumeCursor({ mode: 'ordered' });
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        // prettier-ignore
        const source = cold('-a-c-c-f-|', v);
        const subs = '       ^--------!';
        const expected = '   -a-c---f-|';
        expectObservable(source.pipe(resumeFrom(cursor, bySeq))).toBe(expected, v);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
      expect(cursor.value).toBe(6);
    });
  });

  describe("with a 'perKey' cursor", () => {
    const m = {
      a: { key: 'x', seq: 1 },
      b: { key: 'y', seq: 1 },
      c: { key: 'x', seq: 2 },
      d: { key: 'y', seq: 3 },
      e: { key: 'y', seq: 2 },
    };
    const config = { seqOf: (msg: Msg) => msg.seq, keyOf: (msg: Msg) => msg.key };

    it('should track each key separately', () => {
      const cursor = createResumeCursor({ mode: 'perKey', start: 0 });
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        // prettier-ignore
        const source = cold('-a-b-a-c-d-b-e-d-|', m);
        const subs = '       ^----------------!';
        const expected = '   -a-b---c-d---e---|';
        expectObservable(source.pipe(resumeFrom(cursor, config))).toBe(expected, m);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
      expect([cursor.get('x'), cursor.get('y'), cursor.value]).toEqual([2, 3, 2]);
    });

    it('should error with what keyOf throws', () => {
      const cursor = createResumeCursor({ mode: 'perKey', start: 0 });
      const boom = new Error('no key');
      const keyOf = (msg: Msg): string => {
        if (msg.key === 'y') throw boom;
        return msg.key;
      };
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        // prettier-ignore
        const source = cold('-a-b-c-|', m);
        const subs = '       ^--!    ';
        const expected = '   -a-#    ';
        expectObservable(source.pipe(resumeFrom(cursor, { seqOf: config.seqOf, keyOf }))).toBe(expected, m, boom);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
      expect(cursor.keys()).toEqual(['x']);
    });

    it('should error with a TypeError when keyOf returns something other than a string or a number', () => {
      const cursor = createResumeCursor({ mode: 'perKey', start: 0 });
      const errors: unknown[] = [];
      of({ key: 'x', seq: 1 }, { key: undefined, seq: 1 })
        .pipe(resumeFrom(cursor, { seqOf: (msg) => msg.seq, keyOf: (msg) => msg.key as unknown as string }))
        .subscribe({ error: (err: unknown) => errors.push(err) });
      expect(errors).toHaveLength(1);
      expect(errors[0]).toBeInstanceOf(TypeError);
    });
  });

  describe('with onReplay', () => {
    it('should report every filtered replay with its seq, and only replays', () => {
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        const replays: Array<[number, number]> = [];
        const cursor = createResumeCursor({ start: 0 });
        // prettier-ignore
        const source = cold('-a-b-a-c-b-|', v);
        const subs = '        ^----------!';
        const expected = '    -a-b---c---|';
        expectObservable(source.pipe(resumeFrom(cursor, { seqOf: bySeq, onReplay: (value, seq) => replays.push([value, seq]) }))).toBe(expected, v);
        expectSubscriptions(source.subscriptions).toBe(subs);
        ts.flush();
        expect(replays).toEqual([
          [1, 1],
          [2, 2],
        ]);
      });
    });

    it('should error with what onReplay throws', () => {
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        const boom = new Error('boom');
        // prettier-ignore
        const source = cold('-a-a-b-|', v);
        const subs = '        ^--!';
        const expected = '    -a-#';
        const op = resumeFrom(createResumeCursor(), {
          seqOf: bySeq,
          onReplay: () => {
            throw boom;
          },
        });
        expectObservable(source.pipe(op)).toBe(expected, v, boom);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });
  });

  describe('options', () => {
    it('should throw InvalidOptionError at creation for bad options', () => {
      const single = createResumeCursor();
      const perKey = createResumeCursor({ mode: 'perKey' });
      const keyOf = (msg: Msg) => msg.key;
      const cases: Array<[() => unknown, string]> = [
        [() => resumeFrom(null as never, bySeq), 'cursor'],
        [() => resumeFrom({} as never, bySeq), 'cursor'],
        [() => resumeFrom(single, null as never), 'config'],
        [() => resumeFrom(single, 5 as never), 'config'],
        [() => resumeFrom(single, {} as never), 'seqOf'],
        [() => resumeFrom(single, { seqOf: 'seq' } as never), 'seqOf'],
        [() => resumeFrom(perKey, (msg: Msg) => msg.seq), 'keyOf'],
        [() => resumeFrom(perKey, { seqOf: (msg: Msg) => msg.seq, keyOf: 'key' as never }), 'keyOf'],
        [() => resumeFrom(single, { seqOf: (msg: Msg) => msg.seq, keyOf }), 'keyOf'],
        [() => resumeFrom(single, { seqOf: bySeq, onReplay: 1 as never }), 'onReplay'],
      ];
      for (const [create, option] of cases) {
        expectInvalidOption(() => create(), { operator: 'resumeFrom', option });
      }
    });
  });

  describe('properties', () => {
    /** n, and every seq of 1..n at least once, with extra copies, all in a random order. */
    const deliveries = fc.integer({ min: 1, max: 30 }).chain((n) =>
      fc
        .array(fc.integer({ min: 1, max: n }), { maxLength: 2 * n })
        .chain((extra) => {
          const all = [...range(n), ...extra];
          return fc.shuffledSubarray(all, { minLength: all.length, maxLength: all.length });
        })
        .map((events) => ({ n, events })),
    );

    it('should deliver each seq exactly once and never let the contiguous cursor pass an undelivered seq', () => {
      fc.assert(
        fc.property(deliveries, ({ n, events }) => {
          const cursor = createResumeCursor({ start: 0 });
          const input = new Subject<number>();
          const out: number[] = [];
          input.pipe(resumeFrom(cursor, bySeq)).subscribe((seq) => out.push(seq));
          const delivered = new Set<number>();
          for (const seq of events) {
            input.next(seq);
            delivered.add(seq);
            const value = cursor.value as number;
            for (const s of range(n)) if (!delivered.has(s)) expect(value).toBeLessThanOrEqual(s - 1);
            expect(value).toBe(lowestMissing(delivered) - 1);
          }
          expect(out).toEqual([...new Set(events)]);
          expect([...out].sort((a, b) => a - b)).toEqual(range(n));
          expect(cursor.snapshot()).toEqual({ version: 1, mode: 'contiguous', cursor: n, ahead: [] });
        }),
      );
    });

    it('should lose and repeat nothing across any number of reconnects that resume from the cursor', () => {
      const plan = fc.integer({ min: 1, max: 20 }).chain((n) =>
        fc.record({
          n: fc.constant(n),
          // Each connection sends what is after the cursor in its own order, and drops after `cut`.
          connections: fc.array(fc.record({ order: fc.array(fc.nat(), { minLength: n, maxLength: n }), cut: fc.nat({ max: n }) }), {
            minLength: 1,
            maxLength: 6,
          }),
        }),
      );
      fc.assert(
        fc.property(plan, ({ n, connections }) => {
          const cursor = createResumeCursor({ start: 0 });
          const out: number[] = [];
          let attempt = 0;
          const feed$ = defer(() => {
            const resumeAfter = cursor.value as number;
            // Gap safety at the handshake: nothing up to the resume point is missing.
            for (const s of range(resumeAfter)) expect(out).toContain(s);
            const { order, cut } = connections[Math.min(attempt, connections.length - 1)] as { order: number[]; cut: number };
            const last = attempt++ >= connections.length - 1;
            const pending = range(n)
              .filter((s) => s > resumeAfter)
              .sort((a, b) => (order[a - 1] as number) - (order[b - 1] as number) || a - b);
            return last ? from(pending) : concat(from(pending.slice(0, cut)), throwError(() => new Error('drop')));
          });
          feed$.pipe(resumeFrom(cursor, bySeq), retry()).subscribe((seq) => out.push(seq));
          expect([...out].sort((a, b) => a - b)).toEqual(range(n));
          expect(cursor.value).toBe(n);
        }),
      );
    });

    it('should deliver each (key, seq) exactly once and keep the perKey value gap-safe', () => {
      const keyed = fc
        .tuple(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 12 }))
        .chain(([na, nb, nc]) => {
          const all: Msg[] = [
            ...range(na).map((seq) => ({ key: 'a', seq })),
            ...range(nb).map((seq) => ({ key: 'b', seq })),
            ...range(nc).map((seq) => ({ key: 'c', seq })),
          ];
          return fc
            .array(fc.constantFrom(...all), { maxLength: all.length })
            .chain((extra) => fc.shuffledSubarray([...all, ...extra], { minLength: all.length + extra.length, maxLength: all.length + extra.length }))
            .map((events) => ({ counts: { a: na, b: nb, c: nc } as Record<string, number>, events }));
        });
      fc.assert(
        fc.property(keyed, ({ counts, events }) => {
          const cursor = createResumeCursor({ mode: 'perKey', start: 0 });
          const input = new Subject<Msg>();
          const out: string[] = [];
          input.pipe(resumeFrom(cursor, { seqOf: (msg) => msg.seq, keyOf: (msg) => msg.key })).subscribe((msg) => out.push(`${msg.key}${msg.seq}`));
          const delivered: Record<string, Set<number>> = { a: new Set(), b: new Set(), c: new Set() };
          for (const msg of events) {
            input.next(msg);
            (delivered[msg.key] as Set<number>).add(msg.seq);
            const known = cursor.keys();
            for (const key of ['a', 'b', 'c']) {
              const mine = delivered[key] as Set<number>;
              expect(cursor.get(key)).toBe(lowestMissing(mine) - 1);
              const undelivered = range(counts[key] as number).filter((s) => !mine.has(s));
              // Gap safety of the one number: for every known key, it is below what that key lacks.
              if (known.includes(key)) for (const s of undelivered) expect(cursor.value as number).toBeLessThan(s);
            }
            expect(cursor.value).toBe(Math.min(...known.map((k) => cursor.get(k) as number)));
          }
          expect(out).toEqual([...new Set(events.map((msg) => `${msg.key}${msg.seq}`))]);
          expect(out).toHaveLength((counts['a'] as number) + (counts['b'] as number) + (counts['c'] as number));
        }),
      );
    });

    it('should account for every seq as delivered once or reported skipped, with a small window', () => {
      fc.assert(
        fc.property(deliveries, fc.integer({ min: 0, max: 3 }), ({ n, events }, window) => {
          const skipped = new Set<number>();
          const onSkip = ({ from: lo, to: hi }: ResumeCursorSkip): void => {
            for (let s = lo; s <= hi; s++) skipped.add(s);
          };
          const cursor = createResumeCursor({ start: 0, window, onSkip });
          const input = new Subject<number>();
          const out: number[] = [];
          input.pipe(resumeFrom(cursor, bySeq)).subscribe((seq) => out.push(seq));
          for (const seq of events) {
            input.next(seq);
            const state = cursor.snapshot() as ResumeCursorSequenceState & { cursor: number };
            expect(state.ahead.length).toBeLessThanOrEqual(window);
            // The cursor only passes what was delivered or reported.
            for (const s of range(state.cursor)) expect(out.includes(s) || skipped.has(s)).toBe(true);
          }
          expect(new Set(out).size).toBe(out.length);
          for (const s of out) expect(skipped.has(s)).toBe(false);
          expect([...out, ...skipped].sort((a, b) => a - b)).toEqual(range(n));
        }),
      );
    });
  });

  describe('with passUndefined', () => {
    it('should let values without a seq through untouched and leave the cursor alone', () => {
      ts.run(({ cold, expectObservable }) => {
        const cursor = createResumeCursor();
        const seq = (v: string): number | undefined => (v === 'x' ? undefined : Number(v));
        // prettier-ignore
        expectObservable(cold('-1-x-1-x-2').pipe(resumeFrom(cursor, { seqOf: seq, passUndefined: true }))).toBe('-1-x---x-2');
        ts.flush();
        expect(cursor.value).toBe(2);
      });
    });

    it('should still refuse a value without a seq by default', () => {
      ts.run(({ cold, expectObservable }) => {
        const seq = (v: string): number | undefined => (v === 'x' ? undefined : Number(v));
        expectObservable(cold('-x').pipe(resumeFrom(createResumeCursor(), seq))).toBe('-#', undefined, new InvalidSequenceError({ seq: undefined, value: 'x' }));
      });
    });
  });

  describe('with a cursor that is not an object', () => {
    it('should throw InvalidOptionError naming the cursor, not a TypeError, for undefined or a primitive', () => {
      for (const cursor of [undefined, 'cursor', 7]) {
        expectInvalidOption(() => resumeFrom(cursor as never, bySeq), { operator: 'resumeFrom', option: 'cursor', value: cursor });
      }
    });
  });

  describe('with an invalid seq on a message', () => {
    it('should error with InvalidSequenceError carrying the message itself and its seq', () => {
      const cursor = createResumeCursor({ start: 0 });
      const message = { seq: 2.5, body: 'x' };
      let caught: unknown;
      of({ seq: 1, body: 'w' }, message)
        .pipe(resumeFrom(cursor, (m: { seq: number; body: string }) => m.seq))
        .subscribe({ error: (err: unknown) => (caught = err) });
      expect(caught).toBeInstanceOf(InvalidSequenceError);
      expect((caught as InvalidSequenceError).info).toEqual({ seq: 2.5, value: message });
      expect(cursor.value).toBe(1);
    });
  });
});
