/**
 * Docs that run: the shipped docs (`README.md` and `docs/**\/*.md`, what `files` in package.json
 * publishes) are checked like code.
 *
 * 1. Every ```ts / ```typescript block is type-checked, as a module of its own, against the package
 *    as users import it: `rxjs-managed-socket`, `/node`, `/testing`, `/server`, `/protocol`. One
 *    TypeScript program holds all the blocks. The names resolve through tsconfig.json `paths` to
 *    `src/` (a fresh clone has no `dist/`); `DOCS_SPEC_ENTRY=dist` checks against the built
 *    `.d.ts` files instead (run `npm run build` first).
 * 2. Blocks that import only `rxjs` and the root entry and end in `// Output:` comments are run,
 *    inside `TestScheduler.run` (their timers are virtual), and must print exactly that.
 * 3. A block can carry a marker: an HTML comment on the line right before its fence, which GitHub
 *    and npm do not render.
 *    - `<!-- docs: file examples/path.ts -->`: the block is that file, verbatim. The file is
 *      type-checked here, and a spec runs it (the README's first example: spec/readme-spec.ts; the
 *      Angular marble test: spec/angular/docs-sample-spec.ts; the Node SIGTERM loop and the topic
 *      server recipe: below).
 *    - `<!-- docs: fragment (why) -->`: the block is an excerpt, not meant to compile alone, and is
 *      not type-checked. Keep these few, and say why in the marker; prefer a complete sample.
 * 4. Links: a relative link in a shipped doc must point at a shipped file (a Markdown file under
 *    docs/, README.md, LICENSE), and a code span must not name a path that only exists in the
 *    repository (`examples/`, `spec/`, `src/`, `bench/`, `scripts/`): link to it on GitHub
 *    (REPO_URL) instead.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { format } from 'node:util';
import { build } from 'esbuild';
import { TestScheduler } from 'rxjs/testing';
import * as ts from 'typescript';
import { managedSocket$ } from 'rxjs-managed-socket/node';
import { startReferenceServer } from 'rxjs-managed-socket/server';
import type { ReferenceServer } from 'rxjs-managed-socket/server';
import { topicProtocol } from '../../examples/recipes/topicProtocol';

const ROOT = join(__dirname, '..', '..');
const REPO_URL = 'https://github.com/rxjs-managed-socket/rxjs-managed-socket/blob/main/';

/** The shipped docs, as repository-relative paths (docs/api/ is generated TypeDoc output). */
function shippedDocs(): string[] {
  const docs: string[] = ['README.md'];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory() && path !== 'docs/api') walk(path);
      else if (entry.isFile() && entry.name.endsWith('.md')) docs.push(path);
    }
  };
  walk('docs');
  return docs;
}

interface Block {
  /** The doc it comes from, repository-relative. */
  readonly doc: string;
  /** The 1-based line of its first code line in the doc. */
  readonly line: number;
  readonly code: string;
  /** From the marker before the fence. */
  readonly marker: { readonly kind: 'file'; readonly path: string } | { readonly kind: 'fragment'; readonly why: string } | undefined;
}

const MARKER = /^<!--\s*docs:\s*(file\s+(\S+)|fragment\s+\((.+)\))\s*-->$/;

/** The TypeScript blocks of one doc, with their markers. */
function blocksOf(doc: string): Block[] {
  const lines = readFileSync(join(ROOT, doc), 'utf8').split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*(\S*)/.exec(lines[i] ?? '');
    if (open === null) continue;
    const [, indent = '', fence = '', lang = ''] = open;
    const start = i + 1;
    let end = start;
    while (end < lines.length && !(lines[end] ?? '').trimStart().startsWith(fence)) end++;
    if (lang === 'ts' || lang === 'typescript') {
      const previous = (lines[i - 1] ?? '').trim();
      const m = MARKER.exec(previous);
      const marker = m === null ? undefined : m[2] !== undefined ? ({ kind: 'file', path: m[2] } as const) : ({ kind: 'fragment', why: m[3] ?? '' } as const);
      if (marker === undefined && previous.startsWith('<!--') && previous.includes('docs:')) {
        throw new Error(`${doc}:${i}: malformed docs marker: ${previous}`);
      }
      const code = lines
        .slice(start, end)
        .map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l))
        .join('\n');
      blocks.push({ doc, line: start + 1, code: `${code}\n`, marker });
    }
    i = end;
  }
  return blocks;
}

const docs = shippedDocs();
const blocks = docs.flatMap(blocksOf);

/** Compiler options of tsconfig.json, optionally pointed at the built types. */
function compilerOptions(): ts.CompilerOptions {
  const file = ts.readConfigFile(join(ROOT, 'tsconfig.json'), (path) => ts.sys.readFile(path));
  const { options } = ts.parseJsonConfigFileContent(file.config, ts.sys, ROOT);
  if (process.env['DOCS_SPEC_ENTRY'] === 'dist') {
    options.paths = { 'rxjs-managed-socket': ['./dist/index.d.ts'], 'rxjs-managed-socket/*': ['./dist/*.d.ts'] };
  }
  return { ...options, noEmit: true, incremental: false };
}

/** Type-checks the blocks in one program; returns the diagnostics as `doc:line: message`. */
function typeCheck(checked: readonly Block[]): string[] {
  const virtual = new Map<string, Block>();
  const roots: string[] = [];
  for (const block of checked) {
    if (block.marker?.kind === 'file') {
      roots.push(join(ROOT, block.marker.path));
    } else {
      // Next to its doc, so that node_modules resolve as they do for the repository's own files.
      const name = join(ROOT, `${block.doc}.line-${block.line}.ts`);
      virtual.set(name, block);
      roots.push(name);
    }
  }
  const options = compilerOptions();
  const host = ts.createCompilerHost(options, true);
  const { getSourceFile, fileExists, readFile } = host;
  // `export {}` makes every block a module, so blocks do not share top-level names.
  const text = (name: string) => `${virtual.get(name)?.code ?? ''}export {};\n`;
  host.fileExists = (name) => virtual.has(name) || fileExists.call(host, name);
  host.readFile = (name) => (virtual.has(name) ? text(name) : readFile.call(host, name));
  host.getSourceFile = (name, languageVersion, ...rest) =>
    virtual.has(name) ? ts.createSourceFile(name, text(name), languageVersion, true) : getSourceFile.call(host, name, languageVersion, ...rest);
  const program = ts.createProgram({ rootNames: roots, options, host });
  const diagnostics = [...program.getOptionsDiagnostics(), ...roots.flatMap((name) => [...program.getSyntacticDiagnostics(program.getSourceFile(name)), ...program.getSemanticDiagnostics(program.getSourceFile(name))])];
  return diagnostics.map((d) => {
    const message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    if (d.file === undefined || d.start === undefined) return message;
    const { line } = d.file.getLineAndCharacterOfPosition(d.start);
    const block = virtual.get(d.file.fileName);
    const where = block !== undefined ? `${block.doc}:${block.line + line}` : `${relative(ROOT, d.file.fileName)}:${line + 1}`;
    return `${where}: ${message}`;
  });
}

describe('docs', () => {
  it('should find the TypeScript blocks of the shipped docs', () => {
    expect(docs).toEqual(expect.arrayContaining(['README.md', 'docs/managedSocket.md', 'docs/browser.md', 'docs/operators/README.md']));
    expect(blocks.length).toBeGreaterThan(30);
  });

  describe('TypeScript blocks', () => {
    // One program for every block, plus a broken probe that shows errors are found and placed.
    const probe: Block = { doc: 'docs/probe.md', line: 10, code: "import { idleTimeout } from 'rxjs-managed-socket';\nexport const op = idleTimeout('30s');\n", marker: undefined };
    let diagnostics: string[] | undefined;
    const checked = (): string[] => (diagnostics ??= typeCheck([...blocks.filter((b) => b.marker?.kind !== 'fragment'), probe]));

    it('should type-check every block that is not marked as a fragment', () => {
      expect(checked().filter((d) => !d.startsWith(`${probe.doc}:`))).toEqual([]);
    }, 60_000);

    it('should report an error in a block at its line in the doc', () => {
      expect(checked().filter((d) => d.startsWith(`${probe.doc}:`))).toEqual([
        `${probe.doc}:11: Argument of type 'string' is not assignable to parameter of type 'number'.`,
      ]);
    }, 60_000);

    it('should show each marked file verbatim', () => {
      const files = blocks.flatMap((b) => (b.marker?.kind === 'file' ? [b] : []));
      expect(files.map((b) => (b.marker?.kind === 'file' ? b.marker.path : ''))).toEqual(
        expect.arrayContaining(['examples/first-example.ts', 'examples/angular/feed.service.spec.ts', 'examples/node/graceful-stop.ts']),
      );
      for (const block of files) {
        const path = block.marker?.kind === 'file' ? block.marker.path : '';
        expect({ at: `${block.doc}:${block.line}`, code: block.code }).toEqual({ at: `${block.doc}:${block.line}`, code: readFileSync(join(ROOT, path), 'utf8') });
      }
    });

    it('should mark only a few blocks as fragments, each with a reason', () => {
      const fragments = blocks.filter((b) => b.marker?.kind === 'fragment');
      expect(fragments.length).toBeLessThanOrEqual(3);
      for (const block of fragments) expect(block.marker?.kind === 'fragment' && block.marker.why.length).toBeGreaterThan(10);
    });
  });

  describe('samples with an // Output:', () => {
    /** Imports a block may have to run here, in virtual time. */
    const RUNNABLE_IMPORTS = new Set(['rxjs', 'rxjs-managed-socket']);
    const importsOf = (code: string) => [...code.matchAll(/^import .* from '([^']+)';$/gm)].map((m) => m[1] ?? '');
    const runnable = blocks.filter(
      (b) => b.marker === undefined && /^\/\/ Output:$/m.test(b.code) && importsOf(b.code).every((i) => RUNNABLE_IMPORTS.has(i)),
    );

    /** Runs a block inside `TestScheduler.run`, where every rxjs timer is virtual; returns what it printed. */
    function run(code: string): string[] {
      const js = ts.transpileModule(code, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020, esModuleInterop: true } }).outputText;
      const printed: string[] = [];
      const console = { log: (...args: unknown[]) => void printed.push(format(...args)) };
      // The block's own code, transpiled above, with this spec's require (so the package name maps to src/).
      const body = new Function('require', 'exports', 'console', js) as (r: NodeRequire, e: object, c: typeof console) => void;
      new TestScheduler((actual, expected) => expect(actual).toEqual(expected)).run(() => body(require, {}, console));
      return printed;
    }

    it('should find the examples of the operator guides', () => {
      expect(runnable.map((b) => b.doc)).toEqual(
        expect.arrayContaining(['docs/operators/dedupe.md', 'docs/operators/dropOnFull.md', 'docs/operators/idleTimeout.md', 'docs/operators/retryBackoff.md', 'docs/operators/sequenceGaps.md']),
      );
    });

    it('should run a block in virtual time and capture what it prints', () => {
      expect(run("import { timer } from 'rxjs';\ntimer(3_600_000).subscribe(() => console.log('an hour later', 1));\n")).toEqual(['an hour later 1']);
    });

    it.each(runnable.map((b) => [`${b.doc}:${b.line}`, b] as const))('should print what %s says', (_at, block) => {
      const expected = (block.code.split(/^\/\/ Output:\n/m)[1] ?? '')
        .split('\n')
        .filter((line) => line.startsWith('//'))
        .map((line) => line.replace(/^\/\/ ?/, ''));
      expect(run(block.code)).toEqual(expected);
    });
  });

  describe('samples that run', () => {
    let server: ReferenceServer | undefined;
    afterEach(async () => {
      await server?.stop();
      server = undefined;
    });

    /** Resolves when `predicate` holds, checking every 10 ms; rejects after `ms`. */
    async function until(predicate: () => boolean, what: string, ms = 5_000): Promise<void> {
      const deadline = Date.now() + ms;
      while (!predicate()) {
        if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }

    it('should stop the docs/node.md SIGTERM job gracefully: the events, their commit, exit code 0; the next run resumes after them', async () => {
      // Bundled as a user's build would do it; the package name resolves to src/ through tsconfig paths.
      const dir = join(ROOT, 'node_modules', '.cache', 'rxjs-managed-socket-spec');
      const file = join(dir, `graceful-stop-${process.pid}.cjs`);
      const cursorFile = join(dir, `graceful-stop-${process.pid}`, 'cursor.json');
      await build({
        entryPoints: [join(ROOT, 'examples/node/graceful-stop.ts')],
        absWorkingDir: ROOT,
        tsconfig: join(ROOT, 'tsconfig.json'),
        bundle: true,
        platform: 'node',
        format: 'cjs',
        external: ['rxjs', 'ws', 'io-ts', 'fp-ts'],
        outfile: file,
        logLevel: 'silent',
      });
      server = await startReferenceServer();
      const s = server;

      /** Runs the sample until it printed `events` lines, then SIGTERMs it; returns its output. */
      const run = async (events: number, publish: () => void) => {
        const child = spawn(process.execPath, [file, s.url, cursorFile], { stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
        try {
          await s.waitFor((srv) => srv.openConnections().some((c) => c.topics.includes('orders')), 5_000);
          publish();
          await until(() => stdout.split('\n').length > events, `${events} events printed`);
          child.kill('SIGTERM');
          const exit = await exited;
          expect({ ...exit, stderr }).toEqual({ code: 0, signal: null, stderr: '' });
          await until(() => s.openConnections().length === 0, 'the socket closed');
          const lines = stdout.trim().split('\n');
          return { seqs: lines.slice(0, events).map((line) => (JSON.parse(line) as { seq: number }).seq), rest: lines.slice(events) };
        } finally {
          child.kill('SIGKILL');
        }
      };

      try {
        const first = await run(3, () => {
          for (let n = 1; n <= 3; n++) s.publish('orders', { n });
        });
        expect(first).toEqual({ seqs: [1, 2, 3], rest: ['stopped: 3 committed, next run resumes after orders 3'] });
        expect(JSON.parse(readFileSync(cursorFile, 'utf8'))).toEqual({ version: 1, mode: 'perKey', keys: [{ key: 'orders', cursor: 3, ahead: [] }] });
        // The server replays from the start to anyone who asks: the committed position is what skips 1-3.
        const second = await run(2, () => {
          for (let n = 4; n <= 5; n++) s.publish('orders', { n });
        });
        expect(second).toEqual({ seqs: [4, 5], rest: ['stopped: 2 committed, next run resumes after orders 5'] });
      } finally {
        rmSync(file, { force: true });
        rmSync(dirname(cursorFile), { recursive: true, force: true });
      }
    }, 30_000);

    it('should resume a topic server per topic, read a new topic from its start, and need no token', async () => {
      server = await startReferenceServer();
      for (let n = 1; n <= 3; n++) server.publish('prices', { n });
      const socket = managedSocket$({ url: server.url, ...topicProtocol(), resume: { start: 0 }, retry: { initialInterval: 20, jitter: 0 } });
      const got: string[] = [];
      const subscription = socket.subscribe((frame) => {
        if (frame.type === 'event') got.push(`${frame.topic}#${frame.seq}`);
      });
      try {
        socket.subscribeTopics('prices');
        await until(() => got.length === 3, 'prices 1-3');
        server.publish('news', { n: 1 });
        server.publish('news', { n: 2 });
        server.killAll(); // the network drops
        server.publish('prices', { n: 4 });
        await server.waitFor((s) => s.openConnections().some((c) => c.topics.includes('prices')), 5_000);
        socket.subscribeTopics('news'); // a topic this cursor has never seen
        await until(() => got.length === 6, 'prices 4 and news 1-2');
        expect(got.sort()).toEqual(['news#1', 'news#2', 'prices#1', 'prices#2', 'prices#3', 'prices#4']);
        const hellos = server.received.flatMap((r) => (r.frame?.type === 'hello' ? [r.frame] : []));
        expect(hellos).toEqual([
          { type: 'hello', resumeFromSeq: 0, resume: {} },
          { type: 'hello', resumeFromSeq: 0, resume: { prices: 3 } },
        ]);
      } finally {
        subscription.unsubscribe();
      }
    }, 20_000);
  });

  describe('links', () => {
    /** Paths the package ships (package.json `files`), as far as docs link to them. */
    const shipped = (path: string): boolean => path === 'README.md' || path === 'LICENSE' || (path.startsWith('docs/') && path.endsWith('.md') && existsSync(join(ROOT, path)));

    /** Relative links in a doc's text to files the package does not ship, and code spans naming repository-only paths. */
    function offenders(doc: string, markdown: string): string[] {
      const text = markdown.replace(/^(`{3,}|~{3,})[\s\S]*?^\1/gm, ''); // not in code blocks
      const found: string[] = [];
      for (const [, target = ''] of text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\)/g)) {
        if (/^([a-z]+:|#)/i.test(target)) continue;
        const path = normalize(join(dirname(doc), decodeURIComponent(target.split('#')[0] ?? ''))).replace(/\\/g, '/');
        if (!shipped(path)) found.push(`link ${target}`);
      }
      // A code span that is a repository path (`spec/x-spec.ts`), unless it is the text of a link.
      for (const m of text.matchAll(/(\[)?`((?:\.\.\/)*(?:examples|spec|src|bench|scripts)\/[^`\s]*)`/g)) {
        if (m[1] === undefined) found.push(`path ${m[2] ?? ''}`);
      }
      return found;
    }

    // Pages rewritten elsewhere at the moment: their current local paths are listed, and no new one
    // may appear on them. Remove entries as the pages link to the repository instead.
    const PENDING: Readonly<Record<string, ReadonlySet<string>>> = {
      'docs/benchmarks.md': new Set([
        'link ../bench/README.md',
        'link benchmarks-ratios.svg',
        'link ../bench/results/compare-ratios.svg',
        'path bench/results/latest.json',
        'path bench/results/compare.json',
        'path bench/.build/run-<pid>/',
        'path bench/procs/blastServer.mjs',
        'path src/node/index.ts',
        'path src/server/index.ts',
        'path src/server',
        'path src/internal/onlyWhere.ts',
        'path spec/internal/onlyWhere-spec.ts',
        'path src/operators/idleTimeout.ts',
        'path src/operators/dropOnFull.ts',
        'path src/operators/dedupe.ts',
        'path src/socket/managedSocket.ts',
      ]),
      'docs/reliability.md': new Set([
        'path spec/hostile/hostileFrames-spec.ts',
        'path spec/hostile/flood-spec.ts',
        'path spec/hostile/throwingCallbacks-spec.ts',
        'path spec/herd/thunderingHerd-spec.ts',
        'path spec/security/security-spec.ts',
        'path spec/soak/soakScenario.ts',
        'path spec/soak/soak-spec.ts',
      ]),
    };

    it('should point at shipped files or at the repository by URL, never at local repository paths', () => {
      const found = docs.flatMap((doc) =>
        offenders(doc, readFileSync(join(ROOT, doc), 'utf8'))
          .filter((o) => !(PENDING[doc]?.has(o) ?? false))
          .map((o) => `${doc}: ${o}`),
      );
      expect(found).toEqual([]);
    });

    it('should catch relative links to files the package does not ship, and bare repository paths', () => {
      const markdown = [
        'See [the guide](../angular.md), [a section](#options), [rxjs](https://rxjs.dev), [home](../../README.md).',
        'Not shipped: [the bench](../../bench/README.md), [a chart](chart.svg), [the spec](../../spec/x-spec.ts).',
        'A path: `examples/node/job.ts`; linked: [`src/index.ts`](' + REPO_URL + 'src/index.ts); a command: `npx jest spec/docs`.',
        '```sh',
        'node scripts/size-budget.mjs  # [x](../../bench/y.md) in a code block',
        '```',
      ].join('\n');
      expect(offenders('docs/operators/example.md', markdown)).toEqual([
        'link ../../bench/README.md',
        'link chart.svg',
        'link ../../spec/x-spec.ts',
        'path examples/node/job.ts',
      ]);
    });

    it('should name the repository in package.json', () => {
      const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { repository?: { url?: string }; files?: string[] };
      expect(pkg.repository?.url).toBe('git+https://github.com/rxjs-managed-socket/rxjs-managed-socket.git');
      expect(pkg.files).toEqual(expect.arrayContaining(['README.md', 'docs/**/*.md']));
    });
  });
});
