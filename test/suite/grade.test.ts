/**
 * Grading, the whole flow: one simulator holding five participants' work — ann right, bob
 * with the instances' group still open to the world, cyd right under names of their own, nil
 * with nothing built, eve hostile (her tasks answer a 256 MiB page of script payloads, a
 * redirect, a trickle) — graded read-only from a roster by `ecs-alb-e2e grade` in a child
 * process, as a grader runs it, with planted credentials that must appear in no output.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { AuthorizeSecurityGroupIngressCommand, DescribeSecurityGroupsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { ListTasksCommand } from '@aws-sdk/client-ecs';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../helpers/report/report.js';
import { splitCsvLine } from '../../helpers/grade/roster.js';
import { startSim, type RunningSim } from '../../sim/index.js';
import { notPassing, runSuiteChild } from '../support/run-suite.js';
import { buildModule04 } from '../support/participant.js';

const CHROMIUM = '/usr/bin/chromium';
// planted in the grader's environment: no output may contain them
const PLANTED = { AWS_ACCESS_KEY_ID: 'AKIAPLANTEDGRADER777', AWS_SECRET_ACCESS_KEY: 'planted/grader+secret/0123456789abcdefXYZ', AWS_SESSION_TOKEN: 'plantedGraderSessionToken0123456789' };
const PAYLOAD = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2"> ';

const root = resolve(import.meta.dirname, '..', '..');
const tsxCli = join(dirname(createRequire(import.meta.url).resolve('tsx/package.json')), 'dist', 'cli.mjs');
const TIME_SCALE = 0.05;
const policy = JSON.parse(readFileSync(join(root, 'fixtures', 'iam', 'grader-readonly.json'), 'utf8')) as { Statement: Array<{ Action: string[] }> };
const allowedActions = new Set(policy.Statement.flatMap((s) => s.Action));

let sim: RunningSim;
let work: string;

async function provision(nickname: string, names: Record<string, string> = {}) {
  const run = await runSuiteChild(
    { E2E_ENDPOINT: sim.endpoint, E2E_NICKNAME: nickname, E2E_MODE: 'provision', E2E_KEEP: '1', E2E_SIM_TIME_SCALE: String(TIME_SCALE), E2E_REPORT_DIR: join(work, `provision-${nickname}`), ...names },
    { timeoutMs: 280_000 },
  );
  expect(run.report?.checks.filter((c) => c.status === 'failed') ?? [], `provisioning ${nickname}:\n${notPassing(run)}`).toEqual([]);
  return run;
}

function gradeChild(args: string[]): Promise<{ exitCode: number | null; stderr: string }> {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('E2E_') && !k.startsWith('VITEST')) env[k] = v;
  const child = spawn(process.execPath, [tsxCli, join(root, 'cli', 'main.ts'), 'grade', ...args], { cwd: root, env: { ...env, ...PLANTED, NODE_NO_WARNINGS: '1' }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  return new Promise((r) => child.on('close', (exitCode) => r({ exitCode, stderr })));
}

function parseCsv(text: string): Array<Record<string, string>> {
  const [header, ...rows] = text.trim().split('\n').map(splitCsvLine);
  return rows.map((fields) => Object.fromEntries(header!.map((c, i) => [c, fields[i] ?? ''])));
}

const readReport = (out: string, nickname: string) => JSON.parse(readFileSync(join(out, nickname, 'report.json'), 'utf8')) as Report;

describe('grade a roster on one simulator', () => {
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'grade-'));
    sim = await startSim({ nicknames: ['ann', 'bob', 'cyd', 'nil', 'eve'], timeScale: TIME_SCALE });
    await provision('ann');
    const bob = await provision('bob');
    // bob's mistake: the instances' group is opened to the world again after the lockdown
    const ec2 = new EC2Client({ endpoint: sim.endpoint, region: sim.region, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    let groupId = bob.report?.checks.find((c) => c.id === 'preflight.instance-security-group')?.evidence?.groupId as string | undefined;
    if (!groupId) {
      const found = await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-name', Values: ['bob-ecs-instances-sg'] }] }));
      groupId = found.SecurityGroups?.[0]?.GroupId;
    }
    expect(groupId, "bob's instance security group").toBeTruthy();
    await ec2.send(
      new AuthorizeSecurityGroupIngressCommand({ GroupId: groupId, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 0, ToPort: 65535, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }] }),
    );
    ec2.destroy();
    await provision('cyd', {
      E2E_NAME_TARGET_GROUP: 'cyd-tg',
      E2E_NAME_LOAD_BALANCER: 'cyd-lb',
      E2E_NAME_ALB_SECURITY_GROUP: 'cyd-lb-sg',
      E2E_NAME_SERVICE: 'cyd-web',
    });
    // eve builds Module 04 right, then her app turns hostile: one task per kind of answer
    const eve = await buildModule04(sim.endpoint, 'eve');
    const arns = (await eve.ecs.send(new ListTasksCommand({ cluster: eve.names.cluster, serviceName: eve.names.service }))).taskArns ?? [];
    expect(arns).toHaveLength(3);
    const answers = [
      { status: 200, body: PAYLOAD, bodyBytes: 256 * 1024 * 1024 },
      { status: 302, body: PAYLOAD, headers: { Location: 'http://127.0.0.1:9/' } },
      { status: 200, body: PAYLOAD, bodyBytes: 10_000_000, bytesPerSecond: 200 },
    ];
    for (const [i, taskArn] of arns.entries()) {
      const r = await fetch(`${sim.endpoint}/_sim/faults`, { method: 'POST', body: JSON.stringify({ taskArn, answer: answers[i] }) });
      expect(r.status, await r.text()).toBe(200);
    }
  }, 900_000);

  afterAll(async () => {
    await sim?.close();
  });

  it('writes summary.csv, summary.html and every participant\'s reports; bob fails the lockdown', async () => {
    const out = join(work, 'grades');
    const roster = join(work, 'roster.csv');
    // line 5 is malformed: it is listed in the summary, and the three others are still graded
    writeFileSync(roster, ['nickname,region', 'ann,us-east-1', 'bob,us-east-1', 'cyd,us-east-1', '"dan,us-east-1', 'nil,us-east-1', 'eve,us-east-1', ''].join('\n'));
    const args = ['--roster', roster, '--out', out, '--target', 'sim', '--endpoint', sim.endpoint, '--time-scale', String(TIME_SCALE), '--concurrency', '2', '--timeout', '150'];
    const t0 = Date.now();
    const graded = await gradeChild(args);
    const gradingMs = Date.now() - t0;
    expect(graded.stderr).toMatch(/roster line 5: a quoted field is not closed on this line/);
    expect(graded.exitCode, graded.stderr).toBe(1); // 1: a roster row could not be graded

    const summary = parseCsv(readFileSync(join(out, 'summary.csv'), 'utf8'));
    expect(Object.keys(summary[0]!)).toEqual(['nickname', 'passed', 'failed', 'skipped', 'score', 'error', 'state', 'points', 'max_points', 'next_step']);
    const row = (nick: string) => summary.find((r) => r.nickname === nick)!;
    const why = (nick: string) => (existsSync(join(out, nick, 'report.json')) ? notPassingOf(readReport(out, nick)) : graded.stderr);
    expect(row('ann').failed, why('ann')).toBe('0');
    expect(row('cyd').failed, why('cyd')).toBe('0');
    expect(Number(row('bob').failed)).toBeGreaterThan(0);
    expect(row('ann').score).toBe('1.000');
    expect(Number(row('bob').score)).toBeLessThan(1);
    expect(summary.map((r) => r.nickname)).toEqual(['ann', 'bob', 'cyd', '', 'nil', 'eve']);
    expect(summary[3]!.error).toBe('roster line 5: a quoted field is not closed on this line');
    expect(summary[3]!.state).toBe('error');

    // states, points and next steps
    const weights = JSON.parse(readFileSync(join(root, 'fixtures', 'weights.json'), 'utf8')) as Record<string, number>;
    const modeSkipped = readReport(out, 'ann').checks.filter((c) => c.skipKind === 'mode').map((c) => c.id);
    expect(modeSkipped.sort()).toEqual(['lockdown.direct-reachable-before', 'old-service.no-errors-during-drain', 'preflight.old-service']);
    const possible = Object.entries(weights).filter(([id]) => !modeSkipped.includes(id)).reduce((n, [, w]) => n + w, 0);
    for (const nick of ['ann', 'cyd']) expect(row(nick), nick).toMatchObject({ state: 'graded', points: String(possible), max_points: String(possible), score: '1.000', next_step: '' });
    expect(row('bob')).toMatchObject({ state: 'graded', max_points: String(possible) });
    expect(Number(row('bob').points)).toBe(possible - weights['lockdown.rules-only-from-alb']! - weights['lockdown.direct-access-blocked']!);
    expect(row('bob').next_step).toMatch(/^Module 04, step 4 — security group: remove every inbound rule of the instances' group and add All TCP from the ALB's group/);
    expect(row('nil')).toMatchObject({ state: 'graded', points: '0', max_points: String(possible), score: '0.000', error: '' });
    expect(row('nil').next_step).toMatch(/^Module 04, step 1 — target group: create the target group nil-ecs-tg/);
    const nil = readReport(out, 'nil');
    expect(nil.checks.find((c) => c.id === 'target-group.port')).toMatchObject({ status: 'skipped', skipKind: 'dependency', points: { earned: 0, possible: weights['target-group.port'] } });
    expect(nil.checks.find((c) => c.id === 'target-group.found')?.hint).toMatch(/^Module 04, step 1 — target group/);
    expect(readFileSync(join(out, 'nil', 'report.md'), 'utf8')).toContain('Module 04, step 1 — target group: create the target group nil-ecs-tg');
    expect(readFileSync(join(out, 'nil', 'report.html'), 'utf8')).toContain('Module 04, step 1 — target group: create the target group nil-ecs-tg');

    // eve: graded like anyone, her answers bounded — her run never waited for 256 MiB or the trickle
    const eve = readReport(out, 'eve');
    expect(row('eve').state, graded.stderr).toBe('graded');
    expect(Number(row('eve').points)).toBeLessThan(possible);
    expect(eve.checks.filter((c) => c.status === 'failed').map((c) => c.id)).toEqual(expect.arrayContaining(['service.targets-healthy', 'distribution.all-ok']));
    expect(eve.durationMs).toBeLessThan(150_000);
    for (const f of readdirSync(join(out, 'eve'))) expect(statSync(join(out, 'eve', f)).size, `eve/${f}`).toBeLessThan(2 * 1024 * 1024);
    expect(gradingMs).toBeLessThan(300_000);

    // no planted credential in any output: reports, logs, summaries, progress lines
    const outputs = [graded.stderr];
    const walk = (d: string): void => {
      for (const f of readdirSync(d)) statSync(join(d, f)).isDirectory() ? walk(join(d, f)) : outputs.push(readFileSync(join(d, f), 'utf8'));
    };
    walk(out);
    for (const secret of Object.values(PLANTED)) expect(outputs.some((o) => o.includes(secret)), secret).toBe(false);

    // --resume grades nobody twice: everyone finished is kept; a participant without a finished grading is graded
    const annMtime = statSync(join(out, 'ann', 'report.json')).mtimeMs;
    rmSync(join(out, 'nil', 'grade.json'));
    const resumed = await gradeChild([...args, '--resume']);
    expect(resumed.stderr).toMatch(/grading 1 participant, 2 at a time; 4 kept from the earlier grading/);
    expect(resumed.stderr).toMatch(/^nil: graded/m);
    expect(resumed.stderr).not.toMatch(/^(ann|bob|cyd|eve): /m);
    expect(statSync(join(out, 'ann', 'report.json')).mtimeMs).toBe(annMtime);
    expect(parseCsv(readFileSync(join(out, 'summary.csv'), 'utf8')).map((r) => `${r.nickname}:${r.state}`)).toEqual(['ann:graded', 'bob:graded', 'cyd:graded', ':error', 'nil:graded', 'eve:graded']);
    const again = await gradeChild([...args, '--resume']);
    expect(again.stderr).toMatch(/grading 0 participants/);

    // the hostile one is inert in the HTML, opened in Chromium
    if (existsSync(CHROMIUM)) {
      const { chromium } = await import('playwright-core');
      const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
      try {
        for (const file of [join(out, 'summary.html'), join(out, 'eve', 'report.html')]) {
          const page = await browser.newPage();
          const dialogs: string[] = [];
          page.on('dialog', (d) => (dialogs.push(d.message()), void d.dismiss()));
          await page.goto(pathToFileURL(file).href);
          await page.waitForTimeout(200);
          expect(await page.evaluate(() => (globalThis as unknown as { __pwned?: number }).__pwned), file).toBeUndefined();
          expect(dialogs, file).toEqual([]);
          await page.close();
        }
        const page = await browser.newPage();
        await page.goto(pathToFileURL(join(out, 'eve', 'report.html')).href);
        expect(await page.locator('body').innerText()).toContain('<script>window.__pwned=1</script>');
        await page.close();
      } finally {
        await browser.close();
      }
    } else {
      console.warn(`grade: the Chromium part skipped — no Chromium at ${CHROMIUM}`);
    }

    const bob = readReport(out, 'bob');
    const bobFailed = bob.checks.filter((c) => c.status === 'failed').map((c) => c.id);
    expect(bobFailed).toEqual(expect.arrayContaining(['lockdown.rules-only-from-alb', 'lockdown.direct-access-blocked']));
    for (const nick of ['ann', 'bob', 'cyd', 'nil', 'eve']) {
      for (const file of ['report.json', 'report.md', 'report.html', 'junit.xml']) expect(existsSync(join(out, nick, file)), `${nick}/${file}`).toBe(true);
      const report = readReport(out, nick);
      expect(report.mode).toBe('verify');
      expect(report.nickname).toBe(nick);
      // the grader's read-only role must allow everything a verify run calls
      const calls = new Set(report.apiCalls.map((c) => `${c.service}:${c.action}`));
      expect([...calls].filter((a) => !allowedActions.has(a)), `${nick}: calls outside fixtures/iam/grader-readonly.json`).toEqual([]);
    }

    // cyd's resources carry cyd's own names: grading found them by the links
    const cyd = readReport(out, 'cyd');
    const found = (id: string) => cyd.checks.find((c) => c.id === id)?.evidence ?? {};
    expect(found('load-balancer.found').name).toBe('cyd-lb');
    expect(found('target-group.found').name).toBe('cyd-tg');
    expect(found('service.found').name).toBe('cyd-web');

    const html = readFileSync(join(out, 'summary.html'), 'utf8');
    for (const nick of ['ann', 'bob', 'cyd']) expect(html).toContain(`href="${nick}/report.html"`);
    expect(html).toContain('06-lockdown');
    expect(html).toContain('not graded: roster line 5');
  }, 800_000);
});

function notPassingOf(report: Report): string {
  return report.checks
    .filter((c) => c.status === 'failed')
    .map((c) => `${c.id}: ${(c.reason ?? '').split('\n')[0]}`)
    .join('\n');
}
