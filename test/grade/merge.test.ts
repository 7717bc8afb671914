/**
 * merge-grades joins sharded gradings into one summary and says which roster rows came back
 * twice or never; the example workflow runs the shards as a matrix and merges their uploads.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { mergeShards, MergeInputError } from '../../helpers/grade/merge.js';
import { grade, type GradeDeps, type GradeOptions } from '../../helpers/grade/runner.js';
import type { Report } from '../../helpers/report/report.js';

const root = resolve(import.meta.dirname, '..', '..');

const deps: GradeDeps = {
  assumeRole: async () => ({ accessKeyId: 'x', secretAccessKey: 'y', sessionToken: 'z' }),
  async runChild(run) {
    const nick = run.env.E2E_NICKNAME!;
    const report: Report = { target: 'sim', mode: 'verify', nickname: nick, region: 'us-east-1', startedAt: new Date(0).toISOString(), durationMs: 1, apiCalls: [], checks: [{ id: 'a.one', spec: 'a', title: 'one', status: nick === 'bob' ? 'failed' : 'passed' }] };
    writeFileSync(join(run.env.E2E_REPORT_DIR!, 'report.json'), JSON.stringify(report));
    return { exitCode: 0, timedOut: false };
  },
  log: () => {},
};

async function shards(n: number) {
  const dir = mkdtempSync(join(tmpdir(), 'merge-'));
  const roster = join(dir, 'roster.csv');
  writeFileSync(roster, ['nickname,region', 'ann,us-east-1', 'bob,us-east-1', '"bad,us-east-1', 'cyd,us-east-1', 'dan,us-east-1'].join('\n'));
  const outs: string[] = [];
  for (let i = 1; i <= n; i++) {
    const out = join(dir, `grades-${i}`);
    const options: GradeOptions = { roster, out, target: 'sim', endpoint: 'http://127.0.0.1:1', concurrency: 2, timeoutMs: 10_000, weights: { 'a.one': 1 }, shard: { index: i, count: n, text: `${i}/${n}` } };
    await grade(options, deps);
    outs.push(out);
  }
  return { dir, outs };
}

const csv = (dir: string) => readFileSync(join(dir, 'summary.csv'), 'utf8').trim().split('\n');

describe('merge-grades', () => {
  it('joins the shards into one summary in roster order, reports included', async () => {
    const { dir, outs } = await shards(3);
    const out = join(dir, 'merged');
    const { problems } = mergeShards(out, outs);
    expect(problems).toEqual([]);
    const rows = csv(out);
    expect(rows.slice(1).map((r) => r.split(',')[0])).toEqual(['ann', 'bob', '', 'cyd', 'dan']);
    expect(rows[2]).toMatch(/^bob,0,1,0,0\.000,,graded,0,1,/);
    expect(rows[3]).toMatch(/roster line 4: a quoted field is not closed/);
    expect(readFileSync(join(out, 'cyd', 'report.json'), 'utf8')).toContain('"nickname": "cyd"');
    expect(readFileSync(join(out, 'summary.html'), 'utf8')).toContain('href="dan/report.html"');
  });

  it('reports a participant in two shards and rows in no shard', async () => {
    const { dir, outs } = await shards(2);
    // shard 1 graded ann too (a copy of shard 1 passed twice), and shard 2 never came back
    cpSync(outs[0]!, join(dir, 'again'), { recursive: true });
    const { problems } = mergeShards(join(dir, 'merged'), [outs[0]!, join(dir, 'again')]);
    expect(problems).toEqual(expect.arrayContaining([expect.stringMatching(/^ann \(roster line 2\) is in two shards: grades-1 and again; kept grades-1$/)]));
    expect(problems).toEqual(expect.arrayContaining(['bob (roster line 3) is in no shard', 'cyd (roster line 5) is in no shard']));
    expect(readFileSync(join(dir, 'merged', 'summary.html'), 'utf8')).toContain('is in no shard');
    // a shard that was interrupted before a participant finished says so
    rmSync(join(outs[1]!, 'bob', 'grade.json'));
    expect(mergeShards(join(dir, 'merged2'), outs).problems).toEqual(['bob (roster line 3) was not finished in grades-2 (run it again with --resume)']);
    expect(() => mergeShards(join(dir, 'm3'), [join(dir, 'nope')])).toThrow(MergeInputError);
  });
});

describe('the example grading workflow (.github/workflows/grade.yml)', () => {
  const wf = parse(readFileSync(join(root, '.github', 'workflows', 'grade.yml'), 'utf8')) as {
    env: Record<string, string | number>;
    jobs: Record<string, { needs?: string; if?: string; strategy?: { matrix: { shard: number[] } }; steps: Array<{ uses?: string; run?: string; with?: Record<string, string> }> }>;
  };

  it('grades a matrix of shards, uploads each, and merges them in a job that needs them all', () => {
    const shardsCount = Number(wf.env.SHARDS);
    expect(wf.jobs.grade!.strategy!.matrix.shard).toEqual(Array.from({ length: shardsCount }, (_, i) => i + 1));
    const gradeRun = wf.jobs.grade!.steps.find((s) => s.run?.includes('ecs-alb-e2e grade'))!.run!;
    expect(gradeRun).toContain('--shard ${{ matrix.shard }}/${{ env.SHARDS }}');
    expect(gradeRun).toContain('--out grades-${{ matrix.shard }}');
    const upload = wf.jobs.grade!.steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'))!;
    expect(upload.with!.path).toBe('grades-${{ matrix.shard }}/');
    const merge = wf.jobs.merge!;
    expect(merge.needs).toBe('grade');
    expect(merge.if).toBe('always()');
    const download = merge.steps.find((s) => s.uses?.startsWith('actions/download-artifact@'))!;
    // the download pattern matches every upload's name, and the merge reads what it downloaded
    const uploadName = upload.with!.name!.replace('${{ matrix.shard }}', '2');
    expect(new RegExp(`^${download.with!.pattern!.replace('*', '.*')}$`).test(uploadName)).toBe(true);
    const mergeRun = merge.steps.find((s) => s.run?.includes('merge-grades'))!.run!;
    expect(mergeRun).toBe(`npx ecs-alb-e2e merge-grades --out grades ${download.with!.path}/${download.with!.pattern}`);
  });
});
