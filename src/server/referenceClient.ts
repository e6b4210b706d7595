import type { ManagedSocketConfig } from '../socket/config';
import { ServerFrame } from './protocol';
import type { ClientFrame, EventFrame } from './protocol';

/** Options of {@link referenceProtocol}. */
export interface ReferenceProtocolOptions {
  /**
   * Send the token in the hello frame (and refresh it in-band with an `auth` frame). Set it to
   * `false` when the token travels in a header (Node) or the URL instead.
   * @default true
   */
  readonly tokenInHello?: boolean;
  /**
   * An application ping every this many ms (the server's pong counts as traffic); `0`: none.
   * @default 0
   */
  readonly heartbeatInterval?: number;
  /**
   * Count a connection as ready only once the server's `welcome` arrived (`ready`): before it,
   * nothing is replayed or flushed and the backoff is not reset. `false`: ready at the open.
   * @default true
   */
  readonly waitForWelcome?: boolean;
}

/** The part of a `managedSocket$` config that speaks the reference protocol. */
export type ReferenceProtocolConfig = Pick<
  ManagedSocketConfig<ServerFrame, ClientFrame>,
  'handshake' | 'codec' | 'seqOf' | 'keyOf' | 'idOf' | 'isControl' | 'topics' | 'refreshMessage' | 'heartbeat' | 'ready' | 'resets' | 'requests' | 'acks'
>;

/**
 * The `managedSocket$` settings for the reference protocol (see docs/protocol.md): a hello with
 * the per-topic resume map, per-topic seqs, topic frames, pongs and welcomes as control frames,
 * in-band token refresh, the welcome as the ready reply (nothing is flushed before it), the
 * welcome's epoch for server resets, `request` frames answered by `reply` (for `request()`), and
 * `publish` frames with an `id` acknowledged by `ack` (for `sendAcked()`). Spread it into a config and add the URL and the token.
 *
 * ```text
 * hello{resumeFromSeq, resume: {topic: seq}} -> welcome{epoch} ; subscribe[topics] -> event{topic, seq}...
 * ```
 *
 * ## Example
 * ```ts
 * import { managedSocket$ } from 'rxjs-managed-socket/node';
 * import { referenceProtocol } from 'rxjs-managed-socket/protocol'; // browser-safe; /server exports it too
 *
 * const socket = managedSocket$({ url: 'ws://127.0.0.1:8080', ...referenceProtocol() });
 * socket.subscribeTopics('prices');
 * socket.subscribe((event) => console.log(event.topic, event.seq));
 * // Output: prices 1, prices 2, ... each once, in order, across reconnects
 * ```
 *
 * @param options Where the token goes, and the heartbeat.
 * @returns Config fields to spread into `managedSocket$`'s config.
 */
export function referenceProtocol(options: ReferenceProtocolOptions = {}): ReferenceProtocolConfig {
  const { tokenInHello = true, heartbeatInterval = 0, waitForWelcome = true } = options;
  // What does not depend on the options is made once, for every socket.
  const config: ReferenceProtocolConfig = { ...(tokenInHello ? WITH_TOKEN : WITHOUT_TOKEN), ...(waitForWelcome ? { ready: READY } : {}) };
  if (heartbeatInterval <= 0) return config;
  let pings = 0;
  return { ...config, heartbeat: { interval: heartbeatInterval, message: (): ClientFrame => ({ type: 'ping', id: ++pings }), isReply: (frame: ServerFrame) => frame.type === 'pong' } };
}

/** The hello: per-topic seqs, and the token when `tokenInHello`. */
function hello(withToken: boolean): NonNullable<ReferenceProtocolConfig['handshake']> {
  return ({ resumeFromSeq, token, cursor }): ClientFrame => {
    const resume: Record<string, number> = {};
    for (const key of cursor?.keys() ?? []) {
      const seq = cursor?.get(key);
      if (seq !== null && seq !== undefined) resume[String(key)] = seq;
    }
    return {
      type: 'hello',
      // Per-topic seqs: the known topics resume from their own cursor (`resume`), and a topic
      // not seen yet from the cursor's start; the lowest cursor would make a new topic start
      // from another topic's position and miss its first events.
      resumeFromSeq: cursor?.mode === 'perKey' ? cursor.start : resumeFromSeq,
      ...(Object.keys(resume).length > 0 ? { resume } : {}),
      ...(withToken && token !== null ? { token } : {}),
    };
  };
}

const READY: NonNullable<ReferenceProtocolConfig['ready']> = Object.freeze({ isReady: (frame: ServerFrame) => frame.type === 'welcome' });

const COMMON: ReferenceProtocolConfig = Object.freeze({
  codec: ServerFrame,
  seqOf: (frame: ServerFrame) => (frame.type === 'event' ? frame.seq : undefined),
  keyOf: (frame: ServerFrame) => (frame as EventFrame).topic,
  idOf: (frame: ServerFrame) => (frame as EventFrame).id,
  isControl: (frame: ServerFrame) => frame.type !== 'event',
  resets: Object.freeze({ epochOf: (frame: ServerFrame) => (frame.type === 'welcome' ? frame.epoch : undefined) }),
  requests: Object.freeze({
    idOf: (frame: ClientFrame) => (frame.type === 'request' ? frame.id : undefined),
    replyIdOf: (frame: ServerFrame) => (frame.type === 'reply' ? frame.id : undefined),
  }),
  acks: Object.freeze({
    idOf: (frame: ClientFrame) => (frame.type === 'publish' ? frame.id : undefined),
    ackIdOf: (frame: ServerFrame) => (frame.type === 'ack' ? frame.id : undefined),
  }),
  topics: Object.freeze({
    subscribe: (topics: readonly string[]): ClientFrame => ({ type: 'subscribe', topics: [...topics] }),
    unsubscribe: (topics: readonly string[]): ClientFrame => ({ type: 'unsubscribe', topics: [...topics] }),
  }),
});

const WITH_TOKEN: ReferenceProtocolConfig = Object.freeze({ ...COMMON, handshake: hello(true), refreshMessage: (token: string): ClientFrame => ({ type: 'auth', token }) });
const WITHOUT_TOKEN: ReferenceProtocolConfig = Object.freeze({ ...COMMON, handshake: hello(false) });
