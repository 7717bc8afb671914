/**
 * Right deployments pass, and verify mode never writes: the suite's own provisioning (3 runs
 * in a row — `npm run soak` does 30), and deployments made by hand, under the workshop's
 * names and under names of the participant's own choice.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type RunningSim } from '../../sim/index.js';
import { buildModule04 } from '../support/participant.js';
import { notPassing, runSuiteChild, type SuiteRun } from '../support/run-suite.js';
import { clearSimCalls, simCalls } from '../support/sim-admin.js';

const TIME_SCALE = '0.02';
const READ_ONLY = /^(Describe|List|Get)[A-Z]/;
const policy = JSON.parse(readFileSync(new URL('../../fixtures/iam/grader-readonly.json', import.meta.url), 'utf8')) as {
  Statement: { Effect: string; Action: string | string[] }[];
};
const allowed = new Set(policy.Statement.filter((s) => s.Effect === 'Allow').flatMap((s) => [s.Action].flat()));
const IAM_PREFIX: Record<string, string> = { ecs: 'ecs', elasticloadbalancing: 'elasticloadbalancing', ec2: 'ec2', sts: 'sts' };

let sim: RunningSim;
beforeAll(async () => {
  sim = await startSim({ timeScale: Number(TIME_SCALE), nicknames: ['p1', 'p2', 'p3', 'hand', 'own'] });
});
afterAll(async () => sim?.close());

function expectAllPassed(run: SuiteRun, allowedSkips: string[] = []) {
  const bad = (run.report?.checks ?? []).filter((c) => c.status === 'failed' || (c.status === 'skipped' && !allowedSkips.includes(c.id)));
  expect(bad.map((c) => `${c.status} ${c.id}`), notPassing(run)).toEqual([]);
  expect(run.exitCode, notPassing(run)).toBe(0);
  expect(run.report!.checks.length).toBeGreaterThanOrEqual(40);
}

describe('the suite provisions Module 04 and passes (3 runs in a row)', () => {
  for (const nick of ['p1', 'p2', 'p3']) {
    it(`provision run for ${nick}: every check passes, none skipped`, async () => {
      const run = await runSuiteChild({ E2E_ENDPOINT: sim.endpoint, E2E_NICKNAME: nick, E2E_SIM_TIME_SCALE: TIME_SCALE });
      expectAllPassed(run);
      expect(Object.values(run.report!.distribution ?? {})).toHaveLength(3);
    });
  }
});

describe('verify mode on deployments made by hand', () => {
  const VERIFY_SKIPS = ['preflight.old-service', 'old-service.no-errors-during-drain', 'lockdown.direct-reachable-before'];

  async function verify(nickname: string) {
    await clearSimCalls(sim.endpoint);
    const run = await runSuiteChild({ E2E_ENDPOINT: sim.endpoint, E2E_MODE: 'verify', E2E_NICKNAME: nickname, E2E_SIM_TIME_SCALE: TIME_SCALE });
    return { run, seenBySim: await simCalls(sim.endpoint) };
  }

  it("the workshop's names: passes, and the simulator saw only reads, each in grader-readonly.json", async () => {
    await buildModule04(sim.endpoint, 'hand');
    const { run, seenBySim } = await verify('hand');
    expectAllPassed(run, VERIFY_SKIPS);
    for (const c of run.report!.checks.filter((c) => c.status === 'skipped')) expect(c.reason, c.id).toMatch(/^verify mode: /);
    // the simulator's own log, not the suite's account of itself
    expect(seenBySim.length, 'API calls the simulator saw').toBeGreaterThan(10);
    expect(seenBySim.filter((c) => !READ_ONLY.test(c.action)).map((c) => `${c.service}:${c.action}`), 'write calls').toEqual([]);
    const notInPolicy = [...new Set(seenBySim.map((c) => `${IAM_PREFIX[c.service] ?? c.service}:${c.action}`))].filter((a) => !allowed.has(a));
    expect(notInPolicy, 'calls missing from fixtures/iam/grader-readonly.json').toEqual([]);
    expect(run.report!.apiCalls.every((c) => READ_ONLY.test(c.action))).toBe(true);
  });

  it('names of their own choice: found by links, passes', async () => {
    await buildModule04(sim.endpoint, 'own', {
      names: { targetGroup: 'own-web-tg', loadBalancer: 'own-front', albSecurityGroup: 'own-front-sg', service: 'own-web' },
    });
    const { run, seenBySim } = await verify('own');
    expectAllPassed(run, VERIFY_SKIPS);
    const evidence = (id: string) => JSON.stringify(run.report!.checks.find((c) => c.id === id)?.evidence);
    expect(evidence('service.found')).toContain('link');
    expect(evidence('target-group.found')).toContain('own-web-tg');
    expect(evidence('load-balancer.found')).toContain('own-front');
    expect(seenBySim.filter((c) => !READ_ONLY.test(c.action))).toEqual([]);
  });
});
