#!/usr/bin/env node
/**
 * Checks the package as it would be published. Run it after `npm run build`:
 *
 *   node scripts/check-package.mjs
 *
 * 1. package.json: `sideEffects: false`, a `files` whitelist, the peers (rxjs, io-ts, fp-ts, and
 *    ws optional), no runtime `dependencies`, and for every subpath of `exports` an `import` and
 *    a `require` condition, each with `types` first and an existing file of the right extension.
 * 2. `npm pack` into a temp dir: the tarball holds only package.json, README, LICENSE, dist/
 *    (.mjs, .cjs, .d.ts, .d.mts, .map) and docs/*.md (e.g. no generated docs/api).
 * 3. publint on that tarball, every level (suggestions too), strict.
 * 4. @arethetypeswrong/cli on that tarball, every resolution mode: node10 (`moduleResolution:
 *    node`, which reads `typesVersions` for the subpaths), node16 from CJS and from ESM, bundler.
 * 5. The import graph of every built entry (esbuild metafile): only peers (and for /node, /server
 *    `ws` and `node:` builtins) are imported, nothing of them is inlined, and the root, /testing
 *    and /protocol entries import no `ws` and no `node:` module (they must run in a browser).
 * 6. Every entry loads in this Node with `import` and with `require`, with the same exports.
 *
 * Exits 1 on any problem. Warnings (W) are printed but do not fail the run.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(ROOT, 'package.json'));
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));

const PEERS = ['rxjs', 'io-ts', 'fp-ts', 'ws'];
/** Bare imports each entry may have (package names; `node:` builtins separately). */
const ALLOWED = {
  '.': { packages: ['rxjs', 'io-ts', 'fp-ts'], builtins: false },
  './testing': { packages: ['rxjs', 'io-ts', 'fp-ts'], builtins: false },
  './node': { packages: ['rxjs', 'io-ts', 'fp-ts', 'ws'], builtins: true },
  './server': { packages: ['rxjs', 'io-ts', 'fp-ts', 'ws'], builtins: true },
  './protocol': { packages: ['rxjs', 'io-ts', 'fp-ts'], builtins: false },
};
/** What the tarball may hold (not docs/api/: TypeDoc's output, with copies of the guides, is not published). */
const PUBLISHED = [/^package\.json$/, /^README\.md$/, /^LICENSE(\.md|\.txt)?$/, /^dist\/.+\.(mjs|cjs|d\.ts|d\.mts|map)$/, /^docs\/(?!api\/).+\.md$/];

const problems = [];
const warnings = [];
const problem = (step, text) => problems.push(`[${step}] ${text}`);
const warn = (step, text) => warnings.push(`[${step}] ${text}`);
const section = (title) => console.log(`\n== ${title}`);

const tmp = mkdtempSync(join(tmpdir(), 'check-package-'));
try {
  await main();
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

console.log('');
for (const w of warnings) console.log(`W ${w}`);
for (const p of problems) console.log(`E ${p}`);
if (problems.length > 0) {
  console.error(`check-package: ${problems.length} problem(s), ${warnings.length} warning(s).`);
  process.exit(1);
}
console.log(`check-package: OK (${warnings.length} warning(s)).`);

async function main() {
  if (!existsSync(join(ROOT, 'dist'))) {
    problem('dist', 'dist/ is missing: run `npm run build` first');
    return;
  }

  section('package.json');
  checkManifest();

  section('npm pack');
  const tarball = pack();
  if (tarball === undefined) return;

  section('publint');
  await runPublint(tarball);

  section('attw (node10, node16-cjs, node16-esm, bundler)');
  runAttw(tarball);

  section('import graph of the built entries');
  await checkImportGraph();

  section('load with import and require');
  await checkLoads();
}

function checkManifest() {
  const step = 'package.json';
  if (pkg.sideEffects !== false) problem(step, '"sideEffects" must be false');
  if (!Array.isArray(pkg.files) || pkg.files.length === 0) problem(step, '"files" must be a whitelist');
  if (pkg.dependencies && Object.keys(pkg.dependencies).length > 0) {
    problem(step, `no runtime "dependencies" expected, found ${Object.keys(pkg.dependencies).join(', ')}`);
  }
  for (const peer of PEERS) {
    if (!pkg.peerDependencies?.[peer]) problem(step, `"${peer}" must be a peer dependency`);
    if (!pkg.devDependencies?.[peer]) problem(step, `"${peer}" must be a dev dependency too (tests, build)`);
  }
  if (pkg.peerDependenciesMeta?.ws?.optional !== true) problem(step, '"ws" must be an optional peer (peerDependenciesMeta)');
  for (const peer of ['rxjs', 'io-ts', 'fp-ts']) {
    if (pkg.peerDependenciesMeta?.[peer]?.optional) problem(step, `"${peer}" is needed by the root entry: it cannot be optional`);
  }
  if (!pkg.engines?.node) warn(step, 'no "engines.node"');
  if (!pkg.license) problem(step, 'no "license"');
  if (!existsSync(join(ROOT, 'LICENSE')) && !existsSync(join(ROOT, 'LICENSE.md'))) {
    warn(step, `"license": "${pkg.license}" but no LICENSE file is published with it`);
  }
  for (const field of ['main', 'module', 'types']) {
    if (pkg[field] && !existsSync(join(ROOT, pkg[field]))) problem(step, `"${field}": ${pkg[field]} does not exist`);
  }

  const exportsMap = pkg.exports ?? {};
  for (const subpath of Object.keys(ALLOWED)) {
    const target = exportsMap[subpath];
    if (!target) {
      problem(step, `exports["${subpath}"] is missing`);
      continue;
    }
    const expected = { import: ['.d.mts', '.mjs'], require: ['.d.ts', '.cjs'] };
    for (const [condition, [typesExt, codeExt]] of Object.entries(expected)) {
      const branch = target[condition];
      if (typeof branch !== 'object' || branch === null) {
        problem(step, `exports["${subpath}"].${condition} must be { types, default }`);
        continue;
      }
      const keys = Object.keys(branch);
      if (keys[0] !== 'types') problem(step, `exports["${subpath}"].${condition}: "types" must come first (has ${keys.join(', ')})`);
      if (keys.at(-1) !== 'default') problem(step, `exports["${subpath}"].${condition}: "default" must come last`);
      for (const [key, ext] of [
        ['types', typesExt],
        ['default', codeExt],
      ]) {
        const file = branch[key];
        if (typeof file !== 'string' || !file.endsWith(ext)) problem(step, `exports["${subpath}"].${condition}.${key} should be a ${ext} file, is ${file}`);
        else if (!existsSync(join(ROOT, file))) problem(step, `exports["${subpath}"].${condition}.${key}: ${file} does not exist`);
      }
    }
    console.log(`  ${subpath}: import ${target.import?.default} (+ ${target.import?.types}), require ${target.require?.default} (+ ${target.require?.types})`);
  }
  for (const subpath of Object.keys(exportsMap)) {
    if (!(subpath in ALLOWED) && subpath !== './package.json') warn(step, `exports["${subpath}"] is not checked by this script: add it to ALLOWED`);
  }
  if (!('./package.json' in exportsMap)) warn(step, 'exports has no "./package.json"');
}

function pack() {
  const step = 'npm pack';
  const result = spawnSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', tmp], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  if (result.status !== 0) {
    problem(step, `npm pack failed (${result.status ?? result.signal}): ${result.stderr}`);
    return undefined;
  }
  const [info] = JSON.parse(result.stdout.slice(result.stdout.indexOf('[')));
  const files = info.files.map((f) => f.path);
  // Unexpected files, grouped by folder (a generated docs/api/ would otherwise list 100+ lines).
  const unexpected = new Map();
  for (const file of files.filter((f) => !PUBLISHED.some((re) => re.test(f)))) {
    const folder = file.includes('/') ? file.slice(0, file.indexOf('/', file.indexOf('/') + 1) + 1 || file.lastIndexOf('/') + 1) : file;
    unexpected.set(folder, [...(unexpected.get(folder) ?? []), file]);
  }
  for (const [folder, list] of unexpected) {
    problem(step, list.length === 1 ? `unexpected file in the tarball: ${list[0]}` : `unexpected files in the tarball: ${folder} (${list.length} files, e.g. ${list[0]})`);
  }
  for (const needed of ['package.json', 'README.md']) {
    if (!files.includes(needed)) problem(step, `${needed} is not in the tarball`);
  }
  for (const subpath of Object.keys(ALLOWED)) {
    for (const condition of ['import', 'require']) {
      for (const key of ['types', 'default']) {
        const file = pkg.exports?.[subpath]?.[condition]?.[key]?.replace(/^\.\//, '');
        if (file && !files.includes(file)) problem(step, `${file} (exports["${subpath}"]) is not in the tarball`);
      }
    }
  }
  console.log(`  ${info.filename}: ${files.length} files, ${info.size.toLocaleString('en-US')} B packed, ${info.unpackedSize.toLocaleString('en-US')} B unpacked`);
  return join(tmp, info.filename);
}

async function runPublint(tarball) {
  const data = readFileSync(tarball);
  const tarballBuffer = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength);
  const { messages, pkg: linted } = await publint({ pack: { tarball: tarballBuffer }, level: 'suggestion', strict: true });
  if (messages.length === 0) console.log('  all good');
  for (const message of messages) problem('publint', `${message.type}: ${formatMessage(message, linted)}`);
}

function runAttw(tarball) {
  const cli = join(dirname(require.resolve('@arethetypeswrong/cli/package.json')), 'dist', 'index.js');
  // The strict profile: every resolution mode must resolve every entrypoint, node10 included
  // (`moduleResolution: node`, still common in Angular and Node projects, finds the subpaths
  // through `typesVersions`).
  const args = [cli, tarball, '--profile', 'strict', '--no-definitely-typed', '--format', 'json'];
  const result = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', timeout: 180_000, maxBuffer: 64 * 1024 * 1024 });
  let report;
  try {
    report = JSON.parse(result.stdout);
  } catch {
    problem('attw', `no JSON report (exit ${result.status ?? result.signal}): ${result.stderr || result.stdout}`);
    return;
  }
  // `problems` is grouped by kind and lists every resolution mode.
  const found = Array.isArray(report.problems) ? report.problems : Object.values(report.problems ?? {}).flat();
  for (const p of found) {
    const where = [p.entrypoint, p.resolutionKind].filter(Boolean).join(' / ');
    problem('attw', `${p.kind}${where ? ` (${where})` : ''}`);
  }
  const entrypoints = report.analysis?.entrypoints ?? {};
  const subpaths = Object.keys(ALLOWED);
  for (const subpath of subpaths) {
    if (!(subpath in entrypoints)) problem('attw', `entrypoint "${subpath}" was not analysed`);
  }
  for (const [name, entry] of Object.entries(entrypoints)) {
    const kinds = Object.entries(entry.resolutions ?? {}).map(([kind, r]) => {
      if (!r.resolution?.fileName && subpaths.includes(name)) problem('attw', `"${name}" does not resolve under ${kind}`);
      return `${kind}:${r.resolution?.fileName?.replace(/^\/node_modules\/[^/]+\//, '') ?? 'UNRESOLVED'}`;
    });
    console.log(`  ${name}: ${kinds.join('  ')}`);
  }
  if (result.status !== 0 && found.length === 0) problem('attw', `exit ${result.status ?? result.signal}: ${result.stderr}`);
  if (found.length === 0 && result.status === 0) console.log('  no problems');
}

/** Bare specifier -> package name (`@scope/name` or `name`). */
function packageOf(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

async function checkImportGraph() {
  const step = 'imports';
  for (const [subpath, allowed] of Object.entries(ALLOWED)) {
    for (const condition of ['import', 'require']) {
      const file = pkg.exports?.[subpath]?.[condition]?.default;
      if (!file || !existsSync(join(ROOT, file))) continue;
      const bare = new Set();
      const result = await build({
        entryPoints: [join(ROOT, file)],
        absWorkingDir: ROOT,
        bundle: true,
        write: false,
        metafile: true,
        format: 'esm',
        platform: 'neutral',
        logLevel: 'silent',
        plugins: [
          {
            name: 'record-bare',
            setup(b) {
              b.onResolve({ filter: /^[^./]/ }, (args) => {
                bare.add(args.path);
                return { path: args.path, external: true };
              });
            },
          },
        ],
      });
      // Inputs are relative to absWorkingDir (ROOT): anything outside dist/ was inlined.
      const inlined = new Set(
        Object.keys(result.metafile.inputs)
          .filter((input) => !input.startsWith('dist/'))
          .map((input) => (input.includes('node_modules/') ? packageOf(input.slice(input.lastIndexOf('node_modules/') + 'node_modules/'.length)) : input)),
      );
      for (const input of inlined) problem(step, `${file} inlines ${input}: it must import it instead`);
      for (const specifier of bare) {
        const name = packageOf(specifier);
        if (specifier.startsWith('node:')) {
          if (!allowed.builtins) problem(step, `${file} imports ${specifier}: the "${subpath}" entry must run in a browser`);
        } else if (!allowed.packages.includes(name)) {
          problem(step, `${file} imports ${specifier}, not allowed in "${subpath}" (allowed: ${allowed.packages.join(', ')})`);
        } else if (!pkg.peerDependencies?.[name]) {
          problem(step, `${file} imports ${specifier}, which is not a peer dependency`);
        }
        if (condition === 'import' && /^(fp-ts|io-ts)\/lib\//.test(specifier)) {
          warn(step, `${file} imports ${specifier} (a CommonJS build) from ESM: bundlers then ship the CJS copy of ${name} beside the app's ESM one`);
        }
      }
      console.log(`  ${subpath} (${condition}) ${file}: ${[...bare].sort().join(', ') || '(no bare imports)'}`);
    }
  }
}

async function checkLoads() {
  const step = 'load';
  for (const subpath of Object.keys(ALLOWED)) {
    const target = pkg.exports?.[subpath];
    if (!target?.import?.default || !target?.require?.default) continue;
    let esm;
    let cjs;
    try {
      esm = await import(pathToFileURL(join(ROOT, target.import.default)).href);
    } catch (err) {
      problem(step, `import ${target.import.default}: ${err instanceof Error ? err.message : String(err)}`);
    }
    try {
      cjs = require(join(ROOT, target.require.default));
    } catch (err) {
      problem(step, `require ${target.require.default}: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (!esm || !cjs) continue;
    const esmNames = Object.keys(esm).filter((k) => k !== 'default').sort();
    const cjsNames = Object.keys(cjs).filter((k) => k !== '__esModule' && k !== 'default').sort();
    if (esmNames.join() !== cjsNames.join()) {
      problem(step, `"${subpath}": ESM and CJS exports differ: ESM-only ${esmNames.filter((n) => !cjsNames.includes(n))}, CJS-only ${cjsNames.filter((n) => !esmNames.includes(n))}`);
    }
    if (esmNames.length === 0) problem(step, `"${subpath}" exports nothing`);
    console.log(`  ${subpath}: ${esmNames.length} runtime exports, the same from import and require`);
  }
}
