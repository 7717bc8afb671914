/**
 * The SDK clients every target shares retry adaptively: the standard strategy plus the
 * client-side rate limiter that slows a throttled client down (many graders share one
 * account's buckets). Checked on the clients the suite really builds, and against the
 * simulator's throttling: a burst on a bucket another client emptied still answers, the simulator saw the
 * throttled attempts, and the client's rate limiter has lowered its sending rate.
 */
import { DescribeVpcsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClients, SDK_MAX_ATTEMPTS, sdkConfig } from '../../helpers/cloud/clients.js';
import type { TargetProfile } from '../../helpers/targets/profile.js';
import { startSim, type RunningSim } from '../../sim/index.js';
import { clearSimCalls, simCalls } from '../support/sim-admin.js';

const profileAt = (endpoint: string): TargetProfile => ({
  name: 'sim',
  region: 'us-east-1',
  endpoint,
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  capabilities: {},
  timing: { pollMs: 10, waitTimeoutMs: 100, directProbeTimeoutMs: 100, requestTimeoutMs: 100, settleMs: 100 },
  albAddress: () => ({ origin: '', host: '', pathPrefix: '' }),
  taskHost: (ip) => ip,
});

interface RetryStrategyView {
  mode: string;
  maxAttemptsProvider?: () => Promise<number>;
  rateLimiter?: { enabled?: boolean; fillRate?: number };
}
const strategyOf = async (client: { config: { retryStrategy: () => Promise<unknown> } }) => (await client.config.retryStrategy()) as RetryStrategyView;

describe('SDK clients: adaptive retry', () => {
  it('every client of the suite (and the config handed to CloudFormation) retries in adaptive mode', async () => {
    const profile = profileAt('http://127.0.0.1:9');
    expect(sdkConfig(profile)).toMatchObject({ retryMode: 'adaptive', maxAttempts: SDK_MAX_ATTEMPTS });
    expect(SDK_MAX_ATTEMPTS).toBeGreaterThanOrEqual(3);
    const c = createClients(profile, 'verify');
    try {
      for (const [name, client] of Object.entries({ ecs: c.ecs, elb: c.elb, ec2: c.ec2, sts: c.sts })) {
        const s = await strategyOf(client);
        expect(s.mode, `${name} client's retry mode`).toBe('adaptive');
        expect(await s.maxAttemptsProvider?.(), `${name} client's max attempts`).toBe(SDK_MAX_ATTEMPTS);
      }
    } finally {
      c.destroy();
    }
  });

  describe('against a throttling account', () => {
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
  });
});
