/**
 * realism.eventualConsistency: right after a create, reads miss the resource (EC2
 * InvalidGroup.NotFound, ELBv2 TargetGroupNotFound / LoadBalancerNotFound, ECS failure MISSING)
 * and a fresh rule is not in DescribeSecurityGroupRules; right after a delete, lists still show
 * it; a client retrying for a few simulated seconds always converges. Time scale 1: the windows
 * (0.5–3 simulated s) are real seconds, far longer than one loopback call.
 */
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  DeleteSecurityGroupCommand,
  DescribeSecurityGroupRulesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { CreateClusterCommand, CreateServiceCommand, DescribeServicesCommand, ECSClient, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import {
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  DeleteTargetGroupCommand,
  DescribeLoadBalancersCommand,
  DescribeTargetGroupsCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { afterEach, describe, expect, it } from 'vitest';
import { startSim, type RunningSim } from '../../sim/index.js';
import { MAX_WINDOW_MS } from '../../sim/realism/consistency.js';
import { until } from './ecs-helpers.js';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
/** Longer than the longest window, at time scale 1, with room for a loaded machine. */
const CONVERGES_WITHIN_MS = MAX_WINDOW_MS + 5_000;

let sim: RunningSim | undefined;
let clients: { ec2: EC2Client; elb: ElasticLoadBalancingV2Client; ecs: ECSClient } | undefined;
afterEach(async () => {
  for (const c of Object.values(clients ?? {})) c.destroy();
  await sim?.close();
});

async function start(eventualConsistency: boolean) {
  sim = await startSim({ scenario: 'empty', timeScale: 1, behaviours: { eventualConsistency }, seed: 7 });
  const options = { endpoint: sim.endpoint, region: sim.region, credentials, maxAttempts: 1 };
  clients = { ec2: new EC2Client(options), elb: new ElasticLoadBalancingV2Client(options), ecs: new ECSClient(options) };
  return clients;
}

const errorName = (p: Promise<unknown>) => p.then(() => 'none', (e: Error) => e.name);

/** What reads see at once after each create/delete, and that they converge. */
async function firstReads(eventualConsistency: boolean) {
  const { ec2, elb, ecs } = await start(eventualConsistency);
  const seen: Record<string, string> = {};

  const { GroupId } = await ec2.send(new CreateSecurityGroupCommand({ GroupName: 'fresh', Description: 'fresh' }));
  seen.groupById = await errorName(ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [GroupId!] })));
  await until(async () => (await errorName(ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [GroupId!] })))) === 'none', CONVERGES_WITHIN_MS);

  const rule = (await ec2.send(
    new AuthorizeSecurityGroupIngressCommand({ GroupId, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }] }),
  )).SecurityGroupRules![0]!.SecurityGroupRuleId!;
  const rulesOf = async () =>
    (await ec2.send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'group-id', Values: [GroupId!] }] }))).SecurityGroupRules!.map((r) => r.SecurityGroupRuleId);
  seen.freshRuleListed = String((await rulesOf()).includes(rule));
  await until(async () => (await rulesOf()).includes(rule), CONVERGES_WITHIN_MS);

  const listed = async () => (await ec2.send(new DescribeSecurityGroupsCommand({}))).SecurityGroups!.some((g) => g.GroupId === GroupId);
  await ec2.send(new DeleteSecurityGroupCommand({ GroupId }));
  seen.deletedGroupListed = String(await listed());
  await until(async () => !(await listed()), CONVERGES_WITHIN_MS);

  const vpcId = (await ec2.send(new DescribeSubnetsCommand({}))).Subnets![0]!.VpcId!;
  const tgArn = (await elb.send(new CreateTargetGroupCommand({ Name: 'fresh-tg', Protocol: 'HTTP', Port: 8080, VpcId: vpcId }))).TargetGroups![0]!.TargetGroupArn!;
  seen.targetGroupByArn = await errorName(elb.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [tgArn] })));
  await until(async () => (await errorName(elb.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [tgArn] })))) === 'none', CONVERGES_WITHIN_MS);
  await elb.send(new DeleteTargetGroupCommand({ TargetGroupArn: tgArn }));
  seen.deletedTargetGroupListed = String((await elb.send(new DescribeTargetGroupsCommand({}))).TargetGroups!.some((t) => t.TargetGroupArn === tgArn));

  const subnets = (await ec2.send(new DescribeSubnetsCommand({}))).Subnets!.map((s) => s.SubnetId!);
  const lbArn = (await elb.send(new CreateLoadBalancerCommand({ Name: 'fresh-alb', Subnets: subnets }))).LoadBalancers![0]!.LoadBalancerArn!;
  seen.loadBalancerByArn = await errorName(elb.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [lbArn] })));
  await until(async () => (await errorName(elb.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [lbArn] })))) === 'none', CONVERGES_WITHIN_MS);

  await ecs.send(new CreateClusterCommand({ clusterName: 'c' }));
  await ecs.send(new RegisterTaskDefinitionCommand({ family: 'f', containerDefinitions: [{ name: 'app', image: 'app', memory: 128 }] }));
  await ecs.send(new CreateServiceCommand({ cluster: 'c', serviceName: 'fresh', taskDefinition: 'f', desiredCount: 0 }));
  const failures = async () => (await ecs.send(new DescribeServicesCommand({ cluster: 'c', services: ['fresh'] }))).failures!.map((f) => f.reason);
  seen.serviceFailures = (await failures()).join(',') || 'none';
  await until(async () => (await failures()).length === 0, CONVERGES_WITHIN_MS);
  return seen;
}

describe('eventual consistency (realism.eventualConsistency)', () => {
  it('reads miss fresh resources and still see deleted ones, then converge', async () => {
    expect(await firstReads(true)).toEqual({
      groupById: 'InvalidGroup.NotFound',
      freshRuleListed: 'false',
      deletedGroupListed: 'true',
      targetGroupByArn: 'TargetGroupNotFoundException', // the SDK's name for code TargetGroupNotFound
      deletedTargetGroupListed: 'true',
      loadBalancerByArn: 'LoadBalancerNotFoundException',
      serviceFailures: 'MISSING',
    });
  });

  it('without the switch every read is consistent at once', async () => {
    expect(await firstReads(false)).toEqual({
      groupById: 'none',
      freshRuleListed: 'true',
      deletedGroupListed: 'false',
      targetGroupByArn: 'none',
      deletedTargetGroupListed: 'false',
      loadBalancerByArn: 'none',
      serviceFailures: 'none',
    });
  });
});
