/**
 * Wire format of the reference server's example protocol: the frame types, their io-ts codecs,
 * and the close codes. See `docs/protocol.md` for the prose version with an example of every frame.
 *
 * Every frame is one JSON object in one WebSocket text frame, discriminated by `type`.
 *
 * @packageDocumentation
 */
import * as t from 'io-ts';

/** A sequence number on the wire: a safe integer >= 0. */
const seqCodec = new t.Type<number, number, unknown>(
  'Seq',
  (u): u is number => typeof u === 'number' && Number.isSafeInteger(u) && u >= 0,
  (u, c) => (typeof u === 'number' && Number.isSafeInteger(u) && u >= 0 ? t.success(u) : t.failure(u, c)),
  t.identity,
);

/** A topic name on the wire: a non-empty string. */
const topicCodec = new t.Type<string, string, unknown>(
  'Topic',
  (u): u is string => typeof u === 'string' && u.length > 0,
  (u, c) => (typeof u === 'string' && u.length > 0 ? t.success(u) : t.failure(u, c)),
  t.identity,
);

// ---------------------------------------------------------------------------------------------
// Client -> server

/**
 * The first frame of every connection: where to resume from, and optionally the token.
 *
 * @example
 * ```json
 * { "type": "hello", "resumeFromSeq": 41, "token": "t-1", "resume": { "prices": 7 } }
 * ```
 */
export const HelloFrame = t.intersection([
  t.type({ type: t.literal('hello'), resumeFromSeq: t.union([seqCodec, t.null]) }),
  t.partial({ token: t.string, resume: t.record(t.string, seqCodec) }),
]);
/** See {@link HelloFrame}. */
export type HelloFrame = t.TypeOf<typeof HelloFrame>;

/**
 * Starts delivery of topics: first the replay after the resume point, then live events.
 *
 * @example
 * ```json
 * { "type": "subscribe", "topics": ["prices", "news"] }
 * ```
 */
export const SubscribeFrame = t.type({ type: t.literal('subscribe'), topics: t.array(topicCodec) });
/** See {@link SubscribeFrame}. */
export type SubscribeFrame = t.TypeOf<typeof SubscribeFrame>;

/**
 * Stops delivery of topics. Unknown or not-subscribed topics are ignored.
 *
 * @example
 * ```json
 * { "type": "unsubscribe", "topics": ["news"] }
 * ```
 */
export const UnsubscribeFrame = t.type({ type: t.literal('unsubscribe'), topics: t.array(topicCodec) });
/** See {@link UnsubscribeFrame}. */
export type UnsubscribeFrame = t.TypeOf<typeof UnsubscribeFrame>;

/**
 * An application-level ping; answered by a {@link PongFrame} echoing `id`.
 *
 * @example
 * ```json
 * { "type": "ping", "id": 7 }
 * ```
 */
export const PingFrame = t.intersection([
  t.type({ type: t.literal('ping') }),
  t.partial({ id: t.union([t.string, t.number]) }),
]);
/** See {@link PingFrame}. */
export type PingFrame = t.TypeOf<typeof PingFrame>;

/**
 * In-band token refresh; answered by an {@link AuthOkFrame}, or a close (1008 / 4001).
 *
 * @example
 * ```json
 * { "type": "auth", "token": "t-2" }
 * ```
 */
export const AuthFrame = t.type({ type: t.literal('auth'), token: t.string });
/** See {@link AuthFrame}. */
export type AuthFrame = t.TypeOf<typeof AuthFrame>;

/**
 * Appends an event to a topic's log. `id` is an idempotency key: a publish repeating the `id` of
 * an event still retained on that topic is ignored.
 *
 * @example
 * ```json
 * { "type": "publish", "topic": "chat", "data": { "text": "hi" }, "id": "m-1" }
 * ```
 */
export const PublishFrame = t.intersection([
  t.type({ type: t.literal('publish'), topic: topicCodec, data: t.unknown }),
  t.partial({ id: t.string }),
]);
/** See {@link PublishFrame}. */
export type PublishFrame = t.TypeOf<typeof PublishFrame>;

/**
 * A request; answered by a {@link ReplyFrame} with the same `id`. `op` `'echo'` answers with
 * `data`; `'heads'` with each topic's head; another op with an `error`.
 *
 * @example
 * ```json
 * { "type": "request", "id": "r-1", "op": "echo", "data": { "n": 1 } }
 * ```
 */
export const RequestFrame = t.intersection([
  t.type({ type: t.literal('request'), id: t.union([t.string, t.number]), op: t.string }),
  t.partial({ data: t.unknown }),
]);
/** See {@link RequestFrame}. */
export type RequestFrame = t.TypeOf<typeof RequestFrame>;

/**
 * Any frame a client may send.
 *
 * @example
 * ```ts
 * import { decodeClientFrame } from 'rxjs-managed-socket/server';
 *
 * const result = decodeClientFrame(JSON.parse('{"type":"ping","id":1}'));
 * if (result.ok) console.log(result.frame.type); // 'ping'
 * ```
 */
export const ClientFrame = t.union([HelloFrame, SubscribeFrame, UnsubscribeFrame, PingFrame, AuthFrame, PublishFrame, RequestFrame]);
/** See {@link ClientFrame}. */
export type ClientFrame = t.TypeOf<typeof ClientFrame>;

// ---------------------------------------------------------------------------------------------
// Server -> client

/**
 * The answer to a valid hello: the session id, each topic's head (highest seq published), and the
 * server's epoch. Topics that never had an event are absent (their head is 0). The epoch changes
 * when the server's numbering starts again (its logs were lost): a client resuming from a seq of
 * another epoch must start again from the beginning. (Optional on the wire for older servers.)
 *
 * @example
 * ```json
 * { "type": "welcome", "sessionId": "s-3", "heads": { "prices": 42, "news": 7 }, "epoch": "lx2k9-1-3f" }
 * ```
 */
export const WelcomeFrame = t.intersection([
  t.type({
    type: t.literal('welcome'),
    sessionId: t.string,
    heads: t.record(t.string, seqCodec),
  }),
  t.partial({ epoch: t.string }),
]);
/** See {@link WelcomeFrame}. */
export type WelcomeFrame = t.TypeOf<typeof WelcomeFrame>;

/**
 * One event of a topic. `seq` is per topic, starts at 1 and is contiguous; `id` is unique on the
 * server (`${topic}:${seq}`).
 *
 * @example
 * ```json
 * { "type": "event", "topic": "prices", "seq": 42, "id": "prices:42", "data": { "bid": 101.5 } }
 * ```
 */
export const EventFrame = t.type({
  type: t.literal('event'),
  topic: topicCodec,
  seq: seqCodec,
  id: t.string,
  data: t.unknown,
});
/** See {@link EventFrame}. */
export type EventFrame = t.TypeOf<typeof EventFrame>;

/**
 * The answer to a {@link PingFrame}; `id` is present when the ping had one.
 *
 * @example
 * ```json
 * { "type": "pong", "id": 7 }
 * ```
 */
export const PongFrame = t.intersection([
  t.type({ type: t.literal('pong') }),
  t.partial({ id: t.union([t.string, t.number]) }),
]);
/** See {@link PongFrame}. */
export type PongFrame = t.TypeOf<typeof PongFrame>;

/**
 * The answer to a valid {@link AuthFrame}: when the new token expires (epoch ms), or `null`.
 *
 * @example
 * ```json
 * { "type": "auth_ok", "expiresAt": 1767225600000 }
 * ```
 */
export const AuthOkFrame = t.type({ type: t.literal('auth_ok'), expiresAt: t.union([t.number, t.null]) });
/** See {@link AuthOkFrame}. */
export type AuthOkFrame = t.TypeOf<typeof AuthOkFrame>;

/**
 * The answer to a {@link RequestFrame}: its `id`, and `data`, or an `error` for an unknown op.
 *
 * @example
 * ```json
 * { "type": "reply", "id": "r-1", "data": { "n": 1 } }
 * ```
 */
export const ReplyFrame = t.intersection([
  t.type({ type: t.literal('reply'), id: t.union([t.string, t.number]) }),
  t.partial({ data: t.unknown, error: t.string }),
]);
/** See {@link ReplyFrame}. */
export type ReplyFrame = t.TypeOf<typeof ReplyFrame>;

/**
 * The server's acknowledgement of a {@link PublishFrame} that carried an `id`: sent once the event
 * is in the log, and again for a repeat (which is not appended twice), so a client that resends an
 * unacked publish after a reconnect always gets its ack.
 *
 * @example
 * ```json
 * { "type": "ack", "id": "m-1" }
 * ```
 */
export const AckFrame = t.type({ type: t.literal('ack'), id: t.string });
/** See {@link AckFrame}. */
export type AckFrame = t.TypeOf<typeof AckFrame>;

/**
 * Any frame the server sends on its own (fault injection via `sendRaw` aside).
 *
 * @example
 * ```ts
 * import { decodeServerFrame } from 'rxjs-managed-socket/server';
 *
 * const result = decodeServerFrame(JSON.parse(text));
 * if (result.ok && result.frame.type === 'event') console.log(result.frame.seq);
 * ```
 */
// Events first: a union tries its members in order, and nearly every frame is an event (a failed
// welcome check cost about 200 ns per event).
export const ServerFrame = t.union([EventFrame, WelcomeFrame, PongFrame, AuthOkFrame, ReplyFrame, AckFrame]);
/** See {@link ServerFrame}. */
export type ServerFrame = t.TypeOf<typeof ServerFrame>;

// ---------------------------------------------------------------------------------------------
// Close codes

/**
 * The close codes the reference server uses, and what a client should do about each.
 *
 * @example
 * ```ts
 * import { ProtocolCloseCode } from 'rxjs-managed-socket/server';
 *
 * ws.on('close', (code) => {
 *   if (code === ProtocolCloseCode.TokenExpired) refreshTokenThenReconnect();
 * });
 * ```
 */
export const ProtocolCloseCode = {
  /** `stop()`: the server is going away. Reconnect later. */
  GoingAway: 1001,
  /** Invalid JSON, a frame that does not decode, a first frame that is not hello, a second hello. Fatal. */
  ProtocolError: 1002,
  /** A binary frame. Fatal. */
  UnsupportedData: 1003,
  /** Missing or invalid token. Permanently refused: fatal. */
  InvalidToken: 1008,
  /** A frame larger than `maxPayload`. Fatal. */
  MessageTooBig: 1009,
  /** `verifyToken` threw. Retry. */
  InternalError: 1011,
  /** The token expired without an in-band refresh. Refresh the token, then reconnect. */
  TokenExpired: 4001,
} as const;
/** One of the values of {@link ProtocolCloseCode}. */
export type ProtocolCloseCode = (typeof ProtocolCloseCode)[keyof typeof ProtocolCloseCode];

// ---------------------------------------------------------------------------------------------
// Decoding

/** Result of {@link decodeClientFrame} / {@link decodeServerFrame}: the frame, or why it failed. */
export type DecodeResult<F> = { readonly ok: true; readonly frame: F } | { readonly ok: false; readonly reason: string };

/**
 * Decodes an already `JSON.parse`d value as a {@link ClientFrame}.
 *
 * @example
 * ```ts
 * import { decodeClientFrame } from 'rxjs-managed-socket/server';
 *
 * decodeClientFrame({ type: 'subscribe', topics: [''] }); // { ok: false, reason: 'Invalid value "" ...' }
 * ```
 */
export function decodeClientFrame(value: unknown): DecodeResult<ClientFrame> {
  return decodeByType(clientCodecs, value);
}

/**
 * Decodes an already `JSON.parse`d value as a {@link ServerFrame}.
 *
 * @example
 * ```ts
 * import { decodeServerFrame } from 'rxjs-managed-socket/server';
 *
 * decodeServerFrame({ type: 'pong', id: 1 }); // { ok: true, frame: { type: 'pong', id: 1 } }
 * ```
 */
export function decodeServerFrame(value: unknown): DecodeResult<ServerFrame> {
  return decodeByType(serverCodecs, value);
}

const clientCodecs: Record<ClientFrame['type'], t.Decoder<unknown, ClientFrame>> = {
  hello: HelloFrame,
  subscribe: SubscribeFrame,
  unsubscribe: UnsubscribeFrame,
  ping: PingFrame,
  auth: AuthFrame,
  publish: PublishFrame,
  request: RequestFrame,
};

const serverCodecs: Record<ServerFrame['type'], t.Decoder<unknown, ServerFrame>> = {
  welcome: WelcomeFrame,
  event: EventFrame,
  pong: PongFrame,
  auth_ok: AuthOkFrame,
  reply: ReplyFrame,
  ack: AckFrame,
};

/** Picks the codec by `type` first, so the failure reason names the field that is wrong. */
function decodeByType<F>(codecs: Record<string, t.Decoder<unknown, F>>, value: unknown): DecodeResult<F> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, reason: 'not a JSON object' };
  const type: unknown = (value as { type?: unknown }).type;
  if (typeof type !== 'string' || !Object.prototype.hasOwnProperty.call(codecs, type)) {
    return { ok: false, reason: `unknown frame type ${JSON.stringify(type) ?? 'undefined'}` };
  }
  const result = (codecs[type] as t.Decoder<unknown, F>).decode(value);
  if (result._tag === 'Left') return { ok: false, reason: describeErrors(type, result.left) };
  return { ok: true, frame: result.right };
}

/** `subscribe.topics.0: expected Topic, got ""`: short enough for a close reason. */
function describeErrors(type: string, errors: t.Errors): string {
  const first = errors[0];
  if (first === undefined) return `invalid ${type} frame`;
  const { context } = first;
  // A key is a field name or an array index, except under an intersection or a union, where it
  // is the member's index: leave those out of the path.
  const fields = context.filter((_entry, i) => i > 0 && !isCombinator(context[i - 1]?.type));
  const path = fields.map((entry) => entry.key);
  const expected = fields[fields.length - 1]?.type.name ?? 'a valid value';
  const got = JSON.stringify(first.value) ?? 'undefined';
  return `${[type, ...path].join('.')}: expected ${expected}, got ${got}`;
}

function isCombinator(type: t.Decoder<unknown, unknown> | undefined): boolean {
  return type instanceof t.IntersectionType || type instanceof t.UnionType;
}
