// One throughput client: connects to the blast server, counts n events, reports the time from the
// first to the n-th. A warm-up connection of `warm` events runs first in the same process (same
// client kind, a fresh instance), so the measured pass runs JIT-compiled code.
//
// The consumer does the same for every kind: count, and check that `seq` is the expected one
// (kinds that parse), so a client that lost, repeated or reordered an event is reported.
//
// IPC: receives { cmd: 'run', kind, url, n, warm }; sends { type: 'result', ... }.
import { loadClient } from '../lib/clients.mjs';
import { now, reportErrors } from '../lib/proc.mjs';

reportErrors();

/** Receives n events on one connection; resolves with the timing. */
function pass(open, url, n, parses) {
  return new Promise((resolve, reject) => {
    let count = 0;
    let wrong = 0;
    let first = 0;
    let close = null;
    const guard = setTimeout(() => reject(new Error(`only ${count} of ${n} events within 120 s`)), 120_000);
    const onEvent = (event) => {
      count++;
      if (parses && event.seq !== count) wrong++;
      if (count === 1) first = now();
      if (count === n) {
        const last = now();
        clearTimeout(guard);
        // Close once the current delivery has returned.
        setImmediate(() => {
          close?.();
          resolve({ elapsedMs: last - first, count, wrong });
        });
      }
    };
    close = open(`${url}&n=${n}`, { onEvent });
  });
}

process.on('message', async (message) => {
  if (message.cmd === 'exit') process.exit(0);
  if (message.cmd !== 'run') return;
  const { kind, url, n, warm } = message;
  const open = await loadClient(kind);
  const parses = kind !== 'ws-raw';
  if (warm > 0) {
    await pass(open, url, warm, parses);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const result = await pass(open, url, n, parses);
  // n events arrive over n - 1 intervals after the first.
  process.send({ type: 'result', kind, n, ...result, msgsPerSec: ((n - 1) * 1000) / result.elapsedMs });
});
process.send({ type: 'ready' });
