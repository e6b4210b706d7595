#!/usr/bin/env node
// npm run bench: throughput, memory per idle connection, operator costs and recovery time of
// managedSocket$ against raw `ws`, rxjs webSocket() and rxjs-websockets. See bench/README.md.
//
//   node bench/run.mjs [--quick | --smoke] [--rounds N] [--messages N] [--only a,b] [--out FILE] [--docs]
//   (sections: throughput, memory, operators, stages, recovery, pause)
//                      [--compare DIR]
//
// The server and each client run in their own processes (child_process.fork), one client and one
// server at a time. Results go to bench/results/latest.json (full runs), the tables and the
// PASS/MISS lines to stdout.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { dirname, join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { buildBundles, removeBundles, ROOT, SRC } from './lib/build.mjs';
import { LABELS, labelOf } from './lib/clients.mjs';
import { SIZES } from './lib/frames.mjs';
import { pauseBench } from './lib/pause.mjs';
import { spawnProc } from './lib/proc.mjs';
import { renderTables } from './lib/render.mjs';
import { bytes, fmt, max, median, min } from './lib/stats.mjs';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    smoke: { type: 'boolean', default: false },
    rounds: { type: 'string' },
    messages: { type: 'string' },
    only: { type: 'string' },
    out: { type: 'string' },
    docs: { type: 'boolean', default: false },
    compare: { type: 'string' },
  },
});

const MODE = args.smoke ? 'smoke' : args.quick ? 'quick' : 'full';
const PRESETS = {
  full: { rounds: 5, small: 500_000, large: 100_000, memConnections: 1000, memPasses: 2, opTime: 1000, opProcs: 3, opValues: 20_000, stageMessages: 100_000, stageRounds: 5, recovery: [['kill', 0, 5], ['restart', 0, 3], ['restart', 300, 3], ['restart', 1500, 3]], pauseMessages: 50_000, pauseRounds: 3, pauseMemory: true, paired: { small: 1_000_000, large: 200_000, runs: 2 } },
  quick: { rounds: 3, small: 200_000, large: 40_000, memConnections: 1000, memPasses: 1, opTime: 300, opProcs: 1, opValues: 20_000, stageMessages: 50_000, stageRounds: 3, recovery: [['kill', 0, 2], ['restart', 300, 1]], pauseMessages: 20_000, pauseRounds: 1, pauseMemory: true, paired: { small: 300_000, large: 60_000, runs: 1 } },
  smoke: { rounds: 1, small: 2_000, large: 500, memConnections: 20, memPasses: 1, opTime: 10, opProcs: 1, opValues: 1_000, stageMessages: 1_000, stageRounds: 1, recovery: [['kill', 0, 1]], pauseMessages: 300, pauseRounds: 1, pauseMemory: false, paired: { small: 8_000, large: 2_000, runs: 1 } },
};
const config = { ...PRESETS[MODE] };
if (args.rounds !== undefined) config.rounds = positiveInt('--rounds', args.rounds);
if (args.messages !== undefined) {
  config.small = positiveInt('--messages', args.messages);
  config.large = Math.max(1, Math.round(config.small / 5));
}
const WARMUP_ROUND = MODE !== 'smoke';
const SECTIONS = new Set((args.only ?? 'throughput,paired,memory,operators,stages,recovery,pause').split(','));

// --compare DIR: the managedSocket$ kinds again, bundled from DIR (a patched copy of src/), as `kind@alt`.
const ALT = args.compare === undefined ? [] : ['@alt'];
const THROUGHPUT_KINDS = ['ws-raw', 'ws-json', 'ws-sequenced', 'lean-rx', 'rxjs-webSocket', 'managed-plain', 'managed-full', 'managed-codec'];
THROUGHPUT_KINDS.push(...ALT.flatMap((v) => ['managed-plain', 'managed-full', 'managed-codec'].map((k) => k + v)));
const MEMORY_KINDS = ['ws-raw', 'rxjs-webSocket', 'rxjs-websockets', 'managed-plain', 'managed-full'];
MEMORY_KINDS.push(...ALT.flatMap((v) => ['managed-plain', 'managed-full'].map((k) => k + v)));
const BASELINE = 'ws-json';
const OPERATOR_NAMES = [
  'retryBackoff',
  'idleTimeout',
  'resumeFrom (contiguous)',
  'resumeFrom (perKey)',
  'dedupe (window 10,000)',
  'sequenceGaps',
  'dropOnFull',
  'replaySubscriptions',
];

function positiveInt(flag, text) {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1) throw new TypeError(`${flag} must be a positive integer, got ${text}`);
  return n;
}

const log = (line) => process.stdout.write(`${line}\n`);

function machine() {
  const cpuinfo = (() => {
    try {
      return readFileSync('/proc/cpuinfo', 'utf8');
    } catch {
      return '';
    }
  })();
  const model = /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? os.cpus()[0]?.model ?? 'unknown';
  let nproc = os.availableParallelism?.() ?? os.cpus().length;
  try {
    nproc = Number(execFileSync('nproc', { encoding: 'utf8' }).trim());
  } catch {
    // keep the os value
  }
  const git = (...cmd) => {
    try {
      return execFileSync('git', cmd, { cwd: ROOT, encoding: 'utf8' }).trim();
    } catch {
      return null;
    }
  };
  return {
    nproc,
    cpu: model,
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    memoryGB: Number((os.totalmem() / 1024 ** 3).toFixed(1)),
    loadavgAtStart: os.loadavg().map((x) => Number(x.toFixed(2))),
    commit: git('rev-parse', '--short', 'HEAD'),
    srcChanged: (git('status', '--porcelain', '--', 'src') ?? '') !== '',
    src: relative(ROOT, SRC) || '.',
  };
}

// -- 1. Throughput ------------------------------------------------------------------------------

async function throughput() {
  const server = spawnProc('blastServer');
  const { port } = await server.next('ready');
  const counts = { small: config.small, large: config.large };
  for (const size of Object.keys(SIZES)) {
    server.send({ cmd: 'prepare', size, n: counts[size] });
    await server.next('prepared');
  }
  /** One client process, one measured pass of n events of `size`: msgs/s. */
  const pass = async (kind, size) => {
    const client = spawnProc('throughputClient');
    await client.next('ready');
    const n = counts[size];
    client.send({ cmd: 'run', kind, url: `ws://127.0.0.1:${port}/?size=${size}`, n, warm: MODE === 'smoke' ? 0 : Math.floor(n / 10) });
    const result = await client.next('result', 300_000);
    await client.stop();
    if (result.wrong > 0) throw new Error(`${kind}: ${result.wrong} events out of sequence`);
    return result.msgsPerSec;
  };
  const others = THROUGHPUT_KINDS.filter((kind) => kind !== BASELINE);
  const samples = {}; // size -> kind -> [{ round, msgsPerSec, base }]
  const totalRounds = config.rounds + (WARMUP_ROUND ? 1 : 0);
  try {
    for (let round = 0; round < totalRounds; round++) {
      const warmup = WARMUP_ROUND && round === 0;
      // Every other round runs the kinds in the opposite order, so where a kind sits in a round
      // (early, late) weighs the same on every kind.
      const order = round % 2 === 0 ? others : [...others].reverse();
      for (const size of Object.keys(SIZES)) {
        // The baseline runs before the first kind and after each one: each kind's ratio is to the
        // baseline runs on either side of it (a few seconds away), so the host's drift cancels.
        const line = [];
        let before = await pass(BASELINE, size);
        const bases = [before];
        for (const kind of order) {
          const rate = await pass(kind, size);
          const after = await pass(BASELINE, size);
          bases.push(after);
          line.push(`${kind} ${fmt(rate)}`);
          if (!warmup) ((samples[size] ??= {})[kind] ??= []).push({ round, msgsPerSec: rate, base: Math.sqrt(before * after) });
          before = after;
        }
        if (!warmup) for (const rate of bases) ((samples[size] ??= {})[BASELINE] ??= []).push({ round, msgsPerSec: rate, base: rate });
        log(`  ${warmup ? 'warm-up' : `round ${WARMUP_ROUND ? round : round + 1}/${config.rounds}`} ${SIZES[size].label}: ${BASELINE} ${bases.map((rate) => fmt(rate)).join('/')}, ${line.join(', ')}`);
      }
    }
  } finally {
    await server.stop();
  }
  const results = {};
  for (const [size, byKind] of Object.entries(samples)) {
    results[size] = { messages: counts[size], frameBytes: SIZES[size].bytes, kinds: {} };
    for (const kind of THROUGHPUT_KINDS) {
      const list = byKind[kind];
      const rates = list.map((s) => s.msgsPerSec);
      const ratios = list.map((s) => s.msgsPerSec / s.base);
      results[size].kinds[kind] = {
        label: labelOf(kind),
        msgsPerSec: rates.map((r) => Math.round(r)),
        median: Math.round(median(rates)),
        min: Math.round(min(rates)),
        max: Math.round(max(rates)),
        ratios: ratios.map((r) => Number(r.toFixed(4))),
        ratioMedian: Number(median(ratios).toFixed(4)),
      };
    }
    // managedSocket$ full vs rxjs webSocket(), per round: the two ratios of that round.
    const rx = byKind['rxjs-webSocket'];
    const vsRxjs = (kind) => Number(median(byKind[kind].map((s, i) => s.msgsPerSec / s.base / (rx[i].msgsPerSec / rx[i].base))).toFixed(4));
    results[size].fullVsRxjs = vsRxjs('managed-full');
    if (byKind['managed-full@alt']) results[size].fullVsRxjsAlt = vsRxjs('managed-full@alt');
  }
  return results;
}

// -- 1b. Throughput paired within one connection -----------------------------------------------

/** The kinds measured against the baseline on one connection, and frames per block by size. */
const PAIRED_KINDS = ['ws-json', 'ws-sequenced', 'lean-rx', 'managed-plain', 'managed-full', 'rxjs-webSocket', ...ALT.map((v) => `managed-full${v}`)];
const PAIRED_BLOCK = { small: 2000, large: 400 };

async function paired() {
  const server = spawnProc('blastServer');
  const { port } = await server.next('ready');
  const { runs } = config.paired;
  const results = {};
  try {
    for (const size of Object.keys(SIZES)) {
      const n = config.paired[size];
      const block = MODE === 'smoke' ? 100 : PAIRED_BLOCK[size];
      server.send({ cmd: 'prepare', size, n, paired: block });
      await server.next('prepared');
      const byKind = {};
      for (let run = 0; run < runs; run++) {
        for (const kind of run % 2 === 0 ? PAIRED_KINDS : [...PAIRED_KINDS].reverse()) {
          const client = spawnProc('pairedClient');
          await client.next('ready');
          client.send({ cmd: 'run', kind, url: `ws://127.0.0.1:${port}/?size=${size}`, n, block, warmBlocks: MODE === 'smoke' ? 1 : 20 });
          const result = await client.next('result', 300_000);
          await client.stop();
          if (result.wrong > 0) throw new Error(`${kind}: ${result.wrong} events out of sequence (paired)`);
          (byKind[kind] ??= []).push(...result.ratios);
          log(`  ${SIZES[size].label} ${kind}: ${result.ratios.length} paired blocks, median ${median(result.ratios).toFixed(3)}x`);
        }
      }
      results[size] = { messages: n, block, runs, kinds: {} };
      for (const [kind, ratios] of Object.entries(byKind)) {
        const sorted = [...ratios].sort((a, b) => a - b);
        const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
        results[size].kinds[kind] = { label: labelOf(kind), blocks: ratios.length, ratioMedian: Number(median(ratios).toFixed(4)), p25: Number(at(0.25).toFixed(4)), p75: Number(at(0.75).toFixed(4)) };
      }
    }
  } finally {
    await server.stop();
  }
  return results;
}

// -- 2. Memory per idle connection --------------------------------------------------------------

async function memory() {
  const server = spawnProc('blastServer');
  const { port } = await server.next('ready');
  const samples = {};
  try {
    for (let pass = 0; pass < config.memPasses; pass++) {
      for (const kind of MEMORY_KINDS) {
        const client = spawnProc('memoryClient', { execArgv: ['--expose-gc'] });
        await client.next('ready');
        client.send({ cmd: 'run', kind, url: `ws://127.0.0.1:${port}/idle`, count: config.memConnections, settleMs: MODE === 'smoke' ? 20 : 200 });
        const result = await client.next('result', 120_000);
        await client.stop();
        (samples[kind] ??= []).push(result);
        log(`  pass ${pass + 1}/${config.memPasses} ${kind}: heap ${bytes(result.heapPerConn)}/conn, rss ${bytes(result.rssPerConn)}/conn`);
      }
    }
  } finally {
    await server.stop();
  }
  const kinds = {};
  for (const [kind, list] of Object.entries(samples)) {
    kinds[kind] = {
      label: kind === 'ws-raw' ? LABELS.ws : labelOf(kind),
      heapPerConn: Math.round(median(list.map((r) => r.heapPerConn))),
      rssPerConn: Math.round(median(list.map((r) => r.rssPerConn))),
      samples: list.map((r) => ({ heapPerConn: Math.round(r.heapPerConn), rssPerConn: Math.round(r.rssPerConn) })),
    };
  }
  const ws = kinds['ws-raw'].heapPerConn;
  for (const entry of Object.values(kinds)) entry.heapOverWs = entry.heapPerConn - ws;
  return { connections: config.memConnections, kinds };
}

// -- 3. Operator costs --------------------------------------------------------------------------

// Each row is the best of `opProcs` processes, run one after the other, and the table shows every
// process's figure. On the bench host, what other tenants do to the shared caches moves an
// operator's figure by up to 2x from one process to the next (the same code measured 70 and 122
// ns per key in two processes, and `JSON.parse` 900-1,580 ns): interference only ever adds time,
// so the least disturbed process is the best estimate of what the operator itself costs (the
// reasoning of Python's `timeit`). The throughput targets do not use this: they are paired.
async function operators(variant = '') {
  const runs = [];
  for (let i = 0; i < config.opProcs; i++) runs.push(await operatorsOnce(variant));
  const headline = (row) => row.ownNsPerValue ?? row.nsPerValue;
  const rows = {};
  for (const name of Object.keys(runs[0].rows)) {
    const all = runs.map((r) => r.rows[name]);
    const best = all.reduce((a, b) => (headline(b) < headline(a) ? b : a));
    rows[name] = { ...best, perProcess: all.map(headline) };
  }
  const memory = runs.map((r) => r.dedupeMemory).sort((a, b) => a.heapBytes - b.heapBytes)[runs.length >> 1];
  const bare = Number(median(runs.map((r) => r.bareNsPerValue)).toFixed(1));
  return { valuesPerIteration: runs[0].valuesPerIteration, processes: runs.length, bareNsPerValue: bare, rows, dedupeMemory: memory };
}

/** One operators process: each row with its own baseline. */
async function operatorsOnce(variant) {
  const proc = spawnProc('operators', { execArgv: ['--expose-gc'], args: [variant] });
  await proc.next('ready');
  proc.send({ cmd: 'run', time: config.opTime, values: config.opValues });
  const result = await proc.next('result', 600_000);
  await proc.stop();
  const bare = result.ns.bare.perValue;
  // Each row comes with its own baseline (`base`): the bare pipeline measured on either side of it.
  // dropOnFull runs a `work` per value (here `of(v)`): its own cost is also given without the cost
  // of subscribing to that work, which any work function has and the operator cannot avoid.
  const workRow = result.ns['work alone: of(v) subscribed per value'];
  const work = workRow.perValue - workRow.base;
  const rows = {};
  for (const [name, { perValue, rme, base }] of Object.entries(result.ns)) {
    if (name.startsWith('bare')) continue;
    rows[name] = { nsPerValue: Number((perValue - base).toFixed(1)), grossNsPerValue: Number(perValue.toFixed(1)), baseNsPerValue: Number(base.toFixed(1)), rmePercent: Number(rme.toFixed(1)), operator: OPERATOR_NAMES.includes(name) };
    if (name === 'dropOnFull') rows[name].ownNsPerValue = Number((perValue - base - work).toFixed(1));
  }
  return { valuesPerIteration: result.values, bareNsPerValue: Number(bare.toFixed(1)), rows, dedupeMemory: result.dedupeMemory };
}

// -- 4. Where the time goes (in-process stage costs) ------------------------------------------

async function stages(variant = '') {
  const proc = spawnProc('stages', { args: [variant] });
  await proc.next('ready');
  proc.send({ cmd: 'run', messages: config.stageMessages, rounds: config.stageRounds });
  const result = await proc.next('result', 600_000);
  await proc.stop();
  return { messages: result.messages, rounds: result.rounds, nsPerMessage: result.nsPerMessage };
}

// -- 5. Recovery --------------------------------------------------------------------------------

async function recovery() {
  const server = spawnProc('recoveryServer');
  const { url } = await server.next('ready');
  const client = spawnProc('recoveryClient');
  const trials = [];
  try {
    await client.next('hello');
    client.send({ cmd: 'start', url, initialInterval: MODE === 'smoke' ? 100 : undefined });
    await client.next('ready', 20_000);
    for (const [how, downtimeMs, count] of config.recovery) {
      for (let i = 0; i < count; i++) {
        server.send({ cmd: 'cut', how, downtimeMs });
        const cut = await server.next('cut', 20_000);
        const r = await client.next('recovered', 30_000);
        const last = r.reconnecting[r.reconnecting.length - 1];
        const trial = {
          scenario: how === 'kill' ? 'killAll()' : `restart(${downtimeMs} ms down)`,
          attempts: r.reconnecting.length,
          delayMs: Number(last.delay.toFixed(1)),
          delaysMs: r.reconnecting.map((x) => Number(x.delay.toFixed(1))),
          acceptToFirstMs: Number((r.tFirst - cut.tAccept).toFixed(1)),
          cutToFirstMs: Number((r.tFirst - cut.tCut).toFixed(1)),
          overDelayMs: Number((r.tFirst - (last.t + last.delay)).toFixed(1)),
          connectMs: Number((r.tConnected - (last.t + last.delay)).toFixed(1)),
          contiguous: r.broken === 0 && r.firstSeq === r.lastSeqBefore + 1,
        };
        trials.push(trial);
        log(`  ${trial.scenario}: delay ${fmt(trial.delayMs, 0)} ms, accept -> first event ${fmt(trial.acceptToFirstMs, 1)} ms, ${fmt(trial.overDelayMs, 1)} ms past the delay`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  } finally {
    await client.stop();
    await server.stop();
  }
  return { trials };
}

// -- Targets, tables ----------------------------------------------------------------------------

function targets(results) {
  const list = [];
  const add = (id, description, value, threshold, pass, unit) => list.push({ id, description, value, threshold, unit, pass });
  // The throughput targets are read from the paired measurement (one connection, blocks by turns)
  // when it ran, else from the runs in separate processes.
  for (const [size, label] of [['small', '~100 B events'], ['large', '1 KB events']]) {
    const pairedSize = results.paired?.[size];
    const tp = pairedSize ?? results.throughput?.[size];
    if (!tp) continue;
    const how = pairedSize ? 'paired within one connection' : 'separate processes';
    for (const v of ['', ...ALT]) {
      const full = tp.kinds[`managed-full${v}`];
      const plain = tp.kinds[`managed-plain${v}`];
      const fullBar = size === 'small' ? 0.95 : 0.97;
      const what = (kind) => `${labelOf(`${kind}${v}`)}${kind === 'managed-full' ? ' (no codec)' : ''}, ${label}`;
      if (full) add(`throughput-ratio:${size}${v}`, `${what('managed-full')}: median ratio to ws + JSON.parse >= ${fullBar} (${how})`, full.ratioMedian, fullBar, full.ratioMedian >= fullBar, 'x');
      if (plain) add(`throughput-plain:${size}${v}`, `${what('managed-plain')}: median ratio to ws + JSON.parse >= 0.97 (${how})`, plain.ratioMedian, 0.97, plain.ratioMedian >= 0.97, 'x');
      if (size === 'small' && full) {
        // Paired: the two ratios to the same baseline; separate processes: the per-round ratio of ratios.
        const vsRxjs = pairedSize ? Number((full.ratioMedian / tp.kinds['rxjs-webSocket'].ratioMedian).toFixed(4)) : v === '' ? tp.fullVsRxjs : tp.fullVsRxjsAlt;
        add(`throughput-vs-rxjs${v}`, `${what('managed-full')}: ahead of rxjs webSocket() (ratio of their ratios > 1, ${how})`, vsRxjs, 1, vsRxjs > 1, 'x');
      }
    }
  }
  for (const [v, ops] of [['', results.operators], ['@alt', results.operatorsAlt]]) {
    if (!ops) continue;
    const suffix = v === '' ? '' : ' (alt)';
    for (const name of OPERATOR_NAMES) {
      const row = ops.rows[name];
      if (!row) continue;
      if (row.ownNsPerValue === undefined) add(`operator:${name}${v}`, `${name}${suffix}: steady state < 100 ns per value`, row.nsPerValue, 100, row.nsPerValue < 100, 'ns');
      else add(`operator:${name}${v}`, `${name}${suffix}: steady state < 100 ns per value (own cost: minus subscribing its work)`, row.ownNsPerValue, 100, row.ownNsPerValue < 100, 'ns');
    }
    const heap = ops.dedupeMemory.heapBytes;
    add(`dedupe-memory${v}`, `dedupe${suffix} at its default window (10,000 distinct keys): < 2 MB heap`, heap, 2 * 1024 * 1024, heap < 2 * 1024 * 1024, 'B');
  }
  const mem = results.memory;
  if (mem) {
    for (const kind of ['managed-plain', 'managed-full', ...ALT.flatMap((v) => [`managed-plain${v}`, `managed-full${v}`])]) {
      const entry = mem.kinds[kind];
      const bar = (kind.startsWith('managed-full') ? 10 : 8) * 1024;
      if (entry) add(`memory:${kind}`, `${labelOf(kind)}: heap per idle connection <= ${bar / 1024} KB`, entry.heapPerConn, bar, entry.heapPerConn <= bar, 'B');
    }
  }
  const rec = results.recovery;
  if (rec && rec.trials.length > 0) {
    const worst = max(rec.trials.map((t) => t.overDelayMs));
    add('recovery', 'first resumed event within the chosen backoff delay + 20 ms (worst trial)', worst, 20, worst <= 20, 'ms');
  }
  return list;
}

async function main() {
  const started = Date.now();
  log(`rxjs-managed-socket bench (${MODE}): ${JSON.stringify(config)}`);
  await buildBundles();
  if (args.compare !== undefined) await buildBundles(args.compare, 'alt');
  const results = { mode: MODE, date: new Date().toISOString(), machine: machine(), config };
  if (args.compare !== undefined) results.compare = args.compare;
  if (SECTIONS.has('throughput')) {
    log('\n== 1. receive throughput');
    results.throughput = await throughput();
  }
  if (SECTIONS.has('paired')) {
    log('\n== 1b. receive throughput, paired within one connection');
    results.paired = await paired();
  }
  if (SECTIONS.has('memory')) {
    log('\n== 2. memory per idle connection');
    results.memory = await memory();
  }
  if (SECTIONS.has('operators')) {
    log('\n== 3. operator costs');
    results.operators = await operators();
    if (ALT.length > 0) results.operatorsAlt = await operators('alt');
  }
  if (SECTIONS.has('stages')) {
    log('\n== 4. where the time goes (in-process, fake socket)');
    results.stages = await stages();
    if (ALT.length > 0) results.stagesAlt = await stages('alt');
  }
  if (SECTIONS.has('recovery')) {
    log('\n== 5. recovery');
    results.recovery = await recovery();
  }
  if (SECTIONS.has('pause')) {
    log('\n== 6. lossless mode (pause) against the same job without backpressure');
    results.pause = await pauseBench({ n: config.pauseMessages, rounds: config.pauseRounds, memory: config.pauseMemory, log });
  }
  results.machine.loadavgAtEnd = os.loadavg().map((x) => Number(x.toFixed(2)));
  results.durationSec = Math.round((Date.now() - started) / 1000);
  results.targets = targets(results);

  log(`\n== results (${MODE}; ${results.machine.cpu}, ${results.machine.nproc} cores, node ${results.machine.node})\n`);
  log(renderTables(results));
  log('');
  for (const t of results.targets) log(`${t.pass ? 'PASS' : 'MISS'}  ${t.id}`);
  if (MODE === 'smoke') log('(smoke run: tiny counts, one round; the figures mean nothing)');

  const out = args.out ?? (args.compare !== undefined ? join(ROOT, 'bench', 'results', 'compare.json') : MODE === 'full' ? join(ROOT, 'bench', 'results', 'latest.json') : MODE === 'quick' ? join(ROOT, 'bench', 'results', 'quick.json') : null);
  if (out) {
    await mkdir(dirname(out), { recursive: true });
    await writeFile(out, `${JSON.stringify(results, null, 2)}\n`);
    log(`\nresults: ${relative(process.cwd(), out)} (${results.durationSec} s)`);
    if (args.docs) {
      const { writeChart } = await import('./chart.mjs');
      const { writeReport } = await import('./report.mjs');
      log(`chart: ${relative(process.cwd(), await writeChart(results))}`);
      log(`report: ${relative(process.cwd(), await writeReport(results))}`);
    }
  }
}

main()
  .then(
    () => 0,
    (err) => {
      console.error(err);
      return 1;
    },
  )
  .then(async (code) => {
    await removeBundles();
    process.exit(code);
  });
