/**
 * A check that needs the instances' group must not pass when the group could not be found:
 * load-balancer.security-group once asserted `not.toContain(undefined)`, which passes.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startSim, type RunningSim } from '../../sim/index.js';
import { buildModule04 } from '../support/participant.js';
import { notPassing, runSuiteChild } from '../support/run-suite.js';

const TIME_SCALE = '0.02';
let sim: RunningSim;
beforeAll(async () => {
  sim = await startSim({ timeScale: Number(TIME_SCALE), nicknames: ['lbsg'] });
  await buildModule04(sim.endpoint, 'lbsg');
});
afterAll(async () => sim?.close());

it('load-balancer.security-group is skipped, naming preflight.cluster, when the cluster (and so the instances\' group) is not found', async () => {
  const run = await runSuiteChild({
    E2E_ENDPOINT: sim.endpoint,
    E2E_MODE: 'verify',
    E2E_NICKNAME: 'lbsg',
    E2E_NAME_CLUSTER: 'lbsg_no_such_cluster',
    E2E_SIM_TIME_SCALE: TIME_SCALE,
  });
  expect(run.status('preflight.cluster'), notPassing(run)).toBe('failed');
  expect(run.status('load-balancer.found'), notPassing(run)).toBe('passed');
  expect(run.status('load-balancer.security-group'), notPassing(run)).toBe('skipped');
  expect(run.reason('load-balancer.security-group')).toContain('depends on preflight.cluster');
  // the listener evidence names the target group once
  const listener = run.report!.checks.find((c) => c.id === 'load-balancer.listener');
  expect(JSON.stringify(listener?.evidence ?? {}), notPassing(run)).toContain('80/HTTP → lbsg-ecs-tg"');
});
