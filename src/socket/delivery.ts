import { concat, from, identity, ignoreElements, map, Observable, of, pipe } from 'rxjs';
import type { MonoTypeOperatorFunction, OperatorFunction } from 'rxjs';
import { dedupe } from '../operators/dedupe';
import { dropOnFull } from '../operators/dropOnFull';
import { resumeFrom } from '../operators/resumeFrom';
import { sequenceGaps } from '../operators/sequenceGaps';
import type { ResumeCursor } from '../cursor';
import type { Inbound } from './messages';
import type { Lifecycle } from './lifecycle';
import type { SocketOptions } from './options';

// The accessors every sequence stage reads an Inbound record with: the record was read once at decode.
const seqOf = (inbound: Inbound<unknown>): number | undefined => inbound.seq;
const keyOf = (inbound: Inbound<unknown>): string | number => inbound.key as string | number;
const idOf = (inbound: Inbound<unknown>): unknown => inbound.id;
const tokenOf = (inbound: Inbound<unknown>): number => inbound.token as number;
/** The message of an event record: what the socket hands over. @internal */
export const messageOf = <In>(inbound: Inbound<In>): In => inbound.message;
/** Every stage that drops a repeated event reports it the same way. */
const duplicate = (lifecycle: Lifecycle, inbound: Inbound<unknown>): void => lifecycle.emit({ type: 'duplicate', seq: inbound.seq, key: inbound.key });

/**
 * Per attempt: hold reordered events (per key) until their turn; a hole not filled within
 * `gaps.maxWait` (or `gaps.window` held events) ends the attempt with a `SequenceGapError`, and the
 * next one resumes from the cursor (a resync). Each sequence starts where the cursor stands when
 * the attempt begins. Built per attempt, since that start is read then.
 *
 * @internal
 */
export function reorder<In>(options: SocketOptions<In, unknown>, cursor: ResumeCursor | undefined, lifecycle: Lifecycle): MonoTypeOperatorFunction<Inbound<In>> {
  const { gaps, scheduler } = options;
  if (gaps === undefined) return identity;
  const keyed = options.keyOf !== undefined;
  return sequenceGaps<Inbound<In>>(seqOf, {
    ...(keyed ? { keyOf, start: (key: string | number) => cursor?.get(key) ?? null } : { start: cursor?.value ?? null }),
    window: gaps.window,
    maxWait: gaps.maxWait,
    gapAction: 'error',
    passUndefined: true,
    onGap: (gap) => lifecycle.emit({ type: 'gap', gap }),
    onLate: (inbound) => duplicate(lifecycle, inbound),
    scheduler,
  });
}

/**
 * Drops the events the cursor already delivered (a server's replay), marking the others
 * delivered. The cursor is the socket's state, so this stage can run inside each attempt.
 *
 * @internal
 */
export function dropReplays<In>(options: SocketOptions<In, unknown>, cursor: ResumeCursor | undefined, lifecycle: Lifecycle): MonoTypeOperatorFunction<Inbound<In>> {
  if (cursor === undefined) return identity;
  return resumeFrom<Inbound<In>>(cursor, {
    seqOf,
    ...(options.keyOf !== undefined ? { keyOf } : {}),
    ...(options.resumeTokenOf !== undefined ? { tokenOf } : {}),
    passUndefined: true,
    onReplay: (inbound) => duplicate(lifecycle, inbound),
  });
}

/**
 * Across attempts, when asked for: drops events whose id was seen in the last `dedupe.window`
 * (an at-least-once server that resends), then hands over the messages.
 *
 * @internal
 */
export function dropResent<In>(options: SocketOptions<In, unknown>, lifecycle: Lifecycle): OperatorFunction<Inbound<In>, In> {
  const window = options.dedupeWindow ?? 0;
  return pipe(
    dedupe<Inbound<In>>(idOf, {
      window,
      passUndefined: true,
      onDuplicate: (inbound) => duplicate(lifecycle, inbound),
    }),
    map(messageOf),
  );
}

/**
 * A bounded buffer in front of a slow consumer (`consumer`): the stream emits each message once
 * its work completed; beyond `capacity` waiting, messages are dropped by the policy and counted.
 *
 * @internal
 */
export function consume<In>(options: SocketOptions<In, unknown>, lifecycle: Lifecycle): MonoTypeOperatorFunction<In> {
  const { consumer } = options;
  if (consumer === undefined) return identity;
  const work = (message: In): Observable<In> => concat(from(consumer.work(message)).pipe(ignoreElements()), of(message));
  return dropOnFull<In, In>(consumer.capacity, work, {
    concurrency: consumer.concurrency,
    policy: consumer.policy,
    onDrop: () => lifecycle.emit({ type: 'dropped', reason: 'consumer-full' }),
  });
}
