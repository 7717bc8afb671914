/**
 * npm run soak [-- N]: the right deployment N times in a row (default 30) on one simulator,
 * each run provisioning Module 04 for its own participant and tearing it down again.
 * 0 failures allowed; prints one line per run and the summary, exits 1 on any failure.
 */
import { startSim } from '../sim/index.js';
import { notPassing, runSuiteChild } from './support/run-suite.js';
import { taggedWith } from './support/sim-admin.js';

const runs = Number(process.argv[2] ?? 30);
if (!Number.isInteger(runs) || runs < 1) {
  console.error(`soak: the number of runs must be a positive integer, got ${process.argv[2]}`);
  process.exit(2);
}
const nick = (i: number) => `soak${i}`;
const sim = await startSim({ timeScale: 0.05, nicknames: Array.from({ length: runs }, (_, i) => nick(i)) });
const failures: string[] = [];
const durations: number[] = [];
for (let i = 0; i < runs; i++) {
  const runId = `soak-${i}`;
  const started = Date.now();
  const run = await runSuiteChild({ E2E_ENDPOINT: sim.endpoint, E2E_NICKNAME: nick(i), E2E_RUN_ID: runId, E2E_SIM_TIME_SCALE: '0.05' });
  durations.push(Date.now() - started);
  const left = await taggedWith(sim.endpoint, runId);
  const ok = run.exitCode === 0 && left.length === 0;
  if (!ok) failures.push(`run ${i + 1}: exit ${run.exitCode}; left ${left.length} tagged; ${notPassing(run).split('\n')[0]}`);
  console.log(`${ok ? 'ok  ' : 'FAIL'} run ${i + 1}/${runs} ${(durations[i]! / 1000).toFixed(1)} s ${run.report ? `${run.report.checks.length} checks` : 'no report'}`);
}
await sim.close();
durations.sort((a, b) => a - b);
console.log(`soak: ${runs - failures.length} passed, ${failures.length} failed; median ${(durations[Math.floor(runs / 2)]! / 1000).toFixed(1)} s per run`);
for (const f of failures) console.log(`  ${f}`);
process.exit(failures.length ? 1 : 0);
