/**
 * Grading a workshop whose participants share ONE account and region, at --concurrency 8,
 * with the simulator at AWS's hardest (`realism: 'aws'`: throttling, eventual consistency, …):
 * eight participants built by hand at once in one simulator (shared token buckets), six right,
 * two with a known mistake, graded by the `grade` CLI in a child process as a black box. Each
 * must be graded right: the six get full points, each of the two loses exactly the points of
 * the checks its mistake fails.
 *
 * While grading, the buckets refill per real second (`POST /_sim/throttling {"refill":"real"}`):
 * verify runs make their calls at the machine's pace, so AWS's own rates per real second are
 * the pressure eight graders in one account meet — the simulated refill of a scaled run would be
 * 1/time-scale times kinder. Eight graders alone do not empty AWS's buckets on this machine
 * (measured: 0 calls throttled; still 0 with a neighbour taking half of the ELB, ECS service-read
 * and EC2 DescribeSecurityGroups refills), so the account also has a neighbour, as a shared
 * workshop account can (participants still at work, scripts polling): it keeps ELB's account
 * bucket empty until the graders have been throttled 10 times. The test requires the simulator to have throttled
 * the graders' calls, so it cannot pass without meeting throttling.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { splitCsvLine } from '../../helpers/grade/roster.js';
import type { Report } from '../../helpers/report/report.js';
import { startSim, type RunningSim } from '../../sim/index.js';
import { buildModule04, type Mistakes } from '../support/participant.js';
import { baseEnv } from '../support/run-suite.js';
import { clearSimCalls, simCalls } from '../support/sim-admin.js';

const root = resolve(import.meta.dirname, '..', '..');
const TIME_SCALE = 0.02;
const NICKS = ['ws1', 'ws2', 'ws3', 'ws4', 'ws5', 'ws6', 'ws7', 'ws8'];
/** The two with a mistake, and the checks it must fail (and only those). */
const MISTAKES: Record<string, { build: Mistakes; fails: string[] }> = {
  ws7: { build: { targetGroup: { port: 80 } }, fails: ['target-group.port'] },
  ws8: { build: { lockdown: 'none' }, fails: ['lockdown.rules-only-from-alb', 'lockdown.direct-access-blocked'] },
};
const weights = JSON.parse(readFileSync(join(root, 'fixtures', 'weights.json'), 'utf8')) as Record<string, number>;
const MODE_SKIPS = ['preflight.old-service', 'old-service.no-errors-during-drain', 'lockdown.direct-reachable-before'];
const possible = Object.entries(weights).filter(([id]) => !MODE_SKIPS.includes(id)).reduce((n, [, w]) => n + w, 0);

let sim: RunningSim;
let work: string;


/**
 * Another client of the account, in a process of its own (so its calls do not slow the
 * simulator's event loop, which runs the health checks), without retries: four
 * DescribeRules calls in flight back to back until stopped. ELB's account bucket (40,
 * refilling 10 per second, shared by every ELB action) stays empty, as in an account at its
 * limit; the graders' ELB calls compete for each token. Graders never call DescribeRules,
 * so the simulator's call log tells their throttled calls from the neighbour's.
 */
const NEIGHBOUR_ACTION = 'DescribeRules';
function neighbour(endpoint: string) {
  const code = `
    import { ElasticLoadBalancingV2Client, DescribeRulesCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
    const elb = new ElasticLoadBalancingV2Client({ endpoint: ${JSON.stringify(endpoint)}, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
    let stopped = false;
    process.on('SIGTERM', () => (stopped = true));
    await Promise.all(Array.from({ length: 4 }, async () => { while (!stopped) await elb.send(new DescribeRulesCommand({})).catch(() => undefined); }));
    elb.destroy();`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], { cwd: root, env: { ...baseEnv(), NODE_NO_WARNINGS: '1' }, stdio: 'ignore' });
  const exited = new Promise<void>((r) => child.on('close', () => r()));
  let stopping: Promise<void> | undefined;
  return {
    stop: () =>
      (stopping ??= (async () => {
        child.kill('SIGTERM');
        await exited;
      })()),
  };
}

const THROTTLING = new Set(['Throttling', 'ThrottlingException', 'RequestLimitExceeded']);
/** Throttled calls in the simulator's log: the graders' (any action but the neighbour's) and the neighbour's. */
async function throttledCalls(): Promise<{ graders: number; neighbour: number }> {
  const calls = await simCalls(sim.endpoint);
  const throttled = calls.filter((c) => c.error && THROTTLING.has(c.error));
  const neighbourOnes = throttled.filter((c) => c.action === NEIGHBOUR_ACTION).length;
  return { graders: throttled.length - neighbourOnes, neighbour: neighbourOnes };
}

function gradeCli(args: string[]): Promise<{ exitCode: number | null; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'cli', 'main.ts'), 'grade', ...args], { cwd: root, env: { ...baseEnv(), NODE_NO_WARNINGS: '1' }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  return new Promise((r) => child.on('close', (exitCode) => r({ exitCode, stderr })));
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'grade-realism-'));
  sim = await startSim({ nicknames: NICKS, timeScale: TIME_SCALE, realism: 'aws' });
  // all eight build at once, in the one account (their calls share its buckets)
  await Promise.all(NICKS.map((n) => buildModule04(sim.endpoint, n, MISTAKES[n]?.build ?? {})));
  const r = await fetch(`${sim.endpoint}/_sim/throttling`, { method: 'POST', body: JSON.stringify({ refill: 'real' }) });
  expect(r.status, await r.text()).toBe(200);
}, 300_000);
afterAll(async () => sim?.close());

it('eight participants of one account graded at --concurrency 8 under throttling and eventual consistency: each graded right', async () => {
  const out = join(work, 'grades');
  const roster = join(work, 'roster.csv');
  writeFileSync(roster, ['nickname,region', ...NICKS.map((n) => `${n},us-east-1`), ''].join('\n'));
  // until the graders have been throttled 10 times (they start their ELB calls when their runs reach
  // discovery, seconds after the grade CLI starts): long enough to meet, short enough to stay cheap
  await clearSimCalls(sim.endpoint);
  const busy = neighbour(sim.endpoint);
  const watch = setInterval(() => {
    void throttledCalls().then((n) => {
      if (n.graders >= 10) void busy.stop();
    });
  }, 500);
  const t0 = Date.now();
  const graded = await gradeCli(['--roster', roster, '--out', out, '--target', 'sim', '--endpoint', sim.endpoint, '--time-scale', String(TIME_SCALE), '--concurrency', '8', '--timeout', '240']);
  const gradingMs = Date.now() - t0;
  clearInterval(watch);
  await busy.stop();
  const { graders: throttled, neighbour: neighbourThrottled } = await throttledCalls();
  expect(graded.exitCode, graded.stderr.slice(-3000)).toBe(0);

  const [header, ...rows] = readFileSync(join(out, 'summary.csv'), 'utf8').trim().split('\n').map(splitCsvLine);
  const summary = rows.map((f) => Object.fromEntries(header!.map((c, i) => [c, f[i] ?? ''])));
  expect(summary.map((r) => r.nickname)).toEqual(NICKS);
  for (const row of summary) {
    const nick = row.nickname!;
    const report = JSON.parse(readFileSync(join(out, nick, 'report.json'), 'utf8')) as Report;
    const failed = report.checks.filter((c) => c.status === 'failed');
    const why = failed.map((c) => `${c.id}: ${(c.reason ?? '').split('\n')[0]}`).join('\n') || '(none failed)';
    const expected = MISTAKES[nick]?.fails ?? [];
    expect(failed.map((c) => c.id).sort(), `${nick}: failed checks\n${why}`).toEqual([...expected].sort());
    const skipped = report.checks.filter((c) => c.status === 'skipped').map((c) => c.id);
    expect(skipped.sort(), `${nick}: skipped checks (only verify mode's own)`).toEqual([...MODE_SKIPS].sort());
    const lost = expected.reduce((n, id) => n + weights[id]!, 0);
    expect(row, nick).toMatchObject({ state: 'graded', points: String(possible - lost), max_points: String(possible) });
  }
  // the shared buckets really ran dry while grading (or this test would prove nothing about throttling)
  expect(throttled, `the graders' calls the simulator throttled (the neighbour's: ${neighbourThrottled})`).toBeGreaterThan(0);
  console.log(`grade-realism: graded 8 at concurrency 8 in ${(gradingMs / 1000).toFixed(1)} s; ${throttled} of the graders' attempts throttled (the neighbour's: ${neighbourThrottled})`);
}, 600_000);
