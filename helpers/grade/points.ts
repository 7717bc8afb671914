/**
 * Points and partial credit. Every check has a weight (fixtures/weights.json, overridable with
 * `--weights FILE`); a participant's score is points earned over points possible. A check the
 * target or the mode cannot perform is nobody's fault: its points leave "possible". A check
 * skipped because what it needs is missing (`skipKind: dependency`) was not built: it earns
 * nothing and stays possible — as does a check the run never reached (an interrupted run).
 */
import { readFileSync } from 'node:fs';
import { hintFor, type CheckResult, type Report } from '../report/report.js';

export type Weights = Readonly<Record<string, number>>;

export const DEFAULT_WEIGHTS_FILE = new URL('../../fixtures/weights.json', import.meta.url);

export class WeightsError extends Error {
  override name = 'WeightsError';
}

function validated(value: unknown, source: string, known?: Weights): Record<string, number> {
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new WeightsError(`${source}: expected a JSON object {"<check id>": points, …}`);
  const out: Record<string, number> = {};
  for (const [id, points] of Object.entries(value)) {
    if (known && !(id in known)) throw new WeightsError(`${source}: '${id}' is not a check id of the suite (see fixtures/weights.json)`);
    if (typeof points !== 'number' || !Number.isFinite(points) || points < 0) throw new WeightsError(`${source}: '${id}' must be a number ≥ 0, got ${JSON.stringify(points)}`);
    out[id] = points;
  }
  return out;
}

export function defaultWeights(): Weights {
  return validated(JSON.parse(readFileSync(DEFAULT_WEIGHTS_FILE, 'utf8')), 'fixtures/weights.json');
}

/** The default table with a grader's file laid over it (only known ids, only numbers ≥ 0). */
export function loadWeights(file?: string): Weights {
  const defaults = defaultWeights();
  if (!file) return defaults;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new WeightsError(`--weights ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message.split('\n')[0]}`);
  }
  return { ...defaults, ...validated(parsed, `--weights ${file}`, defaults) };
}

export interface Score {
  points: number;
  maxPoints: number;
  /** The checks with `points` set. */
  checks: CheckResult[];
}

function pointsOf(c: CheckResult, weight: number): { earned: number; possible: number } {
  if (c.status === 'passed') return { earned: weight, possible: weight };
  if (c.status === 'skipped' && (c.skipKind === 'capability' || c.skipKind === 'mode')) return { earned: 0, possible: 0 };
  return { earned: 0, possible: weight };
}

const round = (n: number) => Math.round(n * 1000) / 1000;

/** Checks of the table that the report lacks (the run stopped early) stay possible and earn nothing. */
export function scoreChecks(checks: CheckResult[], weights: Weights): Score {
  const seen = new Set(checks.map((c) => c.id));
  const scored = checks.map((c) => ({ ...c, points: pointsOf(c, weights[c.id] ?? 0) }));
  const missing = Object.entries(weights).filter(([id]) => !seen.has(id)).reduce((sum, [, w]) => sum + w, 0);
  return {
    points: round(scored.reduce((sum, c) => sum + c.points.earned, 0)),
    maxPoints: round(scored.reduce((sum, c) => sum + c.points.possible, 0) + missing),
    checks: scored,
  };
}

/** points ÷ max points to 3 decimals; nothing possible scores 0. */
export function ratio(points: number, maxPoints: number): number {
  return maxPoints === 0 ? 0 : Math.round((points / maxPoints) * 1000) / 1000;
}

/** What to do next: the hint of the first failed check (file order = workshop order), else of the first one not built. */
export function nextStep(report: Pick<Report, 'checks' | 'nickname'>): string {
  const first = report.checks.find((c) => c.status === 'failed') ?? report.checks.find((c) => c.status === 'skipped' && (c.skipKind ?? 'dependency') === 'dependency');
  if (!first) return '';
  return first.hint ?? hintFor(first.id, report.nickname) ?? `fix ${first.id}`;
}
