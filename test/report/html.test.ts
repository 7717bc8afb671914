import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { escapeHtml, renderHtml, renderHtmlReport } from '../../helpers/report/html.js';
import type { Report } from '../../helpers/report/report.js';

const EVIL = `<script>alert("x")</script>&'`;

function sampleReport(overrides: Partial<Report> = {}): Report {
  return {
    target: 'sim',
    mode: 'verify',
    nickname: 'ann',
    region: 'us-east-1',
    startedAt: '2026-11-28T06:52:17.986Z',
    durationMs: 65_734,
    checks: [
      { id: 'target-group.port', spec: '01-target-group', title: 'port is 8080', status: 'passed', evidence: { port: 8080, name: EVIL } },
      { id: 'target-group.interval', spec: '01-target-group', title: 'health-check interval is 6 s', status: 'failed', reason: 'target group ann-ecs-tg: interval: expected 30 to be 6' },
      { id: 'distribution.reachable', spec: '04-distribution', title: 'the ALB DNS name answers', status: 'passed', evidence: { url: 'http://ann-ecs-alb-1.us-east-1.elb.amazonaws.com/' } },
      {
        id: 'lockdown.direct-access-blocked',
        spec: '06-lockdown',
        title: 'a task\'s direct address gives no answer',
        status: 'skipped',
        reason: 'LocalStack does not enforce security groups on traffic',
      },
      { id: 'lockdown.rules-only-from-alb', spec: '06-lockdown', title: EVIL, status: 'failed', reason: `\u001b[31mgroup ${EVIL}\u001b[39m\nsecond line` },
    ],
    distribution: { '43e753a8a1a52240fd94bb51d19908aa': 34, be602d165f503818e0a98c1d0aaed749: 31, '56ffa2acc5c06efaf39eeb2b21aafe92': 0 },
    apiCalls: [
      { service: 'ecs', action: 'DescribeServices', ms: 12 },
      { service: 'ecs', action: 'DescribeServices', ms: 9, error: 'ThrottlingException' },
    ],
    waits: [
      { what: 'service ann-ecs-app-alb to run 3 tasks', ms: 1200, polls: 4, lastState: 'running 3', ok: true, transient: 2, backoffMs: 300, transientBy: { ThrottlingException: 2 } },
      { what: `the tasks to be healthy ${EVIL}`, ms: 30_000, polls: 300, lastState: 'unhealthy (Target.Timeout)', ok: false },
    ],
    ...overrides,
  };
}

describe('report.html', () => {
  it('escapes every participant-controlled text', () => {
    const html = renderHtml(sampleReport({ nickname: `<img src=x onerror=alert(1)>` }));
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<img');
    expect(html).toContain('&#60;img src=x onerror=alert(1)&#62;');
    expect(html).toContain('&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62;&#38;&#39;');
    expect(html).not.toContain('\u001b[');
    expect(escapeHtml(`a"b'c<d>e&f`)).toBe('a&#34;b&#39;c&#60;d&#62;e&#38;f');
  });

  it('is self-contained: no http(s):// reference anywhere, no external script, style or font', () => {
    const html = renderHtml(sampleReport());
    expect(html).not.toMatch(/https?:\/\//i);
    expect(html).not.toMatch(/<script|<link|<img|<iframe|@import|url\(/i);
    // the URL in the evidence still reads the same in a browser
    expect(html).toContain('http&#58;//ann-ecs-alb-1.us-east-1.elb.amazonaws.com/');
  });

  it('has a table per step with every check, the message to act on, and the skip reason', () => {
    const html = renderHtml(sampleReport());
    const sections = html.match(/<section class="step" id="step-[^"]+">/g) ?? [];
    expect(sections).toEqual(['<section class="step" id="step-01-target-group">', '<section class="step" id="step-04-distribution">', '<section class="step" id="step-06-lockdown">']);
    expect(html.match(/<table class="checks">/g)).toHaveLength(3);
    expect(html).toContain('<tr class="failed">');
    expect(html).toContain('target group ann-ecs-tg: interval: expected 30 to be 6');
    expect(html).toContain('skipped: LocalStack does not enforce security groups on traffic');
    expect(html).toMatch(/<code>port<\/code> 8080/);
    expect(html).toContain('✓ 2 passed');
    expect(html).toContain('✗ 2 failed');
    expect(html).toContain('– 1 skipped');
    for (const fact of ['sim', 'verify', 'us-east-1', '2026-11-28T06:52:17.986Z', '65.7 s']) expect(html).toContain(fact);
  });

  it('lists the failed checks first, each linking to its row', () => {
    const html = renderHtml(sampleReport());
    expect(html).toMatch(/<section class="to-fix">.*href="#check-target-group\.interval".*href="#check-lockdown\.rules-only-from-alb"/s);
    expect(html).toContain('<tr class="failed" id="check-target-group.interval">');
    const allPassed = sampleReport({ checks: sampleReport().checks.filter((c) => c.status === 'passed') });
    expect(renderHtml(allPassed)).not.toContain('class="to-fix"');
  });

  it('draws one bar per task with its count and the even-share line', () => {
    const html = renderHtml(sampleReport());
    const bars = [...html.matchAll(/<rect class="bar( zero)?" data-task="([0-9a-f]+)"/g)].map((m) => m[2]);
    expect(bars).toEqual(['43e753a8a1a52240fd94bb51d19908aa', 'be602d165f503818e0a98c1d0aaed749', '56ffa2acc5c06efaf39eeb2b21aafe92']);
    expect(html).toContain('class="count">34</text>');
    expect(html).toContain('class="count">0</text>');
    expect(html).toMatch(/<line class="even"/);
    expect(html).toContain('even share 21.7');
    expect(html).not.toContain('no distribution measured');
  });

  it('says so when no distribution was measured', () => {
    const html = renderHtml(sampleReport({ distribution: undefined }));
    expect(html).toContain('no distribution measured');
    expect(html).not.toContain('class="bar');
  });

  it('shows the waits as a timeline and a table, a failed wait marked with its last state', () => {
    const html = renderHtml(sampleReport());
    expect(html.match(/<rect class="wait (ok|failed)"/g)).toEqual(['<rect class="wait ok"', '<rect class="wait failed"']);
    expect(html).toContain('30000 ms ✗');
    expect(html).toContain('unhealthy (Target.Timeout)');
    // throttled polls are "asked again later", with the backoff they cost
    expect(html).toContain('<td>2 × ThrottlingException; 300 ms backoff</td>');
    expect(renderHtml(sampleReport({ waits: [] }))).toContain('no waits recorded');
  });

  it('writes report.html into the folder', () => {
    const dir = mkdtempSync(join(tmpdir(), 'report-html-'));
    renderHtmlReport(dir, sampleReport());
    expect(readFileSync(join(dir, 'report.html'), 'utf8')).toMatch(/^<!doctype html>/);
  });
});
