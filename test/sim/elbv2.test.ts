/**
 * The ELBv2 control plane through the real SDK v3 client: shapes, defaults, validation and
 * error codes, paging.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AddTagsCommand,
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  DeleteListenerCommand,
  DeleteLoadBalancerCommand,
  DeleteTargetGroupCommand,
  DeregisterTargetsCommand,
  DescribeListenersCommand,
  DescribeLoadBalancerAttributesCommand,
  DescribeLoadBalancersCommand,
  DescribeRulesCommand,
  DescribeTagsCommand,
  DescribeTargetGroupAttributesCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  type ElasticLoadBalancingV2Client,
  ModifyListenerCommand,
  ModifyLoadBalancerAttributesCommand,
  ModifyTargetGroupAttributesCommand,
  ModifyTargetGroupCommand,
  RegisterTargetsCommand,
  RemoveTagsCommand,
  SetSecurityGroupsCommand,
  type CreateTargetGroupCommandInput,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { startSim, type RunningSim } from '../../sim/index.js';
import { addInstance, addSecurityGroup, addVpc, elbClient, waitFor, type FakeNetwork } from './elbv2-fixtures.js';

let sim: RunningSim;
let elb: ElasticLoadBalancingV2Client;
let net: FakeNetwork;
let otherNet: FakeNetwork;

beforeAll(async () => {
  sim = await startSim({ scenario: 'empty', timeScale: 0.01 });
  elb = elbClient(sim);
  net = addVpc(sim.ctx);
  otherNet = addVpc(sim.ctx, '10.1.0.0/16');
});
afterAll(async () => {
  elb?.destroy();
  await sim?.close();
});

/** The AWS error code a call fails with. */
async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return (err as { Code?: string; name: string }).Code ?? (err as Error).name;
  }
  throw new Error('expected the call to fail');
}

async function messageOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected the call to fail');
}

const tgInput = (name: string, extra: Partial<CreateTargetGroupCommandInput> = {}): CreateTargetGroupCommandInput => ({
  Name: name,
  Protocol: 'HTTP',
  Port: 80,
  VpcId: net.vpc.vpcId,
  ...extra,
});

async function createTg(name: string, extra: Partial<CreateTargetGroupCommandInput> = {}) {
  const out = await elb.send(new CreateTargetGroupCommand(tgInput(name, extra)));
  return out.TargetGroups![0]!;
}

async function createLb(name: string, extra: { Scheme?: 'internal' | 'internet-facing'; SecurityGroups?: string[] } = {}) {
  const out = await elb.send(
    new CreateLoadBalancerCommand({ Name: name, Subnets: [net.subnets[0]!.subnetId, net.subnets[1]!.subnetId], ...extra }),
  );
  return out.LoadBalancers![0]!;
}

async function forwardListener(lbArn: string, tgArn: string, port = 80) {
  const out = await elb.send(
    new CreateListenerCommand({
      LoadBalancerArn: lbArn,
      Protocol: 'HTTP',
      Port: port,
      DefaultActions: [{ Type: 'forward', TargetGroupArn: tgArn }],
    }),
  );
  return out.Listeners![0]!;
}

describe('CreateTargetGroup', () => {
  it('applies the ALB defaults for an HTTP target group', async () => {
    const tg = await createTg('tg-defaults');
    expect(tg).toMatchObject({
      TargetGroupName: 'tg-defaults',
      Protocol: 'HTTP',
      Port: 80,
      VpcId: net.vpc.vpcId,
      TargetType: 'instance',
      HealthCheckProtocol: 'HTTP',
      HealthCheckPort: 'traffic-port',
      HealthCheckPath: '/',
      HealthCheckEnabled: true,
      HealthCheckIntervalSeconds: 30,
      HealthCheckTimeoutSeconds: 5,
      HealthyThresholdCount: 5,
      UnhealthyThresholdCount: 2,
      Matcher: { HttpCode: '200' },
      LoadBalancerArns: [],
      ProtocolVersion: 'HTTP1',
    });
    expect(tg.TargetGroupArn).toMatch(/^arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup\/tg-defaults\/[0-9a-f]{16}$/);
    const attrs = await elb.send(new DescribeTargetGroupAttributesCommand({ TargetGroupArn: tg.TargetGroupArn }));
    const map = Object.fromEntries(attrs.Attributes!.map((a) => [a.Key, a.Value]));
    expect(map).toMatchObject({
      'deregistration_delay.timeout_seconds': '300',
      'stickiness.enabled': 'false',
      'load_balancing.algorithm.type': 'round_robin',
      'slow_start.duration_seconds': '0',
    });
  });

  it('rejects names AWS rejects', async () => {
    for (const name of ['a'.repeat(33), 'bad_name', '-leading', 'trailing-', 'dot.ted']) {
      expect(await codeOf(createTg(name))).toBe('ValidationError');
    }
    expect(await messageOf(createTg('trailing-'))).toBe("Target group name 'trailing-' cannot begin or end with '-'");
    await expect(createTg('a'.repeat(32))).resolves.toBeDefined();
  });

  it('requires protocol, port and VPC for instance targets', async () => {
    const only = (input: Partial<CreateTargetGroupCommandInput>) => elb.send(new CreateTargetGroupCommand({ Name: 'tg-missing', ...input }));
    expect(await codeOf(only({ Port: 80, VpcId: net.vpc.vpcId }))).toBe('ValidationError');
    expect(await codeOf(only({ Protocol: 'HTTP', VpcId: net.vpc.vpcId }))).toBe('ValidationError');
    expect(await codeOf(only({ Protocol: 'HTTP', Port: 80 }))).toBe('ValidationError');
    expect(await codeOf(only({ Protocol: 'HTTP', Port: 80, VpcId: 'vpc-0000000000000dead' }))).toBe('ValidationError');
  });

  it('checks health-check ranges with AWS-like messages', async () => {
    const bad: Partial<CreateTargetGroupCommandInput>[] = [
      { HealthCheckIntervalSeconds: 4 },
      { HealthCheckIntervalSeconds: 301 },
      { HealthCheckTimeoutSeconds: 1 },
      { HealthCheckTimeoutSeconds: 121 },
      { HealthyThresholdCount: 1 },
      { HealthyThresholdCount: 11 },
      { UnhealthyThresholdCount: 1 },
      { UnhealthyThresholdCount: 11 },
      { HealthCheckIntervalSeconds: 10, HealthCheckTimeoutSeconds: 10 },
      { HealthCheckPath: 'no-slash' },
      { Matcher: { HttpCode: '600' } },
    ];
    for (const extra of bad) expect(await codeOf(createTg('tg-ranges', extra)), JSON.stringify(extra)).toBe('ValidationError');
    expect(await messageOf(createTg('tg-ranges', { HealthCheckIntervalSeconds: 4 }))).toBe(
      "1 validation error detected: Value '4' at 'healthCheckIntervalSeconds' failed to satisfy constraint: Member must have value greater than or equal to 5",
    );
    expect(await messageOf(createTg('tg-ranges', { HealthCheckIntervalSeconds: 10, HealthCheckTimeoutSeconds: 10 }))).toBe(
      'Health check interval must be greater than the timeout.',
    );
    const ok = await createTg('tg-ranges', { HealthCheckIntervalSeconds: 5, HealthCheckTimeoutSeconds: 2, Matcher: { HttpCode: '200-299,302' } });
    expect(ok.Matcher).toEqual({ HttpCode: '200-299,302' });
  });

  it('returns the existing group for identical settings and DuplicateTargetGroupName otherwise', async () => {
    const first = await createTg('tg-dup');
    const again = await createTg('tg-dup');
    expect(again.TargetGroupArn).toBe(first.TargetGroupArn);
    expect(await codeOf(createTg('tg-dup', { Port: 8080 }))).toBe('DuplicateTargetGroupName');
  });
});

describe('DescribeTargetGroups', () => {
  it('finds by name and ARN, pages with Marker/PageSize, reports unknown groups', async () => {
    const made = [];
    for (let i = 0; i < 5; i++) made.push(await createTg(`tg-page-${i}`));
    const byName = await elb.send(new DescribeTargetGroupsCommand({ Names: ['tg-page-1', 'tg-page-3'] }));
    expect(byName.TargetGroups!.map((t) => t.TargetGroupName)).toEqual(['tg-page-1', 'tg-page-3']);
    const byArn = await elb.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [made[2]!.TargetGroupArn!] }));
    expect(byArn.TargetGroups![0]!.TargetGroupName).toBe('tg-page-2');

    const all = await elb.send(new DescribeTargetGroupsCommand({}));
    const seen: string[] = [];
    let marker: string | undefined;
    let pages = 0;
    do {
      const page = await elb.send(new DescribeTargetGroupsCommand({ PageSize: 2, Marker: marker }));
      expect(page.TargetGroups!.length).toBeLessThanOrEqual(2);
      seen.push(...page.TargetGroups!.map((t) => t.TargetGroupArn!));
      marker = page.NextMarker;
      pages++;
    } while (marker);
    expect(seen).toEqual(all.TargetGroups!.map((t) => t.TargetGroupArn));
    expect(pages).toBe(Math.ceil(seen.length / 2));

    expect(await codeOf(elb.send(new DescribeTargetGroupsCommand({ Names: ['no-such-tg'] })))).toBe('TargetGroupNotFound');
    expect(await codeOf(elb.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [made[0]!.TargetGroupArn!.replace(/[0-9a-f]{16}$/, '0'.repeat(16))] })))).toBe(
      'TargetGroupNotFound',
    );
    expect(await codeOf(elb.send(new DescribeTargetGroupsCommand({ PageSize: 0 })))).toBe('ValidationError');
  });
});

describe('ModifyTargetGroup and attributes', () => {
  it('changes health-check settings within the ranges', async () => {
    const tg = await createTg('tg-modify');
    const out = await elb.send(
      new ModifyTargetGroupCommand({
        TargetGroupArn: tg.TargetGroupArn,
        HealthCheckPath: '/health',
        HealthCheckIntervalSeconds: 10,
        HealthyThresholdCount: 2,
        Matcher: { HttpCode: '200,302' },
      }),
    );
    expect(out.TargetGroups![0]).toMatchObject({ HealthCheckPath: '/health', HealthCheckIntervalSeconds: 10, HealthyThresholdCount: 2, Matcher: { HttpCode: '200,302' } });
    expect(await codeOf(elb.send(new ModifyTargetGroupCommand({ TargetGroupArn: tg.TargetGroupArn, HealthCheckTimeoutSeconds: 10 })))).toBe('ValidationError');
    expect(await codeOf(elb.send(new ModifyTargetGroupCommand({ TargetGroupArn: `${tg.TargetGroupArn}0`, HealthCheckPath: '/' })))).toBe('TargetGroupNotFound');
  });

  it('modifies known attributes and rejects unknown keys and bad values', async () => {
    const tg = await createTg('tg-attrs');
    const out = await elb.send(
      new ModifyTargetGroupAttributesCommand({
        TargetGroupArn: tg.TargetGroupArn,
        Attributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: '30' }],
      }),
    );
    expect(out.Attributes!.find((a) => a.Key === 'deregistration_delay.timeout_seconds')!.Value).toBe('30');
    const attrs = await elb.send(new DescribeTargetGroupAttributesCommand({ TargetGroupArn: tg.TargetGroupArn }));
    expect(attrs.Attributes!.find((a) => a.Key === 'deregistration_delay.timeout_seconds')!.Value).toBe('30');
    const modify = (Key: string, Value: string) =>
      elb.send(new ModifyTargetGroupAttributesCommand({ TargetGroupArn: tg.TargetGroupArn, Attributes: [{ Key, Value }] }));
    expect(await codeOf(modify('no.such.attribute', '1'))).toBe('ValidationError');
    expect(await codeOf(modify('deregistration_delay.timeout_seconds', '3601'))).toBe('ValidationError');
  });
});

describe('targets', () => {
  it('registers instances (port defaults to the group port), rejects unknown and foreign-VPC instances', async () => {
    const tg = await createTg('tg-targets');
    const sg = addSecurityGroup(sim.ctx, net.vpc.vpcId);
    const a = addInstance(sim.ctx, net, 0, [sg.groupId]);
    const b = addInstance(sim.ctx, net, 1, [sg.groupId]);
    const foreign = addInstance(sim.ctx, otherNet, 0, []);
    await elb.send(new RegisterTargetsCommand({ TargetGroupArn: tg.TargetGroupArn, Targets: [{ Id: a.instanceId }, { Id: b.instanceId, Port: 32768 }] }));

    const health = await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: tg.TargetGroupArn }));
    expect(health.TargetHealthDescriptions).toEqual([
      {
        Target: { Id: a.instanceId, Port: 80, AvailabilityZone: 'us-east-1a' },
        HealthCheckPort: '80',
        TargetHealth: { State: 'unused', Reason: 'Target.NotInUse', Description: 'Target group is not configured to receive traffic from the load balancer' },
      },
      {
        Target: { Id: b.instanceId, Port: 32768, AvailabilityZone: 'us-east-1b' },
        HealthCheckPort: '32768',
        TargetHealth: { State: 'unused', Reason: 'Target.NotInUse', Description: 'Target group is not configured to receive traffic from the load balancer' },
      },
    ]);
    const filtered = await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: tg.TargetGroupArn, Targets: [{ Id: b.instanceId, Port: 32768 }] }));
    expect(filtered.TargetHealthDescriptions!.map((d) => d.Target!.Id)).toEqual([b.instanceId]);
    const notRegistered = await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: tg.TargetGroupArn, Targets: [{ Id: b.instanceId, Port: 9999 }] }));
    expect(notRegistered.TargetHealthDescriptions![0]!.TargetHealth).toMatchObject({ State: 'unused', Reason: 'Target.NotRegistered' });

    const register = (Id: string) => elb.send(new RegisterTargetsCommand({ TargetGroupArn: tg.TargetGroupArn, Targets: [{ Id }] }));
    expect(await codeOf(register('i-0123456789abcdef0'))).toBe('InvalidTarget');
    expect(await codeOf(register(foreign.instanceId))).toBe('InvalidTarget');
    expect(await codeOf(elb.send(new RegisterTargetsCommand({ TargetGroupArn: `${tg.TargetGroupArn}0`, Targets: [{ Id: a.instanceId }] })))).toBe(
      'TargetGroupNotFound',
    );

    // Unused targets leave at once: no listener, no draining.
    await elb.send(new DeregisterTargetsCommand({ TargetGroupArn: tg.TargetGroupArn, Targets: [{ Id: a.instanceId }] }));
    const after = await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: tg.TargetGroupArn }));
    expect(after.TargetHealthDescriptions!.map((d) => d.Target!.Id)).toEqual([b.instanceId]);
  });
});

describe('CreateLoadBalancer', () => {
  it('creates a provisioning internet-facing ALB with AWS-shaped DNS name, zones and the default security group; active after a simulated minute', async () => {
    const lb = await createLb('alb-defaults');
    expect(lb).toMatchObject({
      LoadBalancerName: 'alb-defaults',
      Scheme: 'internet-facing',
      Type: 'application',
      State: { Code: 'provisioning' },
      VpcId: net.vpc.vpcId,
      CanonicalHostedZoneId: 'Z35SXDOTRQ7X7K',
      IpAddressType: 'ipv4',
      SecurityGroups: [net.defaultSg.groupId],
      AvailabilityZones: [
        { ZoneName: 'us-east-1a', SubnetId: net.subnets[0]!.subnetId },
        { ZoneName: 'us-east-1b', SubnetId: net.subnets[1]!.subnetId },
      ],
    });
    expect(lb.DNSName).toMatch(/^alb-defaults-\d{10}\.us-east-1\.elb\.amazonaws\.com$/);
    expect(lb.LoadBalancerArn).toMatch(/^arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer\/app\/alb-defaults\/[0-9a-f]{16}$/);
    expect(lb.CreatedTime).toBeInstanceOf(Date);
    await waitFor(async () => {
      const out = await elb.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [lb.LoadBalancerArn!] }));
      return out.LoadBalancers![0]!.State!.Code === 'active';
    }, 5_000);
  });

  it('names internal ALBs internal-…', async () => {
    const lb = await createLb('alb-internal-name', { Scheme: 'internal' });
    expect(lb.DNSName).toMatch(/^internal-alb-internal-name-\d{10}\.us-east-1\.elb\.amazonaws\.com$/);
  });

  it('validates name, subnets and security groups', async () => {
    for (const name of ['internal-x', 'a'.repeat(33), 'under_score', '-x']) expect(await codeOf(createLb(name))).toBe('ValidationError');
    const create = (Subnets: string[], SecurityGroups?: string[]) => elb.send(new CreateLoadBalancerCommand({ Name: 'alb-bad', Subnets, SecurityGroups }));
    expect(await messageOf(create([net.subnets[0]!.subnetId]))).toBe('At least two subnets in two different Availability Zones must be specified');
    expect(await codeOf(create([net.subnets[0]!.subnetId]))).toBe('ValidationError');
    expect(await codeOf(create([net.subnets[0]!.subnetId, 'subnet-0000000000000dead']))).toBe('SubnetNotFound');
    expect(await codeOf(create([net.subnets[0]!.subnetId, net.subnets[1]!.subnetId], ['sg-0000000000000dead']))).toBe('InvalidSecurityGroup');
    expect(await codeOf(create([net.subnets[0]!.subnetId, net.subnets[1]!.subnetId], [otherNet.defaultSg.groupId]))).toBe('InvalidSecurityGroup');
  });

  it('is idempotent for identical settings and answers DuplicateLoadBalancerName otherwise', async () => {
    const first = await createLb('alb-dup');
    const again = await createLb('alb-dup');
    expect(again.LoadBalancerArn).toBe(first.LoadBalancerArn);
    expect(await codeOf(createLb('alb-dup', { Scheme: 'internal' }))).toBe('DuplicateLoadBalancerName');
  });
});

describe('DescribeLoadBalancers', () => {
  it('finds by name, pages, and reports unknown load balancers', async () => {
    for (let i = 0; i < 3; i++) await createLb(`alb-page-${i}`);
    const byName = await elb.send(new DescribeLoadBalancersCommand({ Names: ['alb-page-2'] }));
    expect(byName.LoadBalancers!.map((l) => l.LoadBalancerName)).toEqual(['alb-page-2']);
    const all = await elb.send(new DescribeLoadBalancersCommand({}));
    const seen: string[] = [];
    let marker: string | undefined;
    do {
      const page = await elb.send(new DescribeLoadBalancersCommand({ PageSize: 1, Marker: marker }));
      seen.push(...page.LoadBalancers!.map((l) => l.LoadBalancerName!));
      marker = page.NextMarker;
    } while (marker);
    expect(seen).toEqual(all.LoadBalancers!.map((l) => l.LoadBalancerName));
    expect(await codeOf(elb.send(new DescribeLoadBalancersCommand({ Names: ['no-such-alb'] })))).toBe('LoadBalancerNotFound');
    expect(await codeOf(elb.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [`${all.LoadBalancers![0]!.LoadBalancerArn}0`] })))).toBe(
      'LoadBalancerNotFound',
    );
  });
});

describe('load balancer settings', () => {
  it('has AWS default attributes, modifies them, sets security groups', async () => {
    const lb = await createLb('alb-attrs');
    const attrs = await elb.send(new DescribeLoadBalancerAttributesCommand({ LoadBalancerArn: lb.LoadBalancerArn }));
    const map = Object.fromEntries(attrs.Attributes!.map((a) => [a.Key, a.Value]));
    expect(map).toMatchObject({
      'idle_timeout.timeout_seconds': '60',
      'load_balancing.cross_zone.enabled': 'true',
      'deletion_protection.enabled': 'false',
    });
    await elb.send(
      new ModifyLoadBalancerAttributesCommand({ LoadBalancerArn: lb.LoadBalancerArn, Attributes: [{ Key: 'idle_timeout.timeout_seconds', Value: '30' }] }),
    );
    const after = await elb.send(new DescribeLoadBalancerAttributesCommand({ LoadBalancerArn: lb.LoadBalancerArn }));
    expect(after.Attributes!.find((a) => a.Key === 'idle_timeout.timeout_seconds')!.Value).toBe('30');
    expect(
      await codeOf(elb.send(new ModifyLoadBalancerAttributesCommand({ LoadBalancerArn: lb.LoadBalancerArn, Attributes: [{ Key: 'bogus', Value: '1' }] }))),
    ).toBe('ValidationError');

    const sg = addSecurityGroup(sim.ctx, net.vpc.vpcId, 'alb-sg');
    const set = await elb.send(new SetSecurityGroupsCommand({ LoadBalancerArn: lb.LoadBalancerArn, SecurityGroups: [sg.groupId] }));
    expect(set.SecurityGroupIds).toEqual([sg.groupId]);
    const described = await elb.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [lb.LoadBalancerArn!] }));
    expect(described.LoadBalancers![0]!.SecurityGroups).toEqual([sg.groupId]);
    expect(await codeOf(elb.send(new SetSecurityGroupsCommand({ LoadBalancerArn: lb.LoadBalancerArn, SecurityGroups: ['sg-0000000000000dead'] })))).toBe(
      'InvalidSecurityGroup',
    );

    await elb.send(
      new ModifyLoadBalancerAttributesCommand({ LoadBalancerArn: lb.LoadBalancerArn, Attributes: [{ Key: 'deletion_protection.enabled', Value: 'true' }] }),
    );
    expect(await codeOf(elb.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: lb.LoadBalancerArn })))).toBe('OperationNotPermitted');
  });
});

describe('listeners', () => {
  it('creates, describes, modifies and deletes listeners; a used target group cannot be deleted', async () => {
    const lb = await createLb('alb-listeners');
    const tg = await createTg('tg-listeners');
    const tg2 = await createTg('tg-listeners-2');
    const inst = addInstance(sim.ctx, net, 0, []);
    await elb.send(new RegisterTargetsCommand({ TargetGroupArn: tg.TargetGroupArn, Targets: [{ Id: inst.instanceId }] }));

    const listener = await forwardListener(lb.LoadBalancerArn!, tg.TargetGroupArn!);
    expect(listener.ListenerArn).toMatch(/^arn:aws:elasticloadbalancing:us-east-1:123456789012:listener\/app\/alb-listeners\/[0-9a-f]{16}\/[0-9a-f]{16}$/);
    expect(listener).toMatchObject({
      LoadBalancerArn: lb.LoadBalancerArn,
      Port: 80,
      Protocol: 'HTTP',
      DefaultActions: [
        {
          Type: 'forward',
          TargetGroupArn: tg.TargetGroupArn,
          ForwardConfig: { TargetGroups: [{ TargetGroupArn: tg.TargetGroupArn, Weight: 1 }] },
        },
      ],
    });

    // The listener puts the group in use: its unused target starts health checking.
    const health = await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: tg.TargetGroupArn }));
    expect(health.TargetHealthDescriptions![0]!.TargetHealth!.State).toBe('initial');
    const tgs = await elb.send(new DescribeTargetGroupsCommand({ LoadBalancerArn: lb.LoadBalancerArn }));
    expect(tgs.TargetGroups!.map((t) => [t.TargetGroupName, t.LoadBalancerArns])).toEqual([['tg-listeners', [lb.LoadBalancerArn]]]);

    expect(await codeOf(forwardListener(lb.LoadBalancerArn!, tg2.TargetGroupArn!))).toBe('DuplicateListener');
    expect(await codeOf(forwardListener(lb.LoadBalancerArn!, `${tg.TargetGroupArn}0`, 81))).toBe('TargetGroupNotFound');
    expect(await codeOf(forwardListener(`${lb.LoadBalancerArn}0`, tg.TargetGroupArn!, 81))).toBe('LoadBalancerNotFound');
    expect(await codeOf(forwardListener(lb.LoadBalancerArn!, tg.TargetGroupArn!, 70000))).toBe('ValidationError');
    const otherLb = await createLb('alb-listeners-other');
    expect(await codeOf(forwardListener(otherLb.LoadBalancerArn!, tg.TargetGroupArn!))).toBe('TargetGroupAssociationLimit');

    const described = await elb.send(new DescribeListenersCommand({ LoadBalancerArn: lb.LoadBalancerArn }));
    expect(described.Listeners!.map((l) => l.ListenerArn)).toEqual([listener.ListenerArn]);
    const byArn = await elb.send(new DescribeListenersCommand({ ListenerArns: [listener.ListenerArn!] }));
    expect(byArn.Listeners![0]!.Port).toBe(80);
    expect(await codeOf(elb.send(new DescribeListenersCommand({ ListenerArns: [`${listener.ListenerArn}0`] })))).toBe('ListenerNotFound');

    const rules = await elb.send(new DescribeRulesCommand({ ListenerArn: listener.ListenerArn }));
    expect(rules.Rules).toHaveLength(1);
    expect(rules.Rules![0]).toMatchObject({ Priority: 'default', IsDefault: true, Conditions: [], Actions: [{ Type: 'forward', TargetGroupArn: tg.TargetGroupArn }] });
    expect(rules.Rules![0]!.RuleArn).toMatch(/:listener-rule\/app\/alb-listeners\//);
    const byRule = await elb.send(new DescribeRulesCommand({ RuleArns: [rules.Rules![0]!.RuleArn!] }));
    expect(byRule.Rules![0]!.RuleArn).toBe(rules.Rules![0]!.RuleArn);

    expect(await codeOf(elb.send(new DeleteTargetGroupCommand({ TargetGroupArn: tg.TargetGroupArn })))).toBe('ResourceInUse');
    expect(await messageOf(elb.send(new DeleteTargetGroupCommand({ TargetGroupArn: tg.TargetGroupArn })))).toBe(
      `Target group '${tg.TargetGroupArn}' is currently in use by a listener or a rule`,
    );

    const modified = await elb.send(
      new ModifyListenerCommand({
        ListenerArn: listener.ListenerArn,
        Port: 8080,
        DefaultActions: [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '404', ContentType: 'text/plain', MessageBody: 'nope' } }],
      }),
    );
    expect(modified.Listeners![0]).toMatchObject({
      Port: 8080,
      DefaultActions: [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '404', ContentType: 'text/plain', MessageBody: 'nope' } }],
    });
    // No listener forwards to the group any more: its target is unused again and the group can go.
    const unused = await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: tg.TargetGroupArn }));
    expect(unused.TargetHealthDescriptions![0]!.TargetHealth!.State).toBe('unused');
    await elb.send(new DeleteTargetGroupCommand({ TargetGroupArn: tg.TargetGroupArn }));
    expect(await codeOf(elb.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [tg.TargetGroupArn!] })))).toBe('TargetGroupNotFound');

    await elb.send(new DeleteListenerCommand({ ListenerArn: listener.ListenerArn }));
    expect(await codeOf(elb.send(new DeleteListenerCommand({ ListenerArn: listener.ListenerArn })))).toBe('ListenerNotFound');
    expect((await elb.send(new DescribeListenersCommand({ LoadBalancerArn: lb.LoadBalancerArn }))).Listeners).toEqual([]);
  });

  it('pages listeners and deletes them with their load balancer', async () => {
    const lb = await createLb('alb-many-listeners');
    for (const port of [80, 81, 82]) {
      await elb.send(
        new CreateListenerCommand({
          LoadBalancerArn: lb.LoadBalancerArn,
          Protocol: 'HTTP',
          Port: port,
          DefaultActions: [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '200' } }],
        }),
      );
    }
    const first = await elb.send(new DescribeListenersCommand({ LoadBalancerArn: lb.LoadBalancerArn, PageSize: 2 }));
    expect(first.Listeners!.map((l) => l.Port)).toEqual([80, 81]);
    const second = await elb.send(new DescribeListenersCommand({ LoadBalancerArn: lb.LoadBalancerArn, PageSize: 2, Marker: first.NextMarker }));
    expect(second.Listeners!.map((l) => l.Port)).toEqual([82]);
    expect(second.NextMarker).toBeUndefined();
    const arn = first.Listeners![0]!.ListenerArn!;

    await elb.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: lb.LoadBalancerArn }));
    expect(await codeOf(elb.send(new DescribeListenersCommand({ ListenerArns: [arn] })))).toBe('ListenerNotFound');
    expect(await codeOf(elb.send(new DescribeListenersCommand({ LoadBalancerArn: lb.LoadBalancerArn })))).toBe('LoadBalancerNotFound');
    // Deleting again succeeds, as on AWS.
    await elb.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: lb.LoadBalancerArn }));
  });
});

describe('tags', () => {
  it('adds, describes and removes tags on load balancers, target groups and listeners', async () => {
    const lb = await createLb('alb-tags');
    const tg = await createTg('tg-tags', { Tags: [{ Key: 'created-by', Value: 'test' }] });
    const listener = await forwardListener(lb.LoadBalancerArn!, tg.TargetGroupArn!);
    const arns = [lb.LoadBalancerArn!, tg.TargetGroupArn!, listener.ListenerArn!];
    await elb.send(new AddTagsCommand({ ResourceArns: arns, Tags: [{ Key: 'e2e:run', Value: 'r1' }] }));
    const described = await elb.send(new DescribeTagsCommand({ ResourceArns: arns }));
    expect(described.TagDescriptions).toEqual([
      { ResourceArn: lb.LoadBalancerArn, Tags: [{ Key: 'e2e:run', Value: 'r1' }] },
      { ResourceArn: tg.TargetGroupArn, Tags: [{ Key: 'created-by', Value: 'test' }, { Key: 'e2e:run', Value: 'r1' }] },
      { ResourceArn: listener.ListenerArn, Tags: [{ Key: 'e2e:run', Value: 'r1' }] },
    ]);
    await elb.send(new RemoveTagsCommand({ ResourceArns: [tg.TargetGroupArn!], TagKeys: ['created-by'] }));
    const after = await elb.send(new DescribeTagsCommand({ ResourceArns: [tg.TargetGroupArn!] }));
    expect(after.TagDescriptions![0]!.Tags).toEqual([{ Key: 'e2e:run', Value: 'r1' }]);
    expect(await codeOf(elb.send(new DescribeTagsCommand({ ResourceArns: [`${lb.LoadBalancerArn}0`] })))).toBe('LoadBalancerNotFound');
  });
});
