import { Observable } from 'rxjs';
import type { OperatorFunction } from 'rxjs';
import { DecodeError } from '../errors';
import { decodeFrame, isProblem, readEvent } from './messages';
import type { Decoded, Inbound } from './messages';
import { byteSize, parseWireFrame, validate } from './wire';
import type { Lifecycle } from './lifecycle';
import type { SocketOptions } from './options';

/** What the decode stage needs. @internal */
type DecodeOptions<In> = Pick<
  SocketOptions<In, unknown>,
  'maxMessageSize' | 'codec' | 'deserialize' | 'eventsOf' | 'isControl' | 'seqOf' | 'keyOf' | 'idOf' | 'dedupeWindow' | 'resumeTokenOf'
>;

const RAW_LIMIT = 256;

/**
 * One pass over each frame: count it, size-guard, parse and validate it (`decodeFrame`, or the
 * wire format's `deserialize` then the codec), split a batch frame into its events (`eventsOf`),
 * read each event's seq, key, id and resume token once (each user callback runs once per event),
 * and drop control messages. A frame, or one event of a batch, that is refused is reported as a
 * `decodeError` event and the stream goes on.
 *
 * `decodeMessages` emits the messages themselves (no `seqOf`: nothing downstream reads a seq);
 * `decodeEvents` emits {@link Inbound} records for the sequence stages.
 *
 * @internal
 */
export function decodeMessages<In>(options: DecodeOptions<In>, lifecycle: Lifecycle): OperatorFunction<unknown, In> {
  return decode(options, lifecycle, (message: In) => message);
}

/** See {@link decodeMessages}. @internal */
export function decodeEvents<In>(options: DecodeOptions<In>, lifecycle: Lifecycle): OperatorFunction<unknown, Inbound<In>> {
  const { keyOf, idOf, resumeTokenOf } = options;
  const seqOf = options.seqOf as (message: In) => number | undefined;
  const idFor = options.dedupeWindow === undefined ? null : (idOf ?? 'keyAndSeq');
  return decode(options, lifecycle, (message: In, data: unknown, index: number | undefined) => {
    const read = readEvent(message, seqOf, keyOf, idFor, resumeTokenOf);
    if (!isProblem(read)) return read;
    const raw = typeof data === 'string' ? data.slice(0, RAW_LIMIT) : undefined;
    const info = { kind: read.kind, raw, size: raw?.length ?? 0, errors: [read.reason] };
    lifecycle.emit({ type: 'decodeError', error: new DecodeError(index === undefined ? info : { ...info, index }) });
    return REFUSED;
  });
}

/** What `read` returns for a message it refused (and reported). */
const REFUSED: unique symbol = Symbol('refused');

/** The one decode pass; `read` turns a decoded message into what the stage emits, or refuses it. */
function decode<In, R>(
  options: DecodeOptions<In>,
  lifecycle: Lifecycle,
  read: (message: In, data: unknown, index: number | undefined) => R | typeof REFUSED,
): OperatorFunction<unknown, R> {
  const { maxMessageSize, codec, isControl, deserialize, eventsOf } = options;
  const { counters } = lifecycle;
  // The default wire format (JSON text, one message per frame): the lean path, as it always was.
  if (deserialize === undefined && eventsOf === undefined) {
    return (frames$) =>
      new Observable<R>((subscriber) =>
        // The frames come from a socket, never synchronously: the subscription is returned as the teardown.
        frames$.subscribe({
          next: (data) => {
            counters.messagesIn++;
            const decoded = decodeFrame<In>(data, maxMessageSize, codec);
            if (!decoded.ok) return lifecycle.emit({ type: 'decodeError', error: decoded.error });
            const value = read(decoded.value, data, undefined);
            if (value !== REFUSED && (isControl === undefined || !isControl(decoded.value))) subscriber.next(value);
          },
          error: (error: unknown) => subscriber.error(error),
          complete: () => subscriber.complete(),
        }),
      );
  }
  // A wire format, batch frames, or both: parse, split, then validate and read each message.
  const parse = (data: unknown): Decoded<unknown> =>
    deserialize === undefined ? decodeFrame<unknown>(data, maxMessageSize, undefined) : parseWireFrame(data, maxMessageSize, deserialize);
  return (frames$) =>
    new Observable<R>((subscriber) => {
      const one = (parsed: unknown, data: unknown, index: number | undefined): void => {
        const raw = typeof data === 'string' ? data : undefined;
        const decoded = validate<In>(parsed, codec, raw, raw?.length ?? binarySize(data));
        if (!decoded.ok) {
          const error = index === undefined ? decoded.error : new DecodeError({ ...decoded.error.info, index });
          return lifecycle.emit({ type: 'decodeError', error });
        }
        const value = read(decoded.value, data, index);
        if (value !== REFUSED && (isControl === undefined || !isControl(decoded.value))) subscriber.next(value);
      };
      return frames$.subscribe({
        next: (data) => {
          counters.messagesIn++;
          const parsed = parse(data);
          if (!parsed.ok) return lifecycle.emit({ type: 'decodeError', error: parsed.error });
          if (eventsOf === undefined) return one(parsed.value, data, undefined);
          let events: readonly unknown[] | undefined;
          try {
            events = eventsOf(parsed.value);
          } catch (err) {
            return lifecycle.emit({ type: 'decodeError', error: batchError(data, `eventsOf threw: ${err instanceof Error ? err.message : String(err)}`) });
          }
          if (events === undefined) return one(parsed.value, data, undefined);
          if (!Array.isArray(events)) return lifecycle.emit({ type: 'decodeError', error: batchError(data, 'eventsOf returned neither an array nor undefined') });
          // Each event on its own, in order; a refused one does not stop the others.
          for (let i = 0; i < events.length && !subscriber.closed; i++) one(events[i], data, i);
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
    });
}

/** The byte size of a binary frame, 0 for anything else. */
function binarySize(data: unknown): number {
  return Math.max(byteSize(data), 0);
}

function batchError(data: unknown, reason: string): DecodeError {
  const raw = typeof data === 'string' ? data.slice(0, RAW_LIMIT) : undefined;
  return new DecodeError({ kind: 'batch', raw, size: typeof data === 'string' ? data.length : binarySize(data), errors: [reason] });
}
