import type { Decoder, ValidationError } from 'io-ts';
import { DecodeError } from '../errors';

/** What decoding one frame produced: a message, or the reason it was refused. */
export type Decoded<In> = { readonly ok: true; readonly value: In } | { readonly ok: false; readonly error: DecodeError };

const RAW_LIMIT = 256;

function refuse<In>(kind: DecodeError['info']['kind'], raw: string | undefined, size: number, errors: readonly string[] = []): Decoded<In> {
  return { ok: false, error: new DecodeError({ kind, raw: raw === undefined ? undefined : raw.slice(0, RAW_LIMIT), size, errors }) };
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
 */
function describeErrors(errors: readonly ValidationError[]): string[] {
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
 * Decodes one inbound frame at the boundary: the size guard runs before anything is parsed, then
 * a guarded `JSON.parse`, then the io-ts codec when one is given. Never throws.
 *
 * @internal
 */
export function decodeFrame<In>(data: unknown, maxMessageSize: number, codec: Decoder<unknown, In> | undefined): Decoded<In> {
  if (typeof data !== 'string') return refuse('binary', undefined, binarySize(data));
  if (data.length > maxMessageSize) return refuse('size', data, data.length);
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch (err) {
    return refuse('json', data, data.length, [err instanceof Error ? err.message : String(err)]);
  }
  if (codec === undefined) return { ok: true, value: json as In };
  const result = codec.decode(json);
  if (result._tag === 'Left') return refuse('codec', data, data.length, describeErrors(result.left));
  return { ok: true, value: result.right };
}
