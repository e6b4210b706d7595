import type { Decoder, ValidationError } from 'io-ts';
import { DecodeError } from '../errors';
import { textTooLarge } from '../internal/utf8';

/** What decoding one frame produced: a message, or the reason it was refused. */
export type Decoded<In> = { readonly ok: true; readonly value: In } | { readonly ok: false; readonly error: DecodeError };

const RAW_LIMIT = 256;

/** A refusal, with the raw frame cut to 256 characters. @internal */
export function refuse<In>(kind: DecodeError['info']['kind'], raw: string | undefined, size: number, errors: readonly string[] = []): Decoded<In> {
  return { ok: false, error: refusal(kind, raw, size, errors) };
}

function refusal(kind: DecodeError['info']['kind'], raw: string | undefined, size: number, errors: readonly string[] = []): DecodeError {
  return new DecodeError({ kind, raw: raw === undefined ? undefined : raw.slice(0, RAW_LIMIT), size, errors });
}

function binarySize(data: unknown): number {
  if (typeof data === 'object' && data !== null && 'byteLength' in data && typeof data.byteLength === 'number') return data.byteLength;
  if (typeof data === 'object' && data !== null && 'size' in data && typeof data.size === 'number') return data.size;
  return 0;
}

/**
 * One line per io-ts validation error: the codec's own message when it has one, else where and
 * what was expected. (io-ts's PathReporter says the same, but importing it pulls the CommonJS
 * builds of io-ts and fp-ts into ESM bundles; only types are imported from io-ts here.)
 *
 * @internal
 */
export function describeErrors(errors: readonly ValidationError[]): string[] {
  return errors.map((error) => {
    if (error.message !== undefined) return error.message;
    const path = error.context
      .map((entry) => entry.key)
      .filter((key) => key !== '')
      .join('.');
    const expected = error.context[error.context.length - 1]?.type.name ?? 'a valid value';
    const got = error.value === null ? 'null' : Array.isArray(error.value) ? 'an array' : typeof error.value;
    return `${path === '' ? 'the message' : path}: expected ${expected}, got ${got}`;
  });
}

/**
 * Decodes one inbound JSON text frame at the boundary (the default wire format): the size guard
 * (UTF-8 bytes, counted only for a frame long enough to matter) runs before anything is parsed,
 * then a guarded `JSON.parse`, then the io-ts codec when one is given. A binary frame is refused.
 * Never throws.
 *
 * @internal
 */
export function decodeFrame<In>(data: unknown, maxMessageSize: number, codec: Decoder<unknown, In> | undefined): Decoded<In> {
  const decoded = decodeText(data, maxMessageSize, codec, LAST_REFUSAL);
  if (decoded !== REFUSED) return { ok: true, value: decoded };
  const error = LAST_REFUSAL.error as DecodeError;
  LAST_REFUSAL.error = undefined;
  return { ok: false, error };
}

/** Where {@link decodeFrame} takes a refusal from, at once (one sink for every call, as `READ` in inbound.ts). */
const LAST_REFUSAL: RefusalSink & { error: DecodeError | undefined } = {
  error: undefined,
  refused(error: DecodeError): void {
    this.error = error;
  },
};

/** What {@link decodeText} returns for a refused frame (no parsed or validated message is a symbol). @internal */
export const REFUSED: unique symbol = Symbol('refused');

/** Where {@link decodeText} hands a refusal (an object with a method: nothing is made per socket for it). @internal */
export interface RefusalSink {
  refused(error: DecodeError): void;
}

/**
 * {@link decodeFrame} for the receive path: the message, or {@link REFUSED} after handing the
 * {@link DecodeError} to `sink` (no result object per frame, and telling a message from a
 * refusal is one comparison).
 *
 * @internal
 */
export function decodeText<In>(
  data: unknown,
  maxMessageSize: number,
  codec: Decoder<unknown, In> | undefined,
  sink: RefusalSink,
): In | typeof REFUSED {
  // Once per frame: the refusals are built out of line, so this stays small enough to be inlined.
  if (typeof data !== 'string' || textTooLarge(data, maxMessageSize)) return refuseWith(sink, unreadable(data));
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch (err) {
    return refuseWith(sink, refusal('json', data, data.length, [err instanceof Error ? err.message : String(err)]));
  }
  return codec === undefined ? (json as In) : validateText(codec, json, data, sink);
}

/** A frame refused before parsing: binary, or larger than the limit. */
function unreadable(data: unknown): DecodeError {
  return typeof data === 'string' ? refusal('size', data, data.length) : refusal('binary', undefined, binarySize(data));
}

function validateText<In>(codec: Decoder<unknown, In>, json: unknown, text: string, sink: RefusalSink): In | typeof REFUSED {
  const result = codec.decode(json);
  return result._tag === 'Left' ? refuseWith(sink, refusal('codec', text, text.length, describeErrors(result.left))) : result.right;
}

function refuseWith(sink: RefusalSink, error: DecodeError): typeof REFUSED {
  sink.refused(error);
  return REFUSED;
}

/**
 * One inbound message as the sequence stages see it, read once at the boundary: the message and,
 * for an event, its seq, key and id. A message that is not an event has `seq` `undefined`, and
 * the sequence stages let it through.
 *
 * @internal
 */
export interface Inbound<In> {
  readonly message: In;
  /** The event's seq; `undefined` for a message that is not an event. */
  readonly seq: number | undefined;
  /** The event's key (`keyOf`); `undefined` without `keyOf` or for a message that is not an event. */
  readonly key: string | number | undefined;
  /** The event's id for dedupe; `undefined` when dedupe is off or for a message that is not an event. */
  readonly id: unknown;
  /** The event's resume token (`resumeTokenOf`); `undefined` without it or for a message that is not an event. */
  readonly token: number | undefined;
}

