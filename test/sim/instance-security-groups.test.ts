/**
 * Several security groups per instance: ModifyInstanceAttribute (GroupId.N) replaces them, the
 * describes show them, and enforcement on a task's port evaluates the union of ALL the instance's
 * groups — with the union of ALL an ALB's groups as the source of ALB connections.
 */
import { request } from 'node:http';
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  DescribeInstanceAttributeCommand,
  DescribeInstancesCommand,
  DescribeSecurityGroupsCommand,
  EC2Client,
  ModifyInstanceAttributeCommand,
  type IpPermission,
} from '@aws-sdk/client-ec2';
import { DescribeTasksCommand, ListTasksCommand, type ECSClient } from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type RunningSim } from '../../sim/index.js';
import { httpGet } from './ecs-helpers.js';
import { ecsClient, putLoadBalancerFor, putTargetGroup } from './ecs-world.js';

let sim: RunningSim;
let ec2: EC2Client;
let ecs: ECSClient;
/** One task of the old service: where it listens and on which instance. */
let target: { instanceId: string; ip: string; port: number; vpcId: string };

const PROBE_MS = 600;

beforeAll(async () => {
  sim = await startSim({ nicknames: ['nick'] });
  ec2 = new EC2Client({ endpoint: sim.endpoint, region: sim.region, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  ecs = ecsClient(sim);
  const cluster = 'nick_ecs_cluster';
  const arns = (await ecs.send(new ListTasksCommand({ cluster, serviceName: 'nick_app_service' }))).taskArns!;
  const task = (await ecs.send(new DescribeTasksCommand({ cluster, tasks: [arns[0]!] }))).tasks![0]!;
  const instanceId = sim.ctx.world.tasks.get(task.taskArn!)!.ec2InstanceId;
  const instance = (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }))).Reservations![0]!.Instances![0]!;
  target = { instanceId, ip: instance.PublicIpAddress!, port: task.containers![0]!.networkBindings![0]!.hostPort!, vpcId: instance.VpcId! };
});
afterAll(async () => {
  ec2?.destroy();
  ecs?.destroy();
  await sim?.close();
});

async function group(name: string, permissions: IpPermission[] = [], vpcId = target.vpcId): Promise<string> {
  const id = (await ec2.send(new CreateSecurityGroupCommand({ GroupName: name, Description: name, VpcId: vpcId }))).GroupId!;
  if (permissions.length) await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: id, IpPermissions: permissions }));
  return id;
}

const setGroups = (groups: string[]) => ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: target.instanceId, Groups: groups }));

/** 'answered' or 'silent' for a fresh connection to the task, optionally from a given local address. */
function probe(localAddress?: string): Promise<'answered' | 'silent'> {
  if (!localAddress) return httpGet(`http://${target.ip}:${target.port}/`, PROBE_MS).then(() => 'answered' as const, () => 'silent' as const);
  return new Promise((resolve) => {
    const req = request({ host: target.ip, port: target.port, path: '/', localAddress, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve('answered'));
    });
    req.setTimeout(PROBE_MS, () => {
      req.destroy();
      resolve('silent');
    });
    req.on('error', () => resolve('silent'));
    req.end();
  });
}

async function errorOf(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
  } catch (e) {
    const err = e as { Code?: string; name: string; message: string };
    return { code: err.Code ?? err.name, message: err.message };
  }
  throw new Error('expected the call to fail');
}

describe('ModifyInstanceAttribute with several groups', () => {
  it('replaces the groups; DescribeInstances and DescribeInstanceAttribute groupSet show them in order', async () => {
    const a = await group('multi-a');
    const b = await group('multi-b');
    await setGroups([a, b]);
    const instance = (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [target.instanceId] }))).Reservations![0]!.Instances![0]!;
    expect(instance.SecurityGroups!.map((g) => [g.GroupId, g.GroupName])).toEqual([
      [a, 'multi-a'],
      [b, 'multi-b'],
    ]);
    expect(instance.NetworkInterfaces![0]!.Groups!.map((g) => g.GroupId)).toEqual([a, b]);
    const attr = await ec2.send(new DescribeInstanceAttributeCommand({ InstanceId: target.instanceId, Attribute: 'groupSet' }));
    expect(attr.Groups!.map((g) => g.GroupId)).toEqual([a, b]);
    const filtered = await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'instance.group-id', Values: [b] }] }));
    expect(filtered.Reservations!.map((r) => r.Instances![0]!.InstanceId)).toEqual([target.instanceId]);
  });

  it('answers InvalidGroup.NotFound for an unknown group and for a group of another VPC, and leaves the groups as they were', async () => {
    const before = sim.ctx.world.instances.get(target.instanceId)!.securityGroupIds;
    expect(await errorOf(setGroups(['sg-0123456789abcdef0']))).toEqual({ code: 'InvalidGroup.NotFound', message: "The security group 'sg-0123456789abcdef0' does not exist" });
    const defaultVpcGroup = (await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-name', Values: ['default'] }] }))).SecurityGroups!.find(
      (g) => g.VpcId !== target.vpcId,
    )!.GroupId!;
    expect(await errorOf(setGroups([before[0]!, defaultVpcGroup]))).toEqual({
      code: 'InvalidGroup.NotFound',
      message: 'You have specified two resources that belong to different networks.',
    });
    expect((await errorOf(setGroups(['not-a-group']))).code).toBe('InvalidGroupId.Malformed');
    expect((await errorOf(ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: 'i-0123456789abcdef0', Groups: before })))).code).toBe('InvalidInstanceID.NotFound');
    expect(sim.ctx.world.instances.get(target.instanceId)!.securityGroupIds).toEqual(before);
  });

  it('refuses more than 5 groups per network interface', async () => {
    const six = await Promise.all([1, 2, 3, 4, 5, 6].map((n) => group(`six-${n}`)));
    expect((await errorOf(setGroups(six))).code).toBe('SecurityGroupsPerInterfaceLimitExceeded');
  });
});

describe('enforcement evaluates the union of an instance groups', () => {
  it('admits a direct connection through the second group, and holds it silent when no group admits it', async () => {
    const closed = await group('union-closed');
    const highPorts = await group('union-high-ports', [{ IpProtocol: 'tcp', FromPort: 32768, ToPort: 60999, IpRanges: [{ CidrIp: '203.0.113.0/24' }] }]);
    await setGroups([closed]);
    expect(await probe()).toBe('silent');
    await setGroups([closed, highPorts]);
    expect(await probe()).toBe('answered');
    await setGroups([highPorts, closed]);
    expect(await probe()).toBe('answered');
  });
});

describe('an ALB with several groups as the source', () => {
  it('is admitted by a rule referencing any one of its groups, and not by a rule referencing a group it lacks', async (t) => {
    // An ALB's connections are told apart by their own loopback address; without distinct addresses
    // (non-Linux) a test cannot connect as the ALB.
    if (!sim.ctx.network.distinctAddresses) t.skip();
    const albMain = await group('alb-main');
    const albDefault = await group('alb-default');
    const unrelated = await group('unrelated');
    const tg = putTargetGroup(sim.ctx, 'multi-tg', { vpcId: target.vpcId });
    const lb = putLoadBalancerFor(sim.ctx, tg, 'multi-alb');
    lb.securityGroupIds = [albMain, albDefault];
    const all = (from: string): IpPermission[] => [{ IpProtocol: 'tcp', FromPort: 0, ToPort: 65535, UserIdGroupPairs: [{ GroupId: from }] }];
    const fromDefault = await group('from-alb-default', all(albDefault));
    const fromUnrelated = await group('from-unrelated', all(unrelated));
    const closed = await group('alb-closed');

    await setGroups([closed, fromDefault]);
    expect(await probe(lb.sourceAddress)).toBe('answered');
    expect(await probe()).toBe('silent');
    await setGroups([closed, fromUnrelated]);
    expect(await probe(lb.sourceAddress)).toBe('silent');
    lb.securityGroupIds = [albMain, unrelated];
    expect(await probe(lb.sourceAddress)).toBe('answered');
  });
});
