// Where the time goes: managedSocket$ in-process, on a fake WebSocket that hands it pre-made
// frames synchronously (no network, no `ws`), in several configurations. The difference between
// two configurations is the cost of what one adds, measured inside the whole pipeline (where the
// caches are colder than in an operator's microbenchmark).
//
// IPC: receives { cmd: 'run', messages, rounds }; sends { type: 'result', ... }. argv[2]: the
// bundle variant ('' or 'alt').
import { bundlesOf } from '../lib/build.mjs';
import { frameFactory } from '../lib/frames.mjs';
import { reportErrors } from '../lib/proc.mjs';
import { median } from '../lib/stats.mjs';

reportErrors();

const bundles = bundlesOf(process.argv[2] ?? '');
const { managedSocket$ } = await import(bundles.node);
const { referenceProtocol } = await import(bundles.server);

/** Just enough of a WebSocket: opens on the next tick; `deliver(frame)` plays a server frame. */
class FakeSocket {
  static last = null;
  readyState = 0;
  #listeners = { open: [], message: [], close: [], error: [] };
  constructor() {
    FakeSocket.last = this;
    setImmediate(() => {
      this.readyState = 1;
      for (const listener of this.#listeners.open) listener({});
    });
  }
  addEventListener(type, listener) {
    this.#listeners[type]?.push(listener);
  }
  removeEventListener(type, listener) {
    const list = this.#listeners[type];
    if (list) list.splice(list.indexOf(listener) >>> 0, 1);
  }
  send() {}
  close() {
    this.readyState = 3;
  }
  deliver(data) {
    const event = { data };
    for (const listener of this.#listeners.message) listener(event);
  }
}

/** The reference server's answer to a hello. */
const WELCOME = JSON.stringify({ type: 'welcome', sessionId: 'bench', heads: {}, epoch: 'bench-1' });

const withoutCodec = () => {
  const protocol = { ...referenceProtocol() };
  delete protocol.codec;
  return protocol;
};
export const STAGES = {
  'JSON.parse only (no library)': null,
  'plain (decode only)': () => ({}),
  'plain, idleTimeout: 0': () => ({ idleTimeout: 0 }),
  'full (no codec)': () => withoutCodec(),
  'full, dedupe: false': () => ({ ...withoutCodec(), dedupe: false }),
  'full, gaps: false': () => ({ ...withoutCodec(), gaps: false }),
  'full, resume: false': () => ({ ...withoutCodec(), resume: false }),
  'full, idleTimeout: 0': () => ({ ...withoutCodec(), idleTimeout: 0 }),
  'full + codec': () => referenceProtocol(),
};

/** ns per message for one configuration: a fresh socket, `messages` frames delivered in a loop. */
async function once(config, frames) {
  if (config === null) {
    let sink = null;
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < frames.length; i++) sink = JSON.parse(frames[i]);
    const ns = Number(process.hrtime.bigint() - t0) / frames.length;
    return sink === null ? NaN : ns;
  }
  const socket = managedSocket$({ url: 'ws://127.0.0.1:1/', WebSocketCtor: FakeSocket, ...config() });
  let count = 0;
  const subscription = socket.subscribe({ next: () => count++ });
  socket.subscribeTopics?.('prices');
  await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setImmediate(resolve));
  const fake = FakeSocket.last;
  // As the reference server does: the welcome answers the hello (the reference protocol waits for it).
  fake.deliver(WELCOME);
  count = 0; // the plain configurations deliver it as a message
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < frames.length; i++) fake.deliver(frames[i]);
  const ns = Number(process.hrtime.bigint() - t0) / frames.length;
  subscription.unsubscribe();
  if (count !== frames.length) throw new Error(`delivered ${count} of ${frames.length}`);
  return ns;
}

process.on('message', async (message) => {
  if (message.cmd === 'exit') process.exit(0);
  if (message.cmd !== 'run') return;
  const { messages, rounds } = message;
  const make = frameFactory('small');
  const frames = Array.from({ length: messages }, (_, i) => make(i + 1));
  const samples = Object.fromEntries(Object.keys(STAGES).map((name) => [name, []]));
  // Interleaved rounds, the first one a warm-up.
  for (let round = 0; round <= rounds; round++) {
    for (const [name, config] of Object.entries(STAGES)) {
      const ns = await once(config, frames);
      if (round > 0) samples[name].push(ns);
    }
  }
  const nsPerMessage = Object.fromEntries(Object.entries(samples).map(([name, list]) => [name, Number(median(list).toFixed(1))]));
  process.send({ type: 'result', messages, rounds, nsPerMessage });
});
process.send({ type: 'ready' });
