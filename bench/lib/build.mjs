// Bundles the TypeScript sources the bench processes load, with esbuild: src/node/index.ts to
// node.mjs and src/server/index.ts to server.mjs. Packages (rxjs, ws, io-ts, fp-ts) stay external:
// every process resolves them from node_modules.
//
// Each run bundles into its own folder, bench/.build/run-<pid>/, and passes it to its child
// processes in BENCH_BUILD_DIR, so a run keeps one snapshot of src/ from start to end even when
// src/ is edited or another run (the smoke test) bundles meanwhile. BENCH_SRC=<dir> bundles
// another copy of src/ instead; `buildBundles(dir, 'alt')` bundles a second copy (e.g. a patched
// one) beside the first, into alt/, for `run.mjs --compare <dir>`.
import { build } from 'esbuild';
import { mkdir, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SRC = resolve(process.env.BENCH_SRC ?? join(ROOT, 'src'));
export const BUILD_DIR = process.env.BENCH_BUILD_DIR ?? join(ROOT, 'bench', '.build', `run-${process.pid}`);

/** The bundles of a variant ('' = the src under test, 'alt' = the one given to --compare). */
export function bundlesOf(variant = '') {
  const dir = variant === '' ? BUILD_DIR : join(BUILD_DIR, variant);
  return { node: join(dir, 'node.mjs'), server: join(dir, 'server.mjs') };
}

/** The bundles the processes import. */
export const BUNDLES = bundlesOf();

/**
 * Bundles `src` into BUILD_DIR (or its `variant` subfolder) and exports BENCH_BUILD_DIR to the
 * child processes; resolves with the paths.
 */
export async function buildBundles(src = SRC, variant = '') {
  const outdir = variant === '' ? BUILD_DIR : join(BUILD_DIR, variant);
  await mkdir(outdir, { recursive: true });
  await build({
    entryPoints: { node: join(resolve(src), 'node', 'index.ts'), server: join(resolve(src), 'server', 'index.ts') },
    outdir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node18',
    packages: 'external',
    sourcemap: 'inline',
    logLevel: 'silent',
  });
  process.env.BENCH_BUILD_DIR = BUILD_DIR;
  return bundlesOf(variant);
}

/** Removes this run's bundles (only a folder this process made). */
export async function removeBundles() {
  if (BUILD_DIR.endsWith(`run-${process.pid}`)) await rm(BUILD_DIR, { recursive: true, force: true });
}
