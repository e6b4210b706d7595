// Receive throughput paired within one connection: one `ws` connection to the blast server
// (`&paired=K`), whose frames this process hands by turns, K at a time, to two lanes: the baseline
// (`JSON.parse` of the frame text, as ws + JSON.parse does) and one client kind, which runs on the
// same connection through a socket wrapper (a managed socket through the frame listener the
// `/node` entry's socket has, rxjs `webSocket()` through `onmessage`). Each lane sees its own
// sequence without holes (the server numbers the blocks so), and every consumer checks it.
//
// Each block is timed from the end of the block before it to its own last frame: `ws` reading and
// framing those frames plus the lane's work. The server never waits on this client, so a block's
// time is work, not waiting. A client block's ratio is the geometric mean of the two baseline
// blocks beside it over its own time: they ran milliseconds apart, so the drift of a noisy host
// (whole seconds between the runs of separate processes) mostly cancels.
//
// IPC: receives { cmd: 'run', kind, url, n, block, warmBlocks }; sends { type: 'result', ... }.
import WebSocket from 'ws';
import { Observable } from 'rxjs';
import { webSocket } from 'rxjs/webSocket';
import { bundlesOf } from '../lib/build.mjs';
import { leanComposition, sequencedFloor } from '../lib/controls.mjs';
import { now, reportErrors } from '../lib/proc.mjs';

reportErrors();

const FRAMES = Symbol.for('rxjs-managed-socket.frames');
/** The reference server's answer to a hello (the reference protocol waits for it). */
const WELCOME = Buffer.from(JSON.stringify({ type: 'welcome', sessionId: 'bench', heads: {}, epoch: 'bench-1' }));

/**
 * A WebSocket-like view of the shared connection for one client: already open (the open event
 * comes on the next turn), its frames are what `feed` is given, and nothing it sends goes out
 * (the blast server would ignore it; the welcome is fed in instead).
 */
class SharedSocket {
  static last = null;
  readyState = 0;
  binaryType = 'nodebuffer';
  onopen = null;
  onmessage = null;
  onclose = null;
  onerror = null;
  #open = [];
  #frames = null;
  constructor() {
    SharedSocket.last = this;
    setImmediate(() => {
      this.readyState = 1;
      for (const listener of this.#open) listener({});
      this.onopen?.({});
    });
  }
  addEventListener(type, listener) {
    if (type === 'open') this.#open.push(listener);
  }
  removeEventListener() {}
  [FRAMES](listener) {
    this.#frames = listener;
    return () => {
      this.#frames = null;
    };
  }
  send() {}
  close() {
    this.readyState = 3;
  }
  /** One frame of the connection, as `ws` hands it over. */
  feed(data, isBinary) {
    this.handler()(data, isBinary);
  }
  /**
   * What `ws` calls for each frame, without this object between: the frame listener itself, or
   * what `ws` does for an `onmessage` listener (the text as a string, in an event object). A lane
   * is fed through it, as the baseline is fed by `ws`'s own listener call.
   */
  handler() {
    return this.#frames ?? ((data, isBinary) => this.onmessage?.({ data: isBinary ? data : data.toString() }));
  }
}

/**
 * The controls, written into this file as lanes of their own (each fed as the client kinds are):
 * where the possible stands on the same connection.
 * - `ws-json`: the baseline's own work again, in a lane of its own: what the pairing itself costs
 *   a lane (1.00x when it costs nothing).
 * - `ws-sequenced`: the floor of a sequenced client: the baseline plus the least work any client
 *   of a sequenced feed must do per event, inline and without RxJS (bench/lib/controls.mjs).
 * - `lean-rx`: the lean RxJS composition (bench/lib/controls.mjs), its frames from the feed.
 */
const CONTROLS = {
  'ws-json': (onEvent) => ({ feed: (data) => onEvent(JSON.parse(data.toString())), close: () => undefined }),
  'ws-sequenced': (onEvent) => ({ feed: sequencedFloor(onEvent), close: () => undefined }),
  'lean-rx': (onEvent) => {
    let frames = null;
    const frames$ = new Observable((subscriber) => {
      frames = subscriber;
      return () => {
        frames = null;
      };
    });
    const subscription = leanComposition(frames$, onEvent);
    return { feed: (data, isBinary) => frames?.next(isBinary ? data : data.toString()), close: () => subscription.unsubscribe() };
  },
};

/** A lane per kind: `{ feed, close }` once it is open and ready for events; `onEvent` sees each event. */
async function openLane(kindArg, onEvent) {
  // `managed-full@alt`: the managed socket of the bundles given to `run.mjs --compare`.
  const [kind, variant = ''] = kindArg.split('@');
  const bundles = bundlesOf(variant);
  const control = CONTROLS[kind];
  if (control !== undefined) {
    const lane = control(onEvent);
    // The welcome every lane is given first: the sequenced controls drop it as the others do.
    lane.feed(WELCOME, false);
    return lane;
  }
  if (kind === 'rxjs-webSocket') {
    const subscription = webSocket({ url: 'ws://shared/', WebSocketCtor: SharedSocket }).subscribe({ next: onEvent });
    const socket = SharedSocket.last;
    await new Promise((resolve) => setImmediate(resolve));
    return { feed: socket.handler(), close: () => subscription.unsubscribe() };
  }
  const { managedSocket$ } = await import(bundles.node);
  let config = {};
  if (kind === 'managed-full') {
    const { referenceProtocol } = await import(bundles.server);
    config = { ...referenceProtocol() };
    delete config.codec;
  } else if (kind !== 'managed-plain') {
    throw new TypeError(`pairedClient: unknown kind ${kind}`);
  }
  const socket$ = managedSocket$({ url: 'ws://shared/', WebSocketCtor: SharedSocket, ...config });
  const subscription = socket$.subscribe({ next: onEvent });
  if (kind === 'managed-full') socket$.subscribeTopics('prices');
  await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setImmediate(resolve));
  const socket = SharedSocket.last;
  // The welcome the reference protocol waits for; a plain socket passes it on as a message.
  socket.feed(WELCOME, false);
  return { feed: socket.handler(), close: () => subscription.unsubscribe() };
}

async function run({ kind, url, n, block, warmBlocks }) {
  const seen = [0, 0];
  let wrong = 0;
  const check = (lane) => (event) => {
    if (event?.type === 'welcome') return;
    if (event.seq !== ++seen[lane]) wrong++;
  };
  const baselineEvent = check(0);
  const baseline = { feed: (data) => baselineEvent(JSON.parse(data.toString())) };
  const client = await openLane(kind, check(1));
  const lanes = [baseline, client];
  const times = [];
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url}&n=${n}&paired=${block}`, { perMessageDeflate: false });
    let count = 0;
    let lane = 0;
    let inBlock = 0;
    let started = 0;
    const guard = setTimeout(() => reject(new Error(`only ${count} of ${n} frames within 300 s`)), 300_000);
    ws.on('error', reject);
    ws.on('message', (data, isBinary) => {
      if (count === 0) started = now();
      lanes[lane].feed(data, isBinary);
      count++;
      if (++inBlock === block) {
        const t = now();
        times.push(t - started);
        started = t;
        inBlock = 0;
        lane ^= 1;
      }
      if (count === n) {
        clearTimeout(guard);
        setImmediate(() => {
          ws.close();
          client.close();
          resolve({ times, wrong, seen });
        });
      }
    });
  }).then(({ times: all, wrong: bad, seen: counts }) => {
    // Blocks alternate baseline (even), client (odd); the first `warmBlocks` are the warm-up.
    const ratios = [];
    for (let b = Math.max(1, warmBlocks | 1); b + 1 < all.length; b += 2) ratios.push(Math.sqrt(all[b - 1] * all[b + 1]) / all[b]);
    return { kind, n, block, blocks: all.length, ratios, wrong: bad, seen: counts };
  });
}

process.on('message', async (message) => {
  if (message.cmd === 'exit') process.exit(0);
  if (message.cmd !== 'run') return;
  const result = await run(message);
  process.send({ type: 'result', ...result });
});
process.send({ type: 'ready' });
