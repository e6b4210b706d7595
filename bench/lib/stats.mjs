// Small statistics helpers shared by the runner, the chart and the report.

/** The median of a non-empty list of numbers (mean of the middle two for an even length). */
export function median(values) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function min(values) {
  return values.length === 0 ? NaN : Math.min(...values);
}

export function max(values) {
  return values.length === 0 ? NaN : Math.max(...values);
}

/** 1234567 -> "1,234,567"; fractions kept to `digits`. */
export function fmt(value, digits = 0) {
  if (value === null || value === undefined || Number.isNaN(value)) return 'n/a';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** Bytes as "12.3 KB" / "1.45 MB" (1 KB = 1024 B). */
export function bytes(value) {
  if (value === null || value === undefined || Number.isNaN(value)) return 'n/a';
  const abs = Math.abs(value);
  if (abs >= 1024 * 1024) return `${(value / 1024 / 1024).toFixed(2)} MB`;
  if (abs >= 1024) return `${(value / 1024).toFixed(2)} KB`;
  return `${Math.round(value)} B`;
}

/** A markdown table: `columns` is a list of [header, align ('l' | 'r')], rows are lists of strings. */
export function table(columns, rows) {
  const widths = columns.map(([header], i) => Math.max(header.length, ...rows.map((row) => String(row[i]).length)));
  const pad = (text, i) => (columns[i][1] === 'r' ? String(text).padStart(widths[i]) : String(text).padEnd(widths[i]));
  const line = (cells) => `| ${cells.map(pad).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (columns[i][1] === 'r' ? `${'-'.repeat(w + 1)}:` : `${'-'.repeat(w + 2)}`)).join('|')}|`;
  return [line(columns.map(([header]) => header)), rule, ...rows.map(line)].join('\n');
}
