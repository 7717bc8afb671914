/**
 * grade with its two outside effects injected — STS AssumeRole and the child run — so the
 * per-participant credentials, the environment a run gets, missing reports, shards and the
 * concurrency bound are checked without a cloud. The real flow is test/suite/grade.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkGradeOptions, GradeInputError } from '../../cli/grade.js';
import { childEnv, grade, type AssumeRoleRequest, type ChildRun, type GradeDeps, type GradeOptions } from '../../helpers/grade/runner.js';
import { judge } from '../../helpers/grade/outcome.js';
import { renderSummaryCsv } from '../../helpers/grade/summary.js';
import type { CheckResult, Report } from '../../helpers/report/report.js';

const check = (id: string, status: CheckResult['status']): CheckResult => ({ id, spec: id.split('.')[0]!, title: id, status, ...(status === 'passed' ? {} : { reason: `${id} ${status}` }) });

function reportFor(nickname: string, checks: CheckResult[]): Report {
  return { target: 'aws', mode: 'verify', nickname, region: 'us-east-1', startedAt: new Date(0).toISOString(), durationMs: 1, checks, apiCalls: [] };
}

function setup(rosterLines: string[], over: Partial<GradeOptions> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'grade-unit-'));
  const roster = join(dir, 'roster.csv');
  writeFileSync(roster, rosterLines.join('\n'));
  const options: GradeOptions = { roster, out: join(dir, 'out'), target: 'aws', concurrency: 4, timeoutMs: 60_000, weights: { 'a.one': 1, 'b.two': 1 }, ...over };
  return { dir, options };
}

interface Fake extends GradeDeps {
  roles: AssumeRoleRequest[];
  runs: ChildRun[];
  lines: string[];
  peak: number;
}

/** A child that writes a report (unless told not to) after a short while, counting how many run at once. */
function fakeDeps(behaviour: { checks?: (nick: string) => CheckResult[] | undefined; assumeFails?: string } = {}): Fake {
  let active = 0;
  const fake: Fake = {
    roles: [],
    runs: [],
    lines: [],
    peak: 0,
    async assumeRole(req) {
      fake.roles.push(req);
      if (behaviour.assumeFails) throw Object.assign(new Error(behaviour.assumeFails), { name: 'AccessDenied' });
      return { accessKeyId: `AKIA-${req.sessionName}`, secretAccessKey: 'secret', sessionToken: 'token' };
    },
    async runChild(run) {
      fake.runs.push(run);
      active++;
      fake.peak = Math.max(fake.peak, active);
      await new Promise((r) => setTimeout(r, 15));
      active--;
      const nick = run.env.E2E_NICKNAME!;
      const checks = behaviour.checks ? behaviour.checks(nick) : [check('a.one', 'passed'), check('b.two', 'passed')];
      if (!checks) return { exitCode: 2, timedOut: false, lastErrorLine: 'E2E_REGION: nope' };
      writeFileSync(join(run.env.E2E_REPORT_DIR!, 'report.json'), JSON.stringify(reportFor(nick, checks)));
      return { exitCode: 0, timedOut: false };
    },
    log: (line) => fake.lines.push(line),
  };
  return fake;
}

const csvRows = (out: string) => readFileSync(join(out, 'summary.csv'), 'utf8').trim().split('\n');

describe('grade (injected STS and child runs)', () => {
  it('assumes each participant\'s role with its external id and hands only those credentials to the run', async () => {
    const { options } = setup([
      'nickname,region,role_arn,external_id,profile',
      'ann,eu-west-1,arn:aws:iam::111111111111:role/grader,ext-ann,',
      'bob,us-east-1,,,bob-profile',
      'cyd,us-east-1,,,',
    ]);
    const deps = fakeDeps();
    const { exitCode } = await grade(options, deps);
    expect(exitCode).toBe(0);
    expect(deps.roles).toEqual([{ roleArn: 'arn:aws:iam::111111111111:role/grader', externalId: 'ext-ann', region: 'eu-west-1', sessionName: 'ecs-alb-e2e-grade-ann' }]);
    const env = (nick: string) => deps.runs.find((r) => r.env.E2E_NICKNAME === nick)!.env;
    expect(env('ann')).toMatchObject({
      E2E_TARGET: 'aws',
      E2E_MODE: 'verify',
      E2E_REGION: 'eu-west-1',
      E2E_REPORT_DIR: resolve(options.out, '.grading-ann'),
      AWS_ACCESS_KEY_ID: 'AKIA-ecs-alb-e2e-grade-ann',
      AWS_SECRET_ACCESS_KEY: 'secret',
      AWS_SESSION_TOKEN: 'token',
    });
    expect(env('ann').AWS_PROFILE).toBeUndefined();
    expect(env('bob').AWS_PROFILE).toBe('bob-profile');
    expect(env('bob').AWS_ACCESS_KEY_ID).toBeUndefined();
    expect(env('ann').E2E_ENDPOINT).toBeUndefined();
    expect(deps.runs.map((r) => r.logFile)).toEqual(expect.arrayContaining([join(resolve(options.out, '.grading-cyd'), 'run.log')]));
    // each participant's work directory became DIR/<nickname>/ when it was done
    expect(existsSync(join(options.out, 'cyd', 'report.json'))).toBe(true);
    expect(existsSync(join(options.out, '.grading-cyd'))).toBe(false);
  });

  it('keeps the grader\'s own E2E_* settings and credentials out of a participant\'s run', () => {
    const { options } = setup(['nickname,region']);
    const base = { PATH: '/bin', E2E_NAME_SERVICE: 'graders-own', E2E_MODE: 'provision', E2E_KEEP: '1', E2E_ATTRIBUTION_PATTERN: 'x(\\w+)', VITEST_POOL_ID: '1', AWS_ACCESS_KEY_ID: 'GRADER', AWS_PROFILE: 'grader', GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: '/tmp/summary.md' };
    const env = childEnv({ line: 2, nickname: 'ann', region: 'us-east-1', profile: 'ann' }, options, '/tmp/x/ann', undefined, base);
    expect(env).toMatchObject({ PATH: '/bin', E2E_MODE: 'verify', E2E_ATTRIBUTION_PATTERN: 'x(\\w+)', AWS_PROFILE: 'ann', E2E_REPORT_DIR: '/tmp/x/ann' });
    for (const k of ['E2E_NAME_SERVICE', 'E2E_KEEP', 'VITEST_POOL_ID', 'AWS_ACCESS_KEY_ID', 'GITHUB_ACTIONS', 'GITHUB_STEP_SUMMARY']) expect(env[k], k).toBeUndefined();
    const sim = childEnv({ line: 2, nickname: 'ann', region: 'us-east-1' }, { ...options, target: 'sim', endpoint: 'http://127.0.0.1:4566', timeScale: 0.05 }, '/tmp/x/ann', undefined, base);
    expect(sim).toMatchObject({ E2E_TARGET: 'sim', E2E_ENDPOINT: 'http://127.0.0.1:4566', E2E_SIM_TIME_SCALE: '0.05', AWS_PROFILE: 'grader' });
  });

  it('lists a participant it could not grade with the reason, and never reads an earlier report', async () => {
    const { options } = setup([
      'nickname,region,role_arn,external_id',
      'ann,us-east-1,arn:aws:iam::111111111111:role/grader,ext-ann',
      'bob,us-east-1,,',
    ]);
    // a report from an earlier grading must not count for this one
    mkdirSync(join(options.out, 'bob'), { recursive: true });
    writeFileSync(join(options.out, 'bob', 'report.json'), JSON.stringify(reportFor('bob', [check('a.one', 'passed')])));
    const deps = fakeDeps({ assumeFails: 'not authorized to perform: sts:AssumeRole', checks: (nick) => (nick === 'bob' ? undefined : []) });
    const { exitCode, outcomes } = await grade(options, deps);
    expect(exitCode).toBe(1);
    expect(deps.runs.map((r) => r.env.E2E_NICKNAME)).toEqual(['bob']); // no run without the role
    const rows = csvRows(options.out);
    expect(rows[0]).toBe('nickname,passed,failed,skipped,score,error,state,points,max_points,next_step');
    expect(rows[1]).toBe('ann,,,,,could not assume arn:aws:iam::111111111111:role/grader: AccessDenied: not authorized to perform: sts:AssumeRole,error,,,');
    expect(rows[2]).toMatch(/^bob,,,,,"?no report\.json \(the run exited with code 2: E2E_REGION: nope\); see .*run\.log"?,error,,,$/);
    expect(existsSync(join(options.out, 'bob', 'report.json'))).toBe(false);
    expect(outcomes.every((o) => !o.report)).toBe(true);
    expect(deps.lines.join('\n')).toMatch(/ann: not graded \(error\) — could not assume/);
    const html = readFileSync(join(options.out, 'summary.html'), 'utf8');
    expect(html).toContain('not graded: could not assume');
  });

  it('grades the rest of the roster around malformed rows and lists them', async () => {
    const { options } = setup(['nickname,region', 'ann,us-east-1', 'b b,us-east-1', 'cyd,us-east-1', 'dan']);
    const deps = fakeDeps();
    const { exitCode } = await grade(options, deps);
    expect(exitCode).toBe(1);
    expect(deps.runs.map((r) => r.env.E2E_NICKNAME).sort()).toEqual(['ann', 'cyd']);
    expect(deps.lines).toEqual(expect.arrayContaining([expect.stringMatching(/^roster line 3: nickname: 'b b' is not allowed/), 'roster line 5: 1 fields, the header has 2 — not graded']));
    expect(csvRows(options.out)).toEqual([
      'nickname,passed,failed,skipped,score,error,state,points,max_points,next_step',
      'ann,2,0,0,1.000,,graded,2,2,',
      expect.stringMatching(/^b b,,,,,"roster line 3: nickname: 'b b' is not allowed.*",error,,,$/),
      'cyd,2,0,0,1.000,,graded,2,2,',
      'dan,,,,,"roster line 5: 1 fields, the header has 2",error,,,',
    ]);
  });

  it('never runs more than --concurrency participants at once', async () => {
    const nicks = Array.from({ length: 7 }, (_, i) => `p${i}`);
    for (const concurrency of [1, 3]) {
      const { options } = setup(['nickname,region', ...nicks.map((n) => `${n},us-east-1`)], { concurrency });
      const deps = fakeDeps();
      await grade(options, deps);
      expect(deps.runs).toHaveLength(7);
      expect(deps.peak).toBe(concurrency);
    }
  });

  it('splits the roster over shards: each row, malformed ones included, graded or listed by exactly one shard', async () => {
    const lines = ['nickname,region', 'ann,us-east-1', 'bob,us-east-1', ',us-east-1', 'cyd,us-east-1', 'dan,us-east-1'];
    const seen: string[] = [];
    for (const i of [1, 2, 3]) {
      const { options } = setup(lines, { shard: { index: i, count: 3, text: `${i}/3` } });
      await grade(options, fakeDeps());
      seen.push(...csvRows(options.out).slice(1).map((r) => r.split(',')[0]! || 'malformed'));
    }
    expect(seen.sort()).toEqual(['ann', 'bob', 'cyd', 'dan', 'malformed']);
  });
});

describe('summary', () => {
  it('scores points earned over points possible; a timed-out run keeps its partial report', () => {
    const weights = { 'a.x': 2, 'a.y': 1, 'a.z': 1 };
    const ran = { timedOut: false, why: '' };
    const csv = renderSummaryCsv([
      judge({ line: 3, nickname: 'bob' }, reportFor('bob', [check('a.x', 'passed'), check('a.y', 'failed'), check('a.z', 'skipped')]), ran, weights),
      judge({ line: 2, nickname: 'ann' }, reportFor('ann', [check('a.x', 'skipped')]), { timedOut: true, why: 'timed out after 60 s' }, weights),
    ]);
    expect(csv).toBe(
      'nickname,passed,failed,skipped,score,error,state,points,max_points,next_step\n' +
        'ann,0,0,1,0.000,timed out after 60 s; the report is partial,timeout,0,4,fix a.x\n' +
        'bob,1,1,1,0.500,,graded,2,4,fix a.y\n',
    );
  });
});

describe('grade flags', () => {
  const roster = (text: string) => {
    const dir = mkdtempSync(join(tmpdir(), 'grade-flags-'));
    writeFileSync(join(dir, 'r.csv'), text);
    return { file: join(dir, 'r.csv'), out: join(dir, 'out') };
  };
  const raw = (over: Record<string, unknown>) => ({ roster: '', out: '', target: 'aws' as const, concurrency: 4, timeout: 1800, ...over });

  it('refuses bad values with one line before any participant runs', async () => {
    const r = roster('nickname,region\nann,us-east-1\n');
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ roster: '/no/such/roster.csv', out: r.out }, /^--roster: cannot read \/no\/such\/roster\.csv \(ENOENT\)$/],
      [{ roster: roster('nickname,profile\nann,p\n').file, out: r.out }, /^--roster .*: line 1 \(header\): missing column region/],
      [{ roster: r.file, out: r.out, shard: '3/2' }, /^--shard: '3\/2' needs 1 ≤ i ≤ n/],
      [{ roster: r.file, out: r.out, target: 'sim' }, /^--target sim needs --endpoint/],
      [{ roster: r.file, out: r.out, endpoint: 'http://127.0.0.1:4566' }, /^--endpoint is not used with --target aws/],
      [{ roster: r.file, out: r.out, target: 'sim', endpoint: 'not a url' }, /^--endpoint: 'not a url' is not a URL/],
      [{ roster: r.file, out: r.out, timeScale: '0.05' }, /^--time-scale is for --target sim/],
      [{ roster: r.file, out: join(r.file, 'out') }, /^--out: cannot write to .* \(ENOTDIR\)$/],
    ];
    for (const [over, message] of cases) {
      const err = await checkGradeOptions(raw(over)).catch((e: unknown) => e);
      expect(err, JSON.stringify(over)).toBeInstanceOf(GradeInputError);
      expect((err as Error).message).toMatch(message);
      expect((err as Error).message).not.toContain('\n');
    }
    await expect(checkGradeOptions(raw({ roster: r.file, out: r.out, shard: '2/3' }))).resolves.toMatchObject({ shard: { index: 2, count: 3, text: '2/3' } });
  });

  it('exits 2 with one line on the command line', () => {
    const root = resolve(import.meta.dirname, '..', '..');
    const tsx = join(dirname(createRequire(import.meta.url).resolve('tsx/package.json')), 'dist', 'cli.mjs');
    const r = roster('nickname,region\nann,us-east-1\n');
    for (const args of [
      ['--roster', r.file, '--out', r.out, '--concurrency', '0'],
      ['--roster', r.file, '--out', r.out, '--shard', '3/2'],
      ['--roster', '/no/such/roster.csv', '--out', r.out],
    ]) {
      const p = spawnSync(process.execPath, [tsx, join(root, 'cli', 'main.ts'), 'grade', ...args], { cwd: root, env: { ...process.env, NODE_NO_WARNINGS: '1' }, encoding: 'utf8' });
      expect(p.status, args.join(' ')).toBe(2);
      expect(p.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
    }
  }, 60_000);
});
