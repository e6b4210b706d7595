import type { Observer } from 'rxjs';
import { DecodeError } from '../errors';
import type { SequenceGapInfo } from '../errors';
import type { ResumeCursor } from '../cursor';
import { Cursor } from '../cursor/createResumeCursor';
import { IdWindow } from '../internal/idWindow';
import { Reorder } from '../operators/sequenceGaps';
import type { ReorderOptions, ReorderSink } from '../operators/sequenceGaps';
import { isSeq } from '../internal/seq';
import { badKey, badSeq, badToken, isKey, isToken, threw } from './eventProblems';
import type { ReadStep, SequenceProblem } from './eventProblems';
import { decodeFrame, decodeText, REFUSED } from './messages';
import type { Inbound as Record, RefusalSink } from './messages';
import { byteSize, parseWireFrame, validate } from './wire';
import type { DuplicateStage, Lifecycle } from './lifecycle';
import type { ResetDetector } from './resets';
import type { Watch } from './watch';
import type { SocketOptions } from './options';

const RAW_LIMIT = 256;

/** The attempt a frame belongs to: what it reads, and where a failure goes. @internal */
export interface FrameSource {
  /** Until the attempt ended: nothing is handed over after. */
  readonly live: boolean;
  /** Ends the attempt with `error`. */
  fail(error: unknown): void;
}

/**
 * The receive path, one step per stage and no operator per message: each frame is counted,
 * size-guarded, parsed and validated once (`decodeText`, or the wire format's `deserialize` then
 * the codec), split when it is a batch (`eventsOf`), and each event's seq, key, id and resume
 * token are read once (each user callback runs once per event). Control messages stop here. Events
 * then go through the stages in order:
 *
 * 1. reorder (per attempt, `gaps`): the {@link Reorder} core of `sequenceGaps`, starting each
 *    sequence where the cursor stands; a hole not filled in time ends the attempt (a resync);
 * 2. the resume cursor (`markDelivered`): a replay at or below it is dropped;
 * 3. the id window (across attempts, when asked for): the {@link IdWindow} core of `dedupe`;
 *
 * then the message is handed over. A frame, or one event of a batch, that is refused is reported
 * as a `decodeError` event and the stream goes on; a throw from the stages (a gap given up on, a
 * cursor whose storage failed, a user callback) ends the attempt.
 *
 * @internal
 */
export class Inbound<In> implements ReorderSink<Record<In>>, RefusalSink {
  /** Where messages are handed over (the output), while a run is on. */
  private out: Observer<In> | null = null;
  private reorder: Reorder<Record<In>> | null = null;
  private ids: IdWindow | null = null;
  /** The attempt of the frame being read. */
  private source: FrameSource | null = null;
  private readonly sequenced: boolean;
  /** The id dedupe reads: `null` when dedupe is off. */
  private readonly idFor: ((message: In) => unknown) | 'keyAndSeq' | null;
  private readonly fast: boolean;
  /** The cursor, when it is the library's own (with its in-order step). */
  private readonly ownCursor: Cursor | null;
  /** The reorder stage's options (`gaps`), the same for every attempt; `null` without it. */
  private readonly reorderOptions: ReorderOptions | null;
  /** The current attempt: where the reorder stage's timer failures go. */
  private attempt: FrameSource | null = null;

  constructor(
    private readonly options: SocketOptions<In, unknown>,
    private readonly lifecycle: Lifecycle,
    private readonly cursor: ResumeCursor | undefined,
    private readonly watch: Watch<In> | undefined,
    /**
     * Server reset detection: it sees every duplicate (with the seq fallback, a repeat far below the
     * cursor is a sign of a reset), and its numbering (bumped by a reset) tells the ids of a new
     * numbering from the old ones.
     */
    private readonly resets?: Pick<ResetDetector, 'observe' | 'numbering'>,
  ) {
    this.sequenced = options.seqOf !== undefined;
    this.idFor = options.dedupeWindow === undefined ? null : (options.idOf ?? 'keyAndSeq');
    this.fast = options.deserialize === undefined && options.eventsOf === undefined;
    this.ownCursor = cursor instanceof Cursor ? cursor : null;
    const { gaps, scheduler } = options;
    this.reorderOptions =
      gaps === undefined
        ? null
        : // With the library's own cursor the stage follows it: in-order events move the cursor alone (see `message`).
          { keyed: options.keyOf !== undefined, window: gaps.window, maxWait: gaps.maxWait, gapAction: 'error', scheduler, follow: this.ownCursor !== null };
  }

  /** A run of the output starts: the id window is new (it lives across the run's attempts). */
  startRun(out: Observer<In>): void {
    this.out = out;
    const window = this.options.dedupeWindow;
    this.ids = this.sequenced && window !== undefined ? new IdWindow(window) : null;
  }

  /** The run ended. */
  stopRun(): void {
    this.out = null;
    this.ids?.clear();
    this.ids = null;
  }

  /** An attempt starts: the reorder stage starts each sequence where the cursor stands now. */
  startAttempt(source: FrameSource): void {
    this.endAttempt();
    this.attempt = source;
    const { reorderOptions } = this;
    // The stage reports to this object (ReorderSink): nothing is made per attempt but its state.
    if (reorderOptions !== null) this.reorder = new Reorder<Record<In>>(reorderOptions, this);
  }

  // ---- what the reorder stage reports (ReorderSink) ----

  /** @internal Where a sequence starts: where the cursor stands when its track is made. */
  startOf(key: string | number | undefined): number | null {
    const { cursor } = this;
    if (cursor === undefined) return null;
    return key === undefined ? cursor.value : cursor.get(key);
  }

  /** @internal An event in order: on to the cursor. */
  next(record: Record<In>): void {
    this.delivered(record.message, record.seq as number, record.key, record.id, record.token);
  }

  /** @internal A frame refused at decode (RefusalSink): reported, and the stream goes on. */
  refused(error: DecodeError): void {
    this.lifecycle.emit({ type: 'decodeError', error });
  }

  /** @internal A hole given up on after `gaps.maxWait`: the attempt ends (a resync). */
  error(error: unknown): void {
    this.attempt?.fail(error);
  }

  /** @internal A hole given up on. */
  gap(gap: SequenceGapInfo): void {
    this.lifecycle.emit({ type: 'gap', gap });
  }

  /** @internal A repeat of an event this attempt already passed on. */
  late(record: Record<In>): void {
    this.duplicate(record.seq, record.key, 'gaps');
  }

  /** The attempt ended: what the reorder stage held is dropped (the next attempt's replay brings it back). */
  endAttempt(): void {
    this.reorder?.dispose();
    this.reorder = null;
    this.attempt = null;
  }

  /** One inbound frame of `source`. */
  frame(source: FrameSource, data: unknown): void {
    this.lifecycle.counters.messagesIn++;
    this.source = source;
    try {
      if (this.fast) {
        const decoded = decodeText<In>(data, this.options.maxMessageSize, this.options.codec, this);
        if (decoded !== REFUSED) this.message(decoded, data, undefined);
      } else {
        this.wireFrame(data);
      }
    } catch (error) {
      source.fail(error);
    }
  }

  /** A wire format, batch frames, or both: parse, split, then validate and read each message. */
  private wireFrame(data: unknown): void {
    const { maxMessageSize, deserialize, eventsOf, codec } = this.options;
    const parsed = deserialize === undefined ? decodeFrame<unknown>(data, maxMessageSize, undefined) : parseWireFrame(data, maxMessageSize, deserialize);
    if (!parsed.ok) return this.lifecycle.emit({ type: 'decodeError', error: parsed.error });
    const one = (value: unknown, index: number | undefined): void => {
      const raw = typeof data === 'string' ? data : undefined;
      const decoded = validate<In>(value, codec, raw, raw?.length ?? byteSize(data));
      if (!decoded.ok) {
        const error = index === undefined ? decoded.error : new DecodeError({ ...decoded.error.info, index });
        return this.lifecycle.emit({ type: 'decodeError', error });
      }
      this.message(decoded.value, data, index);
    };
    if (eventsOf === undefined) return one(parsed.value, undefined);
    let events: readonly unknown[] | undefined;
    try {
      events = eventsOf(parsed.value);
    } catch (err) {
      return this.lifecycle.emit({ type: 'decodeError', error: batchError(data, `eventsOf threw: ${err instanceof Error ? err.message : String(err)}`) });
    }
    if (events === undefined) return one(parsed.value, undefined);
    if (!Array.isArray(events)) return this.lifecycle.emit({ type: 'decodeError', error: batchError(data, 'eventsOf returned neither an array nor undefined') });
    // Each event on its own, in order; a refused one does not stop the others.
    const source = this.source as FrameSource;
    for (let i = 0; i < events.length && source.live; i++) one(events[i], i);
  }

  /** One decoded message: the watch, then a plain message is handed over, an event read and sequenced. */
  private message(message: In, data: unknown, index: number | undefined): void {
    const { watch } = this;
    if (watch !== undefined && watch.awake && watch.see(message)) return;
    const { isControl } = this.options;
    if (!this.sequenced) {
      if (isControl === undefined || !isControl(message)) (this.out as Observer<In>).next(message);
      return;
    }
    const { seqOf, keyOf, resumeTokenOf } = this.options;
    const { idFor } = this;
    // Read once, into locals: each callback runs at most once, and nothing is written per event
    // (a record filled per event cost more than every stage after it). A bad seq is named before
    // the key is read; a bad value or a throw is refused here, where the stream goes on, rather
    // than further down, where it would fail the connection (and a replay of it the next one).
    let step: ReadStep = 'seqOf';
    let problem: SequenceProblem | undefined;
    let key: unknown;
    let id: unknown;
    let token: unknown;
    let seq: unknown;
    try {
      seq = (seqOf as (message: In) => unknown)(message);
      if (seq !== undefined) {
        if (!isSeq(seq)) problem = badSeq(seq);
        if (problem === undefined && keyOf !== undefined) {
          step = 'keyOf';
          key = keyOf(message);
          if (!isKey(key)) problem = badKey(key);
        }
        if (problem === undefined && idFor !== null) {
          step = 'idOf';
          id = idFor === 'keyAndSeq' ? `${(key as string | number | undefined) ?? ''}\u0000${seq}` : idFor(message);
        }
        if (problem === undefined && resumeTokenOf !== undefined) {
          step = 'resumeTokenOf';
          token = resumeTokenOf(message);
          if (!isToken(token)) problem = badToken(token);
        }
      }
    } catch (err) {
      problem = threw(step, err);
    }
    if (problem !== undefined) return this.refuseEvent(problem, data, index);
    if (isControl !== undefined && isControl(message)) return;
    this.sequence(message, seq as number | undefined, key as string | number | undefined, id, token as number | undefined);
  }

  /** An event read: the in-order step, else the stages. */
  private sequence(message: In, seq: number | undefined, key: string | number | undefined, id: unknown, token: number | undefined): void {
    if (seq === undefined) return this.handOver(message, seq, key, undefined);
    const { reorder, ownCursor } = this;
    // The in-order step (the common case): the next seq of its key, with nothing held anywhere, moves
    // the library's own cursor and goes on; the reorder stage, which follows the cursor, is not asked.
    const stepTried = ownCursor !== null && (reorder === null || reorder.idle);
    if (stepTried && ownCursor.next(seq, key, token)) return this.handOver(message, seq, key, id);
    // Else in order for the stage: straight on, no record made (and the step not tried twice).
    // Else the stage holds a record and decides.
    if (reorder === null || reorder.advance(seq, key)) this.delivered(message, seq, key, id, token, !stepTried);
    else reorder.push({ message, seq, key, id, token }, seq, key);
  }

  /** An event whose seq, key, id or token could not be read: reported, and the stream goes on. */
  private refuseEvent(problem: SequenceProblem, data: unknown, index: number | undefined): void {
    const text = typeof data === 'string';
    const info = { kind: problem.kind, raw: text ? data.slice(0, RAW_LIMIT) : undefined, size: text ? data.length : byteSize(data), errors: [problem.reason] };
    this.lifecycle.emit({ type: 'decodeError', error: new DecodeError(index === undefined ? info : { ...info, index }) });
  }

  /** In order (or without the reorder stage): the cursor, then the id window. */
  private delivered(message: In, seq: number, key: string | number | undefined, id: unknown, token: number | undefined, tryStep = true): void {
    const { cursor } = this;
    if (cursor !== undefined) {
      // The library's own cursor takes an in-order event in one step (seq and key were checked at
      // decode), unless the caller tried it already; anything else goes through markDelivered.
      const inOrder = tryStep && this.ownCursor !== null && this.ownCursor.next(seq, key, token);
      if (!inOrder && !cursor.markDelivered(seq, key, token)) return this.duplicate(seq, key, 'cursor');
    }
    this.handOver(message, seq, key, id);
  }

  private handOver(message: In, seq: number | undefined, key: string | number | undefined, id: unknown): void {
    if (this.ids !== null && id !== undefined && !this.firstSeen(this.ids, id)) return this.duplicate(seq, key, 'dedupe');
    // Not after the attempt ended (a reset found by a duplicate, a gap given up on mid-drain).
    if ((this.source as FrameSource).live) (this.out as Observer<In>).next(message);
  }

  /** Whether the id window had not seen `id` yet (it has now). */
  private firstSeen(ids: IdWindow, id: unknown): boolean {
    // After a server reset (numbering > 0) the new numbering reuses the old ids: they are told
    // apart by the numbering (in their string form), which costs nothing until a reset happened.
    const n = this.resets?.numbering ?? 0;
    return ids.add(n === 0 ? id : `${n}\u0000${String(id)}`);
  }

  /** Every stage that drops a repeated event reports it the same way, naming the stage. */
  private duplicate(seq: number | undefined, key: string | number | undefined, stage: DuplicateStage): void {
    const event = { type: 'duplicate', seq, key, stage } as const;
    this.lifecycle.emit(event);
    this.resets?.observe(event);
  }
}

function batchError(data: unknown, reason: string): DecodeError {
  const raw = typeof data === 'string' ? data.slice(0, RAW_LIMIT) : undefined;
  return new DecodeError({ kind: 'batch', raw, size: typeof data === 'string' ? data.length : byteSize(data), errors: [reason] });
}
