/**
 * Grading runs participants side by side in one process (helpers/run/suite-host.ts): one
 * participant's hang or crash must touch nobody else's grade. Four participants with Module 04
 * built right, graded at concurrency 2 through the real in-process runner: `hal`'s run blocks its
 * worker for good at 03-service (E2E_TEST_HANG_AT: no timer or cancel reaches it; only the
 * per-participant timeout, by terminating the worker), `cy`'s worker dies at 02-load-balancer
 * (E2E_TEST_CRASH_AT). ann is graded beside hal, bo after the crash on a fresh slot: both full
 * points, their reports whole; hal ends `timeout` with the checks it judged before, cy `error`.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inProcessRunner, SuiteHost } from '../../helpers/grade/in-process.js';
import { loadWeights } from '../../helpers/grade/points.js';
import { grade, type ChildRun } from '../../helpers/grade/runner.js';
import type { Report } from '../../helpers/report/report.js';
import { startSim, type RunningSim } from '../../sim/index.js';
import { buildModule04 } from '../support/participant.js';

const TIME_SCALE = 0.02;
const TIMEOUT_MS = 20_000;
const SEAMS: Record<string, Record<string, string>> = { hal: { E2E_TEST_HANG_AT: '03-service' }, cy: { E2E_TEST_CRASH_AT: '02-load-balancer' } };
let sim: RunningSim;

describe('grading in one process: a hang or a crash stays with its participant', () => {
  beforeAll(async () => {
    sim = await startSim({ nicknames: ['ann', 'hal', 'cy', 'bo'], timeScale: TIME_SCALE });
    for (const b of await Promise.all(['ann', 'hal', 'cy', 'bo'].map((n) => buildModule04(sim.endpoint, n)))) for (const c of [b.ecs, b.elb, b.ec2]) c.destroy();
  }, 120_000);
  afterAll(async () => {
    await sim?.close();
  });

  it('ann and bo are graded whole; hal times out, cy is an error, each alone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'grade-isolation-'));
    const roster = join(dir, 'roster.csv');
    writeFileSync(roster, 'nickname,region\nann,us-east-1\nhal,us-east-1\ncy,us-east-1\nbo,us-east-1\n');
    const out = join(dir, 'out');
    const host = new SuiteHost(2);
    const lines: string[] = [];
    const started = Date.now();
    let result;
    try {
      const runInProcess = inProcessRunner(host);
      const run = (r: ChildRun) => runInProcess({ ...r, env: { ...r.env, ...SEAMS[r.env.E2E_NICKNAME!] } });
      result = await grade(
        { roster, out, target: 'sim', endpoint: sim.endpoint, timeScale: TIME_SCALE, concurrency: 2, timeoutMs: TIMEOUT_MS, weights: loadWeights() },
        { assumeRole: async () => { throw new Error('not on sim'); }, runChild: run, log: (l) => lines.push(l), env: { PATH: process.env.PATH } },
      );
    } finally {
      await host.close();
    }
    const wallMs = Date.now() - started;
    const by = Object.fromEntries(result.outcomes.map((o) => [o.nickname, o]));
    const log = lines.join('\n');

    for (const nick of ['ann', 'bo']) {
      expect(by[nick]?.state, `${nick}\n${log}`).toBe('graded');
      expect(by[nick]!.error, nick).toBeUndefined();
      expect(by[nick]!.points, nick).toBe(by[nick]!.maxPoints);
      const report = JSON.parse(readFileSync(join(out, nick, 'report.json'), 'utf8')) as Report;
      expect(report.nickname).toBe(nick);
      expect(report.checks.filter((c) => c.status === 'failed'), nick).toEqual([]);
      expect(report.checks.map((c) => c.spec)).toContain('06-lockdown');
      expect(report.checks.some((c) => c.id.includes('injected'))).toBe(false);
      for (const f of ['report.md', 'report.html', 'junit.xml', 'run.log', 'grade.json']) expect(existsSync(join(out, nick, f)), `${nick}/${f}`).toBe(true);
      expect(readFileSync(join(out, nick, 'run.log'), 'utf8')).toMatch(/report: .*report\.json — \d+ passed, 0 failed/);
    }

    // hal: stopped at the timeout with what was judged before the hang, partial
    expect([by.hal?.state, by.hal?.error], log).toEqual(['timeout', `timed out after ${TIMEOUT_MS / 1000} s; the report is partial`]);
    const hal = JSON.parse(readFileSync(join(out, 'hal', 'report.json'), 'utf8')) as Report;
    expect(hal.checks.filter((c) => c.spec === '01-target-group').every((c) => c.status === 'passed')).toBe(true);
    expect(hal.checks.some((c) => c.spec === '06-lockdown' && c.status === 'passed')).toBe(false);

    // cy: the worker died under the run — not a grade
    expect(by.cy?.state, log).toBe('error');
    expect(by.cy!.error).toMatch(/worker thread exited by itself \(code 70\)/);
    expect(existsSync(join(out, 'cy', 'report.json'))).toBe(false);
    expect(readFileSync(join(out, 'cy', 'run.log'), 'utf8')).toMatch(/worker thread exited by itself/);

    expect(result.exitCode).toBe(1); // hal and cy were not graded
    // the hang held one slot for the timeout; the other three went through the other
    expect(wallMs).toBeLessThan(TIMEOUT_MS + 30_000);
  }, 180_000);
});
