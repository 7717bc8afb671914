/**
 * Real accounts (issue "Real accounts"): right deployments as participants really build them must
 * pass, and the mistakes the simulator used to hide must fail, with a message naming the
 * resource. Each simulator plays one real-account behaviour (documented in the README's
 * "Real-account behaviours" and "--realism aws" sections).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { startSim, type RunningSim, type SimOptions } from '../../sim/index.js';
import { buildModule04, type Mistakes } from '../support/participant.js';
import { notPassing, runSuiteChild, type SuiteRun } from '../support/run-suite.js';

const TIME_SCALE = '0.02';
const VERIFY_SKIPS = ['preflight.old-service', 'old-service.no-errors-during-drain', 'lockdown.direct-reachable-before'];
const sims: RunningSim[] = [];
afterAll(async () => Promise.all(sims.map((s) => s.close())));

async function simWith(options: SimOptions, nicknames: string[]): Promise<RunningSim> {
  const sim = await startSim({ timeScale: Number(TIME_SCALE), nicknames, ...options });
  sims.push(sim);
  return sim;
}

async function verify(sim: RunningSim, nickname: string, m: Mistakes, env: Record<string, string> = {}): Promise<SuiteRun> {
  await buildModule04(sim.endpoint, nickname, m);
  return runSuiteChild({ E2E_ENDPOINT: sim.endpoint, E2E_MODE: 'verify', E2E_NICKNAME: nickname, E2E_SIM_TIME_SCALE: TIME_SCALE, ...env });
}

function expectRight(run: SuiteRun) {
  const bad = (run.report?.checks ?? []).filter((c) => c.status === 'failed' || (c.status === 'skipped' && !VERIFY_SKIPS.includes(c.id)));
  expect(bad.map((c) => `${c.status} ${c.id}`), notPassing(run)).toEqual([]);
  expect(run.exitCode, notPassing(run)).toBe(0);
}

const evidence = (run: SuiteRun, id: string) => JSON.stringify(run.report?.checks.find((c) => c.id === id)?.evidence ?? {});

describe('as AWS accounts really are (default simulator)', () => {
  let sim: RunningSim;
  it('starts', async () => {
    sim = await simWith({}, ['ra1', 'ra2', 'ra3', 'ra4', 'ra5']);
  });

  it("right: the ALB keeps the VPC's default group, listed before its own, and the instances admit the ALB's own group", async () => {
    const run = await verify(sim, 'ra1', { albDefaultGroupFirst: true });
    expectRight(run);
    // the positive control of the negative probe, in verify mode: the simulator's egress canary
    expect(evidence(run, 'lockdown.direct-access-blocked'), notPassing(run)).toContain('egress canary');
  });

  it('right: the instances carry a second group that admits nothing', async () => {
    expectRight(await verify(sim, 'ra2', { extraInstanceGroup: 'closed' }));
  });

  it('wrong: a second group on the instances still admits 0.0.0.0/0 (the lockdown done on one group only)', async () => {
    const run = await verify(sim, 'ra3', { extraInstanceGroup: 'open' });
    expect(run.status('lockdown.rules-only-from-alb'), notPassing(run)).toBe('failed');
    expect(run.reason('lockdown.rules-only-from-alb')).toMatch(/ra3-extra-sg/);
    expect(run.reason('lockdown.rules-only-from-alb')).toContain('0.0.0.0/0');
    expect(run.status('lockdown.direct-access-blocked'), notPassing(run)).toBe('failed');
  });

  it("wrong: the old service still runs, and the grader's name for it does not match", async () => {
    const run = await verify(sim, 'ra4', { oldService: 'running' }, { E2E_NAME_OLD_SERVICE: 'ra4_webapp' });
    expect(run.status('old-service.scaled-to-zero'), notPassing(run)).toBe('failed');
    expect(run.reason('old-service.scaled-to-zero')).toContain('ra4_app_service');
    expect(evidence(run, 'old-service.scaled-to-zero') + run.reason('old-service.scaled-to-zero')).toBeTruthy();
  });

  it('right: the old service deleted, under a name the grader does not know, is judged gone', async () => {
    const run = await verify(sim, 'ra5', {}, { E2E_NAME_OLD_SERVICE: 'ra5_webapp' });
    expectRight(run);
  });
});

describe("today's console: an Auto Scaling group capacity provider as the cluster's default strategy", () => {
  it('right: the new service placed by the default strategy runs on the container instances and passes, saying how it was placed', async () => {
    const sim = await simWith({ capacityProvider: true }, ['cp1']);
    const run = await verify(sim, 'cp1', { service: { launchType: 'default-strategy' } });
    expectRight(run);
    expect(evidence(run, 'service.launch-type')).toMatch(/capacity provider Infra-ECS-Cluster-.*Auto Scaling group/);
  });
});

describe('AWS purges INACTIVE services, and its ALB closes kept-alive connections', () => {
  it('right: the old service deleted and purged passes 05-old-service; answers through an ALB that 502s on reused connections are retried once', async () => {
    const sim = await simWith({ purgeInactiveAfterS: 0, behaviours: { albKeepAlive: true } }, ['pg1']);
    const run = await verify(sim, 'pg1', {});
    expectRight(run);
    expect(run.status('old-service.deleted')).toBe('passed');
  });
});

describe('a grader whose own network drops outbound high ports', () => {
  it('wrong deployment, firewalled grader: "no answer" is not taken for blocked — the check is skipped for want of a positive control', async () => {
    const probe = await simWith({}, ['fw0']);
    const port = Number(new URL(probe.endpoint).port);
    await probe.close();
    sims.splice(sims.indexOf(probe), 1);
    // the gateway port is always reachable; the firewall drops every other outbound port
    const sim = await simWith({ port, outsideEgressAllow: [port] }, ['fw1']);
    const run = await verify(sim, 'fw1', { lockdown: 'none' });
    expect(run.status('lockdown.rules-only-from-alb'), notPassing(run)).toBe('failed');
    expect(run.status('lockdown.direct-access-blocked'), notPassing(run)).toBe('skipped');
    expect(run.reason('lockdown.direct-access-blocked')).toContain('no positive control');
  });
});
