/**
 * Grading, the whole flow: one simulator holding three participants' work — ann right, bob
 * with the instances' group still open to the world, cyd right under names of their own —
 * graded read-only from a roster by `ecs-alb-e2e grade` in a child process, as a grader runs it.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { AuthorizeSecurityGroupIngressCommand, DescribeSecurityGroupsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../helpers/report/report.js';
import { splitCsvLine } from '../../helpers/grade/roster.js';
import { startSim, type RunningSim } from '../../sim/index.js';
import { notPassing, runSuiteChild } from '../support/run-suite.js';

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
  const child = spawn(process.execPath, [tsxCli, join(root, 'cli', 'main.ts'), 'grade', ...args], { cwd: root, env: { ...env, NODE_NO_WARNINGS: '1' }, stdio: ['ignore', 'ignore', 'pipe'] });
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
    sim = await startSim({ nicknames: ['ann', 'bob', 'cyd'], timeScale: TIME_SCALE });
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
  }, 900_000);

  afterAll(async () => {
    await sim?.close();
  });

  it('writes summary.csv, summary.html and every participant\'s reports; bob fails the lockdown', async () => {
    const out = join(work, 'grades');
    const roster = join(work, 'roster.csv');
    // line 5 is malformed: it is listed in the summary, and the three others are still graded
    writeFileSync(roster, ['nickname,region', 'ann,us-east-1', 'bob,us-east-1', 'cyd,us-east-1', '"dan,us-east-1', ''].join('\n'));
    const graded = await gradeChild(['--roster', roster, '--out', out, '--target', 'sim', '--endpoint', sim.endpoint, '--time-scale', String(TIME_SCALE), '--concurrency', '2']);
    expect(graded.stderr).toMatch(/roster line 5: a quoted field is not closed on this line/);
    expect(graded.exitCode, graded.stderr).toBe(1); // 1: a roster row could not be graded

    const summary = parseCsv(readFileSync(join(out, 'summary.csv'), 'utf8'));
    expect(Object.keys(summary[0]!)).toEqual(['nickname', 'passed', 'failed', 'skipped', 'score', 'error']);
    const row = (nick: string) => summary.find((r) => r.nickname === nick)!;
    const why = (nick: string) => (existsSync(join(out, nick, 'report.json')) ? notPassingOf(readReport(out, nick)) : graded.stderr);
    expect(row('ann').failed, why('ann')).toBe('0');
    expect(row('cyd').failed, why('cyd')).toBe('0');
    expect(Number(row('bob').failed)).toBeGreaterThan(0);
    expect(row('ann').score).toBe('1.000');
    expect(Number(row('bob').score)).toBeLessThan(1);
    expect(summary.map((r) => r.nickname)).toEqual(['ann', 'bob', 'cyd', '']);
    expect(summary[3]!.error).toBe('roster line 5: a quoted field is not closed on this line');

    const bob = readReport(out, 'bob');
    const bobFailed = bob.checks.filter((c) => c.status === 'failed').map((c) => c.id);
    expect(bobFailed).toEqual(expect.arrayContaining(['lockdown.rules-only-from-alb', 'lockdown.direct-access-blocked']));
    for (const nick of ['ann', 'bob', 'cyd']) {
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
  }, 600_000);
});

function notPassingOf(report: Report): string {
  return report.checks
    .filter((c) => c.status === 'failed')
    .map((c) => `${c.id}: ${(c.reason ?? '').split('\n')[0]}`)
    .join('\n');
}
