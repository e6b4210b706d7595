#!/usr/bin/env node
// Lossless (pause) mode against the same job without backpressure, on its own (run.mjs has it as
// its `pause` section): events/s and live heap, for a sink that keeps up and for a slow one.
//
//   node bench/pause.mjs [--messages N] [--rounds N] [--sink 'keeps up' | 'slow …']
import { parseArgs } from 'node:util';
import { buildBundles, removeBundles } from './lib/build.mjs';
import { PAUSE_SINKS, pauseBench, pauseTable } from './lib/pause.mjs';

const { values: args } = parseArgs({
  options: { messages: { type: 'string', default: '50000' }, rounds: { type: 'string', default: '3' }, sink: { type: 'string' } },
});
const sinks = Object.keys(PAUSE_SINKS).filter((name) => args.sink === undefined || name.startsWith(args.sink));
if (sinks.length === 0) throw new TypeError(`--sink must start one of: ${Object.keys(PAUSE_SINKS).join(', ')}`);

await buildBundles();
try {
  const result = await pauseBench({ n: Number(args.messages), rounds: Number(args.rounds), sinks, log: console.log });
  console.log(`\n${result.messages} events of 1 KB, capacity ${result.capacity}, median of ${result.rounds} rounds, node ${process.version}\n`);
  console.log(pauseTable(result));
} finally {
  await removeBundles();
}
