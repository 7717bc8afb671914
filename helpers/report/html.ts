/**
 * report.html: one self-contained page a participant reads — no fonts, scripts, styles or
 * images from the network, so it opens from a CI artifact or an e-mail attachment as it is.
 * The verdict per step (what to fix first), the requests per task, the waits.
 * Every text goes through `text()`: nicknames, names and messages are the participant's.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CheckResult, CheckStatus, Report } from './report.js';
import { summarize } from './report.js';
import type { WaitRecord } from '../core/waits.js';

const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g;

export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/**
 * Escaped text for the page. `://` is written as `&#58;//` — a browser shows the same
 * characters, and the file's source then holds no URL at all, which makes "nothing in it
 * can reach the network" checkable by a plain search.
 */
export function text(value: unknown): string {
  return escapeHtml(String(value).replace(ANSI, '')).replace(/:\/\//g, '&#58;//');
}

export const STATUS_MARK: Record<CheckStatus, string> = { passed: '✓', failed: '✗', skipped: '–' };

export const PAGE_STYLE = `
:root { --ok: #1a7f37; --bad: #cf222e; --skip: #8a6d00; --muted: #57606a; --line: #d0d7de; --bg-bad: #ffebe9; --bg-skip: #fff8c5; --bg-ok: #dafbe1; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto; max-width: 1100px; padding: 24px; color: #1f2328; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 8px; } h3 { font-size: 15px; margin: 20px 0 6px; }
.muted { color: var(--muted); }
.facts { display: flex; flex-wrap: wrap; gap: 4px 20px; margin: 8px 0 12px; padding: 0; list-style: none; }
.facts b { font-weight: 600; }
.tally { display: flex; gap: 10px; margin: 8px 0 4px; }
.tally span { padding: 3px 10px; border-radius: 12px; font-weight: 600; }
.passed .mark, .tally .passed { color: var(--ok); } .tally .passed { background: var(--bg-ok); }
.failed .mark, .tally .failed { color: var(--bad); } .tally .failed { background: var(--bg-bad); }
.skipped .mark, .tally .skipped { color: var(--skip); } .tally .skipped { background: var(--bg-skip); }
table { border-collapse: collapse; width: 100%; margin: 4px 0 8px; }
th, td { border-bottom: 1px solid var(--line); padding: 5px 8px; text-align: left; vertical-align: top; }
th { font-weight: 600; background: #f6f8fa; }
tr.failed td { background: var(--bg-bad); } tr.skipped td { background: #fffdf0; }
table.checks { table-layout: fixed; }
table.checks th:nth-child(1) { width: 7.5em; } table.checks th:nth-child(2) { width: 17em; } table.checks th:nth-child(3) { width: 28%; }
td.status { white-space: nowrap; } td.id code { word-break: break-all; }
.to-fix { border: 1px solid var(--bad); background: var(--bg-bad); border-radius: 6px; padding: 8px 14px; margin: 12px 0; }
.to-fix h2 { margin: 4px 0 6px; color: var(--bad); } .to-fix ol { margin: 0; padding-left: 22px; } .to-fix li { margin: 3px 0; }
.to-fix a { color: inherit; }
code, pre { font: 12px/1.4 ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; }
pre { margin: 0; white-space: pre-wrap; word-break: break-word; }
.evidence { margin: 0; padding: 0; list-style: none; color: var(--muted); word-break: break-all; }
.evidence code { color: #1f2328; }
.step-counts { font-weight: normal; font-size: 13px; margin-left: 8px; }
svg text { font: 11px system-ui, sans-serif; fill: #1f2328; }
svg .bar { fill: #0969da; } svg .bar.zero { fill: var(--bad); }
svg .even { stroke: var(--skip); stroke-dasharray: 5 4; stroke-width: 1.5; }
svg .axis { stroke: var(--muted); stroke-width: 1; }
svg .wait.ok { fill: #54aeff; } svg .wait.failed { fill: var(--bad); }
.hint { margin-top: 4px; font-size: 13px; } .hint b { font-weight: 600; }
details { margin: 8px 0; } summary { cursor: pointer; color: var(--muted); }
`;

function groupBySpec(checks: CheckResult[]): Map<string, CheckResult[]> {
  const steps = new Map<string, CheckResult[]>();
  for (const c of checks) {
    const list = steps.get(c.spec) ?? [];
    list.push(c);
    steps.set(c.spec, list);
  }
  return steps;
}

function evidenceValue(value: unknown): string {
  if (typeof value === 'string') return value;
  return JSON.stringify(value) ?? String(value);
}

function detailCell(c: CheckResult): string {
  if (c.status === 'failed') {
    return `<pre class="reason">${text(c.reason ?? 'failed without a message')}</pre>${c.hint ? `<div class="hint"><b>what to do</b> ${text(c.hint)}</div>` : ''}`;
  }
  if (c.status === 'skipped') return `<span class="reason">skipped: ${text(c.reason ?? 'no reason given')}</span>`;
  if (!c.evidence || Object.keys(c.evidence).length === 0) return '';
  const items = Object.entries(c.evidence).map(([k, v]) => `<li><code>${text(k)}</code> ${text(evidenceValue(v))}</li>`);
  return `<ul class="evidence">${items.join('')}</ul>`;
}

function pointsLabel(c: CheckResult): string {
  return c.points ? ` <span class="points muted">${c.points.earned}/${c.points.possible} pt</span>` : '';
}

function stepSection(spec: string, checks: CheckResult[]): string {
  const s = summarize(checks);
  const rows = checks.map(
    (c) =>
      `<tr class="${c.status}" id="check-${text(c.id)}"><td class="status"><span class="mark">${STATUS_MARK[c.status]}</span> ${c.status}</td>` +
      `<td class="id"><code>${text(c.id)}</code></td><td>${text(c.title)}${pointsLabel(c)}</td><td>${detailCell(c)}</td></tr>`,
  );
  return `<section class="step" id="step-${text(spec)}">
<h3>${text(spec)}<span class="step-counts"><span class="passed">✓ ${s.passed}</span> · <span class="failed">✗ ${s.failed}</span> · <span class="skipped">– ${s.skipped}</span></span></h3>
<table class="checks"><thead><tr><th>status</th><th>check</th><th>what</th><th>detail</th></tr></thead>
<tbody>${rows.join('\n')}</tbody></table>
</section>`;
}

/** One bar per task, its count above it, and a dashed line at the even share. */
export function distributionChart(distribution: Record<string, number> | undefined): string {
  const entries = Object.entries(distribution ?? {});
  if (entries.length === 0) return '<p class="muted no-distribution">no distribution measured</p>';
  const total = entries.reduce((sum, [, n]) => sum + n, 0);
  const even = total / entries.length;
  const max = Math.max(even, ...entries.map(([, n]) => n), 1);
  const barWidth = 60;
  const gap = 36;
  const left = 44;
  const top = 22;
  const plotHeight = 180;
  const width = left + entries.length * (barWidth + gap) + gap + 90;
  const height = top + plotHeight + 40;
  const y = (n: number) => top + plotHeight - (n / max) * plotHeight;
  const bars = entries.map(([task, n], i) => {
    const x = left + gap + i * (barWidth + gap);
    const barTop = y(n);
    return `<g class="task"><title>task ${text(task)}: ${n} answers</title>` +
      `<rect class="bar${n === 0 ? ' zero' : ''}" data-task="${text(task)}" x="${x}" y="${barTop.toFixed(1)}" width="${barWidth}" height="${(top + plotHeight - barTop).toFixed(1)}"></rect>` +
      `<text x="${x + barWidth / 2}" y="${(barTop - 5).toFixed(1)}" text-anchor="middle" class="count">${n}</text>` +
      `<text x="${x + barWidth / 2}" y="${top + plotHeight + 16}" text-anchor="middle">${text(task.slice(0, 12))}</text></g>`;
  });
  const evenY = y(even).toFixed(1);
  const plotRight = left + entries.length * (barWidth + gap) + gap;
  return `<svg class="chart distribution" role="img" aria-label="answers per task" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">
<line class="axis" x1="${left}" y1="${top + plotHeight}" x2="${plotRight}" y2="${top + plotHeight}"></line>
<line class="axis" x1="${left}" y1="${top}" x2="${left}" y2="${top + plotHeight}"></line>
<text x="${left - 6}" y="${top + plotHeight + 4}" text-anchor="end">0</text>
<text x="${left - 6}" y="${top + 4}" text-anchor="end">${Math.round(max)}</text>
${bars.join('\n')}
<line class="even" x1="${left}" y1="${evenY}" x2="${plotRight}" y2="${evenY}"></line>
<text x="${plotRight + 6}" y="${(Number(evenY) + 4).toFixed(1)}">even share ${Number.isInteger(even) ? even : even.toFixed(1)}</text>
</svg>
<p class="muted">${total} answers over ${entries.length} tasks; the dashed line is the even share (total ÷ tasks). Hover a bar for the full task id.</p>`;
}

/** Polls answered "ask again later" (throttling, not yet consistent) and the backoff they cost: `3 × Throttling; 350 ms backoff`. */
function askedLater(w: WaitRecord): string {
  if (!w.transient) return '';
  const by = Object.entries(w.transientBy ?? {}).map(([label, n]) => `${n} × ${label}`);
  return `${by.length ? by.join(', ') : `${w.transient} polls`}; ${w.backoffMs ?? 0} ms backoff`;
}

/** The waits in the order they happened, each as long as it took; a failed wait is red and says where it stopped. */
export function waitsTimeline(waits: WaitRecord[] | undefined): string {
  if (!waits?.length) return '<p class="muted">no waits recorded</p>';
  const total = waits.reduce((sum, w) => sum + w.ms, 0);
  const labelWidth = 360;
  const plotWidth = 520;
  const rowHeight = 22;
  const width = labelWidth + plotWidth + 90;
  const height = waits.length * rowHeight + 10;
  const scale = plotWidth / Math.max(total, 1);
  let offset = 0;
  const rows = waits.map((w, i) => {
    const x = labelWidth + offset * scale;
    offset += w.ms;
    const barY = 5 + i * rowHeight;
    const what = w.what.length > 58 ? `${w.what.slice(0, 57)}…` : w.what;
    const later = askedLater(w);
    return `<g class="wait-row"><title>${text(w.what)} — ${w.ms} ms, ${w.polls} polls${later ? ` (asked again later: ${text(later)})` : ''}, last state: ${text(w.lastState)}</title>` +
      `<text x="${labelWidth - 8}" y="${barY + 14}" text-anchor="end">${text(what)}</text>` +
      `<rect class="wait ${w.ok ? 'ok' : 'failed'}" x="${x.toFixed(1)}" y="${barY + 3}" width="${Math.max(w.ms * scale, 2).toFixed(1)}" height="${rowHeight - 6}"></rect>` +
      `<text x="${(x + Math.max(w.ms * scale, 2) + 6).toFixed(1)}" y="${barY + 14}">${w.ms} ms${w.ok ? '' : ' ✗'}</text></g>`;
  });
  const table = waits.map(
    (w) =>
      `<tr class="${w.ok ? 'passed' : 'failed'}"><td>${text(w.what)}</td><td>${w.ms}</td><td>${w.polls}</td><td>${text(askedLater(w))}</td>` +
      `<td><span class="mark">${w.ok ? '✓' : '✗'}</span> ${w.ok ? 'ok' : 'timed out'}</td><td>${text(w.lastState)}</td></tr>`,
  );
  return `<svg class="chart waits" role="img" aria-label="timeline of the waits" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">
${rows.join('\n')}
</svg>
<table class="waits"><thead><tr><th>waited for</th><th>ms</th><th>polls</th><th>asked again later</th><th>ok</th><th>last state</th></tr></thead>
<tbody>${table.join('\n')}</tbody></table>`;
}

function apiCallTable(report: Report): string {
  const byAction = new Map<string, { count: number; ms: number; errors: number }>();
  for (const c of report.apiCalls) {
    const key = `${c.service}:${c.action}`;
    const agg = byAction.get(key) ?? { count: 0, ms: 0, errors: 0 };
    agg.count++;
    agg.ms += c.ms;
    if (c.error) agg.errors++;
    byAction.set(key, agg);
  }
  const rows = [...byAction.entries()]
    .sort((a, b) => b[1].count - a[1].count)
    .map(([action, a]) => `<tr><td><code>${text(action)}</code></td><td>${a.count}</td><td>${a.ms}</td><td>${a.errors}</td></tr>`);
  return `<details><summary>${report.apiCalls.length} API calls</summary>
<table class="api-calls"><thead><tr><th>action</th><th>calls</th><th>total ms</th><th>errors</th></tr></thead><tbody>${rows.join('')}</tbody></table></details>`;
}

/** The failed checks first, one line each, linking to their row: what a participant fixes. */
function toFix(checks: CheckResult[]): string {
  const failed = checks.filter((c) => c.status === 'failed');
  if (failed.length === 0) return '';
  const items = failed.map((c) => {
    const firstLine = (c.reason ?? 'failed without a message').replace(ANSI, '').split('\n')[0]!;
    return `<li><a href="#check-${text(c.id)}"><code>${text(c.id)}</code></a> (${text(c.spec)}): ${text(firstLine)}${c.hint ? `<div class="hint">→ ${text(c.hint)}</div>` : ''}</li>`;
  });
  return `<section class="to-fix"><h2>To fix</h2><ol>${items.join('')}</ol></section>`;
}

/** Defence in depth behind text(): the page runs no script and loads nothing, whatever it holds. */
export const REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'";

export function renderHtml(report: Report): string {
  const s = summarize(report.checks);
  const steps = [...groupBySpec(report.checks)].map(([spec, checks]) => stepSection(spec, checks));
  const verdict = s.failed > 0 ? `${s.failed} check${s.failed === 1 ? '' : 's'} to fix` : s.passed > 0 ? 'every check that ran passed' : 'nothing was checked';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${REPORT_CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ecs-alb-e2e — ${text(report.nickname)}: ${s.passed} passed, ${s.failed} failed, ${s.skipped} skipped</title>
<style>${PAGE_STYLE}</style>
</head>
<body>
<header>
<h1>ecs-alb-e2e — <span class="nickname">${text(report.nickname)}</span></h1>
<div class="muted">ECS service behind an Application Load Balancer (Module 04) · ${text(verdict)}</div>
<div class="tally"><span class="passed">✓ ${s.passed} passed</span><span class="failed">✗ ${s.failed} failed</span><span class="skipped">– ${s.skipped} skipped</span></div>
<ul class="facts">
<li><b>target</b> ${text(report.target)}</li><li><b>mode</b> ${text(report.mode)}</li><li><b>region</b> ${text(report.region)}</li>
<li><b>started</b> ${text(report.startedAt)}</li><li><b>duration</b> ${(report.durationMs / 1000).toFixed(1)} s</li>
</ul>
</header>
<main>
${toFix(report.checks)}
<h2>Verdict per step</h2>
${steps.join('\n') || '<p class="muted">no checks ran</p>'}
<h2>Requests per task</h2>
${distributionChart(report.distribution)}
<h2>Waits</h2>
${waitsTimeline(report.waits)}
<h2>API calls</h2>
${apiCallTable(report)}
</main>
</body>
</html>
`;
}

export function renderHtmlReport(dir: string, report: Report): void {
  writeFileSync(join(dir, 'report.html'), renderHtml(report));
}
