/**
 * Provision mode on LocalStack/AWS deploys the module 01–03 baseline only when the cluster is
 * missing; an existing cluster (a participant's) is used as it is and never removed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClients, sdkConfig } from '../../helpers/cloud/clients.js';
import { parseConfig } from '../../helpers/core/config.js';
import { ensureBaseline } from '../../helpers/cloud/provision.js';
import { profileFor } from '../../helpers/targets/index.js';
import { startSim, type RunningSim } from '../../sim/index.js';

let sim: RunningSim;
beforeAll(async () => {
  sim = await startSim({ nicknames: ['base'] });
});
afterAll(async () => sim?.close());

describe('ensureBaseline', () => {
  it('an existing cluster: nothing is deployed and nothing will be removed', async () => {
    const profile = profileFor(parseConfig({ E2E_ENDPOINT: sim.endpoint, E2E_NICKNAME: 'base' }), sim.endpoint);
    const clients = createClients(profile, 'provision');
    const b = await ensureBaseline(clients, sdkConfig(profile), { nickname: 'base', cluster: 'base_ecs_cluster', runId: 'r1', log: () => {} });
    await b.remove();
    expect(b.stackName).toBeUndefined();
    expect(clients.calls.map((c) => `${c.service}:${c.action}`)).toEqual(['ecs:DescribeClusters']);
  });

  it('a missing cluster: the baseline stack is created through CloudFormation, and the error names the stack when that fails', async () => {
    const profile = profileFor(parseConfig({ E2E_ENDPOINT: sim.endpoint, E2E_NICKNAME: 'nobody' }), sim.endpoint);
    const clients = createClients(profile, 'provision');
    // the simulator speaks no CloudFormation: the attempt itself is what this shows
    const err = await ensureBaseline(clients, sdkConfig(profile), { nickname: 'nobody', cluster: 'nobody_ecs_cluster', runId: 'r2', log: () => {} }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect(clients.calls.map((c) => `${c.service}:${c.action}`)).toEqual(['ecs:DescribeClusters', 'cloudformation:DescribeStacks']);
  });
});
