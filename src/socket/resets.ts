import { ServerResetError } from '../errors';
import type { ServerResetInfo } from '../errors';
import type { ResumeCursor } from '../cursor';
import type { Lifecycle, ManagedSocketEvent } from './lifecycle';
import type { SocketOptions } from './options';

/**
 * Moves the cursor back to the server's beginning after a reset: `start` (else 0) for the whole
 * sequence, or for every known key (`'perKey'`), so the next handshake asks for everything the
 * new numbering has.
 *
 * @internal
 */
export function rewind(cursor: ResumeCursor): void {
  const base = cursor.start ?? 0;
  if (cursor.mode === 'perKey') cursor.reset({ version: 1, mode: 'perKey', keys: cursor.keys().map((key) => ({ key, cursor: base, ahead: [] })) });
  else cursor.reset({ version: 1, mode: cursor.mode, cursor: base, ahead: [] });
}

/** Reset detection of one socket: the last epoch outlives connections. @internal */
export interface ResetDetector {
  /** A new connection: its epoch is not known yet. */
  connecting(): void;
  /** Whether this connection's epoch is still to be read. */
  readonly wantsEpoch: boolean;
  /** An epoch read from a message of this connection. */
  epoch(epoch: string | number): void;
  /** A lifecycle event passed: a repeat dropped far below the cursor is a sign of a reset. */
  observe(event: ManagedSocketEvent): void;
  /** How many resets were handled with a rewind: the numbering the events' ids belong to. */
  readonly numbering: number;
}

/**
 * Sees server resets (a new epoch, or a repeat far below the cursor) and acts on them once per
 * connection: a `reset` event, then, by `resets.policy`, a rewound cursor and a reconnect
 * (`'restart'`), or the end of the stream (`'fail'`); `fail` ends the current attempt with the
 * {@link ServerResetError}.
 *
 * @internal
 */
export function createResetDetector(
  resets: Pick<NonNullable<SocketOptions<unknown, unknown>['resets']>, 'policy' | 'fallback'> & { readonly epochOf: unknown },
  cursor: ResumeCursor | undefined,
  lifecycle: Lifecycle,
  fail: (error: ServerResetError) => void,
): ResetDetector {
  const { policy, fallback } = resets;
  let known: string | number | undefined;
  let epochRead = false;
  let seen = false;
  /** Where the cursor stood (per key) when this connection started: "right after a reconnect" is before it moves. */
  let atStart: ReadonlyMap<unknown, number | null> = new Map();
  /** The last repeat of this connection that looked like a reset. */
  let candidate: { readonly key: unknown; readonly seq: number } | null = null;
  const position = (key: unknown): number | null =>
    cursor === undefined ? null : cursor.mode === 'perKey' ? cursor.get(key as string | number) : cursor.value;
  let numbering = 0;
  const reset = (info: ServerResetInfo): void => {
    seen = true;
    lifecycle.emit({ type: 'reset', info });
    if (policy === 'restart') numbering++;
    if (policy === 'restart' && cursor !== undefined) rewind(cursor);
    fail(new ServerResetError(info));
  };
  return {
    connecting: () => {
      epochRead = resets.epochOf === undefined;
      seen = false;
      candidate = null;
      if (fallback === undefined || cursor === undefined) return;
      atStart = cursor.mode === 'perKey' ? new Map(cursor.keys().map((key) => [key, cursor.get(key)])) : new Map([[undefined, cursor.value]]);
    },
    get wantsEpoch() {
      return !epochRead;
    },
    get numbering() {
      return numbering;
    },
    epoch: (epoch) => {
      epochRead = true;
      const previous = known;
      known = epoch;
      if (previous === undefined || previous === epoch || seen) return;
      reset({ reason: 'epoch', policy, previousEpoch: previous, epoch, cursor: cursor?.value ?? null });
    },
    observe: (event) => {
      if (seen || fallback === undefined || cursor === undefined || event.type !== 'duplicate' || event.stage === 'dedupe') return;
      const { seq, key } = event;
      if (seq === undefined) return;
      const at = position(key);
      // Only right after a (re)connect: once this connection delivered an event of this sequence,
      // a repeat is a repeat.
      if (at === null || (atStart.has(key) ? atStart.get(key) : (cursor.start ?? null)) !== at) return;
      if (!fallback({ seq, key, cursor: at })) return;
      // Two in a row (seq, then seq + 1, of one sequence): a new numbering counting up, not one
      // stale event resent by the server.
      const previous = candidate;
      candidate = { key, seq };
      if (previous === null || previous.key !== key || previous.seq + 1 !== seq) return;
      reset({ reason: 'seq', policy, seq: previous.seq, ...(key === undefined ? {} : { key: key as string | number }), cursor: at });
    },
  };
}
