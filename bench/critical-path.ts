/**
 * The simulated cloud's own critical path for one `npm run e2e`: the delays the simulator
 * imposes on the run's sequential path, in order, at a given time scale. The suite cannot be
 * faster than this; e2eWallMs / criticalPathMs is its overhead.
 *
 * Each term names where its duration is defined. The numbers are read from those lines at run
 * time (and the bench fails if a pattern no longer matches), so a changed constant changes the
 * figure instead of silently making this file wrong. Line numbers are today's; the report
 * prints the ones found.
 *
 * Not on the path (so not counted): the drain probe of spec 05 (runs beside the scale-in),
 * placement retries (none happen on a right run), health-check and target timeouts (only on
 * failures), the ALB's 200 ms timeout floors (same), and the suite's own waits — the
 * negative probe of 06-lockdown is listed apart in SUITE_WAITS.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SimClock } from '../sim/clock.js';

type Phase = 'start' | 'specs' | 'teardown';

interface TermSource {
  what: string;
  /** Where in the run it falls: before vitest starts, inside the specs, after them. */
  phase: Phase;
  /** The file that defines the duration, and a pattern whose group 1 is the number. */
  file: string;
  pattern: RegExp;
  unit: 'ms' | 's';
}

export interface Term {
  what: string;
  phase: Phase;
  source: string;
  cloudMs: number;
  scaledMs: number;
}

// the means (sim/realism/jitter.ts; without --realism aws they are the durations themselves)
const TASK_PROVISIONING = { file: 'sim/realism/jitter.ts', pattern: /^export const PROVISIONING_MS = ([\d_]+);/, unit: 'ms' } as const;
const TASK_PENDING = { file: 'sim/realism/jitter.ts', pattern: /^export const PENDING_MS = ([\d_]+);/, unit: 'ms' } as const;
const TASK_STOPPING = { file: 'sim/dataplane/scheduler.ts', pattern: /^const STOPPING_MS = ([\d_]+);/, unit: 'ms' } as const;

const PATH: TermSource[] = [
  // Before `ready`: startSim seeds the baseline and awaits the old service's 4 tasks
  // (sim/scenario.ts:78 untilRunning). A task is PROVISIONING for PROVISIONING_MS
  // (scheduler.ts:27, imposed at scheduler.ts:176) …
  { phase: 'start', what: 'start: old service tasks PROVISIONING → PENDING', ...TASK_PROVISIONING },
  // … then PENDING for PENDING_MS (scheduler.ts:28, imposed at scheduler.ts:179). The 4 tasks start together.
  { phase: 'start', what: 'start: old service tasks PENDING → RUNNING', ...TASK_PENDING },
  // 02-load-balancer waits for `active`: CreateLoadBalancer schedules it PROVISIONING_MS later
  // (sim/services/elbv2/load-balancers.ts:26, imposed at :161).
  { phase: 'specs', what: '02: ALB provisioning → active', file: 'sim/services/elbv2/load-balancers.ts', pattern: /^export const PROVISIONING_MS = ([\d_]+);/, unit: 'ms' },
  // 03-service: the 3 new tasks start together, same two steps as above (scheduler.ts:176, :179).
  { phase: 'specs', what: '03: new tasks PROVISIONING → PENDING', ...TASK_PROVISIONING },
  { phase: 'specs', what: '03: new tasks PENDING → RUNNING', ...TASK_PENDING },
  // 03-service waits for the targets to be healthy. The check loop ticks every interval
  // (sim/dataplane/health.ts:95 clock.every), started when the listener linked the group to the
  // ALB; one success takes a target from `initial` to `healthy`. A target registered at a random
  // phase waits up to one interval — counted in full, an upper bound. The interval is the one
  // the suite gives the target group (fixtures/module04.ts, the workshop's 6 s).
  { phase: 'specs', what: '03: first health check of the new targets (≤ 1 interval)', file: 'fixtures/module04.ts', pattern: /intervalSeconds: (\d+) }/, unit: 's' },
  // 05-old-service: the old tasks have no target to drain, so a stop is STOPPING_MS
  // (scheduler.ts:29, imposed at scheduler.ts:101); DeleteService turns INACTIVE once they are STOPPED.
  { phase: 'specs', what: '05: old service tasks RUNNING → STOPPED', ...TASK_STOPPING },
  // Teardown: the sweep first sets the run's target group deregistration delay to 0
  // (helpers/cloud/sweep.ts; targets.ts:61 imposes it) …
  { phase: 'teardown', what: 'teardown: deregistration delay of the new tasks', file: 'helpers/cloud/sweep.ts', pattern: /'deregistration_delay\.timeout_seconds', Value: '(\d+)'/, unit: 's' },
  // … then each drained task stops after STOPPING_MS (scheduler.ts:258); the sweep waits for INACTIVE.
  { phase: 'teardown', what: 'teardown: new service tasks STOPPING → STOPPED', ...TASK_STOPPING },
];

/** Waits the suite itself must sit out on a right run (not the cloud's delays). */
const SUITE_WAITS: TermSource[] = [
  // 06-lockdown: "no answer within the timeout" can only be seen by waiting the timeout out; the
  // timeout is 20 round trips of the positive control, at least the sim profile's floor
  // (helpers/traffic/http.ts negativeProbeTimeoutMs, helpers/targets/sim.ts directProbeFloorMs;
  // the 3 probes run at once). The floor is listed; each run's report has the timeout it used.
  { phase: 'specs', what: '06: direct probes wait out their timeout (floor)', file: 'helpers/targets/sim.ts', pattern: /directProbeFloorMs: ([\d_]+),/, unit: 'ms' },
];

function resolveTerms(root: string, sources: TermSource[], clock: SimClock | undefined): Term[] {
  return sources.map((s) => {
    const lines = readFileSync(join(root, s.file), 'utf8').split('\n');
    const index = lines.findIndex((l) => s.pattern.test(l.trim()));
    if (index < 0) throw new Error(`critical path: "${s.what}" — ${s.pattern} no longer matches a line of ${s.file}; update bench/critical-path.ts`);
    const value = Number(s.pattern.exec(lines[index]!.trim())![1]!.replace(/_/g, ''));
    const cloudMs = s.unit === 's' ? value * 1000 : value;
    return { what: s.what, phase: s.phase, source: `${s.file}:${index + 1}`, cloudMs, scaledMs: clock ? clock.scaled(cloudMs) : cloudMs };
  });
}

export interface CriticalPath {
  timeScale: number;
  terms: Term[];
  totalMs: number;
  suiteWaits: Term[];
  suiteWaitsMs: number;
}

export function criticalPath(root: string, timeScale: number): CriticalPath {
  const terms = resolveTerms(root, PATH, new SimClock(timeScale));
  const suiteWaits = resolveTerms(root, SUITE_WAITS, undefined);
  const sum = (ts: Term[]) => ts.reduce((a, t) => a + t.scaledMs, 0);
  return { timeScale, terms, totalMs: sum(terms), suiteWaits, suiteWaitsMs: sum(suiteWaits) };
}
