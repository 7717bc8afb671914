/**
 * teardownMs with the simulator at AWS's hardest (`realism: 'aws'`), and how much of it AWS
 * imposes. A provision run (`ecs-alb-e2e run`, E2E_KEEP=1) builds Module 04 on an in-process
 * simulator; then the run's own teardown (helpers/run/teardown.ts, the same call `run` makes at
 * its end) is timed here, in this process, so the simulator's clock can say which part of that
 * time its delays took: the deregistration delay (as the teardown lowers it: 0 s), the container's
 * stop timeout (30 s: node as PID 1 ignores SIGTERM — the service is DRAINING until its tasks
 * stop), the ALB's lingering interfaces (2–5 min: DeleteSecurityGroup answers DependencyViolation
 * until they are gone). "Imposed" is the union of those delays' intervals within the teardown (they
 * overlap; a sum would count twice); the rest is the suite's own calls and polling.
 *
 * `npm run bench` runs it once (bench/run.ts); `node --import tsx bench/teardown-realism.ts [runs]`
 * runs it alone and merges its keys into reports/bench.json.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseConfig } from '../helpers/core/config.js';
import type { WaitRecord } from '../helpers/core/waits.js';
import { teardownRun } from '../helpers/run/teardown.js';
import { startSim } from '../sim/index.js';
import { mergeBenchJson } from './bench-json.js';
import { cleanEnv, spawnTimed } from './child.js';
import { loadAverage, machineAtStart, machineLine } from './machine.js';
import { median, round } from './stats.js';

export const TEARDOWN_TIME_SCALE = 0.05;

/** The simulator's delays a teardown waits for, by the kind SimClock records them under. */
const AWS_DELAYS: Record<string, string> = {
  deregistration: 'deregistration delay (lowered by the teardown to 0 s)',
  'task-stop': "task stop (the container's 30 s stop timeout; the service is DRAINING until then)",
  'eni-linger': "the deleted ALB's network interfaces linger (its security group: DependencyViolation)",
};

export interface TeardownRun {
  teardownMs: number;
  awsImposedMs: number;
  imposedByKindMs: Record<string, number>;
  steps: Pick<WaitRecord, 'what' | 'ms' | 'polls' | 'transient' | 'transientBy'>[];
  failed: string[];
  leftTagged: number;
  provisionExit: number | null;
}

export interface TeardownRealism {
  timeScale: number;
  runs: number;
  /** Median ms of the teardown (wall). */
  teardownMs: number;
  /** Median ms of it during which one of AWS's delays ran (union of intervals). */
  awsImposedMs: number;
  awsImposedPct: number;
  /** The same in AWS's own (unscaled) seconds. */
  awsImposedSimulatedS: number;
  suiteOwnMs: number;
  imposedByKindMs: Record<string, number>;
  kinds: Record<string, string>;
  teardownRuns: TeardownRun[];
  passed: boolean;
}

/** Length of the union of [start, end) intervals, clipped to [from, to). */
function unionMs(intervals: [number, number][], from: number, to: number): number {
  const clipped = intervals.map(([a, b]) => [Math.max(a, from), Math.min(b, to)] as [number, number]).filter(([a, b]) => b > a).sort((x, y) => x[0] - y[0]);
  let total = 0;
  let end = -Infinity;
  for (const [a, b] of clipped) {
    if (b <= end) continue;
    total += b - Math.max(a, end);
    end = b;
  }
  return total;
}

async function oneRun(root: string, i: number): Promise<TeardownRun> {
  const nickname = `tear${i}`;
  const runId = `bench-teardown-${i}`;
  const sim = await startSim({ timeScale: TEARDOWN_TIME_SCALE, nicknames: [nickname], realism: 'aws' });
  const reportDir = mkdtempSync(join(tmpdir(), 'bench-teardown-'));
  try {
    const env = { E2E_ENDPOINT: sim.endpoint, E2E_NICKNAME: nickname, E2E_RUN_ID: runId, E2E_SIM_TIME_SCALE: String(TEARDOWN_TIME_SCALE) };
    const child = spawnTimed(process.execPath, ['--import', 'tsx', 'cli/main.ts', 'run'], { cwd: root, env: cleanEnv({ ...env, E2E_KEEP: '1', E2E_REPORT_DIR: reportDir }), markers: {} });
    const exit = await child.exited;
    if (exit.code !== 0) process.stderr.write(`bench: teardown-realism provision run exited ${exit.code}; its output ends:\n${exit.output.slice(-2000)}\n`);
    const config = parseConfig({ ...env, E2E_TARGET: 'sim', E2E_MODE: 'provision' });
    const t0 = performance.now();
    const result = await teardownRun(config, (line) => process.stderr.write(`bench: ${line}\n`));
    const t1 = performance.now();
    const log = sim.ctx.clock.imposedLog.filter((e) => e.kind in AWS_DELAYS && e.startMs < t1 && e.startMs + e.ms > t0);
    const interval = (e: { startMs: number; ms: number }): [number, number] => [e.startMs, e.startMs + e.ms];
    const imposedByKindMs = Object.fromEntries(Object.keys(AWS_DELAYS).map((k) => [k, round(unionMs(log.filter((e) => e.kind === k).map(interval), t0, t1))]));
    const resources = (await (await fetch(`${sim.endpoint}/_sim/resources`)).json()) as { tags: Record<string, string>; status?: string }[];
    return {
      teardownMs: round(t1 - t0),
      awsImposedMs: round(unionMs(log.map(interval), t0, t1)),
      imposedByKindMs,
      steps: (result?.waits ?? []).map((w) => ({ what: w.what, ms: w.ms, polls: w.polls, ...(w.transient ? { transient: w.transient, transientBy: w.transientBy } : {}) })),
      failed: (result?.failed ?? []).map((f) => `${f.resource}: ${f.error}`),
      leftTagged: resources.filter((r) => r.tags['e2e:run'] === runId && r.status !== 'INACTIVE').length,
      provisionExit: exit.code,
    };
  } finally {
    await sim.close();
    rmSync(reportDir, { recursive: true, force: true });
  }
}

export async function teardownRealism(root: string, runs = 1): Promise<TeardownRealism> {
  const teardownRuns: TeardownRun[] = [];
  for (let i = 0; i < runs; i++) teardownRuns.push(await oneRun(root, i));
  const med = (f: (r: TeardownRun) => number) => round(median(teardownRuns.map(f)));
  const teardownMs = med((r) => r.teardownMs);
  const awsImposedMs = med((r) => r.awsImposedMs);
  return {
    timeScale: TEARDOWN_TIME_SCALE,
    runs,
    teardownMs,
    awsImposedMs,
    awsImposedPct: round((100 * awsImposedMs) / Math.max(teardownMs, 1), 1),
    awsImposedSimulatedS: round(awsImposedMs / TEARDOWN_TIME_SCALE / 1000, 1),
    suiteOwnMs: teardownMs - awsImposedMs,
    imposedByKindMs: Object.fromEntries(Object.keys(AWS_DELAYS).map((k) => [k, med((r) => r.imposedByKindMs[k] ?? 0)])),
    kinds: AWS_DELAYS,
    teardownRuns,
    passed: teardownRuns.every((r) => r.provisionExit === 0 && r.failed.length === 0 && r.leftTagged === 0),
  };
}

/** One line for the bench table. */
export function teardownLine(t: TeardownRealism): string {
  const kinds = Object.entries(t.imposedByKindMs).map(([k, ms]) => `${k} ${ms}`).join(', ');
  return `${t.teardownMs} ms, of which AWS ${t.awsImposedMs} ms (${t.awsImposedPct} %: ${kinds}); suite ${t.suiteOwnMs} ms`;
}

// alone: merge into reports/bench.json
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const root = resolve(import.meta.dirname, '..');
  const runs = Number(process.argv[2] ?? 1);
  const machine = machineAtStart();
  const realism = await teardownRealism(root, runs);
  machine.loadAverageEnd = loadAverage();
  mergeBenchJson(join(root, 'reports', 'bench.json'), { realism: { ...realism, machine }, teardownMs: realism.teardownMs });
  console.log(`teardown with realism aws (scale ${TEARDOWN_TIME_SCALE}, ${runs} run${runs === 1 ? '' : 's'}): ${teardownLine(realism)}`);
  console.log(`machine: ${machineLine(machine)}`);
  if (!realism.passed) process.exitCode = 1;
}
