/**
 * The suite's own SDK clients (helpers/cloud/clients.ts, adaptive retry) against realism.throttling:
 * a burst on a bucket another client of the account emptied still answers every call, the
 * simulator saw the throttled attempts, and the client's rate limiter has engaged (adaptive mode
 * slows a throttled client's sending rate; standard mode has no limiter).
 */
import { DescribeVpcsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createClients } from '../../helpers/cloud/clients.js';
import { startSim, type RunningSim } from '../../sim/index.js';
import { profileAt, strategyOf } from '../support/profiles.js';
import { clearSimCalls, simCalls } from '../support/sim-admin.js';

let sim: RunningSim;
// time scale 1: DescribeVpcs' bucket holds 100 and refills 20 per second
beforeAll(async () => {
  sim = await startSim({ timeScale: 1, nicknames: [], scenario: 'empty', behaviours: { throttling: true } });
});
afterAll(async () => sim?.close());

it('a burst on an emptied bucket answers every call; the throttled attempts were retried and the rate limiter engaged', async () => {
  const c = createClients(profileAt(sim.endpoint), 'verify');
  try {
    // another client of the account (no retry) empties the bucket first
    const other = new EC2Client({ endpoint: sim.endpoint, region: sim.region, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
    const drained = await Promise.allSettled(Array.from({ length: 150 }, () => other.send(new DescribeVpcsCommand({}))));
    other.destroy();
    expect(drained.some((r) => r.status === 'rejected'), 'the other client met the empty bucket').toBe(true);
    await clearSimCalls(sim.endpoint);
    const burst = await Promise.allSettled(Array.from({ length: 3 }, () => c.ec2.send(new DescribeVpcsCommand({}))));
    const failed = burst.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason?.name));
    expect(failed, 'calls that failed despite the retries').toEqual([]);
    const throttledAttempts = (await simCalls(sim.endpoint)).filter((x) => x.action === 'DescribeVpcs' && x.error === 'RequestLimitExceeded').length;
    expect(throttledAttempts, 'attempts the simulator throttled').toBeGreaterThan(0);
    // the client's own log shows only the answers it returned: retries happen below it
    expect(c.calls.filter((x) => x.action === 'DescribeVpcs' && !x.error)).toHaveLength(3);
    const limiter = (await strategyOf(c.ec2)).rateLimiter;
    expect(limiter?.enabled, 'adaptive mode: a throttled client limits its own sending rate').toBe(true);
  } finally {
    c.destroy();
  }
}, 60_000);
