/**
 * The app's wire protocol, as `managedSocket$` settings: the reference server's protocol
 * (docs/protocol.md) without its Node-only server entry, so it is safe in a browser bundle.
 */
import * as t from 'io-ts';
import type { ManagedSocketConfig } from 'rxjs-managed-socket';

/** An event of a topic, numbered per topic from 1. */
export const FeedEvent = t.type({ type: t.literal('event'), topic: t.string, seq: t.number, id: t.string, data: t.unknown });
/** See {@link FeedEvent}. */
export type FeedEvent = t.TypeOf<typeof FeedEvent>;

/** Everything the server sends: events, and control replies the socket swallows. */
export const FeedFrame = t.union([FeedEvent, t.type({ type: t.keyof({ welcome: null, pong: null, auth_ok: null }) })]);
/** See {@link FeedFrame}. */
export type FeedFrame = t.TypeOf<typeof FeedFrame>;

/** What the app sends. */
export type FeedCommand =
  | { readonly type: 'hello'; readonly resumeFromSeq: number | null; readonly resume?: Readonly<Record<string, number>> }
  | { readonly type: 'subscribe' | 'unsubscribe'; readonly topics: readonly string[] };

/** The protocol part of a feed socket's config. */
export type FeedProtocolConfig = Pick<
  ManagedSocketConfig<FeedFrame, FeedCommand>,
  'codec' | 'handshake' | 'seqOf' | 'keyOf' | 'idOf' | 'isControl' | 'topics'
>;

/**
 * The protocol settings to spread into the socket config: decode with io-ts, resume each topic
 * from its own cursor, replay the followed topics on every connection.
 *
 * ## Example
 * ```ts
 * const socket = managedSocket$({ url: 'wss://feed.example.com/ws', ...feedProtocol() });
 * ```
 *
 * @returns Config fields for `managedSocket$`.
 */
export function feedProtocol(): FeedProtocolConfig {
  const isEvent = (frame: FeedFrame): frame is FeedEvent => frame.type === 'event';
  return {
    codec: FeedFrame,
    // Each topic seen so far resumes from its own cursor; a topic not seen yet starts live
    // (`resumeFromSeq: null`), rather than from some other topic's position.
    handshake: ({ cursor }): FeedCommand => {
      const resume: Record<string, number> = {};
      for (const key of cursor?.keys() ?? []) resume[String(key)] = cursor?.get(key) ?? 0;
      return { type: 'hello', resumeFromSeq: null, resume };
    },
    seqOf: (frame) => (isEvent(frame) ? frame.seq : undefined),
    keyOf: (frame) => (isEvent(frame) ? frame.topic : ''),
    idOf: (frame) => (isEvent(frame) ? frame.id : undefined),
    isControl: (frame) => !isEvent(frame),
    topics: {
      subscribe: (topics) => ({ type: 'subscribe', topics: [...topics] }),
      unsubscribe: (topics) => ({ type: 'unsubscribe', topics: [...topics] }),
    },
  };
}
