#!/usr/bin/env node
// Draws docs/benchmarks-ratios.svg from a results file: receive throughput of each client as a
// ratio to ws + JSON.parse, per event size (bar: median of the per-round ratios; whisker: their
// min and max), with the full pipeline's 0.95x target marked. The kinds the paired section
// measured (one connection, blocks by turns) are drawn from it instead (bar: median of the paired
// blocks; whisker: their quartiles). No dependencies: the SVG is written by hand.
//
//   node bench/chart.mjs [results=bench/results/latest.json] [out=docs/benchmarks-ratios.svg]
import { readFile, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROOT } from './lib/build.mjs';
import { SIZES } from './lib/frames.mjs';
import { max, min } from './lib/stats.mjs';

const DEFAULT_OUT = join(ROOT, 'docs', 'benchmarks-ratios.svg');
const CEILING = 'ws-raw';
const TARGET = 0.95;

const escape = (text) => String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The results with each paired kind's figures in place of its separate-process ones. */
function withPaired(results) {
  if (!results.paired || !results.throughput) return results;
  const throughput = {};
  for (const [size, entry] of Object.entries(results.throughput)) {
    const kinds = { ...entry.kinds };
    for (const [kind, k] of Object.entries(results.paired[size]?.kinds ?? {})) {
      if (kinds[kind]) kinds[kind] = { ...kinds[kind], ratioMedian: k.ratioMedian, ratios: [k.p25, k.p75] };
    }
    throughput[size] = { ...entry, kinds };
  }
  return { ...results, throughput };
}

/** The SVG text for a results object. */
export function renderChart(input) {
  const results = withPaired(input);
  const sizes = Object.keys(results.throughput ?? {});
  if (sizes.length === 0) throw new Error('the results have no throughput section');
  const W = 820;
  const labelW = 250;
  const plotX = labelW + 10;
  const plotW = W - plotX - 90;
  const barH = 18;
  const gap = 8;
  // The scale: up to the largest non-ceiling whisker, at least 1.2x; the ceiling is drawn off-scale.
  const all = sizes.flatMap((size) =>
    Object.entries(results.throughput[size].kinds)
      .filter(([kind]) => kind !== CEILING)
      .flatMap(([, k]) => k.ratios),
  );
  const top = Math.max(1.2, Math.ceil((max(all) + 0.05) * 10) / 10);
  const x = (ratio) => plotX + (Math.min(ratio, top) / top) * plotW;
  const parts = [];
  let y = 58;
  const m = results.machine ?? {};
  parts.push(
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">Receive throughput relative to ws + JSON.parse (higher is better)</text>`,
    `<text x="${W / 2}" y="40" text-anchor="middle" font-size="11" fill="#555">${escape(
      `${results.paired ? `managedSocket$, rxjs webSocket(): paired blocks, median and quartiles; others: ${results.config?.rounds ?? '?'} rounds, median and min-max` : `bar: median of ${results.config?.rounds ?? '?'} per-round ratios; whisker: min-max`}; ${m.cpu ?? ''}, ${m.nproc ?? '?'} cores, node ${m.node ?? '?'}, ${(results.date ?? '').slice(0, 10)}`,
    )}</text>`,
  );
  for (const size of sizes) {
    const entry = results.throughput[size];
    const kinds = Object.entries(entry.kinds);
    const panelTop = y;
    parts.push(`<text x="10" y="${y + 4}" font-size="13" font-weight="bold">${escape(`${SIZES[size]?.label ?? size} events (${entry.messages.toLocaleString('en-US')} per run)`)}</text>`);
    y += 14;
    const plotTop = y;
    for (const [kind, k] of kinds) {
      const managed = kind.startsWith('managed');
      const fill = kind === CEILING ? '#b8c4d6' : kind === 'ws-json' ? '#6b7a90' : managed ? (kind.includes('@') ? '#e3a35b' : '#2f7ed8') : '#8fa8c8';
      parts.push(`<text x="${labelW}" y="${y + barH - 5}" text-anchor="end" font-size="12">${escape(k.label)}</text>`);
      parts.push(`<rect x="${plotX}" y="${y}" width="${(x(k.ratioMedian) - plotX).toFixed(1)}" height="${barH}" fill="${fill}"/>`);
      if (kind === CEILING || k.ratioMedian > top) {
        parts.push(`<text x="${x(top) + 6}" y="${y + barH - 5}" font-size="12" fill="#333">${k.ratioMedian.toFixed(2)}x (off scale)</text>`);
      } else {
        const lo = x(min(k.ratios));
        const hi = x(max(k.ratios));
        const mid = y + barH / 2;
        parts.push(`<line x1="${lo.toFixed(1)}" y1="${mid}" x2="${hi.toFixed(1)}" y2="${mid}" stroke="#222" stroke-width="1"/>`);
        parts.push(`<line x1="${lo.toFixed(1)}" y1="${mid - 4}" x2="${lo.toFixed(1)}" y2="${mid + 4}" stroke="#222"/>`);
        parts.push(`<line x1="${hi.toFixed(1)}" y1="${mid - 4}" x2="${hi.toFixed(1)}" y2="${mid + 4}" stroke="#222"/>`);
        parts.push(`<text x="${(Math.max(hi, x(k.ratioMedian)) + 6).toFixed(1)}" y="${y + barH - 5}" font-size="12" fill="#333">${k.ratioMedian.toFixed(2)}x</text>`);
      }
      y += barH + gap;
    }
    const plotBottom = y - gap + 4;
    // Reference lines: 1.0 (the limit) and the 0.95 target.
    parts.push(`<line x1="${x(1)}" y1="${plotTop - 4}" x2="${x(1)}" y2="${plotBottom}" stroke="#444" stroke-dasharray="4 3"/>`);
    parts.push(`<line x1="${x(TARGET)}" y1="${plotTop - 4}" x2="${x(TARGET)}" y2="${plotBottom}" stroke="#c0392b" stroke-dasharray="2 2"/>`);
    // Axis.
    parts.push(`<line x1="${plotX}" y1="${plotBottom}" x2="${plotX + plotW}" y2="${plotBottom}" stroke="#888"/>`);
    for (let tick = 0; tick <= top + 1e-9; tick += top > 2 ? 0.5 : 0.2) {
      const tx = x(tick).toFixed(1);
      parts.push(`<line x1="${tx}" y1="${plotBottom}" x2="${tx}" y2="${plotBottom + 4}" stroke="#888"/>`);
      parts.push(`<text x="${tx}" y="${plotBottom + 16}" text-anchor="middle" font-size="11" fill="#555">${tick.toFixed(1)}x</text>`);
    }
    if (panelTop === 58) {
      parts.push(`<text x="${x(TARGET) - 4}" y="${plotTop - 6}" text-anchor="end" font-size="10" fill="#c0392b">target 0.95x</text>`);
      parts.push(`<text x="${x(1) + 4}" y="${plotTop - 6}" font-size="10" fill="#444">1.0x = ws + JSON.parse</text>`);
    }
    y = plotBottom + 40;
  }
  const H = y - 10;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}

/** Writes the chart of `results` to `out`; resolves with the path. */
export async function writeChart(results, out = DEFAULT_OUT) {
  await writeFile(out, renderChart(results));
  return out;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [input = join(ROOT, 'bench', 'results', 'latest.json'), out = DEFAULT_OUT] = process.argv.slice(2);
  const results = JSON.parse(await readFile(input, 'utf8'));
  const path = await writeChart(results, out);
  console.log(`wrote ${relative(process.cwd(), path)} from ${relative(process.cwd(), input)}`);
}
