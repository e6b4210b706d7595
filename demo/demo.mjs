#!/usr/bin/env node
// The main demo: a reference server that misbehaves on purpose, a managed socket that keeps every
// event anyway, and a verdict that compares what the server sent with what the consumer got. The
// client also talks back: orders published with acknowledged sends (resent after a reconnect, each
// kept once by the server), and a request for the server's heads at the end.
//
//   npm start                         # about 20 s, a fault every ~1.5 s
//   npm start -- --seconds 60 --rate 500 --fault-every 500 --seed 7
import { parseArgs } from 'node:util';
import { firstValueFrom } from 'rxjs';
import { managedSocket$ } from '../dist/node.mjs';
import { startReferenceServer, referenceProtocol } from '../dist/server.mjs';

const { values: flags } = parseArgs({
  options: {
    seconds: { type: 'string', default: '20' },
    rate: { type: 'string', default: '200' },
    topics: { type: 'string', default: 'prices,news,trades' },
    'fault-every': { type: 'string', default: '1500' },
    seed: { type: 'string', default: '1' },
  },
});
const seconds = Number(flags.seconds);
const rate = Number(flags.rate);
const faultEvery = Number(flags['fault-every']);
const topics = flags.topics.split(',').filter(Boolean);
for (const [name, value] of [['seconds', seconds], ['rate', rate], ['fault-every', faultEvery]]) {
  if (!(value > 0)) {
    console.error(`demo: --${name} must be a positive number`);
    process.exit(2);
  }
}

// A small seeded PRNG, so a run's faults can be replayed from its seed.
let state = Number(flags.seed) >>> 0;
const random = () => {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

const server = await startReferenceServer();
const faults = { kill: 0, restart: 0, silence: 0, reorder: 0, duplicate: 0, close1012: 0 };
const injectFault = async () => {
  const kinds = Object.keys(faults);
  const kind = kinds[Math.floor(random() * kinds.length)];
  faults[kind]++;
  switch (kind) {
    case 'kill': server.killAll(); break;
    case 'restart': await server.restart({ downtimeMs: 300 }); break;
    case 'silence': server.silence(true); break; // the client's idle timeout must notice
    case 'reorder': server.reorderNext(4); break;
    case 'duplicate': {
      const recent = server.events().slice(-5);
      for (const event of recent) server.sendRaw(JSON.stringify(event));
      break;
    }
    case 'close1012': server.closeAll(1012, 'service restart'); break;
  }
};

const socket = managedSocket$({
  url: server.url,
  ...referenceProtocol({ heartbeatInterval: 250 }),
  resume: { start: 0 },
  idleTimeout: 1_000,
  gaps: { maxWait: 500 },
  retry: { initialInterval: 100, maxInterval: 2_000, jitter: 0.5, resetAfter: 2_000 },
});
socket.subscribeTopics(...topics);

const received = new Map(topics.map((topic) => [topic, []]));
let state$ = 'idle';
socket.state$.subscribe((s) => (state$ = s));
const done = new Promise((resolve, reject) => {
  socket.subscribe({ next: (e) => received.get(e.topic)?.push(e.seq), error: reject, complete: resolve });
});

const tty = process.stdout.isTTY;
const progress = () => {
  const m = socket.metrics();
  const total = [...received.values()].reduce((n, list) => n + list.length, 0);
  return `events ${total} | state ${state$} | reconnects ${m.reconnectAttempts} | gaps healed ${m.gaps} | duplicates dropped ${m.duplicates} | faults ${Object.values(faults).reduce((a, b) => a + b, 0)}`;
};

const started = Date.now();
const publisher = setInterval(() => {
  for (let i = 0; i < Math.max(1, Math.round(rate / 20)); i++) server.publish(topics[Math.floor(random() * topics.length)], { at: Date.now() });
}, 50);
const chaos = setInterval(() => void injectFault(), faultEvery);
// Acknowledged sends: each order completes on the server's ack; unacked ones are sent again after
// a reconnect, in order, and the server keeps an id once.
const orders = { sent: 0, acked: 0, failed: 0 };
const ordering = setInterval(() => {
  const id = `order-${++orders.sent}`;
  socket.sendAcked({ type: 'publish', topic: 'orders', data: { id }, id }).subscribe({
    complete: () => orders.acked++,
    error: () => orders.failed++,
  });
}, 100);
const ticker = setInterval(() => (tty ? process.stdout.write(`\r${progress()}   `) : console.log(progress())), tty ? 200 : 1_000);

await new Promise((resolve) => setTimeout(resolve, seconds * 1_000));
clearInterval(publisher);
clearInterval(chaos);
clearInterval(ordering);
// The feed goes on a little after the faults stop, as a live feed does: a later event is what
// reveals a hole at the tail (events swallowed by a mute link, held by a reorder) to the client.
for (let i = 0; i < 4; i++) for (const topic of topics) server.publish(topic, { at: Date.now(), tail: i });

// Let the client catch up: everything published must arrive (bounded wait).
const sent = () => topics.reduce((n, topic) => n + server.events(topic).length, 0);
const got = () => [...received.values()].reduce((n, list) => n + list.length, 0);
const deadline = Date.now() + 15_000;
const settled = () => got() >= sent() && orders.acked + orders.failed === orders.sent;
while (!settled() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
clearInterval(ticker);
if (tty) process.stdout.write(`\r${progress()}\n`);

let lost = 0;
let duplicated = 0;
let outOfOrder = 0;
for (const topic of topics) {
  const expected = server.events(topic).map((e) => e.seq);
  const seqs = received.get(topic);
  const seen = new Set();
  for (let i = 0; i < seqs.length; i++) {
    if (seen.has(seqs[i])) duplicated++;
    seen.add(seqs[i]);
    if (i > 0 && seqs[i] <= seqs[i - 1]) outOfOrder++;
  }
  for (const seq of expected) if (!seen.has(seq)) lost++;
}
// The orders in the server's log: every one sent, in order, each once.
const logged = server.events('orders').map((e) => e.data.id);
const ordersOk = orders.acked === orders.sent && logged.length === orders.sent && logged.every((id, i) => id === `order-${i + 1}`);
// A request answered by the server (resent after a reconnect: reading the heads is idempotent).
const reply = await firstValueFrom(socket.request({ type: 'request', id: 'heads-1', op: 'heads' }, { idempotent: true, timeout: 5_000 }));
const headsOk = topics.every((topic) => reply.data?.[topic] === server.heads()[topic]);
await new Promise((resolve) => socket.close().subscribe({ complete: resolve }));
await server.stop();
await done.catch(() => undefined);

const m = socket.metrics();
console.log(`ran ${((Date.now() - started) / 1000).toFixed(1)} s, seed ${flags.seed}`);
console.log(`faults injected: ${Object.entries(faults).map(([k, v]) => `${k} ${v}`).join(', ')}`);
console.log(`server sent ${sent()} events on ${topics.length} topics; consumer received ${got()}`);
console.log(`connections ${m.connections}, reconnect attempts ${m.reconnectAttempts}, gaps healed ${m.gaps}, duplicates dropped ${m.duplicates}, decode errors ${m.decodeErrors}`);
console.log(`orders: ${orders.sent} sent, ${orders.acked} acked, ${orders.failed} failed; the server's log holds ${logged.length} -> ${ordersOk ? 'OK' : 'FAILED'}`);
console.log(`request: heads ${JSON.stringify(reply.data)} -> ${headsOk ? 'OK' : 'FAILED'}`);
const ok = lost + duplicated + outOfOrder === 0 && ordersOk && headsOk;
console.log(`verdict: lost: ${lost}, duplicated: ${duplicated}, out of order: ${outOfOrder} -> ${ok ? 'OK' : 'FAILED'}`);
process.exit(ok ? 0 : 1);
