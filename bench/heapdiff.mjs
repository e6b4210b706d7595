// What one idle connection of a client kind keeps on the heap, by constructor: heap snapshots
// before and after opening `count` connections (same process, after GC), diffed, per connection.
//
//   node --expose-gc bench/heapdiff.mjs [kind=managed-plain] [count=200] [locations]
import { writeHeapSnapshot } from 'node:v8';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { buildBundles, removeBundles } from './lib/build.mjs';
import { loadClient } from './lib/clients.mjs';
import { spawnProc } from './lib/proc.mjs';

const [kind = 'managed-plain', countArg = '200', mode = ''] = process.argv.slice(2);
/** `locations` as third argument: closures grouped by where they were created (script:line). */
const BY_LOCATION = mode === 'locations';
/** `strings` as third argument: strings grouped by their first 40 characters. */
const BY_TEXT = mode === 'strings';
const count = Number(countArg);
if (typeof global.gc !== 'function') throw new Error('run with node --expose-gc');

await buildBundles();
const server = spawnProc('blastServer');
const { port } = await server.next('ready');
const url = `ws://127.0.0.1:${port}/idle`;
const open = await loadClient(kind);
const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function openAll(n) {
  const closers = [];
  await new Promise((resolve) => {
    let opened = 0;
    for (let i = 0; i < n; i++) closers.push(open(url, { onOpen: () => ++opened === n && resolve() }));
  });
  await pause(200);
  return closers;
}

async function snapshot(name) {
  for (let i = 0; i < 6; i++) {
    global.gc();
    await pause(5);
  }
  const file = join(tmpdir(), `heapdiff-${process.pid}-${name}.heapsnapshot`);
  writeHeapSnapshot(file);
  const data = JSON.parse(await readFile(file, 'utf8'));
  await rm(file);
  const { node_fields: fields, node_types: types } = data.snapshot.meta;
  const width = fields.length;
  const [typeAt, nameAt, sizeAt] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f));
  const typeNames = types[0];
  // Closures and objects with a source location (snapshot.locations: node index, script, line, column).
  const where = new Map();
  const loc = data.locations ?? [];
  const locWidth = data.snapshot.meta.location_fields?.length ?? 4;
  for (let i = 0; i < loc.length; i += locWidth) where.set(loc[i], `${loc[i + 1]}:${loc[i + 2] + 1}`);
  const totals = new Map();
  for (let i = 0; i < data.nodes.length; i += width) {
    const type = typeNames[data.nodes[i + typeAt]];
    let label = data.strings[data.nodes[i + nameAt]];
    if (type === 'closure' && BY_LOCATION && where.has(i)) label = `${label || '(anonymous)'} @${where.get(i)}`;
    if (type === 'string' || type === 'concatenated string' || type === 'sliced string') label = BY_TEXT ? JSON.stringify(label.slice(0, 40)) : '(strings)';
    else if (type === 'number') label = '(heap numbers)';
    else if (type === 'code') label = '(code)';
    const key = `${type} ${label}`.slice(0, 90);
    const entry = totals.get(key) ?? { size: 0, count: 0 };
    entry.size += data.nodes[i + sizeAt];
    entry.count++;
    totals.set(key, entry);
  }
  return totals;
}

for (const close of await openAll(10)) close();
await pause(200);
const before = await snapshot('before');
const closers = await openAll(count);
const after = await snapshot('after');
const rows = [];
let total = 0;
for (const [key, { size, count: n }] of after) {
  const was = before.get(key) ?? { size: 0, count: 0 };
  const delta = size - was.size;
  total += delta;
  if (Math.abs(delta) >= count * (BY_LOCATION ? 8 : 16)) rows.push([key, delta / count, (n - was.count) / count]);
}
rows.sort((a, b) => b[1] - a[1]);
console.log(`${kind}: ${(total / count).toFixed(0)} B per connection in the snapshot diff (${count} connections)\n`);
console.log('bytes/conn  objects/conn  type name');
for (const [key, perConn, objects] of rows.slice(0, BY_LOCATION ? 200 : 45)) console.log(`${perConn.toFixed(0).padStart(10)}  ${objects.toFixed(1).padStart(12)}  ${key}`);
for (const close of closers) close();
await server.stop();
await removeBundles();
process.exit(0);
