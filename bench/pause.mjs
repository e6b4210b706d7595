#!/usr/bin/env node
// Lossless (pause) mode against the same job without backpressure: events/s and heap, for a sink
// that keeps up and for a slow one. Not part of `npm run bench` (run.mjs); figures go to
// docs/node.md by hand.
//
//   node bench/pause.mjs [--messages N] [--rounds N]
//
// The blast server (bench/procs/blastServer.mjs) sends 1 KB event frames as fast as TCP takes
// them; each client runs in its own process (bench/procs/pauseClient.mjs, with --expose-gc).
import { parseArgs } from 'node:util';
import { buildBundles, removeBundles } from './lib/build.mjs';
import { spawnProc } from './lib/proc.mjs';
import { fmt, median } from './lib/stats.mjs';

const { values: args } = parseArgs({ options: { messages: { type: 'string', default: '100000' }, rounds: { type: 'string', default: '3' } } });
const n = Number(args.messages);
const rounds = Number(args.rounds);
const ONLY = process.env.PAUSE_BENCH_SINK;
const ALL_SINKS = {
  'keeps up': { sinkBatch: 1, sinkDelayMs: 0 },
  'slow (1 ms per 20 events)': { sinkBatch: 20, sinkDelayMs: 1 },
};
const SINKS = Object.fromEntries(Object.entries(ALL_SINKS).filter(([name]) => ONLY === undefined || name.startsWith(ONLY)));
const MODES = ['unbounded', 'pause'];

await buildBundles();
const server = spawnProc('blastServer');
try {
  const { port } = await server.next('ready');
  server.send({ cmd: 'prepare', size: 'large', n });
  await server.next('prepared');
  const rows = [];
  for (const [sink, pace] of Object.entries(SINKS)) {
    const samples = Object.fromEntries(MODES.map((mode) => [mode, []]));
    for (let round = 0; round < rounds; round++) {
      for (const mode of MODES) {
        const run = async (measure) => {
          const client = spawnProc('pauseClient', { execArgv: ['--expose-gc'] });
          await client.next('ready');
          client.send({ cmd: 'run', mode, measure, url: `ws://127.0.0.1:${port}/?size=large`, n, capacity: 1_000, ...pace });
          const result = await client.next('result', 300_000);
          await client.stop();
          if (result.wrong > 0 || result.count !== n) throw new Error(`${mode}: ${result.count} events, ${result.wrong} out of order`);
          return result;
        };
        const speed = await run('speed');
        const memory = await run('memory');
        samples[mode].push({ ...speed, heapGrowthMB: memory.heapGrowthMB, peakRssMB: memory.peakRssMB });
      }
    }
    for (const mode of MODES) {
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
  console.log(`${n} events of 1 KB, median of ${rounds} rounds, node ${process.version}`);
  console.log('| sink | mode | events/s | peak live heap growth | peak RSS | events read while paused | pauses |');
  console.log('|---|---|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    console.log(`| ${r.sink} | ${r.mode} | ${fmt(r.eventsPerSec)} | ${r.heapGrowthMB.toFixed(1)} MB | ${r.peakRssMB.toFixed(0)} MB | ${(r.pausedShare * 100).toFixed(0)}% | ${fmt(r.pauses)} |`);
  }
} finally {
  await server.stop();
  await removeBundles();
}
