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
  /** An epoch read from a message of this connection; `true` when it showed a reset (which ended the attempt). */
  epoch(epoch: string | number): boolean;
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
  return new Resets(resets.policy, resets.fallback, resets.epochOf !== undefined, cursor, lifecycle, fail);
}

class Resets implements ResetDetector {
  private known: string | number | undefined = undefined;
  private epochRead = false;
  /** A reset was seen on this connection: nothing more to look for until the next. */
  private seen = false;
  /** Where each sequence stood at the connect (the seq fallback looks only right after it). */
  private atStart: ReadonlyMap<unknown, number | null> = EMPTY;
  private candidate: { readonly key: unknown; readonly seq: number } | null = null;
  private count = 0;

  constructor(
    private readonly policy: 'restart' | 'fail',
    private readonly fallback: ((drop: { readonly seq: number; readonly key: unknown; readonly cursor: number }) => boolean) | undefined,
    private readonly hasEpochs: boolean,
    private readonly cursor: ResumeCursor | undefined,
    private readonly lifecycle: Lifecycle,
    private readonly fail: (error: ServerResetError) => void,
  ) {}

  get wantsEpoch(): boolean {
    return !this.epochRead;
  }

  get numbering(): number {
    return this.count;
  }

  connecting(): void {
    this.epochRead = !this.hasEpochs;
    this.seen = false;
    this.candidate = null;
    const { cursor } = this;
    if (this.fallback === undefined || cursor === undefined) return;
    this.atStart = cursor.mode === 'perKey' ? new Map(cursor.keys().map((key) => [key, cursor.get(key)])) : new Map([[undefined, cursor.value]]);
  }

  epoch(epoch: string | number): boolean {
    this.epochRead = true;
    const previous = this.known;
    this.known = epoch;
    if (previous === undefined || previous === epoch || this.seen) return false;
    this.reset({ reason: 'epoch', policy: this.policy, previousEpoch: previous, epoch, cursor: this.cursor?.value ?? null });
    return true;
  }

  observe(event: ManagedSocketEvent): void {
    const { cursor, fallback } = this;
    if (this.seen || fallback === undefined || cursor === undefined || event.type !== 'duplicate' || event.stage === 'dedupe') return;
    const { seq, key } = event;
    if (seq === undefined) return;
    const at = cursor.mode === 'perKey' ? cursor.get(key as string | number) : cursor.value;
    // Only right after a (re)connect: once this connection delivered an event of this sequence,
    // a repeat is a repeat.
    if (at === null || (this.atStart.has(key) ? this.atStart.get(key) : (cursor.start ?? null)) !== at) return;
    if (!fallback({ seq, key, cursor: at })) return;
    // Two in a row (seq, then seq + 1, of one sequence): a new numbering counting up, not one
    // stale event resent by the server.
    const previous = this.candidate;
    this.candidate = { key, seq };
    if (previous === null || previous.key !== key || previous.seq + 1 !== seq) return;
    this.reset({ reason: 'seq', policy: this.policy, seq: previous.seq, ...(key === undefined ? {} : { key: key as string | number }), cursor: at });
  }

  private reset(info: ServerResetInfo): void {
    this.seen = true;
    this.lifecycle.emit({ type: 'reset', info });
    if (this.policy === 'restart') this.count++;
    if (this.policy === 'restart' && this.cursor !== undefined) rewind(this.cursor);
    this.fail(new ServerResetError(info));
  }
}

const EMPTY: ReadonlyMap<unknown, number | null> = new Map();
