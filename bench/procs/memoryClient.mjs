// Memory per idle connection: `count` connections of one client kind to the blast server's idle
// path, all open and nothing flowing. Heap after GC (--expose-gc) and RSS, minus a baseline taken
// in this process after the modules were loaded and a few connections were opened and closed (so
// compiled code and lazily made singletons are in the baseline, not in the per-connection figure).
//
// IPC: receives { cmd: 'run', kind, url, count, settleMs }; sends { type: 'result', ... }.
import { loadClient } from '../lib/clients.mjs';
import { reportErrors } from '../lib/proc.mjs';

reportErrors();

const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function settle() {
  for (let i = 0; i < 6; i++) {
    global.gc();
    await pause(5);
  }
  const { heapUsed, rss } = process.memoryUsage();
  return { heapUsed, rss };
}

/** Opens `count` connections, `batch` at a time (each batch open before the next starts). */
async function openAll(open, url, count, batch = 100) {
  const closers = [];
  for (let done = 0; done < count; done += batch) {
    const size = Math.min(batch, count - done);
    await new Promise((resolve, reject) => {
      let opened = 0;
      const timer = setTimeout(() => reject(new Error(`only ${opened} of ${size} connections opened in 20 s`)), 20_000);
      for (let i = 0; i < size; i++) {
        closers.push(
          open(url, {
            onOpen: () => {
              if (++opened === size) {
                clearTimeout(timer);
                resolve();
              }
            },
          }),
        );
      }
    });
  }
  return closers;
}

process.on('message', async (message) => {
  if (message.cmd === 'exit') process.exit(0);
  if (message.cmd !== 'run') return;
  const { kind, url, count, settleMs = 200 } = message;
  const open = await loadClient(kind);
  // Warm up: open and close a few, so code and lazy singletons are part of the baseline.
  for (const close of await openAll(open, url, 20, 20)) close();
  await pause(settleMs / 2);
  const base = await settle();
  let closers = await openAll(open, url, count);
  await pause(settleMs); // handshake frames, hello, subscribe: let them go out
  const loaded = await settle();
  process.send({
    type: 'result',
    kind,
    count,
    heapPerConn: (loaded.heapUsed - base.heapUsed) / count,
    rssPerConn: (loaded.rss - base.rss) / count,
    base,
    loaded,
  });
  for (const close of closers) close();
  closers = null;
});
process.send({ type: 'ready' });
