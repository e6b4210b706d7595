// The event frames the blast server sends: the reference protocol's `event` shape
// (docs/protocol.md), one topic, seq 1..N, `id` = `${topic}:${seq}`, a fixed payload per size.

export const TOPIC = 'prices';

/** A payload that makes the whole frame about `bytes` long (for seqs of 6 digits). */
function payloadFor(bytes) {
  if (bytes <= 128) return { bid: 101.25, ask: 101.5 };
  // A small order book: [price, size] levels, padded with a note to the size.
  const book = [];
  const frame = (data) => JSON.stringify({ type: 'event', topic: TOPIC, seq: 100000, id: `${TOPIC}:100000`, data });
  const data = { bid: 101.25, ask: 101.5, venue: 'XBEN', book };
  while (frame(data).length < bytes - 40) book.push([Number((101.25 - book.length * 0.25).toFixed(2)), 100 + book.length * 7]);
  data.note = 'x'.repeat(Math.max(0, bytes - frame({ ...data, note: '' }).length));
  return data;
}

export const SIZES = {
  small: { label: '~100 B', bytes: 100 },
  large: { label: '1 KB', bytes: 1024 },
};

/** The frame text of event `seq` for a size key. */
export function frameText(size, seq) {
  const data = payloadFor(SIZES[size].bytes);
  return JSON.stringify({ type: 'event', topic: TOPIC, seq, id: `${TOPIC}:${seq}`, data });
}

/** A factory of frame texts for one size, with the payload serialised once. */
export function frameFactory(size) {
  const data = JSON.stringify(payloadFor(SIZES[size].bytes));
  return (seq) => `{"type":"event","topic":"${TOPIC}","seq":${seq},"id":"${TOPIC}:${seq}","data":${data}}`;
}
