/**
 * The ALB data plane over real sockets: reachability (provisioning, internal, listener port,
 * the ALB's security groups), per-request round robin, draining, fail open, 502/503/504,
 * and health checks judged by the instance's security groups.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  DeregisterTargetsCommand,
  DescribeLoadBalancersCommand,
  DescribeTargetHealthCommand,
  type Action,
  type CreateTargetGroupCommandInput,
  type ElasticLoadBalancingV2Client,
  type LoadBalancer,
  ModifyLoadBalancerAttributesCommand,
  RegisterTargetsCommand,
  type TargetHealthDescription,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { startSim, type RunningSim } from '../../sim/index.js';
import type { Instance, SecurityGroup } from '../../sim/world.js';
import {
  addInstance,
  addSecurityGroup,
  addVpc,
  albTimesOut,
  allowIngress,
  callAlb,
  elbClient,
  startFakeTask,
  waitFor,
  type FakeNetwork,
  type FakeTask,
} from './elbv2-fixtures.js';

const TIME_SCALE = 0.01;
/** Fast checks: every 5 s (50 ms real), 2 s timeout, 2 successes to recover. */
const FAST_CHECKS: Partial<CreateTargetGroupCommandInput> = {
  HealthCheckPath: '/health',
  HealthCheckIntervalSeconds: 5,
  HealthCheckTimeoutSeconds: 2,
  HealthyThresholdCount: 2,
  UnhealthyThresholdCount: 2,
};

let sim: RunningSim;
let elb: ElasticLoadBalancingV2Client;
let net: FakeNetwork;
let albSg: SecurityGroup;
let instanceSg: SecurityGroup;
let instances: Instance[];
const tasks: FakeTask[] = [];

beforeAll(async () => {
  sim = await startSim({ scenario: 'empty', timeScale: TIME_SCALE });
  elb = elbClient(sim);
  net = addVpc(sim.ctx);
  albSg = addSecurityGroup(sim.ctx, net.vpc.vpcId, 'alb-sg');
  for (const port of [80, 81, 8080]) allowIngress(albSg, { cidr: '0.0.0.0/0' }, port);
  instanceSg = addSecurityGroup(sim.ctx, net.vpc.vpcId, 'instance-sg');
  allowIngress(instanceSg, { groupId: albSg.groupId }, 0, 65535);
  instances = [0, 1, 2].map((zone) => addInstance(sim.ctx, net, zone, [instanceSg.groupId]));
});
afterAll(async () => {
  elb?.destroy();
  await Promise.all(tasks.map((t) => t.close()));
  await sim?.close();
});

async function task(instance: Instance): Promise<FakeTask> {
  const t = await startFakeTask(sim.ctx, instance);
  tasks.push(t);
  return t;
}

interface AlbSetup {
  lb: LoadBalancer;
  dns: string;
  tgArn?: string;
}

let tgCounter = 0;

/** An ALB with one listener; `targets` → a forward to a fresh target group holding them. */
async function alb(
  name: string,
  opts: {
    securityGroups?: string[];
    scheme?: 'internal' | 'internet-facing';
    port?: number;
    targets?: { instance: Instance; port: number }[];
    checks?: Partial<CreateTargetGroupCommandInput>;
    action?: Action;
  } = {},
): Promise<AlbSetup> {
  const created = await elb.send(
    new CreateLoadBalancerCommand({
      Name: name,
      Subnets: net.subnets.map((s) => s.subnetId),
      SecurityGroups: opts.securityGroups ?? [albSg.groupId],
      Scheme: opts.scheme,
    }),
  );
  const lb = created.LoadBalancers![0]!;
  // Generous idle timeout (3 s real): other processes may stall this machine; 504s are tested on purpose below.
  await elb.send(
    new ModifyLoadBalancerAttributesCommand({ LoadBalancerArn: lb.LoadBalancerArn, Attributes: [{ Key: 'idle_timeout.timeout_seconds', Value: '300' }] }),
  );
  let tgArn: string | undefined;
  let action = opts.action;
  if (!action) {
    const tg = await elb.send(
      new CreateTargetGroupCommand({ Name: `tg-${++tgCounter}`, Protocol: 'HTTP', Port: 80, VpcId: net.vpc.vpcId, ...(opts.checks ?? FAST_CHECKS) }),
    );
    tgArn = tg.TargetGroups![0]!.TargetGroupArn!;
    if (opts.targets?.length) {
      await elb.send(
        new RegisterTargetsCommand({ TargetGroupArn: tgArn, Targets: opts.targets.map((t) => ({ Id: t.instance.instanceId, Port: t.port })) }),
      );
    }
    action = { Type: 'forward', TargetGroupArn: tgArn };
  }
  await elb.send(new CreateListenerCommand({ LoadBalancerArn: lb.LoadBalancerArn, Protocol: 'HTTP', Port: opts.port ?? 80, DefaultActions: [action] }));
  return { lb, dns: lb.DNSName!, tgArn };
}

async function waitActive(setup: AlbSetup): Promise<void> {
  await waitFor(async () => {
    const out = await elb.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [setup.lb.LoadBalancerArn!] }));
    return out.LoadBalancers![0]!.State!.Code === 'active';
  });
}

async function health(tgArn: string): Promise<TargetHealthDescription[]> {
  return (await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: tgArn }))).TargetHealthDescriptions!;
}

async function waitStates(tgArn: string, wanted: (states: string[]) => boolean): Promise<TargetHealthDescription[]> {
  let last: TargetHealthDescription[] = [];
  await waitFor(async () => {
    last = await health(tgArn);
    return wanted(last.map((d) => d.TargetHealth!.State!));
  });
  return last;
}

const allAre = (state: string) => (states: string[]) => states.length > 0 && states.every((s) => s === state);

/** Sends n requests, `concurrency` at a time; counts answers per body. */
async function spread(dns: string, n: number, concurrency = 10): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (let sent = 0; sent < n; sent += concurrency) {
    const batch = await Promise.all(Array.from({ length: Math.min(concurrency, n - sent) }, () => callAlb(sim, dns)));
    for (const a of batch) {
      expect(a.status).toBe(200);
      counts.set(a.body, (counts.get(a.body) ?? 0) + 1);
    }
  }
  return counts;
}

const hello = (t: FakeTask) => `Hello from ${t.containerId}!`;

async function freePort(host: string): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, host, resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

// Independent ALBs: these run side by side, so the file costs one provisioning wait per group.
describe.concurrent('reachability', () => {
  it('gives no answer while the ALB is provisioning, then answers once active', async () => {
    const setup = await alb('alb-early', { action: { Type: 'fixed-response', FixedResponseConfig: { StatusCode: '200', MessageBody: 'ready' } } });
    expect(await albTimesOut(sim, setup.dns, 300)).toBe(true);
    await waitActive(setup);
    const answer = await callAlb(sim, setup.dns);
    expect(answer).toMatchObject({ status: 200, body: 'ready' });
    expect(answer.headers.server).toBe('awselb/2.0');
  });

  it('gives no answer when its security group does not admit the client, and answers once the rule is added', async () => {
    const closedSg = addSecurityGroup(sim.ctx, net.vpc.vpcId, 'alb-closed-sg');
    allowIngress(instanceSg, { groupId: closedSg.groupId }, 0, 65535);
    const t = await task(instances[0]!);
    const setup = await alb('alb-closed', { securityGroups: [closedSg.groupId], targets: [{ instance: t.instance, port: t.port }] });
    await waitActive(setup);
    expect(await albTimesOut(sim, setup.dns, 500)).toBe(true);
    allowIngress(closedSg, { cidr: '0.0.0.0/0' }, 80);
    const answer = await callAlb(sim, setup.dns);
    expect(answer).toMatchObject({ status: 200, body: hello(t) });
  });

  it('gives no answer for an internal ALB', async () => {
    const setup = await alb('alb-internal', { scheme: 'internal', action: { Type: 'fixed-response', FixedResponseConfig: { StatusCode: '200' } } });
    await waitActive(setup);
    expect(setup.dns.startsWith('internal-')).toBe(true);
    expect(await albTimesOut(sim, setup.dns, 500)).toBe(true);
  });

  it('answers a listener on 8080 only as Host <dns>:8080', async () => {
    const t = await task(instances[1]!);
    const setup = await alb('alb-8080', { port: 8080, targets: [{ instance: t.instance, port: t.port }] });
    await waitActive(setup);
    expect(await albTimesOut(sim, setup.dns, 500)).toBe(true);
    const answer = await callAlb(sim, `${setup.dns}:8080`);
    expect(answer).toMatchObject({ status: 200, body: hello(t) });
    expect(t.seen.filter((h) => h['x-forwarded-port']).at(-1)).toMatchObject({ 'x-forwarded-port': '8080', 'x-forwarded-proto': 'http' });
  });
});

describe('forwarding', () => {
  let rr: AlbSetup;
  let rrTasks: FakeTask[];

  beforeAll(async () => {
    rrTasks = await Promise.all(instances.map((i) => task(i)));
    rr = await alb('alb-rr', {
      targets: rrTasks.map((t) => ({ instance: t.instance, port: t.port })),
      // Ten straight failed checks to go unhealthy: a stalled machine cannot upset the exact spread.
      checks: { ...FAST_CHECKS, UnhealthyThresholdCount: 10 },
    });
    await waitActive(rr);
  });

  it('spreads requests exactly round robin over 3 healthy targets', async () => {
    const described = await waitStates(rr.tgArn!, allAre('healthy'));
    expect(described.map((d) => d.Target!.AvailabilityZone).sort()).toEqual(['us-east-1a', 'us-east-1b', 'us-east-1c']);
    const counts = await spread(rr.dns, 300);
    expect(Object.fromEntries(counts)).toEqual(Object.fromEntries(rrTasks.map((t) => [hello(t), 100])));
    expect(rrTasks[0]!.seen.find((h) => h['x-forwarded-for'])).toMatchObject({
      'x-forwarded-for': sim.ctx.clientIp,
      'x-forwarded-proto': 'http',
      'x-forwarded-port': '80',
      host: rr.dns,
    });
  });

  it('stops routing to a deregistered target at once while it shows draining', async () => {
    const [gone, ...rest] = rrTasks;
    await elb.send(new DeregisterTargetsCommand({ TargetGroupArn: rr.tgArn, Targets: [{ Id: gone!.instance.instanceId, Port: gone!.port }] }));
    const counts = await spread(rr.dns, 30);
    expect(counts.get(hello(gone!))).toBeUndefined();
    expect(Object.fromEntries(counts)).toEqual(Object.fromEntries(rest.map((t) => [hello(t), 15])));
    const draining = (await health(rr.tgArn!)).find((d) => d.Target!.Port === gone!.port)!;
    expect(draining.TargetHealth).toMatchObject({ State: 'draining', Reason: 'Target.DeregistrationInProgress' });
  });

  it('never forwards to a target the sim-only skip fault names', async () => {
    const skipped = rrTasks[1]!;
    sim.ctx.world.faults.albSkips.set(rr.lb.LoadBalancerArn!, new Set([`${skipped.instance.instanceId}:${skipped.port}`]));
    const counts = await spread(rr.dns, 10);
    expect(Object.fromEntries(counts)).toEqual({ [hello(rrTasks[2]!)]: 10 });
    sim.ctx.world.faults.albSkips.clear();
  });

});

describe.concurrent('answers of the ALB itself', () => {
  it('answers 503 with the ALB page when the target group has no targets', async () => {
    const setup = await alb('alb-empty');
    await waitActive(setup);
    const answer = await callAlb(sim, setup.dns);
    expect(answer.status).toBe(503);
    expect(answer.headers.server).toBe('awselb/2.0');
    expect(answer.body).toContain('<center><h1>503 Service Temporarily Unavailable</h1></center>');
  });

  it('answers 502 when the target refuses the connection', async () => {
    const port = await freePort(instances[2]!.publicIpAddress);
    const setup = await alb('alb-refused', { targets: [{ instance: instances[2]!, port }] });
    await waitActive(setup);
    const answer = await callAlb(sim, setup.dns);
    expect(answer.status).toBe(502);
    expect(answer.body).toContain('502 Bad Gateway');
    const [d] = await waitStates(setup.tgArn!, allAre('unhealthy'));
    expect(d!.TargetHealth).toMatchObject({ Reason: 'Target.FailedHealthChecks' });
  });

  it('serves fixed responses and redirects', async () => {
    const fixed = await alb('alb-fixed', {
      action: { Type: 'fixed-response', FixedResponseConfig: { StatusCode: '404', ContentType: 'application/json', MessageBody: '{"no":"page"}' } },
    });
    const redirect = await alb('alb-redirect', { port: 81, action: { Type: 'redirect', RedirectConfig: { StatusCode: 'HTTP_301', Port: '80' } } });
    await Promise.all([waitActive(fixed), waitActive(redirect)]);
    const answer = await callAlb(sim, fixed.dns, '/anything');
    expect(answer).toMatchObject({ status: 404, body: '{"no":"page"}' });
    expect(answer.headers['content-type']).toContain('application/json');
    const moved = await callAlb(sim, `${redirect.dns}:81`, '/a/b?x=1');
    expect(moved.status).toBe(301);
    expect(moved.headers.location).toBe(`http://${redirect.dns}/a/b?x=1`);
  });
});

describe.concurrent('health checks', () => {
  it('moves initial → healthy after one success, fails open when all are unhealthy, recovers after the healthy threshold', async () => {
    const pair = await Promise.all([task(instances[0]!), task(instances[1]!)]);
    for (const t of pair) t.healthStatus = 500;
    const setup = await alb('alb-failopen', { targets: pair.map((t) => ({ instance: t.instance, port: t.port })) });
    const initial = await health(setup.tgArn!);
    expect(initial.map((d) => d.TargetHealth!.State)).toEqual(['initial', 'initial']);
    await waitActive(setup);

    // Wait for the reason too: on a loaded machine one check may time out on the way.
    let unhealthy: TargetHealthDescription[] = [];
    await waitFor(async () => {
      unhealthy = await health(setup.tgArn!);
      return unhealthy.every((d) => d.TargetHealth!.State === 'unhealthy' && d.TargetHealth!.Reason === 'Target.ResponseCodeMismatch');
    });
    expect(unhealthy[0]!.TargetHealth).toEqual({
      State: 'unhealthy',
      Reason: 'Target.ResponseCodeMismatch',
      Description: 'Health checks failed with these codes: [500]',
    });
    // All unhealthy: the ALB fails open and keeps routing round robin over both.
    const failOpen = await spread(setup.dns, 20);
    expect(Object.fromEntries(failOpen)).toEqual(Object.fromEntries(pair.map((t) => [hello(t), 10])));

    pair[0]!.healthStatus = 200;
    await waitStates(setup.tgArn!, (s) => s[0] === 'healthy');
    const routed = await spread(setup.dns, 10);
    expect(Object.fromEntries(routed)).toEqual({ [hello(pair[0]!)]: 10 });
  });

  it('goes healthy after a single success from initial', async () => {
    const t = await task(instances[2]!);
    const setup = await alb('alb-one-success', {
      targets: [{ instance: t.instance, port: t.port }],
      checks: { ...FAST_CHECKS, HealthyThresholdCount: 10 },
    });
    await waitActive(setup);
    await waitStates(setup.tgArn!, (s) => s[0] !== 'initial');
    expect((await health(setup.tgArn!))[0]!.TargetHealth!.State).toBe('healthy');
  });

  it('times out when the instance admits the ALB only on port 80 while the task is on a dynamic port; the traffic gets 504', async () => {
    const narrowSg = addSecurityGroup(sim.ctx, net.vpc.vpcId, 'narrow-instance-sg');
    allowIngress(narrowSg, { groupId: albSg.groupId }, 80);
    const instance = addInstance(sim.ctx, net, 0, [narrowSg.groupId]);
    const t = await task(instance);
    const setup = await alb('alb-narrow', { targets: [{ instance, port: t.port }] });
    await elb.send(
      new ModifyLoadBalancerAttributesCommand({
        LoadBalancerArn: setup.lb.LoadBalancerArn,
        Attributes: [{ Key: 'idle_timeout.timeout_seconds', Value: '10' }],
      }),
    );
    await waitActive(setup);
    const [d] = await waitStates(setup.tgArn!, allAre('unhealthy'));
    expect(d!.TargetHealth).toEqual({ State: 'unhealthy', Reason: 'Target.Timeout', Description: 'Request timed out' });
    expect(d!.HealthCheckPort).toBe(String(t.port));

    const answer = await callAlb(sim, setup.dns);
    expect(answer.status).toBe(504);
    expect(answer.body).toContain('504 Gateway Time-out');

    // Opening the ephemeral range to the ALB fixes both.
    allowIngress(narrowSg, { groupId: albSg.groupId }, 32768, 65535);
    await waitStates(setup.tgArn!, allAre('healthy'));
    expect(await callAlb(sim, setup.dns)).toMatchObject({ status: 200, body: hello(t) });
  });
});
