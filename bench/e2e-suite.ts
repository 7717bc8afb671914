/**
 * The suite's own figures: `ecs-alb-e2e run` as a child process — the package's bin, which runs
 * the build (dist/, built first by buildProduct) as `npx ecs-alb-e2e run` does —
 * E2E_SIM_TIME_SCALE=0.1, reports to a scratch folder, timed from spawn to exit, with a
 * timeline of where the wall time goes; and the fixed costs of starting it, measured apart
 * (from the build and from the TypeScript sources through tsx, to show what the build saves).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MemoryPeak } from './memory.js';
import { cleanEnv, spawnTimed } from './child.js';
import { median, round } from './stats.js';

export const E2E_TIME_SCALE = 0.1;

/** The command under test: the bin as a user runs it (it picks dist/ when that is current). */
export const E2E_COMMAND = ['bin/ecs-alb-e2e.js', 'run'];

/** npm run build: dist/ current, so the bin runs it. */
export function buildProduct(root: string): void {
  execFileSync(process.execPath, ['scripts/build.js', '--quiet'], { cwd: root, stdio: 'inherit' });
}

const MARKERS = {
  vitestStarted: /^\s*RUN\s+v\d/,
  firstSpecDone: /specs\/00-preflight\.spec\.[jt]s/,
  vitestDone: /JUNIT report written/,
  reportWritten: /^report: .* passed/,
};

export interface E2eRun {
  wallMs: number;
  exitCode: number | null;
  checks: { passed: number; failed: number; skipped: number };
  /** ms from spawn */
  timeline: { firstOutput?: number; vitestStarted?: number; firstSpecDone?: number; vitestDone?: number; reportWritten?: number; exit: number };
  /** Sum of the spec files' durations (junit.xml) and each file's. */
  specsMs: number;
  specMs: Record<string, number>;
  /** vitest's own Duration line: module transform and import (spec files and helpers), tests. */
  vitest?: { durationMs: number; transformMs: number; importMs: number; testsMs: number };
  requestsToVerdict?: number;
  /** The negative direct probes' timeout this run derived from its positive control (06-lockdown). */
  probeTimeoutMs?: number;
  waits: { what: string; ms: number }[];
  memory: MemoryPeak;
}

const msOf = (n: string, unit: string) => Number(n) * (unit === 's' ? 1000 : 1);

function vitestDuration(output: string): E2eRun['vitest'] {
  const m = /Duration\s+([\d.]+)(ms|s)\s*\(transform ([\d.]+)(ms|s),.*?import ([\d.]+)(ms|s), tests ([\d.]+)(ms|s)/.exec(output);
  if (!m) return undefined;
  return { durationMs: msOf(m[1]!, m[2]!), transformMs: msOf(m[3]!, m[4]!), importMs: msOf(m[5]!, m[6]!), testsMs: msOf(m[7]!, m[8]!) };
}

function junitTimes(xml: string): { specsMs: number; specMs: Record<string, number> } {
  const specMs: Record<string, number> = {};
  for (const m of xml.matchAll(/<testsuite name="specs\/([^"]+)\.spec\.[jt]s"[^>]*?time="([\d.]+)"/g)) specMs[m[1]!] = round(Number(m[2]) * 1000);
  return { specsMs: round(Object.values(specMs).reduce((a, b) => a + b, 0)), specMs };
}

export async function runE2e(root: string): Promise<E2eRun> {
  const reportDir = mkdtempSync(join(tmpdir(), 'bench-e2e-'));
  try {
    const t = spawnTimed(process.execPath, E2E_COMMAND, {
      cwd: root,
      env: cleanEnv({ E2E_SIM_TIME_SCALE: String(E2E_TIME_SCALE), E2E_REPORT_DIR: reportDir }),
      markers: MARKERS,
    });
    const exit = await t.exited;
    let report: { checks: { id: string; status: string; evidence?: { requests?: number; timeoutMs?: number } }[]; waits?: { what: string; ms: number }[] } | undefined;
    try {
      report = JSON.parse(readFileSync(join(reportDir, 'report.json'), 'utf8'));
    } catch {
      report = undefined;
    }
    let junit = { specsMs: 0, specMs: {} as Record<string, number> };
    try {
      junit = junitTimes(readFileSync(join(reportDir, 'junit.xml'), 'utf8'));
    } catch {
      // no junit.xml: the run failed before vitest finished; the exit code says so
    }
    const count = (status: string) => report?.checks.filter((c) => c.status === status).length ?? 0;
    if (exit.code !== 0) process.stderr.write(`bench: e2e run exited ${exit.code ?? exit.signal}; its output ends:\n${exit.output.slice(-3000)}\n`);
    return {
      wallMs: round(exit.ms),
      exitCode: exit.code,
      checks: { passed: count('passed'), failed: count('failed'), skipped: count('skipped') },
      timeline: { ...Object.fromEntries(Object.entries(t.marks).map(([k, v]) => [k, round(v)])), exit: round(exit.ms) },
      ...junit,
      vitest: vitestDuration(exit.output),
      requestsToVerdict: report?.checks.find((c) => c.id === 'distribution.reachable')?.evidence?.requests,
      probeTimeoutMs: report?.checks.find((c) => c.id === 'lockdown.direct-access-blocked')?.evidence?.timeoutMs,
      waits: (report?.waits ?? []).map((w) => ({ what: w.what, ms: w.ms })),
      memory: exit.memory,
    };
  } finally {
    rmSync(reportDir, { recursive: true, force: true });
  }
}

/** Wall time of a short command, median of `runs`. */
function timeCommand(root: string, args: string[], runs: number): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    execFileSync(process.execPath, args, { cwd: root, env: cleanEnv({}), stdio: 'ignore' });
    times.push(performance.now() - t0);
  }
  return round(median(times));
}

export interface StartupCosts {
  /** `node -e 0` */
  nodeMs: number;
  /** `node --import tsx -e 0`: the TypeScript loader (the sources' way to run) */
  tsxMs: number;
  /** `node dist/cli/main.js --help`: the built CLI and everything it imports (simulator, vitest API not yet) */
  cliImportMs: number;
  /** `node --import tsx cli/main.ts --help`: the same from the sources */
  cliImportTsxMs: number;
  /** `node -e "import('vitest/node')"`: the vitest API the CLI loads before createVitest */
  vitestImportMs: number;
  /** the same under tsx's loader: what running the product from the sources pays */
  vitestImportTsxMs: number;
  /** startSim({ timeScale: 0.1 }) in an already warm process: includes the baseline seeding's simulated task start */
  simStartMs: number;
}

export async function startupCosts(root: string, runs: number): Promise<StartupCosts> {
  const nodeMs = timeCommand(root, ['-e', '0'], runs);
  const tsxMs = timeCommand(root, ['--import', 'tsx', '-e', '0'], runs);
  const cliImportMs = timeCommand(root, ['dist/cli/main.js', '--help'], runs);
  const cliImportTsxMs = timeCommand(root, ['--import', 'tsx', 'cli/main.ts', '--help'], runs);
  const vitestImportMs = timeCommand(root, ['-e', "await import('vitest/node')"], runs);
  const vitestImportTsxMs = timeCommand(root, ['--import', 'tsx', '-e', "import('vitest/node')"], runs);
  const { startSim } = await import('../sim/index.js');
  const sims: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const sim = await startSim({ timeScale: E2E_TIME_SCALE });
    sims.push(performance.now() - t0);
    await sim.close();
  }
  return { nodeMs, tsxMs, cliImportMs, cliImportTsxMs, vitestImportMs, vitestImportTsxMs, simStartMs: round(median(sims)) };
}
