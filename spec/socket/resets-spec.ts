import { createResumeCursor } from '../../src/cursor';
import type { ResumeCursor } from '../../src/cursor';
import { ServerResetError } from '../../src/errors';
import type { ServerResetInfo } from '../../src/errors';
import { createLifecycle } from '../../src/socket/lifecycle';
import type { ManagedSocketEvent } from '../../src/socket/lifecycle';
import { DEFAULT_RESET_FALLBACK } from '../../src/socket/options';
import { createResetDetector } from '../../src/socket/resets';

type Fallback = (drop: { readonly seq: number; readonly key: unknown; readonly cursor: number }) => boolean;

/** A detector on a real cursor and lifecycle; what it reports and fails with is recorded. */
function setup(options: { policy?: 'restart' | 'fail'; fallback?: Fallback | null; epochOf?: boolean; cursor?: ResumeCursor | null } = {}) {
  const cursor = options.cursor === null ? undefined : (options.cursor ?? createResumeCursor({ start: 0 }));
  const lifecycle = createLifecycle(undefined);
  const resets: ServerResetInfo[] = [];
  lifecycle.events$.subscribe((event) => event.type === 'reset' && resets.push(event.info));
  const failures: ServerResetError[] = [];
  const detector = createResetDetector(
    {
      policy: options.policy ?? 'restart',
      fallback: options.fallback === null ? undefined : (options.fallback ?? DEFAULT_RESET_FALLBACK),
      epochOf: options.epochOf === false ? undefined : () => undefined,
    },
    cursor,
    lifecycle,
    (error) => failures.push(error),
  );
  return { cursor: cursor as ResumeCursor, detector, resets, failures };
}

/** Delivers seqs `from..to` (of `key`) to the cursor. */
function deliver(cursor: ResumeCursor, from: number, to: number, key?: string): void {
  for (let seq = from; seq <= to; seq++) cursor.markDelivered(seq, key);
}

const repeat = (seq: number, key?: string, stage: 'cursor' | 'gaps' | 'dedupe' = 'cursor'): ManagedSocketEvent => ({ type: 'duplicate', seq, key, stage });

describe('server reset detection (resets.ts)', () => {
  describe('by epoch', () => {
    it('should take the first epoch as known, and a repeat of it as no reset', () => {
      const { detector, resets, failures } = setup();
      detector.connecting();
      detector.epoch('e1');
      detector.connecting();
      detector.epoch('e1');
      expect(resets).toEqual([]);
      expect(failures).toEqual([]);
    });

    it('should report a new epoch, rewind the cursor to its start and count a new numbering (restart)', () => {
      const { cursor, detector, resets, failures } = setup({ cursor: createResumeCursor({ start: 3 }) });
      detector.connecting();
      expect(detector.epoch('e1')).toBe(false);
      deliver(cursor, 4, 40);
      detector.connecting();
      expect(detector.epoch('e2')).toBe(true);
      const info: ServerResetInfo = { reason: 'epoch', policy: 'restart', previousEpoch: 'e1', epoch: 'e2', cursor: 40 };
      expect(resets).toEqual([info]);
      expect(failures).toEqual([new ServerResetError(info)]);
      expect(cursor.value).toBe(3);
      expect(detector.numbering).toBe(1);
    });

    it("should leave the cursor and the numbering alone with policy 'fail'", () => {
      const { cursor, detector, resets, failures } = setup({ policy: 'fail' });
      detector.connecting();
      detector.epoch(1);
      deliver(cursor, 1, 9);
      detector.connecting();
      detector.epoch(2);
      expect(resets).toEqual([{ reason: 'epoch', policy: 'fail', previousEpoch: 1, epoch: 2, cursor: 9 }]);
      expect(failures).toHaveLength(1);
      expect(cursor.value).toBe(9);
      expect(detector.numbering).toBe(0);
    });

    it('should report a reset once per connection', () => {
      const { detector, resets } = setup();
      detector.connecting();
      detector.epoch('a');
      detector.connecting();
      expect(detector.epoch('b')).toBe(true);
      expect(detector.epoch('c')).toBe(false);
      expect(resets.map((r) => r.epoch)).toEqual(['b']);
      detector.connecting();
      detector.epoch('d');
      expect(resets.map((r) => r.epoch)).toEqual(['b', 'd']);
    });

    it('should want the epoch of each connection until it is read, and never without epochOf', () => {
      const { detector } = setup();
      detector.connecting();
      expect(detector.wantsEpoch).toBe(true);
      detector.epoch('x');
      expect(detector.wantsEpoch).toBe(false);
      detector.connecting();
      expect(detector.wantsEpoch).toBe(true);
      const without = setup({ epochOf: false }).detector;
      without.connecting();
      expect(without.wantsEpoch).toBe(false);
    });

    it('should report a null cursor without one', () => {
      const { detector, resets } = setup({ cursor: null, fallback: null });
      detector.connecting();
      detector.epoch('a');
      detector.connecting();
      detector.epoch('b');
      expect(resets).toEqual([{ reason: 'epoch', policy: 'restart', previousEpoch: 'a', epoch: 'b', cursor: null }]);
    });
  });

  describe('by the seq fallback', () => {
    it('should see two repeats in a row far below the cursor right after a connect', () => {
      const { cursor, detector, resets, failures } = setup();
      deliver(cursor, 1, 100);
      detector.connecting();
      detector.observe(repeat(1));
      expect(resets).toEqual([]);
      detector.observe(repeat(2));
      const info: ServerResetInfo = { reason: 'seq', policy: 'restart', seq: 1, cursor: 100 };
      expect(resets).toEqual([info]);
      expect('key' in (resets[0] as object)).toBe(false);
      expect(failures).toEqual([new ServerResetError(info)]);
      expect(cursor.value).toBe(0);
      expect(detector.numbering).toBe(1);
    });

    it('should take one stale repeat, or repeats not counting up by one, for what they are', () => {
      const { cursor, detector, resets } = setup();
      deliver(cursor, 1, 100);
      detector.connecting();
      detector.observe(repeat(1));
      detector.observe(repeat(3));
      detector.observe(repeat(3));
      expect(resets).toEqual([]);
    });

    it('should ask the fallback, and not count repeats it declines', () => {
      const asked: unknown[] = [];
      const { cursor, detector, resets } = setup({
        fallback: (drop) => {
          asked.push(drop);
          return drop.seq < 10;
        },
      });
      deliver(cursor, 1, 100);
      detector.connecting();
      detector.observe(repeat(60));
      detector.observe(repeat(61));
      expect(resets).toEqual([]);
      expect(asked).toEqual([
        { seq: 60, key: undefined, cursor: 100 },
        { seq: 61, key: undefined, cursor: 100 },
      ]);
      detector.observe(repeat(5));
      detector.observe(repeat(6));
      expect(resets.map((r) => r.seq)).toEqual([5]);
    });

    it('should ask the fallback only about a repeat with a seq, once the cursor knows a position', () => {
      const asked: unknown[] = [];
      const { cursor, detector, resets } = setup({
        cursor: createResumeCursor(),
        fallback: (drop) => {
          asked.push(drop);
          return true;
        },
      });
      detector.connecting();
      // No position yet: nothing to judge against.
      detector.observe(repeat(1));
      detector.observe(repeat(2));
      deliver(cursor, 1, 100);
      detector.connecting();
      detector.observe(repeat(40));
      detector.observe({ type: 'duplicate', seq: undefined, key: undefined, stage: 'cursor' });
      detector.observe(repeat(41));
      expect(asked).toEqual([
        { seq: 40, key: undefined, cursor: 100 },
        { seq: 41, key: undefined, cursor: 100 },
      ]);
      expect(resets.map((r) => r.seq)).toEqual([40]);
    });

    it('should ignore what is not a repeat, a repeat without a seq, and the id window', () => {
      const { cursor, detector, resets } = setup();
      deliver(cursor, 1, 100);
      detector.connecting();
      detector.observe({ type: 'connected', attempt: 1 });
      detector.observe({ type: 'duplicate', seq: undefined, key: undefined, stage: 'cursor' });
      detector.observe(repeat(1, undefined, 'dedupe'));
      detector.observe(repeat(2, undefined, 'dedupe'));
      expect(resets).toEqual([]);
      // The gap stage's repeats count (one in a row was not enough above).
      detector.observe(repeat(1, undefined, 'gaps'));
      detector.observe(repeat(2, undefined, 'gaps'));
      expect(resets).toHaveLength(1);
    });

    it('should look only right after a connect: not once the cursor moved on this connection', () => {
      const { cursor, detector, resets } = setup();
      deliver(cursor, 1, 100);
      detector.connecting();
      cursor.markDelivered(101);
      detector.observe(repeat(1));
      detector.observe(repeat(2));
      expect(resets).toEqual([]);
      detector.connecting(); // a new connection: its start is 101
      detector.observe(repeat(1));
      detector.observe(repeat(2));
      expect(resets).toHaveLength(1);
    });

    it('should see nothing before the cursor knows a position', () => {
      const { detector, resets } = setup({ cursor: createResumeCursor() });
      detector.connecting();
      detector.observe(repeat(1));
      detector.observe(repeat(2));
      expect(resets).toEqual([]);
    });

    it('should report a reset once per connection', () => {
      const { cursor, detector, resets } = setup({ policy: 'fail' });
      deliver(cursor, 1, 100);
      detector.connecting();
      for (const seq of [1, 2, 3, 4]) detector.observe(repeat(seq));
      expect(resets).toHaveLength(1);
      detector.connecting();
      for (const seq of [1, 2]) detector.observe(repeat(seq));
      expect(resets).toHaveLength(2);
    });

    it('should be off without a fallback or without a cursor', () => {
      for (const options of [{ fallback: null }, { cursor: null }] as const) {
        const { detector, resets } = setup(options);
        detector.connecting();
        detector.observe(repeat(1));
        detector.observe(repeat(2));
        expect(resets).toEqual([]);
      }
    });

    describe('per key', () => {
      const perKey = () => setup({ cursor: createResumeCursor({ mode: 'perKey', start: 0 }) });

      it('should need two in a row of one key, and name the key', () => {
        const { cursor, detector, resets } = perKey();
        deliver(cursor, 1, 100, 'a');
        deliver(cursor, 1, 100, 'b');
        detector.connecting();
        detector.observe(repeat(1, 'a'));
        detector.observe(repeat(2, 'b'));
        expect(resets).toEqual([]);
        detector.observe(repeat(3, 'b'));
        expect(resets).toEqual([{ reason: 'seq', policy: 'restart', seq: 2, key: 'b', cursor: 100 }]);
      });

      it('should judge each key by its own position at the connect', () => {
        const { cursor, detector, resets } = perKey();
        deliver(cursor, 1, 100, 'a');
        deliver(cursor, 1, 10, 'b');
        detector.connecting();
        detector.observe(repeat(6, 'b'));
        detector.observe(repeat(7, 'b')); // not below half of b's 10
        expect(resets).toEqual([]);
        cursor.markDelivered(101, 'a'); // a moved on this connection: its repeats are repeats
        detector.observe(repeat(1, 'a'));
        detector.observe(repeat(2, 'a'));
        expect(resets).toEqual([]);
      });

      it('should take a key first seen on this connection as standing at the start', () => {
        const { cursor, detector, resets } = perKey();
        detector.connecting();
        deliver(cursor, 1, 100, 'late'); // not known at the connect: its start (0) is not where it stands
        detector.observe(repeat(1, 'late'));
        detector.observe(repeat(2, 'late'));
        expect(resets).toEqual([]);
      });

      it('should take a key first seen on this connection as standing at a start other than 0', () => {
        const { detector, resets } = setup({ cursor: createResumeCursor({ mode: 'perKey', start: 3 }), fallback: () => true });
        detector.connecting();
        detector.observe(repeat(1, 'late'));
        detector.observe(repeat(2, 'late'));
        expect(resets).toEqual([{ reason: 'seq', policy: 'restart', seq: 1, key: 'late', cursor: 3 }]);
      });

      it('should rewind every key to the start on a reset', () => {
        const { cursor, detector } = setup({ cursor: createResumeCursor({ mode: 'perKey', start: 2 }) });
        deliver(cursor, 3, 50, 'a');
        deliver(cursor, 3, 9, 'b');
        detector.connecting();
        detector.observe(repeat(3, 'a'));
        detector.observe(repeat(4, 'a'));
        expect(cursor.keys()).toEqual(['a', 'b']);
        expect([cursor.get('a'), cursor.get('b')]).toEqual([2, 2]);
      });
    });
  });
});
