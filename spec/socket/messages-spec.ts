import * as t from 'io-ts';
import { decodeFrame, describeErrors, readEventInto } from '../../src/socket/messages';
import type { EventRecord, SequenceProblem } from '../../src/socket/messages';

/** `readEventInto` on a fresh record: the record when the message is accepted, else the refusal. */
function readEvent<In>(
  message: In,
  seqOf: (message: In) => unknown,
  keyOf: ((message: In) => unknown) | undefined,
  idOf: ((message: In) => unknown) | 'keyAndSeq' | null,
  resumeTokenOf?: (message: In) => number,
): EventRecord<In> | SequenceProblem {
  const read: EventRecord<In> = { message, seq: undefined, key: undefined, id: undefined, token: undefined };
  return readEventInto(read, message, seqOf, keyOf, idOf, resumeTokenOf) ?? read;
}

function isProblem<In>(read: EventRecord<In> | SequenceProblem): read is SequenceProblem {
  return 'reason' in read;
}
import { DecodeError } from '../../src/errors';

/** A codec that turns `{ n: "12" }` into `{ n: 12 }`. */
const Parsed = new t.Type<{ n: number }, unknown, unknown>(
  'Parsed',
  (u): u is { n: number } => typeof u === 'object' && u !== null && typeof (u as { n?: unknown }).n === 'number',
  (u, c) => {
    const n = typeof u === 'object' && u !== null ? Number((u as { n?: unknown }).n) : NaN;
    return Number.isFinite(n) ? t.success({ n }) : t.failure(u, c, 'n is not a number');
  },
  t.identity,
);

describe('decodeFrame', () => {
  it('should parse JSON text without a codec', () => {
    expect(decodeFrame('{"a":[1,2]}', 100, undefined)).toEqual({ ok: true, value: { a: [1, 2] } });
    expect(decodeFrame('null', 100, undefined)).toEqual({ ok: true, value: null });
  });

  it('should return what the codec decoded', () => {
    expect(decodeFrame('{"n":"12"}', 100, Parsed)).toEqual({ ok: true, value: { n: 12 } });
  });

  it("should refuse what the codec refuses as 'codec', with io-ts's messages", () => {
    const result = decodeFrame('{"n":"x"}', 100, Parsed);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toBeInstanceOf(DecodeError);
    expect(result.error.info).toMatchObject({ kind: 'codec', raw: '{"n":"x"}', size: 9 });
    expect(result.error.info.errors).toEqual(['n is not a number']);
    expect(result.error.message).toBe('Inbound frame refused (codec): n is not a number');
  });

  it("should refuse text that is not JSON as 'json', with the parser's message", () => {
    const result = decodeFrame('{oops', 100, undefined);
    expect(result).toMatchObject({ ok: false, error: { info: { kind: 'json', raw: '{oops', size: 5 } } });
    if (!result.ok) expect(result.error.info.errors).toHaveLength(1);
  });

  it("should refuse a frame above maxMessageSize as 'size' before parsing it", () => {
    const parse = jest.spyOn(JSON, 'parse');
    expect(decodeFrame('"12345"', 6, undefined)).toMatchObject({ ok: false, error: { info: { kind: 'size', size: 7 } } });
    expect(decodeFrame('{broken json but too long', 6, Parsed)).toMatchObject({ ok: false, error: { info: { kind: 'size' } } });
    expect(parse).not.toHaveBeenCalled();
    expect(decodeFrame('"1234"', 6, undefined)).toEqual({ ok: true, value: '1234' }); // exactly the limit
  });

  it('should keep at most 256 characters of a refused frame', () => {
    const frame = `[${'1,'.repeat(400)}x]`;
    const result = decodeFrame(frame, 10_000, undefined);
    expect(result).toMatchObject({ ok: false, error: { info: { kind: 'json', size: frame.length, raw: frame.slice(0, 256) } } });
  });

  it.each([
    ['an ArrayBuffer', new ArrayBuffer(8), 8],
    ['a Uint8Array', new Uint8Array(3), 3],
    ['a Node Buffer', Buffer.from('{"a":1}'), 7],
    ['a Blob-like object', { size: 5 }, 5],
    ['something else', 42, 0],
    ['null', null, 0],
    ['an object whose sizes are not numbers', { byteLength: 'many', size: 'many' }, 0],
  ])("should refuse %s as 'binary' with its size and no raw text", (_what, data, size) => {
    expect(decodeFrame(data, 100, undefined)).toEqual({
      ok: false,
      error: expect.objectContaining({ info: { kind: 'binary', raw: undefined, size, errors: [] } }),
    });
  });
});

describe('describeErrors', () => {
  const Event = t.type({ seq: t.number, meta: t.type({ topic: t.string }) });
  const errorsOf = (frame: string): readonly string[] => {
    const result = decodeFrame(frame, 1000, Event);
    return result.ok ? [] : result.error.info.errors;
  };

  it("should say where, what was expected and what came, for a codec without messages of its own", () => {
    expect(errorsOf('{"seq":"7","meta":{"topic":"a"}}')).toEqual(['seq: expected number, got string']);
    expect(errorsOf('{"seq":7,"meta":{"topic":null}}')).toEqual(['meta.topic: expected string, got null']);
    expect(errorsOf('{"seq":7,"meta":[]}')).toEqual(['meta: expected { topic: string }, got an array']);
  });

  it("should name the message itself when the whole value is wrong", () => {
    expect(errorsOf('null')).toEqual(['the message: expected { seq: number, meta: { topic: string } }, got null']);
    expect(errorsOf('[1]')).toEqual(['the message: expected { seq: number, meta: { topic: string } }, got an array']);
  });

  it('should fall back to "a valid value" for an error without a context', () => {
    expect(describeErrors([{ value: 3, context: [] }])).toEqual(['the message: expected a valid value, got number']);
  });
});

describe('readEvent', () => {
  interface M {
    readonly seq?: unknown;
    readonly key?: unknown;
  }
  const seqOf = (m: M) => m.seq;
  const keyOf = (m: M) => m.key;
  /** What readEvent refuses, or null when it accepts (no seqOf: nothing to read). */
  const sequenceProblem = <T>(m: T, seqOf: ((m: T) => unknown) | undefined, keyOf: ((m: T) => unknown) | undefined, idOf?: (m: T) => unknown) => {
    if (seqOf === undefined) return null;
    const read = readEvent(m, seqOf, keyOf, idOf ?? null);
    return isProblem(read) ? read : null;
  };

  it('should read the seq, key and id of an event once each, and nothing but the seq of a non-event', () => {
    const calls = { seq: 0, key: 0, id: 0 };
    const count =
      <K extends keyof typeof calls>(name: K, read: (m: M) => unknown) =>
      (m: M) => {
        calls[name]++;
        return read(m);
      };
    const message: M = { seq: 4, key: 'a' };
    expect(readEvent(message, count('seq', seqOf), count('key', keyOf), count('id', (m) => `id-${String(m.key)}`))).toEqual({ message, seq: 4, key: 'a', id: 'id-a' });
    expect(calls).toEqual({ seq: 1, key: 1, id: 1 });
    expect(readEvent({ key: 'b' }, count('seq', seqOf), count('key', keyOf), count('id', () => 'x'))).toEqual({ message: { key: 'b' }, seq: undefined, key: undefined, id: undefined });
    expect(calls).toEqual({ seq: 2, key: 1, id: 1 });
  });

  it("should build the id from the key and the seq with 'keyAndSeq', and leave it out with null", () => {
    expect(readEvent<M>({ seq: 3, key: 'k' }, seqOf, keyOf, 'keyAndSeq')).toMatchObject({ id: 'k\u00003' });
    expect(readEvent<M>({ seq: 3 }, seqOf, undefined, 'keyAndSeq')).toMatchObject({ key: undefined, id: '\u00003' });
    expect(readEvent<M>({ seq: 3, key: 'k' }, seqOf, keyOf, null)).toMatchObject({ id: undefined });
  });

  it('should accept a non-event, and an event with a usable seq and key', () => {
    expect(sequenceProblem<M>({}, seqOf, keyOf)).toBeNull();
    expect(sequenceProblem<M>({ seq: 0, key: 'a' }, seqOf, keyOf)).toBeNull();
    expect(sequenceProblem<M>({ seq: 7, key: -3 }, seqOf, keyOf)).toBeNull();
    expect(sequenceProblem<M>({ seq: 7, key: { x: 1 } }, seqOf, undefined)).toBeNull();
    expect(sequenceProblem<M>({ seq: 7 }, undefined, keyOf)).toBeNull();
  });

  it('should name a bad seq before looking at the key', () => {
    expect(sequenceProblem<M>({ seq: -1, key: null }, seqOf, keyOf)).toEqual({ kind: 'seq', reason: 'seq -1 is not a safe integer >= 0' });
    expect(sequenceProblem<M>({ seq: '3', key: 'a' }, seqOf, keyOf)).toEqual({ kind: 'seq', reason: 'seq 3 is not a safe integer >= 0' });
    const throwing = () => {
      throw new Error('no seq');
    };
    expect(sequenceProblem<M>({ seq: 1 }, throwing, keyOf)).toEqual({ kind: 'seq', reason: 'seqOf threw: no seq' });
  });

  it('should refuse a key that is not a string or a finite number, or a keyOf that throws', () => {
    const cases: Array<[unknown, string]> = [
      [undefined, 'key undefined is not a string or a finite number'],
      [null, 'key null is not a string or a finite number'],
      [NaN, 'key NaN is not a string or a finite number'],
      [Infinity, 'key Infinity is not a string or a finite number'],
      [true, 'key true is not a string or a finite number'],
      [{ id: 1 }, 'key an object is not a string or a finite number'],
      [() => 'a', 'key a function is not a string or a finite number'],
    ];
    for (const [key, reason] of cases) expect(sequenceProblem<M>({ seq: 1, key }, seqOf, keyOf)).toEqual({ kind: 'key', reason });
    expect(sequenceProblem<M>({ seq: 1 }, seqOf, () => {
      throw 'bad';
    })).toEqual({ kind: 'key', reason: 'keyOf threw: bad' });
  });

  it('should read a finite resume token, and refuse one that is not a finite number or whose resumeTokenOf throws', () => {
    const read = (token: () => unknown) => readEvent<M>({ seq: 1 }, seqOf, undefined, null, token as () => number);
    expect(read(() => 5)).toMatchObject({ seq: 1, token: 5 });
    expect(read(() => '5')).toEqual({ kind: 'seq', reason: 'resume token 5 is not a finite number' });
    expect(read(() => NaN)).toEqual({ kind: 'seq', reason: 'resume token NaN is not a finite number' });
    expect(read(() => Infinity)).toEqual({ kind: 'seq', reason: 'resume token Infinity is not a finite number' });
    expect(
      read(() => {
        throw new Error('no token');
      }),
    ).toEqual({ kind: 'seq', reason: 'resumeTokenOf threw: no token' });
  });

  it('should refuse an event whose idOf throws, and only an event', () => {
    const idOf = (m: M): unknown => {
      if (m.key === 'no-id') throw new Error('no id');
      return m.key;
    };
    expect(sequenceProblem<M>({ seq: 1, key: 'no-id' }, seqOf, keyOf, idOf)).toEqual({ kind: 'id', reason: 'idOf threw: no id' });
    expect(sequenceProblem<M>({ seq: 1, key: 'a' }, seqOf, keyOf, idOf)).toBeNull();
    expect(sequenceProblem<M>({ key: 'no-id' }, seqOf, keyOf, idOf)).toBeNull();
  });
});
