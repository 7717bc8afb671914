/**
 * npm run soak [-- N] [--realism aws] [--time-scale S]: the right deployment N times in a row
 * (default 30) on one simulator, each run provisioning Module 04 for its own participant and
 * tearing it down again. `--realism aws` (or E2E_SIM_REALISM=aws) starts that simulator at AWS's
 * hardest (README, "--realism aws"): one account's throttling buckets, eventual consistency,
 * lingering interfaces … shared by every run. 0 failures allowed; prints one line per run and
 * the summary, exits 1 on any failure.
 */
import { Command, InvalidArgumentError } from 'commander';
import { startSim } from '../sim/index.js';
import { notPassing, runSuiteChild } from './support/run-suite.js';
import { taggedWith } from './support/sim-admin.js';

const positive = (what: string, integer: boolean) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) throw new InvalidArgumentError(`${what} must be a positive ${integer ? 'integer' : 'number'}, got ${v}`);
  return n;
};
const program = new Command('soak')
  .argument('[runs]', 'how many runs', positive('the number of runs', true), 30)
  .option('--realism <level>', 'off | aws: the simulator plays AWS at its hardest', process.env.E2E_SIM_REALISM ?? 'off')
  .option('--time-scale <s>', 'simulator time scale', positive('the time scale', false), 0.05)
  .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2))
  .parse();
const runs = program.processedArgs[0] as number;
const { realism, timeScale } = program.opts<{ realism: string; timeScale: number }>();
if (realism !== 'off' && realism !== 'aws') {
  console.error(`soak: --realism must be off or aws, got ${realism}`);
  process.exit(2);
}

const nick = (i: number) => `soak${i}`;
const sim = await startSim({ timeScale, nicknames: Array.from({ length: runs }, (_, i) => nick(i)), realism });
console.log(`soak: ${runs} runs, time scale ${timeScale}, realism ${realism}`);
const failures: string[] = [];
const durations: number[] = [];
for (let i = 0; i < runs; i++) {
  const runId = `soak-${i}`;
  const started = Date.now();
  const run = await runSuiteChild({ E2E_ENDPOINT: sim.endpoint, E2E_NICKNAME: nick(i), E2E_RUN_ID: runId, E2E_SIM_TIME_SCALE: String(timeScale) });
  durations.push(Date.now() - started);
  const left = await taggedWith(sim.endpoint, runId);
  const skipped = (run.report?.checks ?? []).filter((c) => c.status === 'skipped').length;
  const ok = run.exitCode === 0 && left.length === 0 && skipped === 0;
  if (!ok) failures.push(`run ${i + 1}: exit ${run.exitCode}; ${skipped} skipped; left ${left.length} tagged (${left.map((r) => `${r.type} ${r.id}`).join(', ')}); ${notPassing(run).split('\n')[0]}`);
  console.log(`${ok ? 'ok  ' : 'FAIL'} run ${i + 1}/${runs} ${(durations[i]! / 1000).toFixed(1)} s ${run.report ? `${run.report.checks.length} checks` : 'no report'}`);
}
const throttled = realism === 'aws' ? ((await (await fetch(`${sim.endpoint}/_sim/throttling`)).json()) as { buckets: Record<string, { throttled: number }> }) : undefined;
await sim.close();
durations.sort((a, b) => a - b);
console.log(`soak: ${runs - failures.length} passed, ${failures.length} failed; median ${(durations[Math.floor(runs / 2)]! / 1000).toFixed(1)} s per run (time scale ${timeScale}, realism ${realism})`);
if (throttled) {
  const n = Object.values(throttled.buckets).reduce((a, b) => a + b.throttled, 0);
  console.log(`soak: the simulator throttled ${n} calls over all runs`);
}
for (const f of failures) console.log(`  ${f}`);
process.exit(failures.length ? 1 : 0);
