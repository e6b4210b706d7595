// Renders a results object (bench/results/*.json) as markdown tables: used by the runner's output
// and by bench/report.mjs for docs/benchmarks.md.
import { pauseTable } from './pause.mjs';
import { SIZES } from './frames.mjs';
import { bytes, fmt, max, median, table } from './stats.mjs';

export function renderTables(results) {
  const out = [];
  const tp = results.throughput;
  if (tp) {
    for (const [size, entry] of Object.entries(tp)) {
      out.push(`### Receive throughput, ${SIZES[size].label} events (${fmt(entry.messages)} per run, ${results.config.rounds} rounds)`, '');
      out.push(
        table(
          [['client', 'l'], ['median msgs/s', 'r'], ['min', 'r'], ['max', 'r'], ['x ws + JSON.parse', 'r']],
          Object.entries(entry.kinds).map(([, k]) => [k.label, fmt(k.median), fmt(k.min), fmt(k.max), `${k.ratioMedian.toFixed(2)}x`]),
        ),
        '',
      );
    }
  }
  const paired = results.paired;
  if (paired) {
    for (const [size, entry] of Object.entries(paired)) {
      out.push(`### Receive throughput paired within one connection, ${SIZES[size].label} events (${fmt(entry.messages)} frames per run, blocks of ${fmt(entry.block)}, ${entry.runs} runs)`, '');
      out.push(
        table(
          [['client', 'l'], ['paired blocks', 'r'], ['median x ws + JSON.parse', 'r'], ['p25', 'r'], ['p75', 'r']],
          Object.values(entry.kinds).map((k) => [k.label, fmt(k.blocks), `${k.ratioMedian.toFixed(3)}x`, `${k.p25.toFixed(3)}x`, `${k.p75.toFixed(3)}x`]),
        ),
        '',
      );
    }
  }
  const mem = results.memory;
  if (mem) {
    out.push(`### Memory per idle connection (${fmt(mem.connections)} connections per client)`, '');
    out.push(
      table(
        [['client', 'l'], ['heap / conn', 'r'], ['over raw ws', 'r'], ['RSS / conn', 'r']],
        Object.values(mem.kinds).map((k) => [k.label, bytes(k.heapPerConn), bytes(k.heapOverWs), bytes(k.rssPerConn)]),
      ),
      '',
    );
  }
  for (const [ops, title] of [[results.operators, ''], [results.operatorsAlt, ` (--compare ${results.compare})`]]) {
    if (!ops) continue;
    const processes = ops.processes ?? 1;
    const each = processes > 1 ? `, best of ${processes} processes` : '';
    out.push(`### Operator cost per value${title} (${fmt(ops.valuesPerIteration)} values per iteration${each}; bare pipeline ${ops.bareNsPerValue} ns/value)`, '');
    const columns = [['operator / building block', 'l'], ['ns / value', 'r'], ['gross ns / value', 'r'], ['±%', 'r']];
    if (processes > 1) columns.push(['each process (own)', 'r']);
    out.push(
      table(
        columns,
        Object.entries(ops.rows).map(([name, r]) => {
          const cells = [
            r.operator ? name : `(${name})`,
            r.ownNsPerValue === undefined ? fmt(r.nsPerValue, 1) : `${fmt(r.nsPerValue, 1)} (own ${fmt(r.ownNsPerValue, 1)})`,
            fmt(r.grossNsPerValue, 1),
            fmt(r.rmePercent, 1),
          ];
          if (processes > 1) cells.push((r.perProcess ?? []).map((v) => fmt(v, 1)).join(' / '));
          return cells;
        }),
      ),
      '',
      `dedupe at its default window, 10,000 distinct keys: ${bytes(ops.dedupeMemory.heapBytes)} heap`,
      '',
    );
  }
  if (results.stages) {
    const { stages, stagesAlt } = results;
    const base = stages.nsPerMessage['JSON.parse only (no library)'];
    const columns = [['managedSocket$ configuration (fake socket, ~100 B events)', 'l'], ['ns / message', 'r'], ['over JSON.parse', 'r']];
    if (stagesAlt) columns.push(['--compare: ns / message', 'r'], ['over JSON.parse', 'r']);
    out.push(`### Where the time goes (in-process, ${fmt(stages.messages)} messages, median of ${stages.rounds} rounds)`, '');
    out.push(
      table(
        columns,
        Object.entries(stages.nsPerMessage).map(([name, ns]) => {
          const row = [name, fmt(ns, 0), fmt(ns - base, 0)];
          if (stagesAlt) {
            const alt = stagesAlt.nsPerMessage[name];
            row.push(fmt(alt, 0), fmt(alt - stagesAlt.nsPerMessage['JSON.parse only (no library)'], 0));
          }
          return row;
        }),
      ),
      '',
    );
  }
  const rec = results.recovery;
  if (rec) {
    out.push('### Recovery (managedSocket$ + referenceProtocol(), default backoff)', '');
    const scenarios = [...new Set(rec.trials.map((t) => t.scenario))];
    out.push(
      table(
        [['server fault', 'l'], ['trials', 'r'], ['backoff delay (median)', 'r'], ['accept -> first event (median)', 'r'], ['past the delay: median', 'r'], ['max', 'r'], ['seqs contiguous', 'l']],
        scenarios.map((scenario) => {
          const list = rec.trials.filter((t) => t.scenario === scenario);
          return [
            scenario,
            String(list.length),
            `${fmt(median(list.map((t) => t.delayMs)), 0)} ms`,
            `${fmt(median(list.map((t) => t.acceptToFirstMs)), 1)} ms`,
            `${fmt(median(list.map((t) => t.overDelayMs)), 1)} ms`,
            `${fmt(max(list.map((t) => t.overDelayMs)), 1)} ms`,
            list.every((t) => t.contiguous) ? 'yes' : 'NO',
          ];
        }),
      ),
      '',
    );
  }
  if (results.pause) {
    const p = results.pause;
    out.push(`### Lossless mode: a paused socket against the same job without backpressure (${fmt(p.messages)} events of 1 KB, capacity ${fmt(p.capacity)}, ${p.rounds} rounds)`, '');
    out.push(pauseTable(p), '');
  }
  out.push('### Targets', '');
  out.push(
    table(
      [['target', 'l'], ['measured', 'r'], ['result', 'l']],
      results.targets.map((t) => [t.description, t.unit === 'B' ? bytes(t.value) : t.unit === 'x' ? `${t.value.toFixed(2)}x` : `${fmt(t.value, 1)} ${t.unit}`, t.pass ? 'PASS' : 'MISS']),
    ),
  );
  return out.join('\n');
}
