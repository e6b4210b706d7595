import { Observable } from 'rxjs';
import type { OperatorFunction } from 'rxjs';
import { DecodeError } from '../errors';
import { isSeq } from '../internal/seq';
import { decodeFrame } from './messages';
import type { Lifecycle } from './lifecycle';
import type { SocketOptions } from './options';

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
}

/** What the decode stage needs. @internal */
type DecodeOptions<In> = Pick<SocketOptions<In, unknown>, 'maxMessageSize' | 'codec' | 'isControl' | 'seqOf' | 'keyOf' | 'idOf' | 'dedupeWindow'>;

const RAW_LIMIT = 256;

function reasonOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function describeKey(key: unknown): string {
  return key === null ? 'null' : typeof key === 'object' ? 'an object' : typeof key === 'function' ? 'a function' : String(key);
}

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
  const dedupe = options.dedupeWindow !== undefined;
  const { counters } = lifecycle;
  return (frames$) =>
    new Observable<Inbound<In>>((subscriber) => {
      const refuse = (data: unknown, kind: 'seq' | 'key' | 'id', reason: string) => {
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
          // A bad seq, key or id (or a callback that throws on this message) is refused here,
          // where the stream goes on: further down it would fail the attempt, and a replay of
          // the same frame would fail the next one too.
          let seq: unknown;
          try {
            seq = seqOf(message);
          } catch (err) {
            return refuse(data, 'seq', `seqOf threw: ${reasonOf(err)}`);
          }
          let key: string | number | undefined;
          let id: unknown;
          if (seq !== undefined) {
            if (!isSeq(seq)) return refuse(data, 'seq', `seq ${String(seq)} is not a safe integer >= 0`);
            if (keyOf !== undefined) {
              let read: unknown;
              try {
                read = keyOf(message);
              } catch (err) {
                return refuse(data, 'key', `keyOf threw: ${reasonOf(err)}`);
              }
              if (typeof read !== 'string' && !(typeof read === 'number' && Number.isFinite(read))) {
                return refuse(data, 'key', `key ${describeKey(read)} is not a string or a finite number`);
              }
              key = read;
            }
            if (dedupe) {
              try {
                id = idOf === undefined ? `${key ?? ''}\u0000${seq}` : idOf(message);
              } catch (err) {
                return refuse(data, 'id', `idOf threw: ${reasonOf(err)}`);
              }
            }
          }
          if (isControl !== undefined && isControl(message)) return;
          subscriber.next({ message, seq: seq as number | undefined, key, id });
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
    });
}
