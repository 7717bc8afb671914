#!/usr/bin/env node
/**
 * npm run build (also `prepare`: npm ci, npm install and npm pack run it) — the product as
 * plain JavaScript in dist/, so `ecs-alb-e2e run` starts without a TypeScript loader: tsx's
 * hooks see every module the run loads (vitest and vite included) and made starting vitest
 * alone take 1.75 s instead of 0.45 s (bench/e2e-suite.ts measures both ways). One file in,
 * one file out (no bundle): dist/ mirrors the folders, so paths relative to a module
 * (fixtures/*.json, the specs) hold there too. Type checking stays `npm run typecheck`.
 *
 * Usage: node scripts/build.js [--out <dir>]   (default dist/)
 */
import { build } from 'esbuild';
import { cpSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** What the package runs: the folders `files` ships, and the specs' vitest config. */
export const SOURCE_DIRS = ['cli', 'helpers', 'sim', 'specs', 'fixtures'];
export const SOURCE_FILES = ['vitest.e2e.config.ts'];
/** Written last: dist/ is current when no source is newer than it (bin/ecs-alb-e2e.js checks). */
export const STAMP = '.built';

function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
}

const args = process.argv.slice(2);
const outAt = args.indexOf('--out');
const out = resolve(ROOT, outAt >= 0 ? args[outAt + 1] : 'dist');
const files = [...SOURCE_DIRS.flatMap((d) => walk(join(ROOT, d))), ...SOURCE_FILES.map((f) => join(ROOT, f))];
const typescript = files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'));
const assets = files.filter((f) => !f.endsWith('.ts'));

const started = performance.now();
rmSync(out, { recursive: true, force: true });
await build({
  entryPoints: typescript,
  outdir: out,
  outbase: ROOT,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // failure output of vitest points into the sources, not into dist/
  sourcemap: 'linked',
  sourcesContent: false,
  logLevel: 'warning',
});
for (const asset of assets) {
  const to = join(out, relative(ROOT, asset));
  mkdirSync(dirname(to), { recursive: true });
  cpSync(asset, to);
}
writeFileSync(join(out, STAMP), `${new Date().toISOString()}\n`);
if (!args.includes('--quiet')) {
  process.stderr.write(`build: ${typescript.length} modules, ${assets.length} assets → ${relative(process.cwd(), out) || '.'} (${Math.round(performance.now() - started)} ms)\n`);
}
