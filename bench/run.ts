/**
 * npm run bench — the simulator's and the suite's speed figures (issues 2 and 3), written to
 * reports/bench.json with the machine they were measured on, and printed as a short table.
 * Medians of repeated runs: these machines are shared and noisy.
 */
import { join, resolve } from 'node:path';
import { albLoad } from './alb-load.js';
import { mergeBenchJson } from './bench-json.js';
import { criticalPath } from './critical-path.js';
import { detectionLatency } from './detection.js';
import { cliScript } from './cli-script.js';
import { buildProduct, E2E_COMMAND, E2E_TIME_SCALE, runE2e, startupCosts, type E2eRun } from './e2e-suite.js';
import { loadAverage, machineAtStart, machineLine } from './machine.js';
import { simFirstRequest } from './sim-start.js';
import { median, round, summarize } from './stats.js';
import { teardownLine, teardownRealism } from './teardown-realism.js';

const ROOT = resolve(import.meta.dirname, '..');
const RUNS = { simStarts: 5, e2e: 5, startup: 3, detection: 15, cliScript: 3 };

const log = (line: string) => process.stderr.write(`bench: ${line}\n`);
const benchStarted = performance.now();
const machine = machineAtStart();
log(machineLine(machine));

log(`simulator start × ${RUNS.simStarts} (+1 warm-up)…`);
const starts = await simFirstRequest(ROOT, RUNS.simStarts);

log('build (dist/: what the bin runs)…');
buildProduct(ROOT);

log(`e2e × ${RUNS.e2e} at time scale ${E2E_TIME_SCALE} (node ${E2E_COMMAND.join(' ')})…`);
const e2eRuns: E2eRun[] = [];
for (let i = 0; i < RUNS.e2e; i++) {
  e2eRuns.push(await runE2e(ROOT));
  log(`  run ${i + 1}: ${e2eRuns[i]!.wallMs} ms, exit ${e2eRuns[i]!.exitCode}`);
}

log(`AWS-CLI script × ${RUNS.cliScript} at time scale ${E2E_TIME_SCALE} (bench/cli-script.sh; its waiters poll every 15 s)…`);
const script = await cliScript(ROOT, E2E_TIME_SCALE, RUNS.cliScript);
if ('skipped' in script) log(`  skipped: ${script.skipped}`);
else script.runs.forEach((r, i) => log(`  run ${i + 1}: ${r.wallMs} ms, exit ${r.exitCode}`));

log('start-up costs…');
const startup = await startupCosts(ROOT, RUNS.startup);

log('ALB load (1,000 requests, concurrency 20)…');
const load = await albLoad(ROOT);

log(`detection latency × ${RUNS.detection}…`);
const detection = await detectionLatency(RUNS.detection);

log('teardown with realism aws × 1…');
const realism = await teardownRealism(ROOT, 1);

// ── the suite's figures ────────────────────────────────────────────────────────────────────
const path = criticalPath(ROOT, E2E_TIME_SCALE);
const e2eWall = summarize(e2eRuns.map((r) => r.wallMs));
const med = (f: (r: E2eRun) => number | undefined) => {
  const xs = e2eRuns.map(f).filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
  return xs.length ? round(median(xs)) : null;
};
const cloudIn = (phase: string) => path.terms.filter((t) => t.phase === phase).reduce((a, t) => a + t.scaledMs, 0);
const phases = {
  startToVitest: med((r) => r.timeline.vitestStarted),
  vitestOutsideSpecs: med((r) => (r.timeline.vitestDone ?? NaN) - (r.timeline.vitestStarted ?? NaN) - r.specsMs),
  specs: med((r) => r.specsMs),
  teardownAndClose: med((r) => (r.timeline.reportWritten ?? NaN) - (r.timeline.vitestDone ?? NaN)),
  exit: med((r) => r.timeline.exit - (r.timeline.reportWritten ?? NaN)),
};
// where the wall time goes: each phase, the cloud's delays in it, the suite's own unavoidable waits, the rest
const breakdown = [
  { phase: 'spawn → vitest starts (node, CLI import, preflight, simulator listening, vitest/node import, createVitest)', wallMs: phases.startToVitest, cloudMs: cloudIn('start'), suiteWaitMs: 0 },
  { phase: 'vitest outside the specs (worker start, spec/helper/SDK import, waiting for the seeding, reporters)', wallMs: phases.vitestOutsideSpecs, cloudMs: 0, suiteWaitMs: 0 },
  { phase: 'the specs (junit durations)', wallMs: phases.specs, cloudMs: cloudIn('specs'), suiteWaitMs: med((r) => r.probeTimeoutMs) ?? path.suiteWaitsMs },
  { phase: 'vitest close, teardown, simulator close', wallMs: phases.teardownAndClose, cloudMs: cloudIn('teardown'), suiteWaitMs: 0 },
  { phase: 'report line → process exit', wallMs: phases.exit, cloudMs: 0, suiteWaitMs: 0 },
].map((p) => ({ ...p, overheadMs: p.wallMs === null ? null : p.wallMs - p.cloudMs - p.suiteWaitMs }));

const requestsToVerdict = med((r) => r.requestsToVerdict);
const detectionSummary = summarize(detection.runs, 1);
const peakRss = med((r) => r.memory.peakTreeRssMb ?? undefined);
const allPassed = e2eRuns.every((r) => r.exitCode === 0 && r.checks.failed === 0 && r.checks.skipped === 0);
const scriptOk = 'runs' in script && script.runs.every((r) => r.exitCode === 0);
const scriptWall = 'runs' in script && scriptOk ? summarize(script.runs.map((r) => r.wallMs)) : null;
const cliScriptRatio = scriptWall ? round(e2eWall.median / scriptWall.median, 3) : null;

const suite = {
  e2eWallMs: e2eWall,
  runsPassed: allPassed,
  checks: e2eRuns.map((r) => r.checks),
  criticalPathMs: path.totalMs,
  criticalPath: path,
  overheadRatio: round(e2eWall.median / path.totalMs, 2),
  overheadBreakdown: breakdown,
  startup,
  timeToFirstSpecOutputMs: med((r) => r.timeline.firstSpecDone),
  vitest: {
    durationMs: med((r) => r.vitest?.durationMs),
    transformMs: med((r) => r.vitest?.transformMs),
    importMs: med((r) => r.vitest?.importMs),
    testsMs: med((r) => r.vitest?.testsMs),
  },
  specMs: Object.fromEntries(Object.keys(e2eRuns[0]?.specMs ?? {}).map((k) => [k, med((r) => r.specMs[k])])),
  waits: e2eRuns.map((r) => r.waits),
  requestsToVerdict,
  requestsToVerdictRuns: e2eRuns.map((r) => r.requestsToVerdict ?? null),
  detectionLatencyMs: { ...detectionSummary, pollMs: detection.pollMs, polls: detection.polls, sdkWaiter: detection.sdkWaiter },
  probeTimeoutMs: med((r) => r.probeTimeoutMs),
  cliScript: 'skipped' in script ? script : { wallMs: scriptWall, ok: scriptOk, runs: script.runs },
  cliScriptRatio,
  peakRssMb: peakRss,
  memory: e2eRuns.map((r) => r.memory),
  timelines: e2eRuns.map((r) => r.timeline),
};

const sim = {
  simFirstRequestMs: { ...summarize(starts.map((s) => s.firstRequestMs)), readyMs: summarize(starts.map((s) => s.readyMs)) },
  albLoad: load,
  benchProcessMaxRssMb: detection.maxRssMb,
};

const goal = (value: number | null, limit: number, pass: (v: number) => boolean, on: string) => ({ value, goal: limit, on, pass: value !== null && pass(value) });
const goals = {
  simFirstRequestMs: goal(sim.simFirstRequestMs.median, 2000, (v) => v < 2000, 'median, < goal'),
  albLoadErrors: goal(load.errors, 0, (v) => v === 0, '= goal'),
  albLoadShareDeviationPct: goal(load.maxShareDeviationPct, 5, (v) => v <= 5, 'largest task deviation from an even share, ≤ goal'),
  overheadRatio: goal(suite.overheadRatio, 1.15, (v) => v <= 1.15, 'median wall / critical path, ≤ goal'),
  cliScriptRatio: goal(cliScriptRatio, 0.2, (v) => v <= 0.2, 'median e2e wall / median AWS-CLI script wall, same simulator, same run, ≤ goal'),
  requestsToVerdict: goal(requestsToVerdict, 30, (v) => v <= 30, 'median, ≤ goal'),
  detectionLatencyMs: goal(detectionSummary.p90, 250, (v) => v <= 250, 'p90, ≤ goal'),
  e2ePasses: { value: allPassed, goal: true, on: 'every e2e run exit 0, no failed or skipped check', pass: allPassed },
};

machine.loadAverageEnd = loadAverage();
// The headline figures at the top level, as numbers (null: not measured), for scripts to read.
const headline = {
  overheadRatio: suite.overheadRatio,
  e2eWallMs: e2eWall.median,
  criticalPathMs: path.totalMs,
  requestsToVerdict,
  detectionLatencyMs: detectionSummary.median,
  cliScriptMs: scriptWall?.median ?? null,
  cliScriptRatio,
  teardownMs: realism.teardownMs,
};
const result = { ...headline, machine, benchMs: round(performance.now() - benchStarted), sim, suite, goals, realism };
// bench.json is one object every benchmark adds to (npm run bench:grade adds the grading figures)
mergeBenchJson(join(ROOT, 'reports', 'bench.json'), result);

// ── the table ──────────────────────────────────────────────────────────────────────────────
const mark = (g: { pass: boolean }) => (g.pass ? 'pass' : 'FAIL');
const rows: [string, string, string, string][] = [
  ['simulator: first request after start', `${sim.simFirstRequestMs.median} ms (ready ${sim.simFirstRequestMs.readyMs.median} ms)`, '< 2000 ms', mark(goals.simFirstRequestMs)],
  ['ALB 1,000 req @20: errors', String(load.errors), '0', mark(goals.albLoadErrors)],
  ['ALB: largest share deviation', `${load.maxShareDeviationPct} % ${JSON.stringify(Object.values(load.perTask))}`, '≤ 5 %', mark(goals.albLoadShareDeviationPct)],
  ['ALB: throughput, latency p50/p99', `${load.throughputRps} req/s, ${load.latencyMs.p50}/${load.latencyMs.p99} ms`, '', ''],
  ['e2e wall (scale 0.1)', `${e2eWall.median} ms [${e2eWall.runs.join(', ')}]`, '', allPassed ? 'all passed' : 'RUN FAILED'],
  ['critical path (scale 0.1)', `${path.totalMs} ms`, '', ''],
  ['overhead ratio', String(suite.overheadRatio), '≤ 1.15', mark(goals.overheadRatio)],
  [
    'AWS-CLI script (waiters, curl)',
    'skipped' in script ? `skipped: ${script.skipped}` : scriptWall ? `${scriptWall.median} ms [${scriptWall.runs.join(', ')}]` : 'A RUN FAILED',
    '',
    '',
  ],
  ['e2e / AWS-CLI script', String(cliScriptRatio), '≤ 0.2', mark(goals.cliScriptRatio)],
  ['requests to verdict', String(requestsToVerdict), '≤ 30', mark(goals.requestsToVerdict)],
  ['detection latency median/p90', `${detectionSummary.median}/${detectionSummary.p90} ms (SDK waiter ≥ ${detection.sdkWaiter.medianMs}/${detection.sdkWaiter.p90Ms} ms)`, 'p90 ≤ 250 ms', mark(goals.detectionLatencyMs)],
  ['teardown, realism aws (scale 0.05)', teardownLine(realism), '', realism.passed ? '' : 'TEARDOWN FAILED'],
  ['peak RSS of the e2e run', `${peakRss} MB (main ${med((r) => r.memory.rootHwmMb ?? undefined)}, worker ${med((r) => r.memory.largestChildHwmMb ?? undefined)})`, '', ''],
];
const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i]!.length)));
const out = rows.map((r) => `${r[0].padEnd(widths[0]!)}  ${r[1].padEnd(widths[1]!)}  ${r[2].padEnd(widths[2]!)}  ${r[3]}`);
out.push('', 'where the e2e wall time goes (medians, ms): wall = cloud delays + suite waits + overhead');
for (const b of breakdown) out.push(`  ${String(b.wallMs).padStart(6)} = ${String(b.cloudMs).padStart(5)} + ${String(b.suiteWaitMs).padStart(5)} + ${String(b.overheadMs).padStart(6)}  ${b.phase}`);
out.push(
  `  start-up parts (each a fresh process): node ${startup.nodeMs}; built CLI ${startup.cliImportMs} (tsx + sources ${startup.cliImportTsxMs}); vitest/node ${startup.vitestImportMs} (under tsx ${startup.vitestImportTsxMs}); startSim ${startup.simStartMs} (of which ${cloudIn('start')} seeding delay)`,
  '',
  `machine: ${machineLine(machine)}`,
  `written: reports/bench.json (${(result.benchMs / 1000).toFixed(0)} s)`,
);
console.log(out.join('\n'));
// Figures from failing runs measure something else: say so in the exit code.
if (!allPassed || !realism.passed) process.exitCode = 1;
