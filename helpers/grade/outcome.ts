/**
 * How one roster row ended. `graded`: the run reached the participant's account and judged it —
 * also when nothing is built (0 points and a next step). `error`: the grader could not get in
 * (credentials, assume-role, the endpoint) or the run crashed; the AWS error is in `error`.
 * `timeout`: the run was stopped at --timeout; what it judged by then is kept, partial.
 */
import type { Report } from '../report/report.js';
import { nextStep, ratio, scoreChecks, type Weights } from './points.js';

export type GradeState = 'graded' | 'error' | 'timeout';

export interface ParticipantOutcome {
  /** Roster line, for the order and for messages. */
  line: number;
  nickname: string;
  state: GradeState;
  report?: Report;
  /** Why the participant is not `graded`, or why the report is partial; one line. */
  error?: string;
  points?: number;
  maxPoints?: number;
  nextStep?: string;
}

/** The report's own verdict that the grader never got in: STS could not say who we are. */
function accessError(report: Report): string | undefined {
  const c = report.checks.find((x) => x.id === 'preflight.target-reachable');
  return c?.status === 'failed' ? `the account could not be reached: ${(c.reason ?? 'failed').split('\n')[0]}` : undefined;
}

/** Scores a run's report (its checks get `points`) and says how the row ended. */
export function judge(base: { line: number; nickname: string }, report: Report | undefined, run: { timedOut: boolean; why: string }, weights: Weights): ParticipantOutcome {
  if (!report) return { ...base, state: run.timedOut ? 'timeout' : 'error', error: run.why };
  const denied = accessError(report);
  if (denied) return { ...base, state: 'error', report, error: denied };
  const score = scoreChecks(report.checks, weights);
  const scored: Report = { ...report, checks: score.checks };
  return {
    ...base,
    state: run.timedOut ? 'timeout' : 'graded',
    report: scored,
    points: score.points,
    maxPoints: score.maxPoints,
    nextStep: nextStep(scored),
    ...(run.timedOut ? { error: `${run.why}; the report is partial` } : {}),
  };
}

export function scoreOf(o: ParticipantOutcome): number | undefined {
  return o.points === undefined || o.maxPoints === undefined ? undefined : ratio(o.points, o.maxPoints);
}

/** Full points: nothing left to re-grade with --only-failed. */
export function complete(o: ParticipantOutcome): boolean {
  return o.state === 'graded' && o.points !== undefined && o.points === o.maxPoints;
}
