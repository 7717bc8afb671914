#!/usr/bin/env node
// Runs the TypeScript CLI with tsx's loader, without a build step. The CLI handles an
// interrupt itself (it removes what the run created, then exits 130): this wrapper waits for
// it, and passes on a signal sent to the wrapper alone (a terminal's Ctrl-C reaches both).
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
// tsx resolved from this package, not from wherever the command is run
const tsx = import.meta.resolve('tsx');
const child = spawn(process.execPath, ['--import', tsx, join(here, '..', 'cli', 'main.ts'), ...process.argv.slice(2)], {
  stdio: 'inherit',
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal === 'SIGINT' ? 130 : 1)));
