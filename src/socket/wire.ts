import type { Decoder } from 'io-ts';
import type { Decoded } from './messages';
import { describeErrors, refuse } from './messages';
import { textTooLarge } from '../internal/utf8';

/**
 * What a frame can carry on the way out: text, or binary (an `ArrayBuffer` or a view of one).
 * What a {@link WireFormat}'s `serialize` returns.
 *
 * ## Example
 * ```ts
 * import type { WireData } from 'rxjs-managed-socket';
 *
 * const text: WireData = '{"type":"ping"}';            // a text frame
 * const bytes: WireData = new Uint8Array([0x81, 0xa1]); // a binary frame
 * ```
 */
export type WireData = string | ArrayBufferLike | ArrayBufferView;

/**
 * What `deserialize` is handed: the text of a text frame, or the bytes of a binary frame as the
 * socket's `binaryType` makes them (`ArrayBuffer` for `'arraybuffer'`, a Node `Buffer`, which is a
 * `Uint8Array`, for `ws`'s `'nodebuffer'`).
 *
 * ## Example
 * ```ts
 * import type { WireFrame } from 'rxjs-managed-socket';
 *
 * const deserialize = (frame: WireFrame): unknown =>
 *   typeof frame === 'string' ? JSON.parse(frame) : JSON.parse(new TextDecoder().decode(frame));
 * ```
 */
export type WireFrame = string | ArrayBuffer | Uint8Array;

/**
 * The wire format of a managed socket: how an outbound message becomes a frame, and how an inbound
 * frame becomes a message. Without one, frames are JSON text (`JSON.stringify` out, `JSON.parse`
 * in) and binary frames are refused.
 *
 * With one, text and binary frames both go to `deserialize`; what it returns is then validated by
 * the io-ts `codec` (when there is one), split by `eventsOf` (when there is one) and read by
 * `seqOf`, `keyOf` and `idOf`, exactly as a JSON message would be. A `deserialize` that throws
 * refuses the frame with a {@link DecodeError} of kind `'deserialize'`; the stream goes on.
 *
 * ## Example
 * MessagePack in binary frames, with `@msgpack/msgpack`.
 * ```ts
 * import { decode, encode } from '@msgpack/msgpack';
 * import type { WireFormat } from 'rxjs-managed-socket';
 *
 * const msgpack: WireFormat<unknown> = {
 *   serialize: (message) => encode(message),
 *   deserialize: (frame) => (typeof frame === 'string' ? JSON.parse(frame) : decode(frame)),
 *   binaryType: 'arraybuffer',
 * };
 * ```
 */
export interface WireFormat<Out> {
  /** Turns a message given to `send()` (or built by the handshake, topic or heartbeat builders) into a frame. */
  serialize(message: Out): WireData;
  /** Turns an inbound frame into a message (not yet validated). May throw: the frame is refused. */
  deserialize(frame: WireFrame): unknown;
  /**
   * The socket's `binaryType`, set before any frame arrives: `'arraybuffer'` works with browsers
   * and `ws`; `'nodebuffer'` (`ws` only) saves `ws` a copy per binary frame.
   * @default 'arraybuffer'
   */
  readonly binaryType?: 'arraybuffer' | 'nodebuffer';
}

/** The `binaryType` values a wire format may ask for (a `Blob` cannot be read synchronously). @internal */
export const BINARY_TYPES = ['arraybuffer', 'nodebuffer'] as const;

/** The byte size of a binary frame, or `-1` for something a wire format cannot read. @internal */
export function byteSize(data: unknown): number {
  return data instanceof ArrayBuffer || ArrayBuffer.isView(data) ? data.byteLength : -1;
}

/**
 * Reads one frame with a wire format, before any validation: the size guard (bytes), then
 * `deserialize`. A binary frame that is not an `ArrayBuffer` or a view (a `Blob`, `ws` fragments)
 * is refused as `binary`. Never throws.
 *
 * @internal
 */
export function parseWireFrame(data: unknown, maxMessageSize: number, deserialize: (frame: WireFrame) => unknown): Decoded<unknown> {
  if (typeof data === 'string') {
    if (textTooLarge(data, maxMessageSize)) return refuse('size', data, data.length);
  } else {
    const size = byteSize(data);
    if (size < 0) return refuse('binary', undefined, 0, ['a binary frame the wire format cannot read (set binaryType)']);
    if (size > maxMessageSize) return refuse('size', undefined, size);
  }
  try {
    return { ok: true, value: deserialize(data as WireFrame) };
  } catch (err) {
    return refuse('deserialize', typeof data === 'string' ? data : undefined, typeof data === 'string' ? data.length : byteSize(data), [
      err instanceof Error ? err.message : String(err),
    ]);
  }
}

/**
 * Validates one parsed message (a frame's, or one event of a batch) with the io-ts codec, when
 * there is one. `raw` is what a refusal reports. Never throws.
 *
 * @internal
 */
export function validate<In>(value: unknown, codec: Decoder<unknown, In> | undefined, raw: string | undefined, size: number): Decoded<In> {
  if (codec === undefined) return { ok: true, value: value as In };
  const result = codec.decode(value);
  if (result._tag === 'Left') return refuse('codec', raw, size, describeErrors(result.left));
  return { ok: true, value: result.right };
}
