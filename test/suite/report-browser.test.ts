/**
 * report.html as a participant sees it: opened from disk in headless Chromium (Debian's
 * `chromium`), with the chart and the step tables on screen and no request leaving the page.
 * Screenshots go to reports/ for people to look at.
 */
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeSummaries } from '../../helpers/grade/summary.js';
import { renderHtmlReport } from '../../helpers/report/html.js';
import type { CheckResult, Report } from '../../helpers/report/report.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`report-browser: skipped — no Chromium at ${CHROMIUM} (apt-get install -y --no-install-recommends chromium)`);

const root = resolve(import.meta.dirname, '..', '..');
const screenshots = join(root, 'reports');

const passed = (spec: string, id: string, title: string, evidence: Record<string, unknown>): CheckResult => ({ id, spec, title, status: 'passed', evidence });

/** A verify run of a participant who left the instances' group open: the shape a real run reports. */
function participantReport(): Report {
  const tasks = ['43e753a8a1a52240fd94bb51d19908aa', 'be602d165f503818e0a98c1d0aaed749', '56ffa2acc5c06efaf39eeb2b21aafe92'];
  return {
    target: 'aws',
    mode: 'verify',
    nickname: 'bob<&>',
    region: 'eu-west-1',
    startedAt: '2026-11-28T06:52:17.986Z',
    durationMs: 84_210,
    checks: [
      passed('00-preflight', 'preflight.cluster', 'the cluster and its container instances are found', { cluster: 'bob_ecs_cluster', containerInstances: 3 }),
      passed('01-target-group', 'target-group.found', 'the target group exists', { name: 'bob-ecs-tg', foundBy: 'name bob-ecs-tg' }),
      passed('01-target-group', 'target-group.port', 'port is 8080', { port: 8080 }),
      passed('02-load-balancer', 'load-balancer.found', 'the load balancer exists', { name: 'bob-ecs-alb', dnsName: 'bob-ecs-alb-1.eu-west-1.elb.amazonaws.com' }),
      passed('03-service', 'service.tasks', 'desired 3 = running 3, one deployment', { desiredCount: 3, runningCount: 3, deployments: 1 }),
      passed('04-distribution', 'distribution.all-tasks', 'all 3 tasks answer', { tasks }),
      passed('05-old-service', 'old-service.deleted', 'it is deleted (INACTIVE or gone)', { status: 'INACTIVE' }),
      {
        id: 'lockdown.rules-only-from-alb',
        spec: '06-lockdown',
        title: "the instances' group admits only TCP 0–65535 from the ALB's group",
        status: 'failed',
        reason: 'security group sg-0a1 (bob-ecs-instances-sg) of the instances: inbound tcp 0-65535 from 0.0.0.0/0 admits the whole internet; remove it and keep only tcp 0-65535 from sg-0b2 (the ALB\'s group)',
      },
      { id: 'lockdown.direct-access-blocked', spec: '06-lockdown', title: "a task's direct address gives no answer", status: 'failed', reason: 'task 43e753a8a1a5 at 10.0.1.17:32768 answered directly: Hello from 43e753a8a1a5!' },
      { id: 'lockdown.ipv6', spec: '06-lockdown', title: 'IPv6 paths are closed too', status: 'skipped', reason: 'the instances have no IPv6 address' },
    ],
    distribution: { [tasks[0]!]: 34, [tasks[1]!]: 33, [tasks[2]!]: 29 },
    apiCalls: [{ service: 'ecs', action: 'DescribeServices', ms: 41 }],
    waits: [
      { what: 'load balancer bob-ecs-alb to be active', ms: 310, polls: 1, lastState: 'active', ok: true },
      { what: 'the tasks of bob-ecs-app-alb to be the healthy targets of bob-ecs-tg', ms: 6_400, polls: 7, lastState: '3 healthy', ok: true },
      { what: 'a direct probe of 10.0.1.17:32768 to get no answer', ms: 5_000, polls: 1, lastState: 'answered 200', ok: false },
    ],
  };
}

describe.skipIf(!hasChromium)('report.html in headless Chromium', () => {
  let browser: import('playwright-core').Browser;
  let dir: string;

  beforeAll(async () => {
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    dir = mkdtempSync(join(tmpdir(), 'report-browser-'));
    mkdirSync(screenshots, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('shows the step tables and the chart, and fetches nothing', async () => {
    renderHtmlReport(dir, participantReport());
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(pathToFileURL(join(dir, 'report.html')).href);

    await expect.poll(() => page.locator('h1').innerText()).toContain('bob<&>');
    const tables = page.locator('table.checks');
    expect(await tables.count()).toBe(7);
    for (const i of [0, 6]) expect(await tables.nth(i).isVisible()).toBe(true);
    const failedRow = page.locator('tr.failed', { hasText: 'lockdown.rules-only-from-alb' });
    expect(await failedRow.isVisible()).toBe(true);
    expect(await failedRow.innerText()).toContain('admits the whole internet');
    expect(await page.locator('tr.skipped').innerText()).toContain('skipped: the instances have no IPv6 address');

    const chart = page.locator('svg.distribution');
    expect(await chart.isVisible()).toBe(true);
    const bars = chart.locator('rect.bar');
    expect(await bars.count()).toBe(3);
    const heights = await bars.evaluateAll((els) => els.map((e) => e.getBoundingClientRect().height));
    for (const h of heights) expect(h).toBeGreaterThan(20);
    // 34 answers stand taller than 29
    expect(heights[0]).toBeGreaterThan(heights[2]!);
    // a horizontal line has no height, so Playwright never calls it visible: measure its width
    expect((await chart.locator('line.even').boundingBox())?.width).toBeGreaterThan(100);
    expect(await page.locator('svg.waits rect.wait.failed').isVisible()).toBe(true);

    expect(requests.filter((u) => !u.startsWith('file:'))).toEqual([]);
    await page.screenshot({ path: join(screenshots, 'report-html.png'), fullPage: true });
    await page.close();
  });

  it('a hostile participant\'s strings stay text in report.html and summary.html; the summary sorts and shows the class per step', async () => {
    const payloads = ['<script>window.__pwned = 1</script>', '<img src=x onerror="window.__pwned = 2">', '"><svg onload="window.__pwned = 3">', "'><iframe src=javascript:window.__pwned=4>"];
    const evil = payloads.join(' ');
    const hostile: Report = {
      ...participantReport(),
      nickname: 'eve',
      checks: participantReport().checks.map((c, i) => ({
        ...c,
        title: `${c.title} ${payloads[i % payloads.length]}`,
        ...(c.status === 'failed' ? { reason: `answered: ${evil}`, hint: `Module 04, step 4 — ${evil}` } : { evidence: { bodySnippet: evil, name: payloads[1] } }),
      })),
      distribution: { [evil]: 3, '<b>x</b>': 2 },
      waits: [{ what: evil, ms: 5, polls: 1, lastState: payloads[0]!, ok: false }],
    };
    const hostileDir = mkdtempSync(join(tmpdir(), 'report-hostile-'));
    mkdirSync(join(hostileDir, 'eve'));
    renderHtmlReport(join(hostileDir, 'eve'), hostile);
    const ann: Report = { ...participantReport(), nickname: 'ann', checks: participantReport().checks.map((c) => ({ ...c, status: 'passed' as const })) };
    writeSummaries(hostileDir, [
      { line: 2, nickname: 'eve', state: 'graded', report: hostile, points: 3, maxPoints: 10, nextStep: `Module 04 ${evil}`, error: evil },
      { line: 3, nickname: 'ann', state: 'graded', report: ann, points: 10, maxPoints: 10, nextStep: '' },
      { line: 4, nickname: 'zed', state: 'error', error: `could not assume: ${evil}` },
    ], { target: 'aws', roster: evil, startedAt: evil, durationMs: 1 });

    for (const file of [join(hostileDir, 'eve', 'report.html'), join(hostileDir, 'summary.html')]) {
      const page = await browser.newPage();
      const dialogs: string[] = [];
      const requests: string[] = [];
      page.on('dialog', (d) => {
        dialogs.push(d.message());
        void d.dismiss();
      });
      page.on('request', (r) => requests.push(r.url()));
      await page.goto(pathToFileURL(file).href);
      await page.waitForTimeout(200);
      expect(await page.evaluate(() => (globalThis as unknown as { __pwned?: number }).__pwned), file).toBeUndefined();
      expect(await page.locator('body script:not(:last-child), body img, body iframe, main svg[onload], body svg[onload]').count(), file).toBe(0);
      // the payloads are on the page as text, to be read
      expect(await page.locator('body').innerText(), file).toContain('<script>window.__pwned = 1</script>');
      expect(dialogs).toEqual([]);
      expect(requests.filter((u) => u !== pathToFileURL(file).href)).toEqual([]);
      await page.close();
    }

    const page = await browser.newPage({ viewport: { width: 1400, height: 600 } });
    await page.goto(pathToFileURL(join(hostileDir, 'summary.html')).href);
    const names = () => page.locator('table.summary tbody td.nickname').evaluateAll((tds) => tds.map((td) => (td.textContent ?? '').slice(0, 3)));
    expect(await names()).toEqual(['eve', 'ann', 'zed']);
    await page.locator('table.summary thead th', { hasText: /^score$/ }).click();
    expect(await names()).toEqual(['zed', 'eve', 'ann']);
    await page.locator('table.summary thead th', { hasText: /^score/ }).click();
    expect(await names()).toEqual(['ann', 'eve', 'zed']);
    await page.locator('table.summary thead th', { hasText: /^participant/ }).click();
    expect(await names()).toEqual(['ann', 'eve', 'zed']);
    // where the class is stuck: 06-lockdown passed by ann only, of the 2 graded
    const lockdown = page.locator('tfoot td.class-step').last();
    expect(await lockdown.innerText()).toBe('1 of 2 (50 %)');
    expect(await page.locator('a[href="eve/report.html"]').count()).toBeGreaterThan(0);
    await page.screenshot({ path: join(screenshots, 'summary-hostile.png'), fullPage: true });
    await page.close();
  });

  it('summary.html shows one row per participant with a column per step', async () => {
    const ann: Report = { ...participantReport(), nickname: 'ann', checks: participantReport().checks.map((c) => ({ ...c, status: 'passed' as const })) };
    writeSummaries(dir, [
      { line: 2, nickname: 'ann', state: 'graded', report: ann },
      { line: 3, nickname: 'bob', state: 'graded', report: participantReport() },
      { line: 4, nickname: 'cyd', state: 'error', error: 'could not assume arn:aws:iam::111111111111:role/grader: AccessDenied' },
    ], { target: 'aws', roster: 'roster.csv', startedAt: '2026-11-28T07:00:00.000Z', durationMs: 200_000 });
    const page = await browser.newPage({ viewport: { width: 1400, height: 500 } });
    await page.goto(pathToFileURL(join(dir, 'summary.html')).href);
    const rows = page.locator('table.summary tbody tr');
    expect(await rows.count()).toBe(3);
    expect(await page.locator('table.summary thead th').count()).toBe(9 + 7);
    expect(await rows.nth(1).locator('td.step.failed').innerText()).toContain('✗2');
    expect(await rows.nth(2).innerText()).toContain('not graded: could not assume');
    await page.screenshot({ path: join(screenshots, 'summary-html.png'), fullPage: true });
    await page.close();
  });
});
