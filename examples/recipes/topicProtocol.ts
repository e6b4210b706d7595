import type { ManagedSocketConfig } from 'rxjs-managed-socket';
import { ServerFrame } from 'rxjs-managed-socket/protocol';
import type { ClientFrame, EventFrame } from 'rxjs-managed-socket/protocol';

const isEvent = (frame: ServerFrame): frame is EventFrame => frame.type === 'event';

/** Socket settings for a server with one sequence per topic (here, the reference server's frames). */
export function topicProtocol(): Partial<ManagedSocketConfig<ServerFrame, ClientFrame>> {
  let pings = 0;
  return {
    codec: ServerFrame, // io-ts: malformed frames are reported and skipped
    handshake: ({ token, cursor }): ClientFrame => {
      // Each topic seen so far resumes from its own cursor: precise, and gap-safe per topic.
      const resume: Record<string, number> = {};
      for (const topic of cursor?.keys() ?? []) {
        const seq = cursor?.get(topic);
        if (seq !== null && seq !== undefined) resume[String(topic)] = seq;
      }
      return {
        type: 'hello',
        // The server applies this to every topic missing from `resume`, i.e. to topics not seen
        // yet: they start from the cursor's `start`, not from another topic's position.
        resumeFromSeq: cursor?.start ?? null,
        resume,
        ...(token !== null ? { token } : {}), // no token: leave the field out (the codec refuses null)
      };
    },
    seqOf: (frame) => (isEvent(frame) ? frame.seq : undefined),
    keyOf: (frame) => (isEvent(frame) ? frame.topic : ''), // per-topic cursor, dedupe and reordering
    idOf: (frame) => (isEvent(frame) ? frame.id : undefined),
    isControl: (frame) => !isEvent(frame), // welcome, pong, auth_ok
    topics: {
      subscribe: (topics) => ({ type: 'subscribe', topics: [...topics] }),
      unsubscribe: (topics) => ({ type: 'unsubscribe', topics: [...topics] }),
    },
    refreshMessage: (token) => ({ type: 'auth', token }), // in-band token refresh
    heartbeat: { interval: 10_000, message: () => ({ type: 'ping', id: ++pings }) },
  };
}
