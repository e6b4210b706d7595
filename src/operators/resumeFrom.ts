import { filter } from 'rxjs';
import type { MonoTypeOperatorFunction } from 'rxjs';
import { InvalidOptionError, InvalidSequenceError } from '../errors';
import { isSeq } from '../internal/seq';
import { func } from '../internal/validate';

const OP = 'resumeFrom';

/**
 * What {@link resumeFrom} needs of a cursor: its mode and `markDelivered`. A
 * {@link ResumeCursor} from {@link createResumeCursor} is one; the operator keeps no state of its
 * own, so the cursor is all that outlives a resubscription.
 */
export interface DeliveryCursor {
  /** `'perKey'` cursors take the key of each value (`keyOf`); the others do not. */
  readonly mode: 'ordered' | 'contiguous' | 'perKey';
  /** Records `seq` (of `key`, with its resume `token`) as delivered; `false` when it already was (a replay). */
  markDelivered(seq: number, key?: string | number, token?: number): boolean;
}

/** Configuration of {@link resumeFrom}. */
export interface ResumeFromConfig<T> {
  /**
   * Reads the sequence number of a value. It must return a safe integer >= 0; anything else
   * makes the output error with {@link InvalidSequenceError}. If it throws, the output errors
   * with what it threw.
   */
  seqOf: (value: T) => number | undefined;
  /**
   * Reads the key (job, topic, ...) whose sequence a value belongs to. Required when the cursor
   * is in `'perKey'` mode, and rejected in the other modes (a single-sequence cursor would
   * silently mix the keys' sequences). It must return a string or a finite number; anything else
   * makes the output error with a `TypeError`. If it throws, the output errors with what it threw.
   * @default undefined
   */
  keyOf?: (value: T) => string | number;
  /**
   * Reads the resume token of a value (e.g. a server's global offset, apart from the seq that
   * orders it), handed to `markDelivered` so the cursor can report the gap-safe
   * `resumeToken()`. It must return a finite number that does not decrease along a key's seqs;
   * the cursor throws a `TypeError` otherwise. If it throws, the output errors with what it threw.
   * @default undefined
   */
  tokenOf?: (value: T) => number;
  /**
   * Called with every value filtered out as a replay (its seq was already delivered), e.g. to
   * count duplicates. If it throws, the output errors with what it threw.
   * @default undefined
   */
  onReplay?: (value: T, seq: number) => void;
  /**
   * Let values whose `seqOf` returns `undefined` through untouched (messages that are not
   * events). Without it, such a value is an `InvalidSequenceError`.
   * @default false
   */
  passUndefined?: boolean;
}

/**
 * Drops values the cursor has already delivered (replays after a reconnect) and records the
 * others in the cursor as they pass.
 *
 * After a reconnect the server replays from `cursor.value`, which may repeat events that arrived
 * out of order before the drop; this operator lets each seq through once, across connections.
 *
 * ```text
 * connection 1:  --1--2--4--#
 * connection 2:             --3--4--|      (the server replays after cursor.value, 2)
 * > resumeFrom(createResumeCursor({ start: 0 }), (n) => n), then retry()
 * output:        --1--2--4----3-----|
 * ```
 *
 * Each value's seq is read with `seqOf` (and its key with `keyOf`); if
 * {@link ResumeCursor.isDelivered} says it was delivered already it is dropped, otherwise it is
 * marked delivered and then emitted. The mark comes before the value is passed on, so a
 * downstream that reads the cursor synchronously sees its own value counted, and a value the
 * downstream re-enters the source with is already a replay. The cost: a value counts as delivered
 * once it is handed on, even if the downstream then fails on it, so a reconnect will not replay
 * it. Where processing must be retried, call `cursor.markDelivered` yourself after processing.
 *
 * The operator keeps no state of its own: the cursor is the state, deliberately shared by every
 * subscription that goes through it, which is what makes it survive reconnects.
 *
 * ## Example
 * Resume a feed after a drop without losing or repeating an event.
 * ```ts
 * import { concat, defer, of, retry, throwError } from 'rxjs';
 * import { createResumeCursor, resumeFrom } from 'rxjs-managed-socket';
 *
 * const cursor = createResumeCursor({ start: 0 });
 * const firstConnection$ = concat(of({ seq: 1 }, { seq: 2 }, { seq: 4 }), throwError(() => new Error('drop')));
 * const replayAfter2$ = of({ seq: 3 }, { seq: 4 }); // what the server sends for resumeFromSeq: 2
 * let attempt = 0;
 * defer(() => {
 *   console.log('resume from', cursor.value);
 *   return attempt++ === 0 ? firstConnection$ : replayAfter2$;
 * })
 *   .pipe(resumeFrom(cursor, (m) => m.seq), retry(1))
 *   .subscribe((m) => console.log(m.seq));
 * // Output:
 * // resume from 0
 * // 1
 * // 2
 * // 4
 * // resume from 2
 * // 3
 * ```
 *
 * Errors: {@link InvalidSequenceError} when `seqOf` returns something other than a safe integer
 * >= 0; a `TypeError` when `keyOf` returns something other than a string or a finite number;
 * whatever `seqOf`, `keyOf` or the cursor's `onSkip` or storage throws (the value is then not
 * emitted, and the cursor is unchanged unless `onSkip` already let it move). The source's own
 * errors pass through. Creating it with a bad option throws {@link InvalidOptionError}.
 *
 * @see {@link createResumeCursor}
 * @param cursor The {@link ResumeCursor} to check and record seqs in, shared across reconnects.
 * @param config The {@link ResumeFromConfig}, or just its `seqOf`.
 * @returns An operator that mirrors the source minus the values the cursor already delivered.
 */
export function resumeFrom<T>(cursor: DeliveryCursor, config: ResumeFromConfig<T> | ((value: T) => number | undefined)): MonoTypeOperatorFunction<T> {
  if (typeof cursor !== 'object' || cursor === null || typeof cursor.markDelivered !== 'function') {
    throw new InvalidOptionError({ operator: OP, option: 'cursor', reason: 'a ResumeCursor (see createResumeCursor)', value: cursor });
  }
  if (typeof config !== 'function' && (typeof config !== 'object' || config === null)) {
    throw new InvalidOptionError({ operator: OP, option: 'config', reason: 'a seqOf function or a config object', value: config });
  }
  const { seqOf, keyOf, tokenOf, onReplay, passUndefined = false }: ResumeFromConfig<T> = typeof config === 'function' ? { seqOf: config } : config;

  func(OP, 'seqOf', seqOf);
  if (tokenOf !== undefined) func(OP, 'tokenOf', tokenOf);
  if (onReplay !== undefined) func(OP, 'onReplay', onReplay);
  if (cursor.mode === 'perKey') {
    func(OP, 'keyOf', keyOf);
  } else if (keyOf !== undefined) {
    throw new InvalidOptionError({
      operator: OP,
      option: 'keyOf',
      reason: `left out: the cursor's mode is '${cursor.mode}', and only a 'perKey' cursor tracks keys`,
      value: keyOf,
    });
  }

  const mark =
    tokenOf !== undefined
      ? (value: T, seq: number) => cursor.markDelivered(seq, keyOf?.(value), tokenOf(value))
      : keyOf === undefined
        ? (value: T, seq: number) => cursor.markDelivered(seq)
        : (value: T, seq: number) => cursor.markDelivered(seq, keyOf(value));
  return filter((value: T) => {
    const raw: unknown = seqOf(value);
    if (raw === undefined && passUndefined) return true;
    if (!isSeq(raw)) throw new InvalidSequenceError({ seq: raw, value });
    if (mark(value, raw)) return true;
    onReplay?.(value, raw);
    return false;
  });
}
