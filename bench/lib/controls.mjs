// The control clients' per-frame work, shared by the separate-process clients (bench/lib/clients.mjs,
// frames from their own `ws` connection) and the paired lanes (bench/procs/pairedClient.mjs,
// frames from the shared connection).
import { Observable, retry } from 'rxjs';

/**
 * The least work any client of a sequenced feed must do per frame, inline and without RxJS:
 * size guard, event and seq checks, one watermark per topic (the resume cursor, which also is
 * the duplicate filter: an event at or below it is dropped), a message counter. In-order events
 * only (no reorder buffer, no timers, no reconnects): the floor. Returns the frame handler.
 */
export function sequencedFloor(onEvent) {
  const lastByTopic = new Map();
  const metrics = { messagesIn: 0 };
  return (data) => {
    metrics.messagesIn++;
    const text = data.toString();
    if (text.length > 1_048_576) return;
    const frame = JSON.parse(text);
    if (frame.type !== 'event') return;
    const { seq, topic } = frame;
    if (!Number.isSafeInteger(seq) || seq < 0) return;
    const last = lastByTopic.get(topic);
    if (last !== undefined && seq <= last) return;
    lastByTopic.set(topic, seq);
    onEvent(frame);
  };
}

/**
 * The lean RxJS composition over `frames$` (frame texts): one small `new Observable` stage per
 * step: size guard + JSON.parse, event and seq checks, an in-order fast path with a reorder map
 * only on the slow path, one watermark per topic (cursor and duplicate filter), an activity
 * counter for an idle watchdog, and rxjs `retry()` around it all. What composing operators
 * costs when each stage is lean. Returns the subscription.
 */
export function leanComposition(frames$, onEvent) {
  const stage = (step) => (source) =>
    new Observable((subscriber) =>
      source.subscribe({ next: (value) => step(value, subscriber), error: (error) => subscriber.error(error), complete: () => subscriber.complete() }),
    );
  const activity = { frames: 0 };
  const watermark = new Map();
  const held = new Map();
  return frames$
    .pipe(
      stage((text, out) => {
        activity.frames++;
        if (text.length <= 1_048_576) out.next(JSON.parse(text));
      }),
      stage((frame, out) => {
        if (frame.type === 'event' && Number.isSafeInteger(frame.seq) && frame.seq >= 0) out.next(frame);
      }),
      stage((frame, out) => {
        const last = watermark.get(frame.topic);
        if (last === undefined || frame.seq === last + 1) {
          watermark.set(frame.topic, frame.seq);
          out.next(frame);
          if (held.size === 0) return;
          let next = held.get(`${frame.topic}\u0000${frame.seq + 1}`);
          while (next !== undefined) {
            held.delete(`${next.topic}\u0000${next.seq}`);
            watermark.set(next.topic, next.seq);
            out.next(next);
            next = held.get(`${next.topic}\u0000${next.seq + 1}`);
          }
        } else if (frame.seq > last) held.set(`${frame.topic}\u0000${frame.seq}`, frame);
      }),
      retry({ delay: 1000 }),
    )
    .subscribe({ next: onEvent });
}
