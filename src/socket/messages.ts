import type { Decoder, ValidationError } from 'io-ts';
import { DecodeError } from '../errors';
import { isSeq } from '../internal/seq';
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
  const decoded = decodeText(data, maxMessageSize, codec);
  return decoded instanceof DecodeError ? { ok: false, error: decoded } : { ok: true, value: decoded };
}

/**
 * {@link decodeFrame} for the receive path: the message, or the {@link DecodeError} that refused
 * it (no result object per frame). A parsed or validated message is never a `DecodeError`.
 *
 * @internal
 */
export function decodeText<In>(data: unknown, maxMessageSize: number, codec: Decoder<unknown, In> | undefined): In | DecodeError {
  if (typeof data !== 'string') return refusal('binary', undefined, binarySize(data));
  if (textTooLarge(data, maxMessageSize)) return refusal('size', data, data.length);
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch (err) {
    return refusal('json', data, data.length, [err instanceof Error ? err.message : String(err)]);
  }
  if (codec === undefined) return json as In;
  const result = codec.decode(json);
  if (result._tag === 'Left') return refusal('codec', data, data.length, describeErrors(result.left));
  return result.right;
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

/** What is wrong with an event's seq, key or id: the frame is refused (the stream goes on). */
export interface SequenceProblem {
  readonly kind: 'seq' | 'key' | 'id';
  readonly reason: string;
}

/** A refusal by {@link readEvent}: a class, so telling it from a record is one `instanceof`. */
class Problem implements SequenceProblem {
  constructor(
    readonly kind: SequenceProblem['kind'],
    readonly reason: string,
  ) {}
}

/** Whether {@link readEvent} refused the message. @internal */
export function isProblem<In>(read: Inbound<In> | SequenceProblem): read is SequenceProblem {
  return read instanceof Problem;
}

/**
 * Reads a decoded message once for the sequence stages: its seq; for an event, its key (with
 * `keyOf`), its id (with `idOf`; `'keyAndSeq'` builds one from the key and the seq; `null`:
 * no id is needed) and its resume token (with `resumeTokenOf`). Each callback runs at most once. A bad seq or key, or a callback that throws,
 * is a {@link SequenceProblem}: refused here, where the stream goes on, rather than further down,
 * where it would fail the connection and a replay of the same frame would fail the next one too.
 *
 * @internal
 */
export function readEvent<In>(
  message: In,
  seqOf: (message: In) => unknown,
  keyOf: ((message: In) => unknown) | undefined,
  idOf: ((message: In) => unknown) | 'keyAndSeq' | null,
  resumeTokenOf?: (message: In) => number,
): Inbound<In> | SequenceProblem {
  const read: EventRecord<In> = { message, seq: undefined, key: undefined, id: undefined, token: undefined };
  return readEventInto(read, message, seqOf, keyOf, idOf, resumeTokenOf) ?? read;
}

/** An {@link Inbound} record the receive path fills in place, once per event. @internal */
export interface EventRecord<In> {
  message: In;
  seq: number | undefined;
  key: string | number | undefined;
  id: unknown;
  token: number | undefined;
}

/**
 * {@link readEvent} into `into` (every field is written when the message is accepted): the
 * receive path reads each event into one record it reuses, and copies it only when the reorder
 * stage must hold the event. Returns the refusal, or `undefined`.
 *
 * @internal
 */
export function readEventInto<In>(
  into: EventRecord<In>,
  message: In,
  seqOf: (message: In) => unknown,
  keyOf: ((message: In) => unknown) | undefined,
  idOf: ((message: In) => unknown) | 'keyAndSeq' | null,
  resumeTokenOf?: (message: In) => number,
): SequenceProblem | undefined {
  let seq: unknown;
  try {
    seq = seqOf(message);
  } catch (err) {
    return new Problem('seq', `seqOf threw: ${reasonOf(err)}`);
  }
  if (seq === undefined) {
    into.message = message;
    into.seq = into.key = into.id = into.token = undefined;
    return undefined;
  }
  if (!isSeq(seq)) return new Problem('seq', `seq ${String(seq)} is not a safe integer >= 0`);
  let key: unknown;
  if (keyOf !== undefined) {
    try {
      key = keyOf(message);
    } catch (err) {
      return new Problem('key', `keyOf threw: ${reasonOf(err)}`);
    }
    if (typeof key !== 'string' && !(typeof key === 'number' && Number.isFinite(key))) {
      const shown = key === null ? 'null' : typeof key === 'object' ? 'an object' : typeof key === 'function' ? 'a function' : String(key);
      return new Problem('key', `key ${shown} is not a string or a finite number`);
    }
  }
  let id: unknown;
  try {
    id = idOf === null ? undefined : idOf === 'keyAndSeq' ? `${(key as string | number | undefined) ?? ''}\u0000${seq}` : idOf(message);
  } catch (err) {
    return new Problem('id', `idOf threw: ${reasonOf(err)}`);
  }
  let token: unknown;
  if (resumeTokenOf !== undefined) {
    try {
      token = resumeTokenOf(message);
    } catch (err) {
      return new Problem('seq', `resumeTokenOf threw: ${reasonOf(err)}`);
    }
    if (typeof token !== 'number' || !Number.isFinite(token)) return new Problem('seq', `resume token ${String(token)} is not a finite number`);
  }
  into.message = message;
  into.seq = seq;
  into.key = key as string | number | undefined;
  into.id = id;
  into.token = token as number | undefined;
  return undefined;
}

function reasonOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
