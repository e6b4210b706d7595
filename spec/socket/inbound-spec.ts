import * as t from 'io-ts';
import { VirtualTimeScheduler } from 'rxjs';
import type { DecodeErrorInfo } from '../../src/errors';
import type { ManagedSocketConfig } from '../../src/socket/config';
import { Inbound } from '../../src/socket/inbound';
import type { FrameSource } from '../../src/socket/inbound';
import { createLifecycle } from '../../src/socket/lifecycle';
import type { ManagedSocketEvent } from '../../src/socket/lifecycle';
import { resolveOptions } from '../../src/socket/options';
import { createFakeWebSockets } from '../../src/testing/fakeWebSocket';

type Msg = { readonly seq: number; readonly id?: string };

/** The receive path with the id window on (no cursor) and `numbering` as the server-reset count; what it hands over and reports. */
function setup(numbering: () => number = () => 0) {
  const resets = { observe: () => undefined, get numbering() { return numbering(); } };
  const options = resolveOptions<Msg, unknown>({
    url: 'ws://test',
    WebSocketCtor: createFakeWebSockets().WebSocketCtor,
    seqOf: (m) => m.seq,
    idOf: (m) => m.id,
    resume: false,
    gaps: false,
    dedupe: { window: 10 },
  });
  const lifecycle = createLifecycle(undefined);
  const repeats: ManagedSocketEvent[] = [];
  lifecycle.events$.subscribe((event) => event.type === 'duplicate' && repeats.push(event));
  const inbound = new Inbound<Msg>(options, lifecycle, undefined, undefined, resets);
  const out: Msg[] = [];
  const failures: unknown[] = [];
  const source: FrameSource = { live: true, fail: (error) => failures.push(error) };
  inbound.startRun({ next: (m) => out.push(m), error: (error) => failures.push(error), complete: () => undefined });
  inbound.startAttempt(source);
  const input = { next: (seq: number, id: string | undefined) => inbound.frame(source, JSON.stringify(id === undefined ? { seq } : { seq, id })) };
  return { input, out, repeats, failures, inbound };
}

describe('Inbound: the id window', () => {
  it('should hand over the messages and drop a repeated id, as a dedupe duplicate', () => {
    const { input, out, repeats, failures } = setup();
    input.next(1, 'x');
    input.next(2, 'y');
    input.next(1, 'x');
    expect(out).toEqual([
      { seq: 1, id: 'x' },
      { seq: 2, id: 'y' },
    ]);
    expect(repeats).toEqual([{ type: 'duplicate', seq: 1, key: undefined, stage: 'dedupe' }]);
    expect(failures).toEqual([]);
  });

  it('should tell the ids of a new numbering (after a server reset) from the old ones', () => {
    let numbering = 0;
    const { input, out, repeats } = setup(() => numbering);
    input.next(1, 'x');
    input.next(1, 'x');
    expect(out).toHaveLength(1);
    numbering = 1; // the server restarted its numbering: its new seq 1 is a new event
    input.next(1, 'x');
    input.next(1, 'x'); // and a repeat within the new numbering is still a repeat
    numbering = 2;
    input.next(1, 'x');
    expect(out).toHaveLength(3);
    expect(repeats).toHaveLength(2);
  });

  it('should pass messages without an id through, before and after a reset', () => {
    let numbering = 0;
    const { input, out, repeats } = setup(() => numbering);
    input.next(1, undefined);
    input.next(1, undefined);
    numbering = 1;
    input.next(1, undefined);
    input.next(1, undefined);
    expect(out).toHaveLength(4);
    expect(repeats).toEqual([]);
  });
});

describe('Inbound: stages that are off', () => {
  /** The receive path with `config` on top of `seqOf` and an `idOf` that counts its calls. */
  function bare(config: { resume?: false; gaps?: false | { window: number; maxWait: number }; dedupe?: false }) {
    let idCalls = 0;
    const options = resolveOptions<Msg, unknown>({
      url: 'ws://test',
      WebSocketCtor: createFakeWebSockets().WebSocketCtor,
      seqOf: (m) => m.seq,
      idOf: (m) => {
        idCalls++;
        return m.id;
      },
      ...config,
    });
    const inbound = new Inbound<Msg>(options, createLifecycle(undefined), undefined, undefined);
    const out: number[] = [];
    const failures: unknown[] = [];
    const source: FrameSource = { live: true, fail: (error) => failures.push(error) };
    inbound.startRun({ next: (m) => out.push(m.seq), error: (error) => failures.push(error), complete: () => undefined });
    inbound.startAttempt(source);
    const deliver = (seq: number) => inbound.frame(source, JSON.stringify({ seq, id: `e${seq}` }));
    return { deliver, out, failures, idCalls: () => idCalls };
  }

  it('should reorder without a resume cursor (each sequence starts at its first event)', () => {
    const { deliver, out, failures } = bare({ resume: false, gaps: { window: 10, maxWait: 1000 }, dedupe: false });
    deliver(5);
    deliver(7);
    deliver(6);
    expect(out).toEqual([5, 6, 7]);
    expect(failures).toEqual([]);
  });

  it('should not call idOf when the id window is off', () => {
    const { deliver, out, idCalls } = bare({ resume: false, gaps: false, dedupe: false });
    deliver(1);
    deliver(2);
    expect(out).toEqual([1, 2]);
    expect(idCalls()).toBe(0);
  });
});

describe('Inbound: what a refused event reports', () => {
  it('should report the whole frame size and its text cut to 256 characters, for an event and for a batch', () => {
    const options = resolveOptions<Msg, unknown>({
      url: 'ws://test',
      WebSocketCtor: createFakeWebSockets().WebSocketCtor,
      seqOf: (m) => m.seq,
      eventsOf: (frame) => {
        const { batch } = frame as { batch?: unknown };
        if (batch === 'throw') throw new Error('not a batch');
        return batch as readonly unknown[] | undefined;
      },
      resume: false,
      gaps: false,
    });
    const lifecycle = createLifecycle(undefined);
    const refused: unknown[] = [];
    lifecycle.events$.subscribe((event) => event.type === 'decodeError' && refused.push(event.error.info));
    const inbound = new Inbound<Msg>(options, lifecycle, undefined, undefined);
    const source: FrameSource = { live: true, fail: () => undefined };
    inbound.startRun({ next: () => undefined, error: () => undefined, complete: () => undefined });
    inbound.startAttempt(source);
    const padding = 'p'.repeat(300);
    const badSeq = JSON.stringify({ seq: -1, padding });
    const badBatch = JSON.stringify({ batch: 'throw', padding });
    inbound.frame(source, badSeq);
    inbound.frame(source, badBatch);
    expect(refused).toEqual([
      { kind: 'seq', raw: badSeq.slice(0, 256), size: badSeq.length, errors: ['seq -1 is not a safe integer >= 0'] },
      { kind: 'batch', raw: badBatch.slice(0, 256), size: badBatch.length, errors: ['eventsOf threw: not a batch'] },
    ]);
  });
});

describe('Inbound: what it hands over and reports, frame by frame', () => {
  const SeqEvent = t.type({ seq: t.number });
  /** Frames through a receive path made from `config`: what is handed over, refused and failed. */
  function through(config: Omit<ManagedSocketConfig<unknown, unknown>, 'url'>, numbering = 0) {
    const scheduler = new VirtualTimeScheduler();
    const options = resolveOptions<unknown, unknown>({ url: 'ws://test', WebSocketCtor: createFakeWebSockets().WebSocketCtor, scheduler, ...config });
    const lifecycle = createLifecycle(undefined);
    const refused: DecodeErrorInfo[] = [];
    lifecycle.events$.subscribe((event) => event.type === 'decodeError' && refused.push(event.error.info));
    const inbound = new Inbound<unknown>(options, lifecycle, undefined, undefined, { observe: () => undefined, numbering });
    const out: unknown[] = [];
    const failures: unknown[] = [];
    const source = { live: true, fail: (error: unknown) => failures.push(error) };
    inbound.startRun({ next: (m) => out.push(m), error: (error) => failures.push(error), complete: () => undefined });
    inbound.startAttempt(source);
    return { inbound, source, out, refused, failures, scheduler };
  }
  const bytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
  const jsonWire = { serialize: (m: unknown) => JSON.stringify(m), deserialize: (f: unknown) => JSON.parse(typeof f === 'string' ? f : new TextDecoder().decode(f as Uint8Array)) };

  it('should hand over nothing for a frame that is not JSON, and report it', () => {
    const { inbound, source, out, refused } = through({});
    inbound.frame(source, 'not json');
    inbound.frame(source, '{"ok":1}');
    expect(out).toEqual([{ ok: 1 }]);
    expect(refused.map((info) => info.kind)).toEqual(['json']);
  });

  it('should keep control messages from the subscribers of an unsequenced socket', () => {
    const { inbound, source, out } = through({ isControl: (m) => (m as { type: string }).type === 'pong' });
    inbound.frame(source, '{"type":"pong"}');
    inbound.frame(source, '{"type":"data"}');
    expect(out).toEqual([{ type: 'data' }]);
  });

  it('should hand over nothing for a source that is no longer live', () => {
    const { inbound, source, out } = through({ seqOf: (m) => (m as { seq: number }).seq, resume: false, gaps: false, dedupe: false });
    inbound.frame(source, '{"seq":1}');
    source.live = false;
    inbound.frame(source, '{"seq":2}');
    expect(out).toEqual([{ seq: 1 }]);
  });

  it('should report a batch event refused by the codec with the frame text, its size and the event index', () => {
    const { inbound, source, out, refused } = through({ codec: SeqEvent, eventsOf: (frame) => (frame as { batch: unknown[] }).batch });
    const frame = JSON.stringify({ batch: [{ seq: 1 }, { seq: 'two' }] });
    inbound.frame(source, frame);
    expect(out).toEqual([{ seq: 1 }]);
    expect(refused).toStrictEqual([{ kind: 'codec', raw: frame, size: frame.length, errors: [expect.stringContaining('seq')], index: 1 }]);
  });

  it('should report a binary frame refused by the codec without text, with its byte size', () => {
    const { inbound, source, refused } = through({ codec: SeqEvent, wire: jsonWire });
    const frame = bytes({ seq: 'one' });
    inbound.frame(source, frame);
    expect(refused).toStrictEqual([{ kind: 'codec', raw: undefined, size: frame.byteLength, errors: [expect.stringContaining('seq')] }]);
  });

  it('should report a binary frame whose eventsOf answer is not an array, with its byte size and the reason', () => {
    const { inbound, source, refused } = through({ wire: jsonWire, eventsOf: () => 'no' as unknown as unknown[] });
    const frame = bytes({ batch: 1 }).buffer;
    inbound.frame(source, frame);
    expect(refused).toStrictEqual([{ kind: 'batch', raw: undefined, size: frame.byteLength, errors: ['eventsOf returned neither an array nor undefined'] }]);
  });

  it('should report an event with a bad seq in a binary batch frame without text, with its byte size and index', () => {
    const { inbound, source, out, refused } = through({ wire: jsonWire, eventsOf: (frame) => (frame as { batch: unknown[] }).batch, seqOf: (m) => (m as { seq: number }).seq, resume: false, gaps: false, dedupe: false });
    const frame = bytes({ batch: [{ seq: 1 }, { seq: -2 }] });
    inbound.frame(source, frame);
    expect(out).toEqual([{ seq: 1 }]);
    expect(refused).toStrictEqual([{ kind: 'seq', raw: undefined, size: frame.byteLength, errors: ['seq -2 is not a safe integer >= 0'], index: 1 }]);
  });

  it('should report an event with a bad seq in a frame of its own with no index', () => {
    const { inbound, source, refused } = through({ wire: jsonWire, seqOf: (m) => (m as { seq: number }).seq, resume: false, gaps: false, dedupe: false });
    const frame = bytes({ seq: -2 }).buffer;
    inbound.frame(source, frame);
    expect(refused).toStrictEqual([{ kind: 'seq', raw: undefined, size: frame.byteLength, errors: ['seq -2 is not a safe integer >= 0'] }]);
  });

  it('should tell the id 1 from the id "1" before any server reset', () => {
    const { inbound, source, out } = through({ seqOf: (m) => (m as { seq: number }).seq, idOf: (m) => (m as { id: unknown }).id, resume: false, gaps: false, dedupe: { window: 10 } });
    inbound.frame(source, '{"seq":1,"id":1}');
    inbound.frame(source, '{"seq":2,"id":"1"}');
    inbound.frame(source, '{"seq":3,"id":1}');
    expect(out).toEqual([
      { seq: 1, id: 1 },
      { seq: 2, id: '1' },
    ]);
  });

  it('should stop the reorder timer of a hole when its attempt ends: it cannot fail the next attempt', () => {
    const { inbound, source, failures, scheduler, out } = through({ seqOf: (m) => (m as { seq: number }).seq, resume: false, gaps: { window: 10, maxWait: 100 }, dedupe: false });
    inbound.frame(source, '{"seq":1}');
    inbound.frame(source, '{"seq":3}'); // 2 is missing: held, with a 100 ms timer
    scheduler.schedule(() => {
      inbound.endAttempt();
      inbound.startAttempt({ live: true, fail: (error: unknown) => failures.push(error) });
    }, 50);
    scheduler.flush();
    expect({ out, failures }).toEqual({ out: [{ seq: 1 }], failures: [] });
  });
});

describe('Inbound: reading an event', () => {
  interface M {
    readonly seq?: unknown;
    readonly key?: unknown;
  }
  // What the messages carry, as the config's callbacks are typed: bad values are the point here.
  const seqOf = (m: unknown) => (m as M).seq as number | undefined;
  const keyOf = (m: unknown) => (m as M).key as string | number;
  /** A receive path made from `config` (no cursor, no reorder stage unless given): what is handed over and refused. */
  function reader(config: Omit<ManagedSocketConfig<unknown, unknown>, 'url'>) {
    const options = resolveOptions<unknown, unknown>({ url: 'ws://test', WebSocketCtor: createFakeWebSockets().WebSocketCtor, gaps: false, ...config });
    const lifecycle = createLifecycle(undefined);
    const refused: DecodeErrorInfo[] = [];
    lifecycle.events$.subscribe((event) => event.type === 'decodeError' && refused.push(event.error.info));
    const inbound = new Inbound<unknown>(options, lifecycle, undefined, undefined);
    const out: unknown[] = [];
    const failures: unknown[] = [];
    const source: FrameSource = { live: true, fail: (error) => failures.push(error) };
    inbound.startRun({ next: (m) => out.push(m), error: (error) => failures.push(error), complete: () => undefined });
    inbound.startAttempt(source);
    const read = (...messages: unknown[]) => {
      for (const m of messages) inbound.frame(source, JSON.stringify(m));
    };
    /** The reasons refused so far, with their kinds. */
    const reasons = () => refused.map((info) => ({ kind: info.kind, reason: info.errors[0] }));
    return { read, out, refused, reasons, failures };
  }

  it('should read the seq, key and id of an event once each, and nothing but the seq of a non-event', () => {
    const calls = { seq: 0, key: 0, id: 0 };
    const count =
      <K extends keyof typeof calls>(name: K, read: (m: unknown) => unknown) =>
      (m: unknown) => {
        calls[name]++;
        return read(m);
      };
    const { read, out } = reader({
      seqOf: count('seq', seqOf) as typeof seqOf,
      keyOf: count('key', keyOf) as typeof keyOf,
      idOf: count('id', (m) => `id-${String((m as M).key)}`),
      resume: false,
      dedupe: { window: 10 },
    });
    read({ seq: 4, key: 'a' });
    expect(calls).toEqual({ seq: 1, key: 1, id: 1 });
    read({ key: 'b' });
    expect(calls).toEqual({ seq: 2, key: 1, id: 1 });
    expect(out).toEqual([{ seq: 4, key: 'a' }, { key: 'b' }]);
  });

  it('should make the id of an event from its key and its seq when dedupe has no idOf', () => {
    const keyed = reader({ seqOf, keyOf, resume: false, dedupe: { window: 10 } });
    keyed.read({ seq: 3, key: 'k' }, { seq: 3, key: 'k' }, { seq: 3, key: 'j' });
    expect(keyed.out).toEqual([
      { seq: 3, key: 'k' },
      { seq: 3, key: 'j' },
    ]);
    const unkeyed = reader({ seqOf, resume: false, dedupe: { window: 10 } });
    unkeyed.read({ seq: 3, key: 'k' }, { seq: 3, key: 'j' }, { seq: 4, key: 'j' });
    expect(unkeyed.out).toEqual([
      { seq: 3, key: 'k' },
      { seq: 4, key: 'j' },
    ]);
  });

  it('should accept a non-event, and an event with a usable seq and key', () => {
    const keyed = reader({ seqOf, keyOf, resume: false, dedupe: false });
    keyed.read({}, { seq: 0, key: 'a' }, { seq: 7, key: -3 });
    const unkeyed = reader({ seqOf, resume: false, dedupe: false });
    unkeyed.read({ seq: 7, key: { x: 1 } });
    const unsequenced = reader({ keyOf });
    unsequenced.read({ seq: 7 });
    expect([keyed.refused, unkeyed.refused, unsequenced.refused]).toEqual([[], [], []]);
    expect([keyed.out, unkeyed.out, unsequenced.out]).toEqual([[{}, { seq: 0, key: 'a' }, { seq: 7, key: -3 }], [{ seq: 7, key: { x: 1 } }], [{ seq: 7 }]]);
  });

  it('should name a bad seq before looking at the key', () => {
    let keys = 0;
    const { read, out, reasons } = reader({ seqOf, keyOf: (m) => (keys++, keyOf(m)), resume: false, dedupe: false });
    read({ seq: -1, key: null }, { seq: '3', key: 'a' });
    expect(reasons()).toEqual([
      { kind: 'seq', reason: 'seq -1 is not a safe integer >= 0' },
      { kind: 'seq', reason: 'seq 3 is not a safe integer >= 0' },
    ]);
    expect({ keys, out }).toEqual({ keys: 0, out: [] });
    const throwing = reader({
      seqOf: () => {
        throw new Error('no seq');
      },
      resume: false,
      dedupe: false,
    });
    throwing.read({ seq: 1 });
    expect(throwing.reasons()).toEqual([{ kind: 'seq', reason: 'seqOf threw: no seq' }]);
    expect(throwing.failures).toEqual([]);
  });

  it('should read no id and no resume token of an event whose key is refused', () => {
    const calls = { id: 0, token: 0 };
    const withId = reader({ seqOf, keyOf, idOf: () => calls.id++, resume: false, dedupe: { window: 10 } });
    withId.read({ seq: 1, key: null });
    const withToken = reader({ seqOf, keyOf, resumeTokenOf: () => calls.token++ });
    withToken.read({ seq: 1, key: null });
    expect(calls).toEqual({ id: 0, token: 0 });
    expect([...withId.reasons(), ...withToken.reasons()].map((r) => r.kind)).toEqual(['key', 'key']);
  });

  it('should refuse a key that is not a string or a finite number, or a keyOf that throws', () => {
    // The keys come from the callback (JSON has no NaN, Infinity or undefined).
    const keys: unknown[] = [undefined, null, NaN, Infinity, true, { id: 1 }];
    const { read, reasons, out } = reader({ seqOf, keyOf: (m) => keys[(m as { seq: number }).seq - 1] as string, resume: false, dedupe: false });
    for (const seq of keys.keys()) read({ seq: seq + 1 });
    expect(reasons()).toEqual(
      ['undefined', 'null', 'NaN', 'Infinity', 'true', 'an object'].map((shown) => ({ kind: 'key', reason: `key ${shown} is not a string or a finite number` })),
    );
    const fn = reader({ seqOf, keyOf: () => (() => 'a') as unknown as string, resume: false, dedupe: false });
    fn.read({ seq: 1 });
    const throwing = reader({
      seqOf,
      keyOf: () => {
        throw 'bad';
      },
      resume: false,
      dedupe: false,
    });
    throwing.read({ seq: 1 });
    expect([...fn.reasons(), ...throwing.reasons()]).toEqual([
      { kind: 'key', reason: 'key a function is not a string or a finite number' },
      { kind: 'key', reason: 'keyOf threw: bad' },
    ]);
    expect(out).toEqual([]);
  });

  it('should read a finite resume token, and refuse one that is not a finite number or whose resumeTokenOf throws', () => {
    const tokens: Array<() => unknown> = [
      () => 5,
      () => '5',
      () => NaN,
      () => Infinity,
      () => {
        throw new Error('no token');
      },
    ];
    const results = tokens.map((token) => {
      const { read, out, reasons } = reader({ seqOf, resumeTokenOf: token as () => number });
      read({ seq: 1 });
      return { out: out.length, reasons: reasons() };
    });
    expect(results).toEqual([
      { out: 1, reasons: [] },
      { out: 0, reasons: [{ kind: 'seq', reason: 'resume token 5 is not a finite number' }] },
      { out: 0, reasons: [{ kind: 'seq', reason: 'resume token NaN is not a finite number' }] },
      { out: 0, reasons: [{ kind: 'seq', reason: 'resume token Infinity is not a finite number' }] },
      { out: 0, reasons: [{ kind: 'seq', reason: 'resumeTokenOf threw: no token' }] },
    ]);
  });

  it('should refuse an event whose idOf throws, and only an event', () => {
    const idOf = (m: unknown): unknown => {
      if ((m as M).key === 'no-id') throw new Error('no id');
      return (m as M).key;
    };
    const { read, out, reasons } = reader({ seqOf, keyOf, idOf, resume: false, dedupe: { window: 10 } });
    read({ seq: 1, key: 'no-id' }, { seq: 1, key: 'a' }, { key: 'no-id' });
    expect(reasons()).toEqual([{ kind: 'id', reason: 'idOf threw: no id' }]);
    expect(out).toEqual([{ seq: 1, key: 'a' }, { key: 'no-id' }]);
  });
});
