#!/usr/bin/env node
// `run` uses the build (dist/, scripts/build.js: what the package ships, and what npm ci builds
// in a clone) in this process: no TypeScript loader, no second process. Everything else — and
// `run` in a checkout whose sources changed after the last build — runs the TypeScript CLI with
// tsx's loader in a child. The CLI handles an interrupt itself (it removes what the run created,
// then exits 130): this wrapper waits for it, and passes on a signal sent to the wrapper alone (a
// terminal's Ctrl-C reaches both).
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);

/** dist/ is there and no source is newer than it (npm pack gives every file one date: current). */
function buildIsCurrent() {
  const stamp = join(root, 'dist', '.built');
  if (!existsSync(stamp)) return false;
  const built = statSync(stamp).mtimeMs;
  const newer = (dir) =>
    readdirSync(dir, { withFileTypes: true }).some((e) => {
      const path = join(dir, e.name);
      return e.isDirectory() ? newer(path) : statSync(path).mtimeMs > built;
    });
  return !['cli', 'helpers', 'sim', 'specs', 'fixtures'].some((d) => existsSync(join(root, d)) && newer(join(root, d))) && statSync(join(root, 'vitest.e2e.config.ts')).mtimeMs <= built;
}

if (args[0] === 'run' && buildIsCurrent()) {
  const { main } = await import(pathToFileURL(join(root, 'dist', 'cli', 'main.js')).href);
  await main(args);
} else {
  // tsx resolved from this package, not from wherever the command is run
  const tsx = import.meta.resolve('tsx');
  const child = spawn(process.execPath, ['--import', tsx, join(root, 'cli', 'main.ts'), ...args], { stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal === 'SIGINT' ? 130 : 1)));
}
