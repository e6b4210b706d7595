import type { EventFrame } from './protocol';

/** One published event: the frame, its JSON (serialised once), and its server-wide publish order. */
export interface LogEntry {
  readonly event: EventFrame;
  readonly json: string;
  /** Server-wide publish order, for listing events across topics. */
  readonly order: number;
  readonly publishId: string | undefined;
}

interface TopicLog {
  head: number;
  /** Seq of `entries[0]`; only the last `retain` entries are visible. */
  firstSeq: number;
  entries: LogEntry[];
  /** Publish id -> seq, for idempotent client publishes. */
  readonly publishIds: Map<string, number>;
}

/**
 * The reference server's event logs, one per topic: seqs from 1 per topic, the last `retain`
 * events kept for replay, and publish ids remembered while their event is retained (a repeated
 * id is not published twice).
 *
 * @internal
 */
export class TopicLogs {
  private readonly logs = new Map<string, TopicLog>();
  private order = 0;

  constructor(private readonly retain: number) {}

  /**
   * Appends an event to `topic` and returns its entry; `null` when `publishId` repeats the id of
   * a retained event. Throws, before anything changes, when `data` cannot be serialised.
   */
  append(topic: string, data: unknown, publishId?: string): LogEntry | null {
    const log = this.logs.get(topic) ?? { head: 0, firstSeq: 1, entries: [], publishIds: new Map<string, number>() };
    if (publishId !== undefined) {
      const seen = log.publishIds.get(publishId);
      if (seen !== undefined && seen > log.head - this.retain) return null;
    }
    const seq = log.head + 1;
    const event: EventFrame = { type: 'event', topic, seq, id: `${topic}:${seq}`, data: data === undefined ? null : data };
    const json = JSON.stringify(event); // throws (BigInt, cycles) before anything changes
    const entry: LogEntry = { event, json, order: ++this.order, publishId };
    this.logs.set(topic, log);
    log.head = seq;
    log.entries.push(entry);
    if (publishId !== undefined) log.publishIds.set(publishId, seq);
    this.trim(log);
    return entry;
  }

  /** The last seq published to `topic`; 0 when nothing was. */
  head(topic: string): number {
    return this.logs.get(topic)?.head ?? 0;
  }

  /** The head of every topic published to. */
  heads(): Map<string, number> {
    return new Map([...this.logs].map(([topic, log]) => [topic, log.head]));
  }

  /** The retained entries of `topic` after seq `after`, up to seq `upTo`, in seq order. */
  range(topic: string, after: number, upTo: number): LogEntry[] {
    const log = this.logs.get(topic);
    if (!log) return [];
    const start = Math.max(after + 1, log.head - this.retain + 1, log.firstSeq);
    const end = Math.min(upTo, log.head);
    return start > end ? [] : log.entries.slice(start - log.firstSeq, end - log.firstSeq + 1);
  }

  /** The retained events of `topic`, or of every topic in publish order. */
  events(topic?: string): EventFrame[] {
    const logs = topic === undefined ? [...this.logs.values()] : [this.logs.get(topic)].filter((log) => log !== undefined);
    return logs
      .flatMap((log) => log.entries.slice(Math.max(0, log.entries.length - this.retain)))
      .sort((a, b) => a.order - b.order)
      .map((entry) => entry.event);
  }

  /** Drops the oldest entries in batches, so appends stay O(1) amortised. */
  private trim(log: TopicLog): void {
    const { retain } = this;
    if (log.entries.length <= Math.max(2 * retain, retain + 1024)) return;
    const dropped = log.entries.splice(0, log.entries.length - retain);
    log.firstSeq += dropped.length;
    for (const entry of dropped) {
      if (entry.publishId !== undefined && log.publishIds.get(entry.publishId) === entry.event.seq) {
        log.publishIds.delete(entry.publishId);
      }
    }
  }
}
