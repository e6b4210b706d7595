import { Observable } from 'rxjs';
import type { OperatorFunction } from 'rxjs';
import { DecodeError } from '../errors';
import { decodeFrame, isProblem, readEvent } from './messages';
import type { Inbound } from './messages';
import type { Lifecycle } from './lifecycle';
import type { SocketOptions } from './options';

/** What the decode stage needs. @internal */
type DecodeOptions<In> = Pick<SocketOptions<In, unknown>, 'maxMessageSize' | 'codec' | 'isControl' | 'seqOf' | 'keyOf' | 'idOf' | 'dedupeWindow'>;

const RAW_LIMIT = 256;

/**
 * Sees each decoded message before it goes on (the ready handshake, heartbeat replies, epochs);
 * `true` keeps it from going on. `undefined` when no feature needs it: nothing runs per frame.
 *
 * @internal
 */
export type Watch<In> = ((message: In) => boolean) | undefined;

/**
 * One pass over each frame: count it, size-guard, parse and validate it (`decodeFrame`), read its
 * seq, key and id once (each user callback runs once per frame), and drop control frames. A frame
 * that is refused is reported as a `decodeError` event and the stream goes on.
 *
 * `decodeMessages` emits the messages themselves (no `seqOf`: nothing downstream reads a seq);
 * `decodeEvents` emits {@link Inbound} records for the sequence stages.
 *
 * @internal
 */
export function decodeMessages<In>(options: DecodeOptions<In>, lifecycle: Lifecycle, watch?: Watch<In>): OperatorFunction<unknown, In> {
  return decode(options, lifecycle, (message: In) => message, watch);
}

/** See {@link decodeMessages}. @internal */
export function decodeEvents<In>(options: DecodeOptions<In>, lifecycle: Lifecycle, watch?: Watch<In>): OperatorFunction<unknown, Inbound<In>> {
  const { keyOf, idOf } = options;
  const seqOf = options.seqOf as (message: In) => number | undefined;
  const idFor = options.dedupeWindow === undefined ? null : (idOf ?? 'keyAndSeq');
  return decode(options, lifecycle, (message: In, data: unknown) => {
    const read = readEvent(message, seqOf, keyOf, idFor);
    if (!isProblem(read)) return read;
    const raw = typeof data === 'string' ? data.slice(0, RAW_LIMIT) : undefined;
    lifecycle.emit({ type: 'decodeError', error: new DecodeError({ kind: read.kind, raw, size: raw?.length ?? 0, errors: [read.reason] }) });
    return REFUSED;
  }, watch);
}

/** What `read` returns for a message it refused (and reported). */
const REFUSED: unique symbol = Symbol('refused');

/** The one decode pass; `read` turns a decoded message into what the stage emits, or refuses it. */
function decode<In, R>(
  options: DecodeOptions<In>,
  lifecycle: Lifecycle,
  read: (message: In, data: unknown) => R | typeof REFUSED,
  watch: Watch<In>,
): OperatorFunction<unknown, R> {
  const { maxMessageSize, codec, isControl } = options;
  const { counters } = lifecycle;
  return (frames$) =>
    new Observable<R>((subscriber) =>
      // The frames come from a socket, never synchronously: the subscription is returned as the teardown.
      frames$.subscribe({
        next: (data) => {
          counters.messagesIn++;
          const decoded = decodeFrame<In>(data, maxMessageSize, codec);
          if (!decoded.ok) return lifecycle.emit({ type: 'decodeError', error: decoded.error });
          if (watch !== undefined && watch(decoded.value)) return;
          const value = read(decoded.value, data);
          if (value !== REFUSED && (isControl === undefined || !isControl(decoded.value))) subscriber.next(value);
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      }),
    );
}
