// The recovery test's client: managedSocket$ with referenceProtocol() (the full pipeline and the
// codec) subscribed to `prices`, with the default backoff (1 s initial, jitter 0.5) and
// `resetOnSuccess`, so every cut starts from the first backoff step. For each cut it reports when
// it saw the disconnect, the `reconnecting` events (delay chosen), the reconnect, and the first
// event delivered after it; and it checks that seqs stay contiguous (no loss, no repeat).
//
// IPC: receives { cmd: 'start', url, initialInterval? } (the smoke run shortens the backoff); sends { type: 'ready' } once events flow, then for every
// cut { type: 'recovered', ... }.
import { BUNDLES } from '../lib/build.mjs';
import { now, reportErrors } from '../lib/proc.mjs';

reportErrors();

const { managedSocket$ } = await import(BUNDLES.node);
const { referenceProtocol } = await import(BUNDLES.server);

process.on('message', (message) => {
  if (message.cmd === 'exit') process.exit(0);
  if (message.cmd !== 'start') return;
  const retry = { resetOnSuccess: true, ...(message.initialInterval ? { initialInterval: message.initialInterval } : {}) };
  const socket = managedSocket$({ url: message.url, ...referenceProtocol(), retry });
  let cycle = null;
  let last = null;
  let received = 0;
  let broken = 0;
  let ready = false;
  socket.events$.subscribe((event) => {
    const t = now();
    if (event.type === 'disconnected' && cycle === null) cycle = { tDisconnected: t, reconnecting: [], tConnected: null, lastSeqBefore: last };
    else if (event.type === 'reconnecting' && cycle) cycle.reconnecting.push({ t, delay: event.delay, attempt: event.attempt });
    else if (event.type === 'connected' && cycle) cycle.tConnected = t;
  });
  socket.subscribeTopics('prices');
  socket.subscribe({
    next: (event) => {
      const t = now();
      received++;
      if (last !== null && event.seq !== last + 1) broken++;
      last = event.seq;
      if (!ready && received >= 20) {
        ready = true;
        process.send({ type: 'ready' });
      }
      if (cycle !== null && cycle.tConnected !== null) {
        process.send({ type: 'recovered', ...cycle, tFirst: t, firstSeq: event.seq, broken });
        cycle = null;
      }
    },
    error: (err) => process.send({ type: 'error', error: String(err) }),
  });
});
process.send({ type: 'hello' });
