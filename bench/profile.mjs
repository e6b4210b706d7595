// Profiles one throughput client kind against the blast server with `node --cpu-prof`, then prints
// the functions with the most self time and the heaviest call paths into the library.
//
//   node bench/profile.mjs [kind=managed-full] [size=small] [n=300000]
//
// Kinds: ws-raw, ws-json, rxjs-webSocket, managed-plain, managed-full, managed-codec. The profile
// is written to bench/.build/profiles/<kind>-<size>.cpuprofile (open it in Chrome DevTools).
import { mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { buildBundles, removeBundles, ROOT } from './lib/build.mjs';
import { spawnProc } from './lib/proc.mjs';

const [kind = 'managed-full', size = 'small', nArg = '300000'] = process.argv.slice(2);
const n = Number(nArg);

await buildBundles();
const PROFILES = join(ROOT, 'bench', '.build', 'profiles');
const dir = join(PROFILES, `tmp-${process.pid}`);
await mkdir(dir, { recursive: true });
const server = spawnProc('blastServer');
const { port } = await server.next('ready');
server.send({ cmd: 'prepare', size, n });
await server.next('prepared');
const client = spawnProc('throughputClient', { execArgv: ['--cpu-prof', `--cpu-prof-dir=${dir}`, '--cpu-prof-interval=100'] });
await client.next('ready');
client.send({ cmd: 'run', kind, url: `ws://127.0.0.1:${port}/?size=${size}`, n, warm: Math.floor(n / 10) });
const result = await client.next('result');
await client.stop();
await server.stop();
await removeBundles();
console.log(`${kind} ${size}: ${Math.round(result.msgsPerSec).toLocaleString('en-US')} msgs/s`);

const [file] = (await readdir(dir)).filter((f) => f.endsWith('.cpuprofile'));
const out = join(PROFILES, `${kind}-${size}.cpuprofile`);
await rename(join(dir, file), out);
await rm(dir, { recursive: true, force: true });

const profile = JSON.parse(await readFile(out, 'utf8'));
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const dt = new Map();
profile.samples.forEach((id, i) => dt.set(id, (dt.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
const total = [...dt.values()].reduce((a, b) => a + b, 0);
const where = (node) => {
  const { functionName, url, lineNumber } = node.callFrame;
  const short = url.replace(/^file:\/\//, '').replace(/.*node_modules\//, '').replace(/.*\/bench\//, 'bench/');
  return `${functionName || '(anonymous)'} ${short}:${lineNumber + 1}`;
};
const self = new Map();
for (const [id, time] of dt) {
  const key = where(byId.get(id));
  self.set(key, (self.get(key) ?? 0) + time);
}
console.log(`\nself time, top 25 of ${(total / 1000).toFixed(0)} ms sampled (${out}):`);
for (const [key, time] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 25)) {
  console.log(`${((100 * time) / total).toFixed(1).padStart(5)}%  ${key}`);
}
// Inclusive time per function (each function counted once per sample stack).
const parent = new Map();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
const inclusive = new Map();
for (const [id, time] of dt) {
  const seen = new Set();
  for (let at = id; at !== undefined; at = parent.get(at)) {
    const key = where(byId.get(at));
    if (seen.has(key)) continue;
    seen.add(key);
    inclusive.set(key, (inclusive.get(key) ?? 0) + time);
  }
}
console.log('\ninclusive time, top 40:');
for (const [key, time] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, 40)) {
  console.log(`${((100 * time) / total).toFixed(1).padStart(5)}%  ${key}`);
}
// Self time by file: which rxjs operators, which parts of ws, the library bundle, node internals.
const byFile = new Map();
for (const [id, time] of dt) {
  const { url } = byId.get(id).callFrame;
  const key = url === '' ? '(native / gc / idle)' : url.replace(/^file:\/\//, '').replace(/.*node_modules\//, '').replace(/.*\/bench\//, 'bench/');
  byFile.set(key, (byFile.get(key) ?? 0) + time);
}
console.log('\nself time by file, top 25:');
for (const [key, time] of [...byFile].sort((a, b) => b[1] - a[1]).slice(0, 25)) {
  console.log(`${((100 * time) / total).toFixed(1).padStart(5)}%  ${key}`);
}
