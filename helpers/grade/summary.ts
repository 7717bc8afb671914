/**
 * The class overview of a grading run: summary.csv for tools, summary.html for people.
 * A row is a roster line: graded (it has a report), not graded (the run left no report:
 * the role could not be assumed, the run crashed or timed out) or malformed in the roster.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PAGE_STYLE, STATUS_MARK, text } from '../report/html.js';
import { summarize, type CheckResult, type Report } from '../report/report.js';

export interface ParticipantOutcome {
  /** Roster line, for the order and for messages. */
  line: number;
  nickname: string;
  report?: Report;
  /** Why there is no report, or why the report is partial; one line. */
  error?: string;
}

export const SUMMARY_COLUMNS = ['nickname', 'passed', 'failed', 'skipped', 'score', 'error'] as const;

/** passed / (passed + failed), 3 decimals; skipped checks count neither way, and nothing checked scores 0. */
export function score(checks: CheckResult[]): number {
  const { passed, failed } = summarize(checks);
  return passed + failed === 0 ? 0 : Math.round((passed / (passed + failed)) * 1000) / 1000;
}

export function csvField(value: string | number): string {
  const s = String(value);
  return /[",\r\n]/.test(s) || s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * One row per roster line, in roster order. A participant without a report has empty
 * counts and score — not zeros — so a sum over the column fails loudly instead of
 * grading a grader's problem as the participant's — and says why in `error`.
 */
export function renderSummaryCsv(outcomes: ParticipantOutcome[]): string {
  const rows = [...outcomes]
    .sort((a, b) => a.line - b.line)
    .map((o) => {
      if (!o.report) return [o.nickname, '', '', '', '', o.error ?? 'no report'];
      const s = summarize(o.report.checks);
      return [o.nickname, s.passed, s.failed, s.skipped, score(o.report.checks).toFixed(3), o.error ?? ''];
    });
  return `${[SUMMARY_COLUMNS as readonly (string | number)[], ...rows].map((r) => r.map(csvField).join(',')).join('\n')}\n`;
}

function specsOf(outcomes: ParticipantOutcome[]): string[] {
  const specs = new Set<string>();
  for (const o of outcomes) for (const c of o.report?.checks ?? []) specs.add(c.spec);
  return [...specs].sort();
}

function stepCell(checks: CheckResult[], nickname: string, spec: string): string {
  if (checks.length === 0) return '<td class="step none">·</td>';
  const s = summarize(checks);
  const cls = s.failed > 0 ? 'failed' : s.passed > 0 ? 'passed' : 'skipped';
  const failedIds = checks.filter((c) => c.status === 'failed').map((c) => c.id);
  const title = failedIds.length ? `failed: ${failedIds.join(', ')}` : `${s.passed} passed, ${s.skipped} skipped`;
  return `<td class="step ${cls}" title="${text(title)}"><a href="${encodeURIComponent(nickname)}/report.html#step-${text(spec)}">` +
    `<span class="passed${s.passed ? '' : ' zero'}">${STATUS_MARK.passed}${s.passed}</span> <span class="failed${s.failed ? '' : ' zero'}">${STATUS_MARK.failed}${s.failed}</span> <span class="skipped${s.skipped ? '' : ' zero'}">skip ${s.skipped}</span></a></td>`;
}

export interface SummaryMeta {
  target: string;
  roster: string;
  shard?: string;
  startedAt: string;
  durationMs: number;
}

export function renderSummaryHtml(outcomes: ParticipantOutcome[], meta: SummaryMeta): string {
  const sorted = [...outcomes].sort((a, b) => a.line - b.line);
  const specs = specsOf(sorted);
  const graded = sorted.filter((o) => o.report);
  const rows = sorted.map((o) => {
    if (!o.report) {
      return `<tr class="not-graded"><td class="nickname">${text(o.nickname || `line ${o.line}`)}</td><td colspan="${specs.length + 4}" class="error">not graded: ${text(o.error ?? 'no report')}</td></tr>`;
    }
    const s = summarize(o.report.checks);
    const cells = specs.map((spec) => stepCell(o.report!.checks.filter((c) => c.spec === spec), o.nickname, spec));
    return `<tr class="${s.failed > 0 ? 'failed' : 'passed'}"><td class="nickname"><a href="${encodeURIComponent(o.nickname)}/report.html">${text(o.nickname)}</a>` +
      `${o.error ? `<div class="error">${text(o.error)}</div>` : ''}</td><td class="score">${score(o.report.checks).toFixed(3)}</td>` +
      `<td>${s.passed}</td><td>${s.failed}</td><td>${s.skipped}</td>${cells.join('')}</tr>`;
  });
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ecs-alb-e2e grading — ${graded.length} of ${sorted.length} graded</title>
<style>${PAGE_STYLE}
body { max-width: none; }
td.step { white-space: nowrap; text-align: center; } td.step a { color: inherit; text-decoration: none; }
td.step.passed { background: var(--bg-ok); } td.step.failed { background: var(--bg-bad); } td.step.skipped { background: var(--bg-skip); }
td.step .passed { color: var(--ok); } td.step .failed { color: var(--bad); } td.step .skipped { color: var(--skip); }
tr.not-graded td { background: #f6f8fa; } .error { color: var(--bad); font-size: 12px; }
td.step .zero { opacity: 0.4; }
td.score { font-variant-numeric: tabular-nums; font-weight: 600; }
</style>
</head>
<body>
<h1>ecs-alb-e2e grading</h1>
<ul class="facts">
<li><b>target</b> ${text(meta.target)}</li><li><b>roster</b> ${text(meta.roster)}</li>${meta.shard ? `<li><b>shard</b> ${text(meta.shard)}</li>` : ''}
<li><b>started</b> ${text(meta.startedAt)}</li><li><b>duration</b> ${(meta.durationMs / 1000).toFixed(1)} s</li>
<li><b>graded</b> ${graded.length} of ${sorted.length}</li>
</ul>
<p class="muted">score = passed ÷ (passed + failed); skipped checks are not counted as passed. A step cell shows ✓ passed, ✗ failed and skipped checks and links to that step in the participant's report.</p>
<table class="summary">
<thead><tr><th>participant</th><th>score</th><th>passed</th><th>failed</th><th>skipped</th>${specs.map((s) => `<th>${text(s)}</th>`).join('')}</tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table>
</body>
</html>
`;
}

export function writeSummaries(dir: string, outcomes: ParticipantOutcome[], meta: SummaryMeta): void {
  writeFileSync(join(dir, 'summary.csv'), renderSummaryCsv(outcomes));
  writeFileSync(join(dir, 'summary.html'), renderSummaryHtml(outcomes, meta));
}
