import { Observable } from 'rxjs';
import type { OperatorFunction } from 'rxjs';
import { DecodeError } from '../errors';
import { decodeFrame, isProblem, readEvent } from './messages';
import type { Inbound, SequenceProblem } from './messages';
import type { Lifecycle } from './lifecycle';
import type { SocketOptions } from './options';

/** What the decode stage needs. @internal */
type DecodeOptions<In> = Pick<SocketOptions<In, unknown>, 'maxMessageSize' | 'codec' | 'isControl' | 'seqOf' | 'keyOf' | 'idOf' | 'dedupeWindow'>;

const RAW_LIMIT = 256;

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
export function decodeMessages<In>(options: DecodeOptions<In>, lifecycle: Lifecycle): OperatorFunction<unknown, In> {
  const { maxMessageSize, codec, isControl } = options;
  const { counters } = lifecycle;
  return (frames$) =>
    new Observable<In>((subscriber) =>
      // The frames come from a socket, never synchronously: the subscription is returned as the teardown.
      frames$.subscribe({
        next: (data) => {
          counters.messagesIn++;
          const decoded = decodeFrame<In>(data, maxMessageSize, codec);
          if (!decoded.ok) return lifecycle.emit({ type: 'decodeError', error: decoded.error });
          const message = decoded.value;
          if (isControl === undefined || !isControl(message)) subscriber.next(message);
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      }),
    );
}

/** See {@link decodeMessages}. @internal */
export function decodeEvents<In>(options: DecodeOptions<In>, lifecycle: Lifecycle): OperatorFunction<unknown, Inbound<In>> {
  const { maxMessageSize, codec, isControl, keyOf, idOf } = options;
  const seqOf = options.seqOf as (message: In) => number | undefined;
  const idFor = options.dedupeWindow === undefined ? null : (idOf ?? 'keyAndSeq');
  const { counters } = lifecycle;
  return (frames$) =>
    new Observable<Inbound<In>>((subscriber) => {
      const refuse = (data: unknown, { kind, reason }: SequenceProblem) => {
        const raw = typeof data === 'string' ? data.slice(0, RAW_LIMIT) : undefined;
        lifecycle.emit({ type: 'decodeError', error: new DecodeError({ kind, raw, size: raw?.length ?? 0, errors: [reason] }) });
      };
      // The frames come from a socket, never synchronously: the subscription is returned as the teardown.
      return frames$.subscribe({
        next: (data) => {
          counters.messagesIn++;
          const decoded = decodeFrame<In>(data, maxMessageSize, codec);
          if (!decoded.ok) return lifecycle.emit({ type: 'decodeError', error: decoded.error });
          const message = decoded.value;
          const read = readEvent(message, seqOf, keyOf, idFor);
          if (isProblem(read)) return refuse(data, read);
          if (isControl === undefined || !isControl(message)) subscriber.next(read);
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
    });
}
