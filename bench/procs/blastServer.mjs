// The throughput and idle-connection server: a `ws` server that does no work per event.
//
// `ws://127.0.0.1:PORT/?size=small&n=200000` gets event frames seq 1..n. They are serialised and
// framed once, on the `prepare` command before any timing, into one Buffer of consecutive
// WebSocket text frames; a connection is then sent slices of it (about 256 KB, cut at frame
// boundaries) straight to its TCP socket, the next slice once the socket has drained (its
// writable buffer, what `ws` reports as `bufferedAmount`). So sending costs the server a few
// syscalls per 256 KB, not a `ws.send` per event, and it never is the bottleneck. `ws` does the
// upgrade and handles what the client sends (a hello, the closing handshake); the server writes
// nothing else while it blasts, but for the welcome that answers a client's hello (as the reference
// server does: the reference protocol waits for it). Any other URL (e.g. `/idle`) gets nothing
// else: an idle connection.
//
// `&paired=K` numbers the frames for a client that hands them to two lanes by turns, K frames
// each (bench/procs/pairedClient.mjs): the frames of even blocks and those of odd blocks are each
// numbered 1, 2, 3 ..., so each lane sees a sequence without holes.
//
// IPC: sends { type: 'ready', port }; answers { cmd: 'prepare', size, n } with { type: 'prepared' }.
import { createServer } from 'node:http';
import { WebSocketServer } from 'ws';
import { frameFactory } from '../lib/frames.mjs';
import { reportErrors } from '../lib/proc.mjs';

reportErrors();

const CHUNK = 256 * 1024;
/** The reference server's answer to a hello. */
const WELCOME = JSON.stringify({ type: 'welcome', sessionId: 'bench', heads: {}, epoch: 'bench-1' });
/** Per size: the framed events 1..count, and where frame i (0-based) starts (offsets[count] = end). */
const prepared = {};

/** An unmasked server text frame header for a payload of `length` bytes. */
function header(length) {
  if (length < 126) return Buffer.from([0x81, length]);
  if (length < 65536) return Buffer.from([0x81, 126, length >> 8, length & 255]);
  const h = Buffer.alloc(10);
  h[0] = 0x81;
  h[1] = 127;
  h.writeBigUInt64BE(BigInt(length), 2);
  return h;
}

/** The seq of frame `i` (0-based): its place in the stream, or in its lane when `paired` = K > 0. */
function seqOf(i, paired) {
  if (paired === 0) return i + 1;
  const block = Math.floor(i / paired);
  return Math.floor(block / 2) * paired + (i % paired) + 1;
}

function prepare(size, n, paired = 0) {
  const key = paired === 0 ? size : `${size}:${paired}`;
  if ((prepared[key]?.count ?? 0) >= n) return prepared[key];
  const make = frameFactory(size);
  const parts = [];
  const offsets = new Float64Array(n + 1);
  let at = 0;
  for (let i = 0; i < n; i++) {
    const payload = Buffer.from(make(seqOf(i, paired)));
    const h = header(payload.length);
    parts.push(h, payload);
    offsets[i] = at;
    at += h.length + payload.length;
  }
  offsets[n] = at;
  // One prepared stream per size (and pairing) at a time: the largest asked for.
  prepared[key] = { count: n, buffer: Buffer.concat(parts, at), offsets };
  return prepared[key];
}

/** The largest frame boundary <= `limit` (and > `from`), by binary search. */
function boundary(offsets, from, limit) {
  let lo = 0;
  let hi = offsets.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (offsets[mid] <= limit) lo = mid;
    else hi = mid - 1;
  }
  return Math.max(offsets[lo], from + 1);
}

function blast(socket, { buffer, offsets }, n) {
  const end = offsets[n];
  let pos = 0;
  const write = () => {
    while (pos < end && !socket.destroyed) {
      const next = Math.min(end, boundary(offsets, pos, pos + CHUNK));
      const more = socket.write(buffer.subarray(pos, next));
      pos = next;
      if (!more) {
        socket.once('drain', write);
        return;
      }
    }
  };
  write();
}

const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, clientTracking: false });
const http = createServer();
http.on('upgrade', (req, socket, head) => {
  wss.handleUpgrade(req, socket, head, (ws) => {
    ws.on('error', () => undefined);
    ws.on('message', (data) => {
      if (String(data).startsWith('{"type":"hello"')) ws.send(WELCOME);
    });
    const url = new URL(req.url ?? '/', 'ws://x');
    const size = url.searchParams.get('size');
    const n = Number(url.searchParams.get('n') ?? 0);
    const paired = Number(url.searchParams.get('paired') ?? 0);
    if (n > 0 && (size === 'small' || size === 'large')) blast(socket, prepare(size, n, paired), n);
  });
});
http.listen(0, '127.0.0.1', () => process.send?.({ type: 'ready', port: http.address().port }));

process.on('message', (message) => {
  if (message.cmd === 'prepare') {
    prepare(message.size, message.n, message.paired ?? 0);
    process.send?.({ type: 'prepared' });
  } else if (message.cmd === 'exit') {
    process.exit(0);
  }
});
