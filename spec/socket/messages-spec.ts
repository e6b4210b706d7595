import * as t from 'io-ts';
import { decodeFrame, describeErrors } from '../../src/socket/messages';

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
