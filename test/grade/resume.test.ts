/**
 * A grading that can be stopped and continued: --resume grades only who is not finished,
 * --only-failed only who is below full points, Ctrl-C keeps every finished participant — and
 * no credential reaches any output, whatever a run prints. STS and the child run are injected.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkGradeOptions, GradeInputError } from '../../cli/grade.js';
import { csvField } from '../../helpers/grade/summary.js';
import { grade, type ChildRun, type GradeDeps, type GradeOptions } from '../../helpers/grade/runner.js';
import type { CheckResult, Report } from '../../helpers/report/report.js';

const WEIGHTS = { 'a.one': 1, 'b.two': 1 };
const GRADER = { AWS_ACCESS_KEY_ID: 'AKIAGRADERPLANTED01', AWS_SECRET_ACCESS_KEY: 'grader-secret-planted-0123456789', AWS_SESSION_TOKEN: 'grader-token-planted-abcdefgh' };
const ASSUMED = { accessKeyId: 'ASIAASSUMEDPLANTED02', secretAccessKey: 'assumed-secret-planted-9876543210', sessionToken: 'assumed-token-planted-zyxwvuts' };

function setup(nicks: string[], over: Partial<GradeOptions> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'grade-resume-'));
  const roster = join(dir, 'roster.csv');
  writeFileSync(roster, ['nickname,region', ...nicks.map((n) => `${n},us-east-1`)].join('\n'));
  return { dir, options: { roster, out: join(dir, 'out'), target: 'sim', endpoint: 'http://127.0.0.1:1', concurrency: 2, timeoutMs: 60_000, weights: WEIGHTS, ...over } as GradeOptions };
}

/** A child run: writes a report whose checks `verdict` decides; `hang` waits for the abort. */
function deps(verdict: (nick: string) => CheckResult['status'][], hang: (nick: string) => boolean = () => false) {
  const runs: string[] = [];
  const lines: string[] = [];
  const d: GradeDeps = {
    assumeRole: async () => ASSUMED,
    async runChild(run: ChildRun) {
      const nick = run.env.E2E_NICKNAME!;
      runs.push(nick);
      if (hang(nick)) {
        await new Promise<void>((r) => (run.signal?.aborted ? r() : run.signal?.addEventListener('abort', () => r(), { once: true })));
        return { exitCode: 130, timedOut: false, interrupted: true };
      }
      const [one, two] = verdict(nick);
      const checks: CheckResult[] = [
        { id: 'a.one', spec: 'a', title: 'one', status: one! },
        { id: 'b.two', spec: 'b', title: 'two', status: two!, ...(two === 'failed' ? { reason: 'nope' } : {}) },
      ];
      const report: Report = { target: 'sim', mode: 'verify', nickname: nick, region: 'us-east-1', startedAt: new Date(0).toISOString(), durationMs: 1, checks, apiCalls: [] };
      writeFileSync(join(run.env.E2E_REPORT_DIR!, 'report.json'), JSON.stringify(report));
      writeFileSync(run.logFile, 'ran\n');
      return { exitCode: 0, timedOut: false };
    },
    log: (line) => lines.push(line),
    env: { PATH: '/bin' },
  };
  return { d, runs, lines };
}

describe('resumable grading', () => {
  it('--resume grades only who has no finished grading; --only-failed only who is below full points', async () => {
    const { options } = setup(['ann', 'bob', 'cyd']);
    const first = deps((n) => (n === 'bob' ? ['passed', 'failed'] : ['passed', 'passed']), (n) => n === 'cyd');
    const interrupt = new AbortController();
    const graded = grade(options, { ...first.d, signal: interrupt.signal });
    await expect.poll(() => first.runs.includes('cyd') && existsSync(join(options.out, 'ann', 'grade.json')) && existsSync(join(options.out, 'bob', 'grade.json'))).toBe(true);
    const annReport = statSync(join(options.out, 'ann', 'report.json')).mtimeMs;
    interrupt.abort();
    const stopped = await graded;
    expect(stopped.exitCode).toBe(130);
    // the finished ones are intact, the interrupted one left nothing that looks finished
    expect(existsSync(join(options.out, 'cyd'))).toBe(false);
    expect(readdirSync(options.out).filter((f) => f.startsWith('.grading-'))).toEqual([]);
    expect(readFileSync(join(options.out, 'summary.csv'), 'utf8')).toMatch(/^ann,.*,graded,2,2,$/m);

    const resumed = deps(() => ['passed', 'passed']);
    const r = await grade({ ...options, resume: true }, resumed.d);
    expect(resumed.runs).toEqual(['cyd']);
    expect(r.exitCode).toBe(0);
    expect(statSync(join(options.out, 'ann', 'report.json')).mtimeMs).toBe(annReport);
    const rows = readFileSync(join(options.out, 'summary.csv'), 'utf8').trim().split('\n').slice(1);
    expect(rows.map((l) => l.split(',')[0])).toEqual(['ann', 'bob', 'cyd']);
    expect(rows[1]).toMatch(/,graded,1,2,/);

    const again = deps(() => ['passed', 'passed']);
    await grade({ ...options, onlyFailed: true }, again.d);
    expect(again.runs).toEqual(['bob']);
    expect(readFileSync(join(options.out, 'summary.csv'), 'utf8')).toMatch(/^bob,2,0,0,1\.000,,graded,2,2,$/m);

    const none = deps(() => ['passed', 'passed']);
    await grade({ ...options, resume: true }, none.d);
    expect(none.runs).toEqual([]);
  });

  it('--resume refuses another roster in the same --out, before anything runs', async () => {
    const { dir, options } = setup(['ann']);
    await grade(options, deps(() => ['passed', 'passed']).d);
    const other = join(dir, 'other.csv');
    writeFileSync(other, 'nickname,region\nzed,us-east-1\n');
    const raw = { roster: other, out: options.out, target: 'aws' as const, concurrency: 1, timeout: 60, resume: true };
    const err = await checkGradeOptions(raw).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GradeInputError);
    expect((err as Error).message).toMatch(/^--resume: .* was graded from another roster \(roster\.csv\)/);
  });
});

describe('credentials never reach an output', () => {
  it('the grader\'s and the assumed role\'s keys are replaced in reports, run.log, summaries and progress lines', async () => {
    const { dir, options } = setup([]);
    writeFileSync(options.roster, 'nickname,region,role_arn\nann,us-east-1,arn:aws:iam::111111111111:role/grader\nbob,us-east-1,\n');
    const secrets = [...Object.values(GRADER), ...Object.values(ASSUMED)];
    const leaky: GradeDeps = {
      assumeRole: async () => ASSUMED,
      async runChild(run) {
        // a run that echoes every credential it can see, everywhere it writes
        const seen = [run.env.AWS_ACCESS_KEY_ID, run.env.AWS_SECRET_ACCESS_KEY, run.env.AWS_SESSION_TOKEN, ...secrets].join(' ');
        const report: Report = {
          target: 'aws', mode: 'verify', nickname: run.env.E2E_NICKNAME!, region: 'us-east-1', startedAt: new Date(0).toISOString(), durationMs: 1, apiCalls: [],
          checks: [{ id: 'a.one', spec: 'a', title: 'one', status: 'failed', reason: `credentials ${seen}` }, { id: 'b.two', spec: 'b', title: seen, status: 'passed', evidence: { seen } }],
        };
        writeFileSync(join(run.env.E2E_REPORT_DIR!, 'report.json'), JSON.stringify(report));
        writeFileSync(join(run.env.E2E_REPORT_DIR!, 'junit.xml'), `<testsuites><testcase name="${seen}"/></testsuites>`);
        writeFileSync(run.logFile, run.redact!(`log ${seen}\n`));
        return { exitCode: 1, timedOut: false, lastErrorLine: run.redact!(`stderr ${seen}`) };
      },
      log: (line) => lines.push(line),
      env: { PATH: '/bin', ...GRADER },
    };
    const lines: string[] = [];
    await grade({ ...options, target: 'aws', endpoint: undefined }, leaky);
    const outputs: string[] = [lines.join('\n')];
    const walk = (d: string): void => {
      for (const f of readdirSync(d)) {
        const p = join(d, f);
        if (statSync(p).isDirectory()) walk(p);
        else outputs.push(readFileSync(p, 'utf8'));
      }
    };
    walk(options.out);
    expect(outputs.length).toBeGreaterThan(10);
    const all = outputs.join('\n');
    for (const s of secrets) expect(all.includes(s), s).toBe(false);
    expect(all).toContain('[redacted]');
    void dir;
  });
});

describe('summary.csv is safe in a spreadsheet', () => {
  it('neutralises cells that would run as formulas', () => {
    expect(csvField('=HYPERLINK("http://x","y")')).toBe(`"'=HYPERLINK(""http://x"",""y"")"`);
    for (const s of ['+1', '-2+3', '@SUM(A1)', '\tx']) expect(csvField(s).replace(/^"/, '')).toMatch(/^'/);
    expect(csvField(-1)).toBe('-1');
    expect(csvField('ann')).toBe('ann');
  });
});
