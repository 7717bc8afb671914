/**
 * realism.throttling: per-account token buckets at AWS's documented sizes, answered with each
 * service's own throttling error and status; refill runs in simulated time; throttled calls are
 * logged; and an SDK client with default retries gets through a burst.
 */
import { DescribeSecurityGroupsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DescribeClustersCommand, DescribeServicesCommand, ECSClient } from '@aws-sdk/client-ecs';
import { DescribeTargetGroupsCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { afterEach, describe, expect, it } from 'vitest';
import { SimClock } from '../../sim/clock.js';
import { startSim, type RunningSim } from '../../sim/index.js';
import { Throttle } from '../../sim/realism/throttling.js';
import { CLUSTER } from './realism-helpers.js';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const clients: { destroy(): void }[] = [];
let sim: RunningSim | undefined;
afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await sim?.close();
  sim = undefined;
});

function ec2(s: RunningSim, maxAttempts?: number): EC2Client {
  const c = new EC2Client({ endpoint: s.endpoint, region: s.region, credentials, maxAttempts });
  clients.push(c);
  return c;
}

interface Outcome {
  ok: number;
  errors: { name: string; status?: number }[];
}

async function burst(n: number, call: () => Promise<unknown>): Promise<Outcome> {
  const results = await Promise.allSettled(Array.from({ length: n }, call));
  const errors = results.flatMap((r) => {
    if (r.status === 'fulfilled') return [];
    const e = r.reason as { name: string; $metadata?: { httpStatusCode?: number } };
    return [{ name: e.name, status: e.$metadata?.httpStatusCode }];
  });
  return { ok: n - errors.length, errors };
}

/** A clock whose simulated time only moves when the test says so. */
class ManualClock extends SimClock {
  t = 0;
  override now(): number {
    return this.t;
  }
}

describe('token buckets', () => {
  it('EC2 DescribeSecurityGroups without filters: 50 tokens, 10 per simulated second', () => {
    const clock = new ManualClock(0.05);
    const throttle = new Throttle(clock);
    for (let i = 0; i < 50; i++) throttle.admit('ec2', 'DescribeSecurityGroups');
    expect(() => throttle.admit('ec2', 'DescribeSecurityGroups')).toThrow(expect.objectContaining({ code: 'RequestLimitExceeded', status: 503 }));
    // With a filter it draws from the action's larger bucket (100 / 20).
    for (let i = 0; i < 100; i++) throttle.admit('ec2', 'DescribeSecurityGroups', { Filter: [] });
    expect(() => throttle.admit('ec2', 'DescribeSecurityGroups', { Filter: [] })).toThrow();
    clock.t = 1_000; // one simulated second: 10 more unfiltered tokens
    for (let i = 0; i < 10; i++) throttle.admit('ec2', 'DescribeSecurityGroups');
    expect(() => throttle.admit('ec2', 'DescribeSecurityGroups')).toThrow();
    expect(throttle.readout()['ec2:DescribeSecurityGroups:unfiltered']).toEqual({ capacity: 50, refillPerSecond: 10, tokens: 0, throttled: 2 });
  });

  it('ECS service reads share one bucket (100 / 20); ELB calls also share the account bucket (40 / 10)', () => {
    const clock = new ManualClock(1);
    const throttle = new Throttle(clock);
    for (let i = 0; i < 60; i++) throttle.admit('ecs', 'DescribeServices');
    for (let i = 0; i < 40; i++) throttle.admit('ecs', 'ListServices');
    expect(() => throttle.admit('ecs', 'ListServices')).toThrow(expect.objectContaining({ code: 'ThrottlingException', status: 400 }));
    throttle.admit('ecs', 'DescribeTasks'); // another category, its own bucket
    for (let i = 0; i < 20; i++) throttle.admit('elbv2', i % 2 ? 'DescribeTargetGroups' : 'ModifyTargetGroupAttributes');
    for (let i = 0; i < 20; i++) throttle.admit('elbv2', 'DescribeTargetHealth');
    expect(() => throttle.admit('elbv2', 'DescribeLoadBalancers')).toThrow(expect.objectContaining({ code: 'Throttling', status: 400 }));
    clock.t = 100; // 0.1 simulated s: one account token
    throttle.admit('elbv2', 'DescribeLoadBalancers');
  });

  it("refill 'real': AWS's rates per real second whatever the time scale; switching keeps the tokens held", () => {
    const clock = new ManualClock(0.01);
    let real = 0;
    const throttle = new Throttle(clock, 'simulated', () => real);
    for (let i = 0; i < 50; i++) throttle.admit('ec2', 'DescribeSecurityGroups');
    throttle.setRefill('real');
    expect(throttle.refill).toBe('real');
    clock.t = 60_000; // a simulated minute passes (0.6 s at this scale): no token in real time
    expect(() => throttle.admit('ec2', 'DescribeSecurityGroups')).toThrow(expect.objectContaining({ code: 'RequestLimitExceeded' }));
    real = 1_000; // one real second: 10 tokens (50 / 10)
    for (let i = 0; i < 10; i++) throttle.admit('ec2', 'DescribeSecurityGroups');
    expect(() => throttle.admit('ec2', 'DescribeSecurityGroups')).toThrow();
    throttle.setRefill('simulated');
    clock.t = 61_000; // back on simulated seconds: one simulated second, 10 tokens
    for (let i = 0; i < 10; i++) throttle.admit('ec2', 'DescribeSecurityGroups');
    expect(() => throttle.admit('ec2', 'DescribeSecurityGroups')).toThrow();
  });
});

describe('on the wire (realism.throttling alone)', () => {
  // Time scale 10: buckets refill ten times slower than real time, so a burst's count is exact.
  const slow = () => startSim({ scenario: 'empty', timeScale: 10, behaviours: { throttling: true } });

  it('EC2: RequestLimitExceeded, HTTP 503; logged in /_sim/calls and counted in /_sim/throttling', async () => {
    sim = await slow();
    const client = ec2(sim, 1);
    const out = await burst(60, () => client.send(new DescribeSecurityGroupsCommand({})));
    expect(out.ok).toBeGreaterThanOrEqual(50);
    expect(out.ok).toBeLessThanOrEqual(52);
    expect(out.errors.every((e) => e.name === 'RequestLimitExceeded' && e.status === 503)).toBe(true);
    const calls = (await (await fetch(`${sim.endpoint}/_sim/calls`)).json()) as { action: string; error?: string }[];
    expect(calls.filter((c) => c.action === 'DescribeSecurityGroups' && c.error === 'RequestLimitExceeded')).toHaveLength(out.errors.length);
    const readout = (await (await fetch(`${sim.endpoint}/_sim/throttling`)).json()) as { enabled: boolean; buckets: Record<string, { throttled: number }> };
    expect(readout.enabled).toBe(true);
    expect(readout.buckets['ec2:DescribeSecurityGroups:unfiltered']!.throttled).toBe(out.errors.length);
  });

  it('ECS: ThrottlingException, HTTP 400', async () => {
    sim = await slow();
    const ecs = new ECSClient({ endpoint: sim.endpoint, region: sim.region, credentials, maxAttempts: 1 });
    clients.push(ecs);
    const out = await burst(60, () => ecs.send(new DescribeClustersCommand({ clusters: ['none'] })));
    expect(out.ok).toBeGreaterThanOrEqual(50);
    expect(out.errors.length).toBeGreaterThan(0);
    expect(new Set(out.errors.map((e) => `${e.name} ${e.status}`))).toEqual(new Set(['ThrottlingException 400']));
  });

  it('ELBv2: Throttling, HTTP 400', async () => {
    sim = await slow();
    const elb = new ElasticLoadBalancingV2Client({ endpoint: sim.endpoint, region: sim.region, credentials, maxAttempts: 1 });
    clients.push(elb);
    const out = await burst(50, () => elb.send(new DescribeTargetGroupsCommand({})));
    expect(out.ok).toBeGreaterThanOrEqual(40);
    expect(out.errors.length).toBeGreaterThan(0);
    expect(new Set(out.errors.map((e) => `${e.name} ${e.status}`))).toEqual(new Set(['Throttling 400']));
  });

  it('without the switch nothing is throttled', async () => {
    sim = await startSim({ scenario: 'empty', timeScale: 10 });
    const client = ec2(sim, 1);
    const out = await burst(80, () => client.send(new DescribeSecurityGroupsCommand({})));
    expect(out).toEqual({ ok: 80, errors: [] });
  });
});

describe('an SDK client with default retries under --realism aws', () => {
  /** Empties a bucket: bursts without retries until one call is throttled. */
  async function drain(call: () => Promise<unknown>): Promise<void> {
    for (let round = 0; round < 20; round++) {
      if ((await burst(60, call)).errors.length > 0) return;
    }
    throw new Error('the bucket never ran dry');
  }

  async function throttledInLog(code: string): Promise<number> {
    const calls = (await (await fetch(`${sim!.endpoint}/_sim/calls`)).json()) as { error?: string }[];
    return calls.filter((c) => c.error === code).length;
  }

  it('gets through bursts of Describe calls that were throttled on the way', async () => {
    sim = await startSim({ realism: 'aws' });
    const options = { endpoint: sim.endpoint, region: sim.region, credentials };
    const once = { ec2: new EC2Client({ ...options, maxAttempts: 1 }), ecs: new ECSClient({ ...options, maxAttempts: 1 }) };
    const withRetries = { ec2: new EC2Client(options), ecs: new ECSClient(options) };
    clients.push(once.ec2, once.ecs, withRetries.ec2, withRetries.ecs);
    const describeGroups = (c: EC2Client) => () => c.send(new DescribeSecurityGroupsCommand({}));
    const describeServices = (c: ECSClient) => () => c.send(new DescribeServicesCommand({ cluster: CLUSTER, services: ['nick_app_service'] }));

    await drain(describeGroups(once.ec2));
    const ec2Before = await throttledInLog('RequestLimitExceeded');
    expect(await burst(60, describeGroups(withRetries.ec2))).toEqual({ ok: 60, errors: [] });
    expect(await throttledInLog('RequestLimitExceeded')).toBeGreaterThan(ec2Before);

    await drain(describeServices(once.ecs));
    const ecsBefore = await throttledInLog('ThrottlingException');
    expect(await burst(60, describeServices(withRetries.ecs))).toEqual({ ok: 60, errors: [] });
    expect(await throttledInLog('ThrottlingException')).toBeGreaterThan(ecsBefore);
  });
});
