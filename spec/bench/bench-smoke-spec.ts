/**
 * The benchmark is not part of `npm test`; this smoke run is: `node bench/run.mjs --smoke` (tiny
 * counts, one round, every section) in a child process, with a bounded timeout. It checks only that
 * the bench runs and prints its tables, never the figures (targets are checked by the bench's own
 * output, on a quiet machine, not here).
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const TIMEOUT_MS = 55_000;

jest.setTimeout(60_000);

/** The rows of the markdown table under the heading that starts with `heading`, as cells. */
function tableAfter(output: string, heading: string): string[][] {
  const lines = output.split('\n');
  const start = lines.findIndex((line) => line.startsWith(heading));
  if (start === -1) return [];
  const rows: string[][] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.trim() === '' && rows.length === 0) continue;
    if (!line.startsWith('|')) break;
    rows.push(
      line
        .slice(1, -1)
        .split('|')
        .map((cell) => cell.trim()),
    );
  }
  // Drop the header and the |---| rule.
  return rows.slice(2);
}

const number = (cell: string | undefined): number => Number((cell ?? '').replace(/[,x]/g, ''));

describe('npm run bench (smoke)', () => {
  let output = '';
  let failure: Error | null = null;

  beforeAll(async () => {
    await new Promise<void>((resolve) => {
      execFile(
        process.execPath,
        [join(ROOT, 'bench', 'run.mjs'), '--smoke'],
        { cwd: ROOT, timeout: TIMEOUT_MS, killSignal: 'SIGKILL', maxBuffer: 8 * 1024 * 1024 },
        (error, stdout, stderr) => {
          output = stdout;
          failure = error ? new Error(`${error.message}\n${stderr}`) : null;
          resolve();
        },
      );
    });
  });

  it('should run to the end', () => {
    expect(failure).toBeNull();
    expect(output).toContain('== results (smoke;');
  });

  it('should print the throughput table with every client and a rate for each', () => {
    const rows = tableAfter(output, '### Receive throughput, ~100 B events');
    const clients = rows.map((row) => row[0]);
    expect(clients).toEqual([
      'ws, no parse (ceiling)',
      'ws + JSON.parse (limit)',
      'ws + JSON.parse + sequenced work inline (floor)',
      'lean RxJS composition (control)',
      'rxjs webSocket()',
      'managedSocket$ plain',
      'managedSocket$ full',
      'managedSocket$ full + codec',
    ]);
    for (const row of rows) expect(number(row[1])).toBeGreaterThan(0);
    expect(rows[1]?.[4]).toBe('1.00x');
  });

  it('should print the paired throughput table: each client measured against ws + JSON.parse on one connection', () => {
    for (const size of ['~100 B', '1 KB']) {
      const rows = tableAfter(output, `### Receive throughput paired within one connection, ${size} events`);
      expect(rows.map((row) => row[0])).toEqual([
        'ws + JSON.parse (limit)',
        'ws + JSON.parse + sequenced work inline (floor)',
        'lean RxJS composition (control)',
        'managedSocket$ plain',
        'managedSocket$ full',
        'rxjs webSocket()',
      ]);
      for (const row of rows) {
        expect(number(row[1])).toBeGreaterThan(0);
        expect(number(row[2])).toBeGreaterThan(0);
      }
    }
  });

  it('should print the memory, operator, stage and recovery tables', () => {
    expect(tableAfter(output, '### Memory per idle connection').map((row) => row[0])).toContain('managedSocket$ full');
    const operators = tableAfter(output, '### Operator cost per value').map((row) => row[0]);
    expect(operators).toEqual(expect.arrayContaining(['retryBackoff', 'idleTimeout', 'dedupe (window 10,000)', 'sequenceGaps', 'dropOnFull']));
    expect(tableAfter(output, '### Where the time goes').length).toBeGreaterThan(3);
    const recovery = tableAfter(output, '### Recovery');
    expect(recovery[0]?.[0]).toBe('killAll()');
    expect(recovery[0]?.[6]).toBe('yes');
  });

  it('should print the lossless (pause) table: both sinks, both modes, a rate for each', () => {
    const rows = tableAfter(output, '### Lossless mode');
    expect(rows.map((row) => `${row[0]}, ${row[1]}`)).toEqual([
      'keeps up, unbounded',
      'keeps up, pause',
      'slow (1 ms per 20 events), unbounded',
      'slow (1 ms per 20 events), pause',
    ]);
    for (const row of rows) expect(number(row[2])).toBeGreaterThan(0);
  });

  it('should print a PASS or MISS line for every target', () => {
    const verdicts = output.split('\n').filter((line) => /^(PASS|MISS) {2}\S/.test(line));
    expect(verdicts.length).toBeGreaterThanOrEqual(12);
  });
});
