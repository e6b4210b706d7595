// Operator costs (tinybench): each operator alone on a synchronous source in its steady state
// (in-order seqs, distinct ids, a work function that completes at once, no failures), as
// `from(events).pipe(op).subscribe(sink)`, minus the same without the operator. Plus the building
// blocks managedSocket$ puts around the operators (their cost per value, the same way), and
// dedupe's memory at its default window. Run with --expose-gc.
//
// IPC: receives { cmd: 'run', time, values }; sends { type: 'result', ... }.
import { Bench } from 'tinybench';
import { filter, from, mergeMap, of, EMPTY, NEVER, Subject, map } from 'rxjs';
import { bundlesOf } from '../lib/build.mjs';
import { reportErrors } from '../lib/proc.mjs';
import { frameFactory } from '../lib/frames.mjs';

reportErrors();

// argv[2]: the bundle variant ('' or 'alt', see run.mjs --compare).
const bundles = bundlesOf(process.argv[2] ?? '');
const lib = await import(bundles.node);
const server = await import(bundles.server);
const { createResumeCursor, dedupe, dropOnFull, idleTimeout, replaySubscriptions, resumeFrom, retryBackoff, sequenceGaps } = lib;

/** Events 1..n of one topic, each with a fresh `id` string (hashing a new string is part of the cost). */
function makeEvents(n) {
  const events = new Array(n);
  for (let i = 0; i < n; i++) events[i] = { type: 'event', topic: 'prices', seq: i + 1, id: `prices:${i + 1}`, data: null };
  return events;
}

let sink = null;
const observer = {
  next: (value) => {
    sink = value;
  },
};

/**
 * The operators, as managedSocket$ configures them where it uses them. `setup()` runs before
 * every iteration, untimed, and returns the operator for that iteration (fresh per-subscription
 * state such as a cursor is made there).
 */
const seqOf = (e) => e.seq;
const idOf = (e) => e.id;
const OPERATORS = {
  retryBackoff: () => retryBackoff({ initialInterval: 1000, maxInterval: 30_000, jitter: 0.5, resetAfter: 10_000 }),
  idleTimeout: () => idleTimeout(30_000),
  'resumeFrom (contiguous)': () => resumeFrom(createResumeCursor(), { seqOf }),
  'resumeFrom (perKey)': () => resumeFrom(createResumeCursor({ mode: 'perKey' }), { seqOf, keyOf: (e) => e.topic }),
  'dedupe (window 10,000)': () => dedupe(idOf),
  sequenceGaps: () => sequenceGaps(seqOf, { window: 1000, maxWait: 5000, gapAction: 'error' }),
  dropOnFull: () => dropOnFull(100, (e) => of(e)),
  replaySubscriptions: () => replaySubscriptions(NEVER),
};

/** Building blocks, for scale (informational). */
const isEvent = (e) => e.type === 'event';
const BLOCKS = {
  'mergeMap(v => of(v)) (decode lane)': () => mergeMap((e) => (e === null ? EMPTY : of(e))),
  'map + filter (a flat alternative)': () => (source) => source.pipe(map((e) => e), filter((e) => e !== null)),
  'filter(isEvent) (one plain operator)': () => filter(isEvent),
};

const commands = (n) => {
  const list = new Array(n);
  for (let i = 0; i < n; i++) list[i] = { type: i % 2 === 0 ? 'subscribe' : 'unsubscribe', topics: ['prices'] };
  return list;
};

async function measure(time, values) {
  const bench = new Bench({ time, warmupTime: Math.max(20, time / 4), iterations: 5, warmupIterations: 3 });
  let events = makeEvents(values);
  const cmds = commands(values);
  const fresh = () => {
    events = makeEvents(values);
  };
  // Each operator's baseline is the bare pipeline measured right before and right after it, on the
  // same input (its mean): a host whose speed drifts during the run shifts both alike.
  const bares = { events: [], commands: [] };
  const brackets = {};
  let last = null; // the bare task just added: { name, input }
  const addBare = (input) => {
    const name = `bare #${bares.events.length + bares.commands.length} (${input})`;
    const list = input === 'commands' ? cmds : null;
    bench.add(name, () => from(list ?? events).subscribe(observer), input === 'events' ? { beforeEach: fresh } : {});
    bares[input].push(name);
    last = { name, input };
    return name;
  };
  const ops = { ...OPERATORS, ...BLOCKS };
  // What dropOnFull's `work` costs by itself: subscribing to of(value), once per value.
  const subscribeWork = { next: (e) => of(e).subscribe(observer) };
  const tasks = Object.entries(ops).map(([name, make]) => {
    const input = name === 'replaySubscriptions' ? 'commands' : 'events';
    let op = null;
    const run = () => from(input === 'commands' ? cmds : events).pipe(op).subscribe(observer);
    return { name, input, run, beforeEach: () => {
      fresh();
      op = make();
    } };
  });
  // dropOnFull's own cost is its time minus that of subscribing its work, so the work alone is
  // measured right before and right after it: the difference of two numbers taken minutes apart
  // would carry the host's drift between them.
  const WORK = 'work alone: of(v) subscribed per value';
  const workAlone = [`${WORK} (before dropOnFull)`, `${WORK} (after dropOnFull)`];
  const runWork = () => from(events).subscribe(subscribeWork);
  for (const task of tasks) {
    const before = last !== null && last.input === task.input ? last.name : addBare(task.input);
    if (task.name === 'dropOnFull') bench.add(workAlone[0], runWork, { beforeEach: fresh });
    bench.add(task.name, task.run, { beforeEach: task.beforeEach });
    if (task.name === 'dropOnFull') bench.add(workAlone[1], runWork, { beforeEach: fresh });
    brackets[task.name] = [before, addBare(task.input)];
  }
  // The codec and JSON.parse per value, for comparison with the operators.
  const text = frameFactory('small');
  const texts = Array.from({ length: values }, (_, i) => text(i + 1));
  let parsed = texts.map((t) => JSON.parse(t));
  bench.add('JSON.parse (~100 B event)', () => {
    for (let i = 0; i < texts.length; i++) sink = JSON.parse(texts[i]);
  });
  bench.add('io-ts ServerFrame.decode', () => {
    for (let i = 0; i < parsed.length; i++) sink = server.ServerFrame.decode(parsed[i]);
  }, { beforeEach: () => (parsed = texts.map((t) => JSON.parse(t))) });
  await bench.run();
  const all = {};
  for (const task of bench.tasks) {
    const r = task.result;
    if (r.state !== 'completed') throw new Error(`${task.name}: ${r.state} ${r.error ?? ''}`);
    all[task.name] = { perValue: (r.latency.p50 * 1e6) / values, rme: r.latency.rme, samples: r.latency.samplesCount ?? r.latency.samples?.length };
  }
  const medianOf = (names) => {
    const list = names.map((name) => all[name].perValue).sort((x, y) => x - y);
    return list[list.length >> 1];
  };
  // `bare` and `bare (commands)`: the median of their runs; each other row carries its own `base`.
  const ns = { bare: { perValue: medianOf(bares.events), rme: 0 }, 'bare (commands)': { perValue: medianOf(bares.commands), rme: 0 } };
  for (const [name, result] of Object.entries(all)) {
    if (name.startsWith('bare #') || workAlone.includes(name)) continue;
    const pair = brackets[name];
    ns[name] = pair === undefined ? { ...result, base: 0 } : { ...result, base: (all[pair[0]].perValue + all[pair[1]].perValue) / 2 };
  }
  // The work alone: the mean of its two runs, on dropOnFull's baseline.
  const [workBefore, workAfter] = workAlone.map((name) => all[name]);
  ns[WORK] = { perValue: (workBefore.perValue + workAfter.perValue) / 2, rme: Math.max(workBefore.rme, workAfter.rme), samples: workBefore.samples, base: ns.dropOnFull.base };
  return ns;
}

/** Heap held by a dedupe at its default window, full: 10,000 distinct ids let through. */
async function dedupeMemory(keys) {
  const settle = async () => {
    for (let i = 0; i < 4; i++) {
      global.gc();
      await new Promise((resolve) => setImmediate(resolve));
    }
    return process.memoryUsage().heapUsed;
  };
  const results = [];
  for (let round = 0; round < 3; round++) {
    const input = new Subject();
    const before = await settle();
    const subscription = input.pipe(dedupe(idOf)).subscribe(observer);
    // Each event made and dropped here: only what dedupe keeps (the id strings, its Set and ring) stays.
    for (let i = 0; i < keys; i++) input.next({ type: 'event', topic: 'prices', seq: i + 1, id: `prices:${100_000 + round * keys + i}`, data: null });
    sink = null;
    const after = await settle();
    subscription.unsubscribe();
    results.push(after - before);
  }
  results.sort((a, b) => a - b);
  return { keys, heapBytes: results[1], samples: results };
}

process.on('message', async (message) => {
  if (message.cmd === 'exit') process.exit(0);
  if (message.cmd !== 'run') return;
  const { time, values } = message;
  const ns = await measure(time, values);
  const memory = await dedupeMemory(10_000);
  // `sink` keeps the values alive as far as the optimiser knows; report that it was reached.
  process.send({ type: 'result', values, ns, dedupeMemory: memory, reached: sink !== undefined });
});
process.send({ type: 'ready' });
