/** npm run sim flags of the realism work: --realism, --purge-inactive-after, --seed. */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const TSX = 'node_modules/.bin/tsx';

function run(args: string[], untilReady = false): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(TSX, ['sim/cli.ts', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c;
      if (untilReady && stdout.includes('ready ')) child.kill('SIGTERM');
    });
    child.stderr.on('data', (c: Buffer) => (stderr += c));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

const errorLines = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('error:'));

describe('npm run sim realism flags', () => {
  it.each([
    [['--realism', 'hard'], /--realism/],
    [['--purge-inactive-after', '-1'], /--purge-inactive-after/],
    [['--purge-inactive-after', 'soon'], /--purge-inactive-after/],
    [['--seed', '1.5'], /--seed/],
  ])('%j is one line on stderr and exit code 2', async (args, names) => {
    const out = await run(args);
    expect(out.code).toBe(2);
    expect(out.stderr.trim().split('\n')).toHaveLength(1);
    expect(errorLines(out.stderr)[0]).toMatch(names);
  });

  it('starts with --realism aws --purge-inactive-after 0 --seed 3', async () => {
    const out = await run(['--port', '0', '--scenario', 'empty', '--realism', 'aws', '--purge-inactive-after', '0', '--seed', '3'], true);
    expect(out.stdout).toMatch(/^ready http:\/\/127\.0\.0\.1:\d+$/m);
  });
});
