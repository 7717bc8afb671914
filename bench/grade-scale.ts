/**
 * Grading at class scale (issue 15): N participants, each with Module 04 built right by hand
 * (test/support/participant.ts), side by side in one simulator; `ecs-alb-e2e grade` at
 * concurrency 8 as a child process, as a grader runs it (bin/ecs-alb-e2e.js and the CLI it
 * starts). Measured per repetition: the wall time from spawn to exit (participants a minute =
 * N / wall), the peak of the grader's process tree (sum of VmRSS over the tree, sampled every
 * 50 ms) and the drop of /proc/meminfo MemAvailable
 * below what it was just before the spawn (what the grading added to the memory in use,
 * whatever process holds it), and the CPU seconds of the tree and of this process. The
 * simulator runs in this process, outside the measured tree.
 * Every participant must be graded with full points, or the figures measure something else.
 *
 * Writes gradeParticipantsPerMinute and gradePeakAddedMb (medians) at the top level of
 * reports/bench.json, merged into what is there, and the details under `grade` — for the
 * issue's 24 participants at concurrency 8; other sizes go under `gradeVariants["N@C"]` only.
 *
 *   npm run bench:grade [-- --participants 24 --concurrency 8 --runs 3 --compare]
 *
 * --compare: also one grading the way it ran before (a child process and a vitest per
 * participant, bench/grade-children.ts), in the same session: `grade.childProcesses`.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startSim } from '../sim/index.js';
import { buildModule04 } from '../test/support/participant.js';
import { mergeBenchJson } from './bench-json.js';
import { cleanEnv, spawnTimed } from './child.js';
import { treeOf } from './memory.js';
import { loadAverage, machineAtStart, machineLine } from './machine.js';
import { median, round, summarize } from './stats.js';

const ROOT = resolve(import.meta.dirname, '..');
// the participants' clients in this process: the SDK's Node 22 notice is in the README, not here
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const TIME_SCALE = 0.05;
const { values: args } = parseArgs({
  options: {
    participants: { type: 'string', default: '24' },
    concurrency: { type: 'string', default: '8' },
    runs: { type: 'string', default: '3' },
    compare: { type: 'boolean', default: false },
  },
});
const N = Number(args.participants);
const CONCURRENCY = Number(args.concurrency);
const RUNS = Number(args.runs);

const log = (line: string) => process.stderr.write(`bench grade: ${line}\n`);

function memAvailableMb(): number | null {
  try {
    const m = /^MemAvailable:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** The lowest MemAvailable seen while `until` is pending, sampled every 50 ms. */
function watchMemAvailable(): { stop(): number | null } {
  let lowest = memAvailableMb();
  const timer = setInterval(() => {
    const now = memAvailableMb();
    if (now !== null && (lowest === null || now < lowest)) lowest = now;
  }, 50);
  return {
    stop() {
      clearInterval(timer);
      return lowest;
    },
  };
}

/** CPU seconds a process has used so far (utime+stime: every thread counts). */
function cpuSecondsOf(pid: number): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    // after the command name: state is field 3, utime 14, stime 15 (1-based, proc(5))
    return (Number(fields[11]) + Number(fields[12])) / 100; // USER_HZ is 100 on Linux
  } catch {
    return null;
  }
}

/** CPU seconds of a process tree: each process's last reading before it ended, summed; sampled every 50 ms. */
function watchTreeCpu(pid: number): { stop(): number | null } {
  const last = new Map<number, number>();
  const sample = () => {
    for (const p of treeOf(pid)) {
      const s = cpuSecondsOf(p);
      if (s !== null) last.set(p, s);
    }
  };
  sample();
  const timer = setInterval(sample, 50);
  return {
    stop() {
      clearInterval(timer);
      return last.size ? [...last.values()].reduce((a, b) => a + b, 0) : null;
    },
  };
}

interface GradeRun {
  wallMs: number;
  exitCode: number | null;
  participantsPerMinute: number;
  peakTreeRssMb: number | null;
  memAvailableDropMb: number | null;
  /** CPU seconds a participant: the grader's process tree, and this process (the simulator's side). */
  graderCpuSPerParticipant: number | null;
  simCpuSPerParticipant: number;
  graded: number;
  fullPoints: number;
  problems: string[];
}

const machine = machineAtStart();
log(machineLine(machine));
const nicknames = Array.from({ length: N }, (_, i) => `g${String(i + 1).padStart(2, '0')}`);
const sim = await startSim({ nicknames, timeScale: TIME_SCALE });
const work = mkdtempSync(join(tmpdir(), 'bench-grade-'));
const runs: GradeRun[] = [];
let childProcesses: GradeRun | undefined;
try {
  log(`${N} participants build Module 04 by hand in one simulator (time scale ${TIME_SCALE})…`);
  const built = await Promise.all(nicknames.map((n) => buildModule04(sim.endpoint, n)));
  for (const b of built) for (const c of [b.ecs, b.elb, b.ec2]) c.destroy();
  const roster = join(work, 'roster.csv');
  writeFileSync(roster, ['nickname,region', ...nicknames.map((n) => `${n},us-east-1`), ''].join('\n'));

  const gradeOnce = async (label: string, command: string[]): Promise<GradeRun> => {
    const out = join(work, `grades-${label}`);
    const before = memAvailableMb();
    const avail = watchMemAvailable();
    const t = spawnTimed(process.execPath, [...command, '--roster', roster, '--out', out, '--target', 'sim', '--endpoint', sim.endpoint, '--time-scale', String(TIME_SCALE), '--concurrency', String(CONCURRENCY), '--timeout', '300'], {
      cwd: ROOT,
      env: cleanEnv({ NODE_NO_WARNINGS: '1', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' }),
      markers: {},
    });
    const cpu = watchTreeCpu(t.child.pid!);
    const ownCpu = process.cpuUsage();
    const exit = await t.exited;
    const graderCpuS = cpu.stop();
    const own = process.cpuUsage(ownCpu);
    const lowest = avail.stop();
    const summary = readFileSync(join(out, 'summary.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
    // nickname,passed,failed,skipped,score,error,state,points,max_points,next_step
    const graded = summary.filter((r) => r[6] === 'graded').length;
    const fullPoints = summary.filter((r) => r[6] === 'graded' && r[7] !== '' && r[7] === r[8]).length;
    const problems = summary.filter((r) => !(r[6] === 'graded' && r[7] === r[8])).map((r) => `${r[0]}: ${r[6]} ${r[7]}/${r[8]} ${r[5]}`);
    const run: GradeRun = {
      wallMs: round(exit.ms),
      exitCode: exit.code,
      participantsPerMinute: round((N / exit.ms) * 60_000, 1),
      peakTreeRssMb: exit.memory.peakTreeRssMb,
      memAvailableDropMb: before !== null && lowest !== null ? round(before - lowest) : null,
      graderCpuSPerParticipant: graderCpuS === null ? null : round(graderCpuS / N, 2),
      simCpuSPerParticipant: round((own.user + own.system) / 1e6 / N, 2),
      graded,
      fullPoints,
      problems,
    };
    log(`  ${label}: ${run.wallMs} ms (${run.participantsPerMinute}/min), exit ${run.exitCode}, tree peak ${run.peakTreeRssMb} MB, MemAvailable −${run.memAvailableDropMb} MB, CPU a participant ${run.graderCpuSPerParticipant} s grader + ${run.simCpuSPerParticipant} s simulator, load ${loadAverage()[0]}, ${fullPoints}/${N} full points${problems.length ? `; ${problems.slice(0, 3).join('; ')}` : ''}`);
    if (exit.code !== 0) log(exit.output.slice(-1500));
    rmSync(out, { recursive: true, force: true });
    return run;
  };
  for (let i = 0; i < RUNS; i++) runs.push(await gradeOnce(`run ${i + 1}`, ['bin/ecs-alb-e2e.js', 'grade']));
  if (args.compare) {
    log('the same grading the way it ran before: a child process and a vitest per participant…');
    childProcesses = await gradeOnce('child processes', ['--import', 'tsx', 'bench/grade-children.ts']);
  }
} finally {
  await sim.close();
  rmSync(work, { recursive: true, force: true });
}

machine.loadAverageEnd = loadAverage();
const allRight = [...runs, ...(childProcesses ? [childProcesses] : [])].every((r) => r.exitCode === 0 && r.fullPoints === N);
const perMinute = summarize(runs.map((r) => r.participantsPerMinute), 1);
const treePeak = runs.map((r) => r.peakTreeRssMb).filter((x): x is number => x !== null);
const availDrop = runs.map((r) => r.memAvailableDropMb).filter((x): x is number => x !== null);
// "added memory": the grading's process tree at its peak (what grading holds); MemAvailable's drop is the cross-check
const peakAddedMb = treePeak.length ? round(median(treePeak)) : null;
const graderCpu = runs.map((r) => r.graderCpuSPerParticipant).filter((x): x is number => x !== null);
const simCpu = runs.map((r) => r.simCpuSPerParticipant);
// what two idle cores could do, from the CPU the grading took: a figure the other load on a shared machine does not move
const cpuBoundPerMinute = graderCpu.length ? round(120 / (median(graderCpu) + median(simCpu)), 1) : null;
const grade = {
  machine,
  participants: N,
  concurrency: CONCURRENCY,
  timeScale: TIME_SCALE,
  allGradedFullPoints: allRight,
  participantsPerMinute: perMinute,
  wallMs: summarize(runs.map((r) => r.wallMs)),
  peakTreeRssMb: treePeak.length ? summarize(treePeak) : null,
  memAvailableDropMb: availDrop.length ? summarize(availDrop) : null,
  cpuSPerParticipant: { grader: graderCpu.length ? summarize(graderCpu, 2) : null, simulator: summarize(simCpu, 2) },
  idleTwoCoresPerMinute: cpuBoundPerMinute,
  runs,
  ...(childProcesses
    ? { childProcesses: { ...childProcesses, note: 'one run, same session: before this design (a child process and a vitest per participant)' }, ratio: { participantsPerMinute: round(perMinute.median / childProcesses.participantsPerMinute, 1), peakTreeRssMb: childProcesses.peakTreeRssMb && peakAddedMb ? round(childProcesses.peakTreeRssMb / peakAddedMb, 1) : null } }
    : {}),
  goals: { participantsPerMinute: { goal: 60, pass: perMinute.median >= 60 }, peakAddedMb: { goal: 1536, pass: peakAddedMb !== null && peakAddedMb <= 1536 } },
};
// the issue's benchmark is 24 at concurrency 8: other sizes are kept apart, never as the figures
const standard = N === 24 && CONCURRENCY === 8;
const benchFile = join(ROOT, 'reports', 'bench.json');
if (standard) mergeBenchJson(benchFile, { gradeParticipantsPerMinute: perMinute.median, gradePeakAddedMb: peakAddedMb, grade });
else {
  const earlier = (JSON.parse(existsSync(benchFile) ? readFileSync(benchFile, 'utf8') : '{}') as { gradeVariants?: Record<string, unknown> }).gradeVariants ?? {};
  mergeBenchJson(benchFile, { gradeVariants: { ...earlier, [`${N}@${CONCURRENCY}`]: grade } });
}
console.log(
  [
    `grading ${N} participants at concurrency ${CONCURRENCY} on one simulator (median of ${RUNS}):`,
    `  participants a minute  ${perMinute.median} [${perMinute.runs.join(', ')}]  goal ≥ 60  ${grade.goals.participantsPerMinute.pass ? 'pass' : 'FAIL'}`,
    `  peak added memory      ${peakAddedMb} MB (process tree) [${treePeak.join(', ')}]; MemAvailable drop ${availDrop.length ? round(median(availDrop)) : '?'} MB [${availDrop.join(', ')}]  goal ≤ 1536 MB  ${grade.goals.peakAddedMb.pass ? 'pass' : 'FAIL'}`,
    `  CPU a participant      ${graderCpu.length ? round(median(graderCpu), 2) : '?'} s grader + ${round(median(simCpu), 2)} s simulator → ${cpuBoundPerMinute}/min on two idle cores`,
    `  every participant graded with full points: ${allRight}`,
    ...(childProcesses ? [`  before (a child process per participant, same session): ${childProcesses.participantsPerMinute}/min, ${childProcesses.peakTreeRssMb} MB (process tree), MemAvailable drop ${childProcesses.memAvailableDropMb} MB`] : []),
    `machine: ${machineLine(machine)}`,
    standard ? 'written: reports/bench.json (gradeParticipantsPerMinute, gradePeakAddedMb, grade)' : `written: reports/bench.json (gradeVariants["${N}@${CONCURRENCY}"])`,
  ].join('\n'),
);
if (!allRight) process.exitCode = 1;
