/**
 * Runs the suite the way a user does — `ecs-alb-e2e run` in a child process — and returns
 * what a user would see: exit code, output, and the report it wrote.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Report } from '../../helpers/report/report.js';

const root = resolve(import.meta.dirname, '..', '..');

export interface SuiteRun {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  reportDir: string;
  report?: Report;
  /** status of a check by id (undefined when the report lacks it) */
  status(id: string): string | undefined;
  reason(id: string): string;
}

export interface RunOptions {
  args?: string[];
  /** Called once the child runs; lets a test interrupt it. */
  onStart?: (child: ReturnType<typeof spawn>) => void;
  timeoutMs?: number;
  /** Variables to remove from the inherited environment. */
  unset?: string[];
}

// Under GitHub Actions every child run would add its report to the step summary and annotate
// its failures — the fault corpus fails checks on purpose. A test that wants them passes them.
const GITHUB_CONVENTIONS = ['GITHUB_ACTIONS', 'GITHUB_STEP_SUMMARY'];

/** Environment that isolates a child run from the developer's own E2E_* and AWS settings. */
export function baseEnv(unset: string[] = []): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('E2E_') || k.startsWith('VITEST') || GITHUB_CONVENTIONS.includes(k) || unset.includes(k)) continue;
    env[k] = v;
  }
  env.FORCE_COLOR = '0';
  return env;
}

export function runSuiteChild(env: Record<string, string>, opts: RunOptions = {}): Promise<SuiteRun> {
  const reportDir = env.E2E_REPORT_DIR ?? mkdtempSync(join(tmpdir(), 'e2e-run-'));
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'cli', 'main.ts'), 'run', ...(opts.args ?? [])], {
    cwd: root,
    env: { ...baseEnv(opts.unset ?? []), ...env, E2E_REPORT_DIR: reportDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d));
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  opts.onStart?.(child);
  const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 240_000);
  return new Promise((resolvePromise) => {
    child.on('close', (exitCode, signal) => {
      clearTimeout(timer);
      const file = join(reportDir, 'report.json');
      const report = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Report) : undefined;
      const find = (id: string) => report?.checks.find((c) => c.id === id);
      resolvePromise({
        exitCode,
        signal,
        stdout,
        stderr,
        reportDir,
        report,
        status: (id) => find(id)?.status,
        reason: (id) => find(id)?.reason ?? '',
      });
    });
  });
}

/** A one-line summary of a run's non-passing checks, for assertion messages. */
export function notPassing(run: SuiteRun): string {
  return (run.report?.checks ?? [])
    .filter((c) => c.status !== 'passed')
    .map((c) => `${c.status} ${c.id}: ${(c.reason ?? '').split('\n')[0]}`)
    .join('\n') || `(no report; exit ${run.exitCode}; stderr: ${run.stderr.slice(-500)})`;
}
