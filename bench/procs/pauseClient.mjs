// One lossless-mode client: a managed socket (referenceProtocol) consumed through toAsyncIterable
// by a sink of a given speed, in one of two modes:
//   'pause'     { capacity, pause: socket }: at `capacity` waiting events the socket stops reading
//   'unbounded' { capacity: n }: the same job without backpressure: nothing is dropped, the backlog
//               waits in this process's heap
// It reports events/s (first to last event), the peak heap and RSS, and checks that every seq
// arrived once, in order. `measure: 'speed'` samples memoryUsage() every 10 ms (cheap: the events/s
// is the figure); `measure: 'memory'` forces a full GC before each sample, every second, so the
// heap is what is really held, garbage aside (the GCs slow the run: its events/s is not reported).
//
// IPC: receives { cmd: 'run', mode, measure, url, n, capacity, sinkBatch, sinkDelayMs }; sends { type: 'result', ... }.
import { BUNDLES } from '../lib/build.mjs';
import { now, reportErrors } from '../lib/proc.mjs';

reportErrors();

process.on('message', async (message) => {
  if (message.cmd === 'exit') process.exit(0);
  if (message.cmd !== 'run') return;
  const { mode, measure, url, n, capacity, sinkBatch, sinkDelayMs } = message;
  const { managedSocket$, toAsyncIterable } = await import(BUNDLES.node);
  const { referenceProtocol } = await import(BUNDLES.server);
  const { filter, take } = await import('rxjs');

  global.gc?.();
  const base = process.memoryUsage();
  let peakHeap = base.heapUsed;
  let peakRss = base.rss;
  const sampler = setInterval(() => {
    if (measure === 'memory') global.gc?.();
    const m = process.memoryUsage();
    peakHeap = Math.max(peakHeap, m.heapUsed);
    peakRss = Math.max(peakRss, m.rss);
  }, measure === 'memory' ? 1_000 : 10);

  const socket = managedSocket$({ url: `${url}&n=${n}`, ...referenceProtocol(), idleTimeout: 5_000 });
  socket.subscribeTopics('prices');
  const events$ = socket.pipe(
    filter((f) => f.type === 'event'),
    take(n),
  );
  let pauses = 0;
  const counted = { pause: () => (pauses++, socket.pause()), resume: () => socket.resume() };
  const config = mode === 'pause' ? { capacity, pause: counted } : { capacity: n };
  let count = 0;
  let wrong = 0;
  let first = 0;
  let pausedSeen = 0;
  for await (const event of toAsyncIterable(events$, config)) {
    count++;
    if (event.seq !== count) wrong++;
    if (count === 1) first = now();
    if (socket.paused) pausedSeen++;
    // The sink: `sinkDelayMs` per `sinkBatch` events (a batched database write, say).
    if (sinkDelayMs > 0 && count % sinkBatch === 0) await new Promise((resolve) => setTimeout(resolve, sinkDelayMs));
  }
  const last = now();
  clearInterval(sampler);
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  process.send({
    type: 'result',
    mode,
    count,
    wrong,
    elapsedMs: last - first,
    msgsPerSec: (count - 1) / ((last - first) / 1000),
    heapGrowthMB: (peakHeap - base.heapUsed) / 1024 ** 2,
    peakRssMB: peakRss / 1024 ** 2,
    pausedShare: pausedSeen / count,
    pauses,
  });
});

process.send({ type: 'ready' });
