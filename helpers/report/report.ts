/**
 * report.json (DESIGN.md's contract; other tools read it), report.md, and the vitest reporter
 * that fills them from the checks' results and meta.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Reporter, TestModule } from 'vitest/node';
import type { ApiCall } from '../cloud/clients.js';
import type { CheckMeta, SkipKind } from '../suite/step.js';
import { CHECK_HINTS } from '../../fixtures/module04-hints.js';
import type { WaitRecord } from '../core/waits.js';

export type CheckStatus = 'passed' | 'failed' | 'skipped';

export interface CheckResult {
  id: string;
  spec: string;
  title: string;
  status: CheckStatus;
  reason?: string;
  /** A skipped check: the target or mode could not perform it, or what it needs is missing. */
  skipKind?: SkipKind;
  evidence?: Record<string, unknown>;
  /** A failed check: the workshop step and what to do (fixtures/module04-hints.ts). */
  hint?: string;
  /** Grading: the points this check earned of its weight (fixtures/weights.json). */
  points?: { earned: number; possible: number };
}

export interface Report {
  target: string;
  mode: string;
  nickname: string;
  region: string;
  startedAt: string;
  durationMs: number;
  checks: CheckResult[];
  distribution?: Record<string, number>;
  apiCalls: ApiCall[];
  waits?: WaitRecord[];
}

export interface RunInfo {
  target: string;
  mode: string;
  nickname: string;
  region: string;
  startedAt: Date;
}

export function specName(file: string): string {
  return basename(file).replace(/\.spec\.[cm]?[jt]s$/, '');
}

/** The hint of a check for this participant, `<nickname>` filled in; undefined for an unknown id. */
export function hintFor(id: string, nickname: string): string | undefined {
  return CHECK_HINTS[id]?.replaceAll('<nickname>', nickname);
}

export function summarize(checks: CheckResult[]) {
  const count = (s: CheckStatus) => checks.filter((c) => c.status === s).length;
  return { passed: count('passed'), failed: count('failed'), skipped: count('skipped') };
}

/** The checks of the e2e modules, in file order, from vitest's results and the checks' meta. */
export function checksFromModules(modules: ReadonlyArray<TestModule>): {
  checks: CheckResult[];
  distribution?: Record<string, number>;
  apiCalls: ApiCall[];
  waits: WaitRecord[];
} {
  const checks: CheckResult[] = [];
  const apiCalls: ApiCall[] = [];
  const waits: WaitRecord[] = [];
  let distribution: Record<string, number> | undefined;
  const sorted = [...modules].sort((a, b) => a.moduleId.localeCompare(b.moduleId));
  for (const mod of sorted) {
    const spec = specName(mod.moduleId);
    if (mod.state() === 'failed' && mod.errors().length > 0 && [...mod.children.allTests()].length === 0) {
      checks.push({ id: `${spec}.load`, spec, title: 'the spec file loads', status: 'failed', reason: mod.errors()[0]?.message });
    }
    for (const test of mod.children.allTests()) {
      const meta = test.meta().check as CheckMeta | undefined;
      const result = test.result();
      const title = test.name.replace(/^\[[^\]]+\]\s*/, '');
      const id = meta?.checkId ?? /^\[([^\]]+)\]/.exec(test.name)?.[1] ?? `${spec}.${title}`;
      const status: CheckStatus = result.state === 'passed' ? 'passed' : result.state === 'failed' ? 'failed' : 'skipped';
      const reason =
        result.state === 'failed'
          ? result.errors?.map((e) => e.message).join('\n')
          : result.state === 'skipped'
            ? (result.note ?? meta?.reason ?? 'not run: the run stopped before this check (E2E_BAIL=1 after a failure, or interrupted)')
            : result.state === 'pending'
              ? 'not run (the run was interrupted)'
              : undefined;
      checks.push({
        id,
        spec,
        title,
        status,
        ...(reason ? { reason } : {}),
        ...(status === 'skipped' && meta?.skipKind ? { skipKind: meta.skipKind } : {}),
        ...(meta?.evidence ? { evidence: meta.evidence } : {}),
      });
      if (meta?.distribution) distribution = meta.distribution;
      apiCalls.push(...(meta?.apiCalls ?? []));
      waits.push(...(meta?.waits ?? []));
    }
  }
  return { checks, distribution, apiCalls, waits };
}

export function renderMarkdown(r: Report): string {
  const s = summarize(r.checks);
  const icon = { passed: '✅', failed: '❌', skipped: '⏭️' } as const;
  const lines = [
    `# ecs-alb-e2e — ${r.nickname} on ${r.target} (${r.mode})`,
    '',
    `${s.passed} passed, ${s.failed} failed, ${s.skipped} skipped · region ${r.region} · started ${r.startedAt} · ${(r.durationMs / 1000).toFixed(1)} s · ${r.apiCalls.length} API calls`,
    '',
    '| | check | spec | what | detail | what to do |',
    '|---|---|---|---|---|---|',
    ...r.checks.map((c) => `| ${icon[c.status]} | \`${c.id}\` | ${c.spec} | ${c.title}${c.points ? ` (${c.points.earned}/${c.points.possible} pt)` : ''} | ${mdCell(c.reason ?? (c.evidence ? JSON.stringify(c.evidence) : ''))} | ${mdCell(c.hint ?? '')} |`),
  ];
  if (r.distribution) {
    lines.push('', '## Requests per task', '', '| task | answers |', '|---|---|', ...Object.entries(r.distribution).map(([t, n]) => `| ${t} | ${n} |`));
  }
  return `${lines.join('\n')}\n`;
}

function mdCell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

export function writeReports(dir: string, report: Report, extra: (dir: string, r: Report) => void = () => {}): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(dir, 'report.md'), renderMarkdown(report));
  extra(dir, report);
}

/** vitest reporter: builds the report when the run ends (also when it ends early). */
export class E2eReporter implements Reporter {
  report?: Report;
  constructor(
    private readonly run: RunInfo,
    private readonly opts: { reportDir: string; mainProcessCalls?: ApiCall[]; extra?: (dir: string, r: Report) => void },
  ) {}

  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const { checks, distribution, apiCalls, waits } = checksFromModules(modules);
    this.report = {
      target: this.run.target,
      mode: this.run.mode,
      nickname: this.run.nickname,
      region: this.run.region,
      startedAt: this.run.startedAt.toISOString(),
      durationMs: Date.now() - this.run.startedAt.getTime(),
      checks: checks.map((c) => {
        const hint = c.status === 'failed' ? hintFor(c.id, this.run.nickname) : undefined;
        return hint ? { ...c, hint } : c;
      }),
      ...(distribution ? { distribution } : {}),
      apiCalls: [...(this.opts.mainProcessCalls ?? []), ...apiCalls],
      waits,
    };
    writeReports(this.opts.reportDir, this.report, this.opts.extra);
  }
}
