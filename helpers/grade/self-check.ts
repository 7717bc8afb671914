/**
 * A participant's own "check my progress": which steps are done, which is next and what to
 * do there. With --step N only specs 00..0N are judged, so someone half-way through is not
 * drowned in failures of steps they have not reached.
 */
import { readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { hintFor, type CheckResult, type Report } from '../report/report.js';

const SPECS_DIR = resolve(import.meta.dirname, '..', '..', 'specs');
export const LAST_STEP = 6;

/** The spec names (00-preflight, …) a self-check up to step N runs, in order. */
export function specsUpTo(step: number = LAST_STEP): string[] {
  return readdirSync(SPECS_DIR)
    .filter((f) => /^\d\d-.*\.spec\.ts$/.test(f) && Number(f.slice(0, 2)) <= step)
    .sort()
    .map((f) => f.replace(/\.spec\.ts$/, ''));
}

export interface StepVerdict {
  spec: string;
  done: boolean;
  /** The first check of the step that is not passed (failed, or not built). */
  blocker?: CheckResult;
}

/** Done: something in it passed and nothing failed or was left unbuilt (a capability or mode skip is fine). */
function verdictOf(spec: string, checks: CheckResult[]): StepVerdict {
  const blocker = checks.find((c) => c.status === 'failed') ?? checks.find((c) => c.status === 'skipped' && (c.skipKind ?? 'dependency') === 'dependency');
  const done = !blocker && checks.some((c) => c.status === 'passed');
  return { spec, done, ...(blocker ? { blocker } : {}) };
}

export interface SelfCheck {
  steps: StepVerdict[];
  /** Every step asked for is done. */
  ok: boolean;
  next?: { spec: string; check: string; hint: string };
}

export function judgeProgress(report: Report, specs: string[]): SelfCheck {
  const steps = specs.map((spec) => verdictOf(spec, report.checks.filter((c) => c.spec === spec)));
  const first = steps.find((s) => !s.done);
  const next = first && {
    spec: first.spec,
    check: first.blocker?.id ?? `${first.spec} (no check ran)`,
    hint: (first.blocker && (first.blocker.hint ?? hintFor(first.blocker.id, report.nickname))) ?? `run the checks of ${first.spec}`,
  };
  return { steps, ok: !first, ...(next ? { next } : {}) };
}

export function renderProgress(report: Report, result: SelfCheck): string {
  const width = Math.max(...result.steps.map((s) => s.spec.length));
  const lines = [`ecs-alb-e2e check — ${report.nickname} on ${report.target} (${report.region}), steps ${result.steps[0]?.spec.slice(0, 2)}..${result.steps.at(-1)?.spec.slice(0, 2)}`];
  for (const s of result.steps) {
    const why = s.blocker ? `${s.blocker.id} ${s.blocker.status}: ${(s.blocker.reason ?? '').split('\n')[0]}` : '';
    lines.push(`  ${s.done ? '✓ done    ' : '✗ not yet '} ${why ? `${s.spec.padEnd(width)}  ${why}` : s.spec}`);
  }
  lines.push(result.next ? `next: ${result.next.spec} — ${result.next.hint}` : 'every step asked for is done');
  return `${lines.join('\n')}\n`;
}
