import { concat, from, identity, ignoreElements, Observable, of, pipe, tap } from 'rxjs';
import type { MonoTypeOperatorFunction } from 'rxjs';
import { dropOnFull } from '../operators/dropOnFull';
import type { Lifecycle } from './lifecycle';
import type { SocketOptions } from './options';

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
  return pipe(
    dropOnFull<In, In>(consumer.capacity, work, {
      concurrency: consumer.concurrency,
      policy: consumer.policy,
      onDrop: () => lifecycle.emit({ type: 'dropped', reason: 'consumer-full' }),
    }),
    // A failed work ends the socket: it says 'closed' with that error (one from the socket already did).
    tap({ error: (error: unknown) => lifecycle.state !== 'closed' && lifecycle.emit({ type: 'closed', error }) }),
  );
}
