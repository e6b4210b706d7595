// Lossless (pause) mode against the same job without backpressure: the `pause` section of
// run.mjs, and bench/pause.mjs on its own. The blast server sends 1 KB event frames as fast as TCP
// takes them; each client runs in its own process (procs/pauseClient.mjs, with --expose-gc): once
// for events/s, once (unless `memory` is false) for the live heap after forced GCs.
import { spawnProc } from './proc.mjs';
import { fmt, median } from './stats.mjs';

/** The sinks: `sinkDelayMs` per `sinkBatch` events. */
export const PAUSE_SINKS = {
  'keeps up': { sinkBatch: 1, sinkDelayMs: 0 },
  'slow (1 ms per 20 events)': { sinkBatch: 20, sinkDelayMs: 1 },
};
export const PAUSE_MODES = ['unbounded', 'pause'];
const CAPACITY = 1_000;

/**
 * Runs every sink and mode `rounds` times with `n` events; resolves with
 * { messages, rounds, capacity, rows: [{ sink, mode, eventsPerSec, heapGrowthMB, peakRssMB, pausedShare, pauses }] }.
 */
export async function pauseBench({ n, rounds, memory = true, sinks = Object.keys(PAUSE_SINKS), log = () => undefined }) {
  const server = spawnProc('blastServer');
  try {
    const { port } = await server.next('ready');
    server.send({ cmd: 'prepare', size: 'large', n });
    await server.next('prepared');
    const rows = [];
    for (const sink of sinks) {
      const pace = PAUSE_SINKS[sink];
      const samples = Object.fromEntries(PAUSE_MODES.map((mode) => [mode, []]));
      for (let round = 0; round < rounds; round++) {
        for (const mode of PAUSE_MODES) {
          const run = async (measure) => {
            const client = spawnProc('pauseClient', { execArgv: ['--expose-gc'] });
            await client.next('ready');
            client.send({ cmd: 'run', mode, measure, url: `ws://127.0.0.1:${port}/?size=large`, n, capacity: CAPACITY, ...pace });
            const result = await client.next('result', 600_000);
            await client.stop();
            if (result.wrong > 0 || result.count !== n) throw new Error(`pause bench, ${mode}: ${result.count} events, ${result.wrong} out of order`);
            return result;
          };
          const speed = await run('speed');
          const mem = memory ? await run('memory') : speed;
          samples[mode].push({ ...speed, heapGrowthMB: mem.heapGrowthMB, peakRssMB: mem.peakRssMB });
          log(`  round ${round + 1}/${rounds} ${sink}, ${mode}: ${fmt(speed.msgsPerSec)} events/s, ${speed.pauses} pauses`);
        }
      }
      for (const mode of PAUSE_MODES) {
        const s = samples[mode];
        rows.push({
          sink,
          mode,
          eventsPerSec: median(s.map((r) => r.msgsPerSec)),
          heapGrowthMB: median(s.map((r) => r.heapGrowthMB)),
          peakRssMB: median(s.map((r) => r.peakRssMB)),
          pausedShare: median(s.map((r) => r.pausedShare)),
          pauses: median(s.map((r) => r.pauses)),
        });
      }
    }
    return { messages: n, rounds, capacity: CAPACITY, memory, rows };
  } finally {
    await server.stop();
  }
}

/** The markdown table of a {@link pauseBench} result. */
export function pauseTable(result) {
  const lines = [
    '| sink | mode | events/s | peak live heap growth | peak RSS | events read while paused | pauses |',
    '|---|---|---:|---:|---:|---:|---:|',
  ];
  for (const r of result.rows) {
    const heap = result.memory ? `${r.heapGrowthMB.toFixed(1)} MB` : '(not measured)';
    const rss = result.memory ? `${r.peakRssMB.toFixed(0)} MB` : '(not measured)';
    lines.push(`| ${r.sink} | ${r.mode} | ${fmt(r.eventsPerSec)} | ${heap} | ${rss} | ${(r.pausedShare * 100).toFixed(0)} % | ${fmt(r.pauses)} |`);
  }
  return lines.join('\n');
}
