import { TestScheduler } from 'rxjs/testing';
import * as t from 'io-ts';
import { decode, encode } from '@msgpack/msgpack';
import { managedSocket$ } from '../../src/socket/managedSocket';
import type { ManagedSocketConfig } from '../../src/socket/config';
import { decodeFrame } from '../../src/socket/messages';
import { parseWireFrame } from '../../src/socket/wire';
import type { WireFormat, WireFrame } from '../../src/socket/wire';
import { textTooLarge, utf8Length } from '../../src/internal/utf8';
import { createSocketHarness } from '../../src/testing/harness';
import { createFakeWebSockets } from '../../src/testing/fakeWebSocket';
import { DecodeError } from '../../src/errors';
import { expectInvalidOption } from '../support/invalidOption';

type Msg = { type: 'event'; topic: string; seq: number; g?: number } | { type: 'welcome' };
type Cmd = { type: string; [key: string]: unknown };

const Msg: t.Type<Msg> = t.union([
  t.intersection([t.type({ type: t.literal('event'), topic: t.string, seq: t.number }), t.partial({ g: t.number })]),
  t.type({ type: t.literal('welcome') }),
]);

const ev = (seq: number, topic = 'a', g?: number): Msg => (g === undefined ? { type: 'event', topic, seq } : { type: 'event', topic, seq, g });

/** MessagePack both ways; text frames are read as JSON. */
const msgpack: WireFormat<Cmd> = {
  serialize: (message) => encode(message),
  deserialize: (frame: WireFrame) => (typeof frame === 'string' ? JSON.parse(frame) : decode(frame)),
};

const packed = (value: unknown): ArrayBuffer => {
  const bytes = encode(value);
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
};

describe('wire formats', () => {
  let ts: TestScheduler;
  beforeEach(() => {
    ts = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  });

  function setup(overrides: Partial<ManagedSocketConfig<Msg, Cmd>> = {}) {
    return createSocketHarness<Msg, Cmd>(ts, {
      url: 'ws://test',
      handshake: ({ resumeFromSeq, resumeToken }) => ({ type: 'hello', resumeFromSeq, resumeToken }),
      seqOf: (m) => (m.type === 'event' ? m.seq : undefined),
      isControl: (m) => m.type !== 'event',
      retry: { initialInterval: 10, jitter: 0 },
      idleTimeout: 0,
      ...overrides,
    });
  }

  describe('maxMessageSize in bytes', () => {
    it('should count UTF-8 bytes as Buffer.byteLength does', () => {
      for (const text of ['', 'abc', 'é', '€uro', '😀', 'a😀b', '\ud800', '\udc00x', 'x\ud800\ud800', '中文'.repeat(50)]) {
        expect(utf8Length(text, 1e9)).toBe(Buffer.byteLength(text, 'utf8'));
      }
    });

    it('should stop counting past the limit', () => {
      expect(utf8Length('€'.repeat(1000), 5)).toBeLessThan(10);
    });

    it('should refuse text above the limit in bytes, though not in characters', () => {
      // '"éé"' is 4 characters and 6 bytes.
      expect(textTooLarge('"éé"', 5)).toBe(true);
      expect(textTooLarge('"éé"', 6)).toBe(false);
      expect(decodeFrame('"éé"', 5, undefined)).toMatchObject({ ok: false, error: { info: { kind: 'size', size: 4 } } });
      expect(decodeFrame('"éé"', 6, undefined)).toEqual({ ok: true, value: 'éé' });
    });

    it('should refuse a binary frame above the limit before deserialize runs', () => {
      const deserialize = jest.fn(() => 1);
      expect(parseWireFrame(new Uint8Array(7), 6, deserialize)).toMatchObject({ ok: false, error: { info: { kind: 'size', size: 7, raw: undefined } } });
      expect(parseWireFrame(new Uint8Array(6), 6, deserialize)).toEqual({ ok: true, value: 1 });
      expect(deserialize).toHaveBeenCalledTimes(1);
    });
  });

  describe('a wire format', () => {
    it('should read binary frames with deserialize, validate them, and write frames with serialize', () => {
      ts.run(() => {
        const { fake, socket, at, subscribeUntil, ofType } = setup({ wire: msgpack, codec: Msg });
        at(2, () => fake.latest().receive(packed(ev(1))));
        at(3, () => fake.latest().receive(packed({ type: 'event', topic: 'a', seq: 'two' })));
        at(4, () => fake.latest().receive(encode(ev(2))));
        at(5, () => socket.send({ type: 'ping', n: 1 }));
        const seen = subscribeUntil(socket, 10);
        ts.flush();
        expect(seen.values).toEqual([ev(1), ev(2)]);
        expect(fake.latest().binaryType).toBe('arraybuffer');
        const frames = fake.latest().frames;
        expect(frames.every((frame) => frame instanceof Uint8Array)).toBe(true);
        expect(frames.map((frame) => decode(frame as Uint8Array))).toEqual([
          { type: 'hello', resumeFromSeq: null, resumeToken: null },
          { type: 'ping', n: 1 },
        ]);
        expect(fake.latest().sent).toEqual([]);
        expect(ofType('decodeError').map((e) => e.error.info.kind)).toEqual(['codec']);
      });
    });

    it("should set the wire format's binaryType on each socket", () => {
      ts.run(() => {
        const { fake, socket, subscribeUntil } = setup({ wire: { ...msgpack, binaryType: 'nodebuffer' } });
        subscribeUntil(socket, 5);
        ts.flush();
        expect(fake.latest().binaryType).toBe('nodebuffer');
      });
    });

    it("should refuse a frame deserialize throws on as 'deserialize', and go on", () => {
      ts.run(() => {
        const { fake, socket, at, subscribeUntil, ofType } = setup({ wire: msgpack });
        at(2, () => fake.latest().receive(new Uint8Array([0xc1])));
        at(3, () => fake.latest().receive('{not json'));
        at(4, () => fake.latest().receive(packed(ev(1))));
        const seen = subscribeUntil(socket, 10);
        ts.flush();
        expect(seen.values).toEqual([ev(1)]);
        const errors = ofType('decodeError').map((e) => e.error);
        expect(errors.every((e) => e instanceof DecodeError)).toBe(true);
        expect(errors.map((e) => e.info)).toEqual([
          expect.objectContaining({ kind: 'deserialize', raw: undefined, size: 1 }),
          expect.objectContaining({ kind: 'deserialize', raw: '{not json', size: 9 }),
        ]);
      });
    });

    it("should refuse a binary frame it cannot read (a Blob) as 'binary'", () => {
      const deserialize = jest.fn();
      expect(parseWireFrame({ size: 3 }, 100, deserialize)).toMatchObject({ ok: false, error: { info: { kind: 'binary' } } });
      expect(deserialize).not.toHaveBeenCalled();
    });

    it('should keep refusing binary frames without a wire format', () => {
      ts.run(() => {
        const { fake, socket, at, subscribeUntil, ofType } = setup();
        at(2, () => fake.latest().receive(packed(ev(1))));
        at(3, () => fake.latest().receive(ev(2)));
        const seen = subscribeUntil(socket, 10);
        ts.flush();
        expect(seen.values).toEqual([ev(2)]);
        expect(ofType('decodeError').map((e) => e.error.info.kind)).toEqual(['binary']);
        expect(fake.latest().binaryType).toBe('blob');
      });
    });
  });

  describe('batch frames (eventsOf)', () => {
    const eventsOf = (frame: unknown): readonly unknown[] | undefined =>
      typeof frame === 'object' && frame !== null && 'batch' in frame && Array.isArray(frame.batch) ? frame.batch : undefined;

    it('should deliver each event of a batch on its own, refusing a bad one alone', () => {
      ts.run(() => {
        const { fake, socket, at, subscribeUntil, ofType } = setup({ eventsOf, codec: Msg });
        at(2, () => fake.latest().receive({ batch: [ev(1), { type: 'event', seq: 2 }, ev(2), { type: 'welcome' }, ev(3)] }));
        at(3, () => fake.latest().receive(ev(4)));
        const seen = subscribeUntil(socket, 10);
        ts.flush();
        expect(seen.values).toEqual([ev(1), ev(2), ev(3), ev(4)]);
        const [error] = ofType('decodeError').map((e) => e.error);
        expect(ofType('decodeError')).toHaveLength(1);
        expect(error?.info).toMatchObject({ kind: 'codec', index: 1 });
      });
    });

    it('should put the events of a batch through the reorder, resume and duplicate stages in order', () => {
      ts.run(() => {
        const { fake, socket, at, subscribeUntil, ofType } = setup({ eventsOf, resume: { start: 0 } });
        at(2, () => fake.latest().receive({ batch: [ev(2), ev(1), ev(3), ev(2)] }));
        at(3, () => fake.latest().receive({ batch: [ev(3), ev(5), ev(4)] }));
        const seen = subscribeUntil(socket, 10);
        ts.flush();
        expect(seen.values.map((m) => (m.type === 'event' ? m.seq : -1))).toEqual([1, 2, 3, 4, 5]);
        expect(ofType('duplicate').map((e) => e.seq)).toEqual([2, 3]);
        expect(socket.cursor?.value).toBe(5);
      });
    });

    it("should refuse a seq problem of one event with its index, and a throwing eventsOf as 'batch'", () => {
      ts.run(() => {
        const throwing = (frame: unknown) => {
          if (typeof frame === 'object' && frame !== null && 'boom' in frame) throw new Error('bad batch');
          return eventsOf(frame);
        };
        const { fake, socket, at, subscribeUntil, ofType } = setup({ eventsOf: throwing, resume: { start: 0 } });
        at(2, () => fake.latest().receive({ batch: [ev(1), { type: 'event', topic: 'a', seq: -1 }, ev(2)] }));
        at(3, () => fake.latest().receive({ boom: true }));
        at(4, () => fake.latest().receive(ev(3)));
        const seen = subscribeUntil(socket, 10);
        ts.flush();
        expect(seen.values).toEqual([ev(1), ev(2), ev(3)]);
        expect(ofType('decodeError').map((e) => e.error.info)).toEqual([
          expect.objectContaining({ kind: 'seq', index: 1 }),
          expect.objectContaining({ kind: 'batch', errors: ['eventsOf threw: bad batch'] }),
        ]);
      });
    });

    it("should refuse a frame whose eventsOf returns neither an array nor undefined as 'batch'", () => {
      ts.run(() => {
        const { fake, socket, at, subscribeUntil, ofType } = setup({ eventsOf: () => 'nope' as unknown as unknown[] });
        at(2, () => fake.latest().receive(ev(1)));
        const seen = subscribeUntil(socket, 10);
        ts.flush();
        expect(seen.values).toEqual([]);
        expect(ofType('decodeError').map((e) => e.error.info.kind)).toEqual(['batch']);
      });
    });

    it('should split batches without seqOf too, and drop the control messages among them', () => {
      ts.run(() => {
        const { fake, socket, at, subscribeUntil } = setup({ eventsOf, seqOf: undefined });
        at(2, () => fake.latest().receive({ batch: [ev(2), { type: 'welcome' }, ev(1)] }));
        const seen = subscribeUntil(socket, 10);
        ts.flush();
        expect(seen.values).toEqual([ev(2), ev(1)]);
        expect(socket.metrics().messagesIn).toBe(1);
      });
    });

    it('should carry batches in binary frames too', () => {
      ts.run(() => {
        const { fake, socket, at, subscribeUntil } = setup({ wire: msgpack, eventsOf });
        at(2, () => fake.latest().receive(packed({ batch: [ev(1), ev(2)] })));
        const seen = subscribeUntil(socket, 10);
        ts.flush();
        expect(seen.values).toEqual([ev(1), ev(2)]);
      });
    });
  });

  describe('resume tokens (resumeTokenOf)', () => {
    it('should hand the handshake the token of the last event delivered in order, per key, at the lowest', () => {
      ts.run(() => {
        const { fake, socket, at, subscribeUntil } = setup({
          keyOf: (m) => (m.type === 'event' ? m.topic : ''),
          resumeTokenOf: (m) => (m.type === 'event' ? (m.g ?? -1) : -1),
        });
        at(2, () => fake.latest().receive(ev(1, 'a', 10)));
        at(2, () => fake.latest().receive(ev(1, 'b', 11)));
        at(2, () => fake.latest().receive(ev(2, 'a', 12)));
        at(2, () => fake.latest().receive(ev(2, 'b', 13)));
        // b's 3 (global 14) is lost; b's 4 (15) waits above the hole, a goes on.
        at(2, () => fake.latest().receive(ev(4, 'b', 15)));
        at(2, () => fake.latest().receive(ev(3, 'a', 16)));
        at(3, () => fake.latest().drop());
        const seen = subscribeUntil(socket, 20);
        ts.flush();
        expect(seen.values.map((m) => (m.type === 'event' ? `${m.topic}${m.seq}` : ''))).toEqual(['a1', 'b1', 'a2', 'b2', 'a3']);
        const hello = fake.sockets[1]?.sentJson()[0];
        // The lowest token at a watermark: b stands at 2 (global 13), though a stands at 16.
        expect(hello).toEqual({ type: 'hello', resumeFromSeq: 2, resumeToken: 13 });
      });
    });

    it("should refuse an event whose token is not a finite number as 'seq'", () => {
      ts.run(() => {
        const { fake, socket, at, subscribeUntil, ofType } = setup({ resumeTokenOf: (m) => (m.type === 'event' ? (m.g as number) : 0) });
        at(2, () => fake.latest().receive(ev(1)));
        at(3, () => fake.latest().receive(ev(1, 'a', 5)));
        const seen = subscribeUntil(socket, 10);
        ts.flush();
        expect(seen.values).toEqual([ev(1, 'a', 5)]);
        expect(ofType('decodeError').map((e) => e.error.info)).toEqual([expect.objectContaining({ kind: 'seq', errors: ['resume token undefined is not a finite number'] })]);
      });
    });
  });

  describe("a key never seen (resume.newKeys: 'first')", () => {
    it('should deliver the first event of a new key at once, as its base', () => {
      ts.run(() => {
        const { fake, socket, at, subscribeUntil, ofType } = setup({
          keyOf: (m) => (m.type === 'event' ? m.topic : ''),
          resume: { mode: 'perKey', start: 0, newKeys: 'first' },
          gaps: { maxWait: 100 },
        });
        at(2, () => fake.latest().receive(ev(1, 'a')));
        at(3, () => fake.latest().receive(ev(500, 'b')));
        at(4, () => fake.latest().receive(ev(501, 'b')));
        const seen = subscribeUntil(socket, 300);
        ts.flush();
        expect(seen.values).toEqual([ev(1, 'a'), ev(500, 'b'), ev(501, 'b')]);
        expect(ofType('gap')).toEqual([]);
        expect(fake.sockets).toHaveLength(1);
      });
    });

    it("should hold it as a hole from start with newKeys: 'start', and resync", () => {
      ts.run(() => {
        const { fake, socket, at, subscribeUntil, ofType } = setup({
          keyOf: (m) => (m.type === 'event' ? m.topic : ''),
          resume: { mode: 'perKey', start: 0 },
          gaps: { maxWait: 100 },
        });
        at(2, () => fake.latest().receive(ev(1, 'a')));
        at(3, () => fake.latest().receive(ev(500, 'b')));
        const seen = subscribeUntil(socket, 300);
        ts.flush();
        expect(seen.values).toEqual([ev(1, 'a')]);
        expect(ofType('gap').map((e) => e.gap)).toEqual([expect.objectContaining({ key: 'b', from: 1, to: 499 })]);
        expect(fake.sockets.length).toBeGreaterThan(1);
      });
    });
  });

  describe('options', () => {
    const base = { url: 'ws://test', WebSocketCtor: createFakeWebSockets().WebSocketCtor };
    const cases: Array<[string, object]> = [
      ['wire', { wire: 'msgpack' }],
      ['wire.serialize', { wire: { deserialize: () => 1 } }],
      ['wire.deserialize', { wire: { serialize: () => '' } }],
      ['wire.binaryType', { wire: { ...msgpack, binaryType: 'blob' } }],
      ['eventsOf', { eventsOf: 1 }],
      ['resumeTokenOf', { resumeTokenOf: 'g' }],
      ['resumeTokenOf', { resumeTokenOf: (): number => 1 }],
      ['resumeTokenOf', { resumeTokenOf: (): number => 1, seqOf: (): number => 1, resume: false }],
    ];
    it.each(cases)('should refuse a bad %s at creation', (option, extra) => {
      expectInvalidOption(() => managedSocket$({ ...base, ...extra }), { operator: 'managedSocket$', option });
    });
  });
});

describe('parseWireFrame', () => {
  const failing = (thrown: unknown) => (): unknown => {
    throw thrown;
  };

  it('should refuse a text frame above the limit in bytes as size, with its text, before deserialize runs', () => {
    const deserialize = jest.fn(() => 1);
    const refused = parseWireFrame('"éé"', 5, deserialize); // 4 characters, 6 bytes
    expect(refused).toMatchObject({ ok: false, error: { name: 'DecodeError', info: { kind: 'size', raw: '"éé"', size: 4, errors: [] } } });
    expect(deserialize).not.toHaveBeenCalled();
    expect(parseWireFrame('"éé"', 6, deserialize)).toEqual({ ok: true, value: 1 });
    expect(deserialize).toHaveBeenCalledWith('"éé"');
  });

  it('should hand an empty binary frame to deserialize', () => {
    const empty = new ArrayBuffer(0);
    const deserialize = jest.fn(() => 'nothing');
    expect(parseWireFrame(empty, 10, deserialize)).toEqual({ ok: true, value: 'nothing' });
    expect(deserialize).toHaveBeenCalledWith(empty);
  });

  it('should say why a binary frame it cannot read is refused: binaryType', () => {
    const refused = parseWireFrame({ size: 3 }, 100, jest.fn());
    expect(refused).toMatchObject({ ok: false, error: { info: { kind: 'binary', raw: undefined, size: 0 } } });
    expect(refused.ok ? [] : refused.error.info.errors).toEqual([expect.stringContaining('binaryType')]);
  });

  it("should refuse an ArrayBuffer deserialize throws on with its byte size, no raw text, and the error's message", () => {
    const refused = parseWireFrame(new ArrayBuffer(5), 100, failing(new Error('bad msgpack')));
    expect(refused).toMatchObject({ ok: false, error: { info: { kind: 'deserialize', raw: undefined, size: 5, errors: ['bad msgpack'] } } });
    const view = parseWireFrame(new Uint16Array(3), 100, failing('not an Error'));
    expect(view).toMatchObject({ ok: false, error: { info: { kind: 'deserialize', raw: undefined, size: 6, errors: ['not an Error'] } } });
  });
});
