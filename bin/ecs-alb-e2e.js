#!/usr/bin/env node
// Runs the TypeScript CLI with tsx's loader in one process (signals reach the CLI directly,
// so Ctrl-C still removes what a run created), without a build step.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
// tsx resolved from this package, not from wherever the command is run
const tsx = import.meta.resolve('tsx');
const r = spawnSync(process.execPath, ['--import', tsx, join(here, '..', 'cli', 'main.ts'), ...process.argv.slice(2)], {
  stdio: 'inherit',
  cwd: process.cwd(),
});
process.exit(r.status ?? (r.signal === 'SIGINT' ? 130 : 1));
