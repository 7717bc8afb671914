/**
 * The class overview of a grading run: summary.csv for tools, summary.html for people.
 * A row is a roster line: graded, error (the grader could not get in, or the roster line is
 * malformed) or timeout. Every participant-controlled string (nicknames, messages, hints
 * quoting names) is inert: escaped in the HTML, neutralised in the CSV for spreadsheets.
 */
import { createHash } from 'node:crypto';
import { writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { PAGE_STYLE, STATUS_MARK, text } from '../report/html.js';
import { summarize, type CheckResult } from '../report/report.js';
import { scoreOf, type ParticipantOutcome } from './outcome.js';

export type { ParticipantOutcome } from './outcome.js';

export const SUMMARY_COLUMNS = ['nickname', 'passed', 'failed', 'skipped', 'score', 'error', 'state', 'points', 'max_points', 'next_step'] as const;

/**
 * A CSV field. A cell a spreadsheet would run as a formula (starting with =, +, -, @, or a tab
 * or carriage return that some strip first) gets a leading apostrophe: shown as text, never run.
 */
export function csvField(value: string | number): string {
  let s = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) || s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : s;
}

function csvRow(o: ParticipantOutcome): Array<string | number> {
  const score = scoreOf(o);
  const tail = [o.state, o.points ?? '', o.maxPoints ?? '', o.nextStep ?? ''];
  // no counts for a grader's problem: a sum over the column fails loudly instead of scoring it
  if (!o.report || o.state === 'error') return [o.nickname, '', '', '', '', o.error ?? 'no report', ...tail];
  const s = summarize(o.report.checks);
  return [o.nickname, s.passed, s.failed, s.skipped, score === undefined ? '' : score.toFixed(3), o.error ?? '', ...tail];
}

/** One row per roster line, in roster order. */
export function renderSummaryCsv(outcomes: ParticipantOutcome[]): string {
  const rows = [...outcomes].sort((a, b) => a.line - b.line).map(csvRow);
  return `${[SUMMARY_COLUMNS as readonly (string | number)[], ...rows].map((r) => r.map(csvField).join(',')).join('\n')}\n`;
}

function specsOf(outcomes: ParticipantOutcome[]): string[] {
  const specs = new Set<string>();
  for (const o of outcomes) for (const c of o.report?.checks ?? []) specs.add(c.spec);
  return [...specs].sort();
}

/** A step is passed when something in it passed and nothing failed or was left unbuilt. */
function stepPassed(checks: CheckResult[]): boolean {
  return checks.some((c) => c.status === 'passed') && !checks.some((c) => c.status === 'failed' || (c.status === 'skipped' && (c.skipKind ?? 'dependency') === 'dependency'));
}

function stepCell(checks: CheckResult[], nickname: string, spec: string): string {
  if (checks.length === 0) return '<td class="step none" data-sort="-1">·</td>';
  const s = summarize(checks);
  const cls = s.failed > 0 ? 'failed' : s.passed > 0 ? 'passed' : 'skipped';
  const failedIds = checks.filter((c) => c.status === 'failed').map((c) => c.id);
  const title = failedIds.length ? `failed: ${failedIds.join(', ')}` : `${s.passed} passed, ${s.skipped} skipped`;
  return `<td class="step ${cls}" data-sort="${s.passed - 100 * s.failed}" title="${text(title)}"><a href="${encodeURIComponent(nickname)}/report.html#step-${text(spec)}">` +
    `<span class="passed${s.passed ? '' : ' zero'}">${STATUS_MARK.passed}${s.passed}</span> <span class="failed${s.failed ? '' : ' zero'}">${STATUS_MARK.failed}${s.failed}</span> <span class="skipped${s.skipped ? '' : ' zero'}">skip ${s.skipped}</span></a></td>`;
}

export interface SummaryMeta {
  target: string;
  roster: string;
  shard?: string;
  startedAt: string;
  durationMs: number;
  /** Problems found joining shards (merge-grades): duplicates, rows missing from every shard. */
  problems?: string[];
}

/** Click a header to sort by it (again: reverse). Cells carry data-sort; numbers sort as numbers. No participant data in here. */
const SORT_SCRIPT = `document.querySelectorAll('table.summary thead th').forEach(function (th, col) {
  th.addEventListener('click', function () {
    var body = th.closest('table').tBodies[0];
    var dir = th.dataset.dir === 'asc' ? -1 : 1;
    th.parentNode.querySelectorAll('th').forEach(function (h) { delete h.dataset.dir; });
    th.dataset.dir = dir === 1 ? 'asc' : 'desc';
    var key = function (tr) { var td = tr.cells[col]; return td ? (td.dataset.sort !== undefined ? td.dataset.sort : td.textContent) : ''; };
    Array.from(body.rows).sort(function (a, b) {
      var x = key(a), y = key(b), nx = parseFloat(x), ny = parseFloat(y);
      var c = !isNaN(nx) && !isNaN(ny) ? nx - ny : String(x).localeCompare(String(y));
      return c * dir;
    }).forEach(function (tr) { body.appendChild(tr); });
  });
});`;

const SCRIPT_HASH = `sha256-${createHash('sha256').update(SORT_SCRIPT).digest('base64')}`;
/** Defence in depth: even an unescaped payload could neither run a script nor load anything. */
export const SUMMARY_CSP = `default-src 'none'; style-src 'unsafe-inline'; script-src '${SCRIPT_HASH}'`;

function participantRow(o: ParticipantOutcome, specs: string[]): string {
  const score = scoreOf(o);
  const name = text(o.nickname || `line ${o.line}`);
  if (!o.report || o.state === 'error') {
    return `<tr class="not-graded ${o.state}"><td class="nickname" data-sort="${text(o.nickname)}">${o.report ? `<a href="${encodeURIComponent(o.nickname)}/report.html">${name}</a>` : name}</td>` +
      `<td class="state">${o.state}</td><td class="score" data-sort="-1"></td><td data-sort="-1"></td><td data-sort="-1"></td><td></td><td></td><td></td>` +
      `<td class="error">not graded: ${text(o.error ?? 'no report')}</td>${specs.map(() => '<td class="step none" data-sort="-1">·</td>').join('')}</tr>`;
  }
  const s = summarize(o.report.checks);
  const cells = specs.map((spec) => stepCell(o.report!.checks.filter((c) => c.spec === spec), o.nickname, spec));
  return `<tr class="${o.state} ${s.failed > 0 ? 'failed' : 'passed'}"><td class="nickname" data-sort="${text(o.nickname)}"><a href="${encodeURIComponent(o.nickname)}/report.html">${name}</a>` +
    `${o.error ? `<div class="error">${text(o.error)}</div>` : ''}</td><td class="state">${o.state}</td>` +
    `<td class="score">${score === undefined ? '' : score.toFixed(3)}</td><td class="points">${o.points ?? ''}</td><td class="max-points">${o.maxPoints ?? ''}</td>` +
    `<td>${s.passed}</td><td>${s.failed}</td><td>${s.skipped}</td><td class="next-step">${text(o.nextStep ?? '')}</td>${cells.join('')}</tr>`;
}

/** Per step: how many of the graded participants passed it — where the class is stuck. */
function classRow(outcomes: ParticipantOutcome[], specs: string[]): string {
  const graded = outcomes.filter((o) => o.report && o.state !== 'error');
  const cells = specs.map((spec) => {
    const passed = graded.filter((o) => stepPassed(o.report!.checks.filter((c) => c.spec === spec))).length;
    const pct = graded.length ? Math.round((100 * passed) / graded.length) : 0;
    return `<td class="class-step" data-passed="${passed}">${passed} of ${graded.length} (${pct} %)</td>`;
  });
  return `<tr class="class"><th colspan="9">passed by the class</th>${cells.join('')}</tr>`;
}

export function renderSummaryHtml(outcomes: ParticipantOutcome[], meta: SummaryMeta): string {
  const sorted = [...outcomes].sort((a, b) => a.line - b.line);
  const specs = specsOf(sorted);
  const graded = sorted.filter((o) => o.state === 'graded');
  const headers = ['participant', 'state', 'score', 'points', 'max', 'passed', 'failed', 'skipped', 'next step', ...specs];
  const problems = meta.problems?.length ? `<section class="problems"><h2>Shards</h2><ul>${meta.problems.map((p) => `<li class="error">${text(p)}</li>`).join('')}</ul></section>` : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${SUMMARY_CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ecs-alb-e2e grading — ${graded.length} of ${sorted.length} graded</title>
<style>${PAGE_STYLE}
body { max-width: none; }
td.step { white-space: nowrap; text-align: center; } td.step a { color: inherit; text-decoration: none; }
td.step.passed { background: var(--bg-ok); } td.step.failed { background: var(--bg-bad); } td.step.skipped { background: var(--bg-skip); }
td.step .passed { color: var(--ok); } td.step .failed { color: var(--bad); } td.step .skipped { color: var(--skip); }
tr.not-graded td { background: #f6f8fa; } .error { color: var(--bad); font-size: 12px; }
td.step .zero { opacity: 0.4; } td.next-step { font-size: 12px; max-width: 28em; }
td.score { font-variant-numeric: tabular-nums; font-weight: 600; }
table.summary thead th { cursor: pointer; user-select: none; } th[data-dir="asc"]::after { content: " ▲"; } th[data-dir="desc"]::after { content: " ▼"; }
tfoot td, tfoot th { font-weight: 600; background: #f6f8fa; text-align: center; }
</style>
</head>
<body>
<h1>ecs-alb-e2e grading</h1>
<ul class="facts">
<li><b>target</b> ${text(meta.target)}</li><li><b>roster</b> ${text(meta.roster)}</li>${meta.shard ? `<li><b>shard</b> ${text(meta.shard)}</li>` : ''}
<li><b>started</b> ${text(meta.startedAt)}</li><li><b>duration</b> ${(meta.durationMs / 1000).toFixed(1)} s</li>
<li><b>graded</b> ${graded.length} of ${sorted.length}</li>
</ul>
${problems}
<p class="muted">score = points earned ÷ points possible (fixtures/weights.json or --weights); a check the target or mode cannot perform is not possible, one whose input is missing earns nothing. Click a column to sort. A step cell shows ✓ passed, ✗ failed and skipped checks and links to that step in the participant's report.</p>
<table class="summary">
<thead><tr>${headers.map((h) => `<th>${text(h)}</th>`).join('')}</tr></thead>
<tbody>
${sorted.map((o) => participantRow(o, specs)).join('\n')}
</tbody>
<tfoot>${classRow(sorted, specs)}</tfoot>
</table>
<script>${SORT_SCRIPT}</script>
</body>
</html>
`;
}

/** Written whole, then renamed: an interrupted grading never leaves half a summary. */
function writeAtomic(file: string, content: string): void {
  writeFileSync(`${file}.tmp`, content);
  renameSync(`${file}.tmp`, file);
}

export function writeSummaries(dir: string, outcomes: ParticipantOutcome[], meta: SummaryMeta): void {
  writeAtomic(join(dir, 'summary.csv'), renderSummaryCsv(outcomes));
  writeAtomic(join(dir, 'summary.html'), renderSummaryHtml(outcomes, meta));
}
