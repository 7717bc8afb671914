/**
 * The simulator's EC2 API through the real SDK v3 client (and the AWS CLI), against the
 * empty scenario. Security groups are created through the API; the network (VPC, subnets,
 * instances) has no create action in the simulator, so what the scenario does not provide
 * is placed into the world directly by `network()` below.
 */
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import {
  AuthorizeSecurityGroupEgressCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  CreateTagsCommand,
  DeleteSecurityGroupCommand,
  DeleteTagsCommand,
  DescribeAvailabilityZonesCommand,
  DescribeInstancesCommand,
  DescribeSecurityGroupRulesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeTagsCommand,
  DescribeVpcsCommand,
  EC2Client,
  RevokeSecurityGroupEgressCommand,
  RevokeSecurityGroupIngressCommand,
  type IpPermission,
} from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ec2Id } from '../../sim/ids.js';
import { startSim, type RunningSim } from '../../sim/index.js';
import type { Instance, LoadBalancer, Subnet, Vpc, World } from '../../sim/world.js';

const run = promisify(execFile);
const hasAws = spawnSync('aws', ['--version']).status === 0;
if (!hasAws) console.warn('ec2.test: `aws` is not on PATH; skipping the AWS CLI check');

let sim: RunningSim;
let ec2: EC2Client;
let net: { vpc: Vpc; subnets: Subnet[]; instances: Instance[]; workshopVpc: Vpc };

/**
 * The default VPC and its subnets from the scenario when it has them, else a default VPC
 * 172.31.0.0/16 with three subnets put into the world here. Instances and a second,
 * non-default VPC are always added here (the simulator has no RunInstances or CreateVpc),
 * 6 instances so that MaxResults 5 pages.
 */
function network(world: World, publicAddress: () => string) {
  let vpc = [...world.vpcs.values()].find((v) => v.isDefault);
  if (!vpc) {
    vpc = { vpcId: ec2Id('vpc'), cidrBlock: '172.31.0.0/16', isDefault: true, tags: new Map() };
    world.vpcs.set(vpc.vpcId, vpc);
    ['a', 'b', 'c'].forEach((letter, i) => {
      const subnet: Subnet = {
        subnetId: ec2Id('subnet'),
        vpcId: vpc!.vpcId,
        cidrBlock: `172.31.${i * 16}.0/20`,
        availabilityZone: `us-east-1${letter}`,
        availabilityZoneId: `use1-az${i + 1}`,
        mapPublicIpOnLaunch: true,
        tags: new Map(),
      };
      world.subnets.set(subnet.subnetId, subnet);
    });
  }
  const subnets = [...world.subnets.values()].filter((s) => s.vpcId === vpc!.vpcId);
  const instances: Instance[] = [];
  for (let n = 0; n < 6; n++) {
    const subnet = subnets[n % subnets.length]!;
    const instance: Instance = {
      instanceId: ec2Id('i'),
      instanceType: 't3.micro',
      subnetId: subnet.subnetId,
      vpcId: vpc.vpcId,
      availabilityZone: subnet.availabilityZone,
      privateIpAddress: `172.31.${(n % 3) * 16}.${10 + n}`,
      publicIpAddress: publicAddress(),
      securityGroupIds: [],
      state: n === 5 ? 'stopped' : 'running',
      launchTime: new Date(),
      tags: new Map([['Name', `ec2-test-${n}`]]),
    };
    world.instances.set(instance.instanceId, instance);
    instances.push(instance);
  }
  // A non-default VPC like the workshop's, for what EC2 does differently outside the default VPC.
  const workshopVpc: Vpc = { vpcId: ec2Id('vpc'), cidrBlock: '50.0.0.0/16', isDefault: false, tags: new Map() };
  world.vpcs.set(workshopVpc.vpcId, workshopVpc);
  return { vpc, subnets, instances, workshopVpc };
}

beforeAll(async () => {
  sim = await startSim({ scenario: 'empty' });
  ec2 = new EC2Client({
    endpoint: sim.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  net = network(sim.ctx.world, () => sim.ctx.network.instanceAddress());
});

afterAll(async () => {
  ec2?.destroy();
  await sim?.close();
});

/** The AWS error code a call fails with, and its message. */
async function failure(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
  } catch (err) {
    const e = err as { name: string; Code?: string; message: string };
    return { code: e.Code ?? e.name, message: e.message };
  }
  throw new Error('expected the call to fail');
}

let groupCounter = 0;
async function newGroup(prefix = 'grp', vpcId: string | undefined = net.vpc.vpcId): Promise<string> {
  const out = await ec2.send(
    new CreateSecurityGroupCommand({ GroupName: `${prefix}-${++groupCounter}`, Description: `test ${prefix}`, VpcId: vpcId }),
  );
  return out.GroupId!;
}

async function groupOf(groupId: string) {
  const out = await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [groupId] }));
  return out.SecurityGroups![0]!;
}

async function rulesOf(groupId: string) {
  const out = await ec2.send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'group-id', Values: [groupId] }] }));
  return out.SecurityGroupRules!;
}

const allTcpFromAnywhere: IpPermission = { IpProtocol: 'tcp', FromPort: 0, ToPort: 65535, IpRanges: [{ CidrIp: '0.0.0.0/0' }] };

describe('network views', () => {
  it('DescribeAvailabilityZones gives the region a/b/c zones with AWS zone ids', async () => {
    const out = await ec2.send(new DescribeAvailabilityZonesCommand({}));
    expect(out.AvailabilityZones!.map((z) => [z.ZoneName, z.ZoneId, z.State, z.RegionName])).toEqual([
      ['us-east-1a', 'use1-az1', 'available', 'us-east-1'],
      ['us-east-1b', 'use1-az2', 'available', 'us-east-1'],
      ['us-east-1c', 'use1-az3', 'available', 'us-east-1'],
    ]);
    const one = await ec2.send(new DescribeAvailabilityZonesCommand({ Filters: [{ Name: 'zone-id', Values: ['use1-az2'] }] }));
    expect(one.AvailabilityZones!.map((z) => z.ZoneName)).toEqual(['us-east-1b']);
  });

  it('DescribeVpcs by id and by filters', async () => {
    const byId = await ec2.send(new DescribeVpcsCommand({ VpcIds: [net.vpc.vpcId] }));
    expect(byId.Vpcs).toHaveLength(1);
    expect(byId.Vpcs![0]).toMatchObject({ VpcId: net.vpc.vpcId, CidrBlock: net.vpc.cidrBlock, IsDefault: true, State: 'available' });
    const isDefault = await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'is-default', Values: ['true'] }] }));
    expect(isDefault.Vpcs!.map((v) => v.VpcId)).toContain(net.vpc.vpcId);
    const byCidr = await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'cidr', Values: [net.vpc.cidrBlock] }] }));
    expect(byCidr.Vpcs!.map((v) => v.VpcId)).toContain(net.vpc.vpcId);
    const none = await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'vpc-id', Values: ['vpc-0000000000000000f'] }] }));
    expect(none.Vpcs).toEqual([]);
  });

  it('DescribeVpcs filters by tag:Name and tag-key, with wildcards', async () => {
    await ec2.send(new CreateTagsCommand({ Resources: [net.vpc.vpcId], Tags: [{ Key: 'Name', Value: 'nick-workshop-vpc' }] }));
    const byName = await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'tag:Name', Values: ['*-workshop-vpc'] }] }));
    expect(byName.Vpcs!.map((v) => v.VpcId)).toEqual([net.vpc.vpcId]);
    expect(byName.Vpcs![0]!.Tags).toContainEqual({ Key: 'Name', Value: 'nick-workshop-vpc' });
    const byKey = await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'tag-key', Values: ['Name'] }] }));
    expect(byKey.Vpcs!.map((v) => v.VpcId)).toContain(net.vpc.vpcId);
  });

  it('DescribeVpcs with an unknown id fails with InvalidVpcID.NotFound', async () => {
    const e = await failure(ec2.send(new DescribeVpcsCommand({ VpcIds: ['vpc-0123456789abcdef0'] })));
    expect(e).toEqual({ code: 'InvalidVpcID.NotFound', message: "The vpc ID 'vpc-0123456789abcdef0' does not exist" });
  });

  it('rejects an unknown filter name', async () => {
    const e = await failure(ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'colour', Values: ['blue'] }] })));
    expect(e.code).toBe('InvalidParameterValue');
  });

  it('DescribeSubnets by vpc-id, availability-zone and ids', async () => {
    const inVpc = await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [net.vpc.vpcId] }] }));
    expect(inVpc.Subnets!.map((s) => s.SubnetId).sort()).toEqual(net.subnets.map((s) => s.subnetId).sort());
    const first = net.subnets[0]!;
    const inAz = await ec2.send(
      new DescribeSubnetsCommand({
        Filters: [
          { Name: 'vpc-id', Values: [net.vpc.vpcId] },
          { Name: 'availability-zone', Values: [first.availabilityZone] },
        ],
      }),
    );
    expect(inAz.Subnets!.map((s) => s.SubnetId)).toEqual([first.subnetId]);
    const byId = await ec2.send(new DescribeSubnetsCommand({ SubnetIds: [first.subnetId] }));
    expect(byId.Subnets![0]).toMatchObject({
      SubnetId: first.subnetId,
      VpcId: net.vpc.vpcId,
      CidrBlock: first.cidrBlock,
      AvailabilityZone: first.availabilityZone,
      AvailabilityZoneId: first.availabilityZoneId,
      State: 'available',
      MapPublicIpOnLaunch: first.mapPublicIpOnLaunch,
    });
    expect(byId.Subnets![0]!.AvailableIpAddressCount).toBeGreaterThan(0);
  });

  it('DescribeSubnets filters by tag and fails on an unknown id', async () => {
    const subnet = net.subnets[1]!;
    await ec2.send(new CreateTagsCommand({ Resources: [subnet.subnetId], Tags: [{ Key: 'tier', Value: 'public' }] }));
    const tagged = await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'tag:tier', Values: ['public'] }] }));
    expect(tagged.Subnets!.map((s) => s.SubnetId)).toEqual([subnet.subnetId]);
    const e = await failure(ec2.send(new DescribeSubnetsCommand({ SubnetIds: ['subnet-0123456789abcdef0'] })));
    expect(e).toEqual({ code: 'InvalidSubnetID.NotFound', message: "The subnet ID 'subnet-0123456789abcdef0' does not exist" });
  });

  it('DescribeInstances nests instances in reservations with addresses, placement, groups, state and tags', async () => {
    const sg = await newGroup('instance-sg');
    const instance = net.instances[0]!;
    instance.securityGroupIds = [sg];
    const out = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instance.instanceId] }));
    expect(out.Reservations).toHaveLength(1);
    const got = out.Reservations![0]!.Instances![0]!;
    expect(got).toMatchObject({
      InstanceId: instance.instanceId,
      InstanceType: 't3.micro',
      PublicIpAddress: instance.publicIpAddress,
      PrivateIpAddress: instance.privateIpAddress,
      SubnetId: instance.subnetId,
      VpcId: net.vpc.vpcId,
      Placement: { AvailabilityZone: instance.availabilityZone },
      State: { Code: 16, Name: 'running' },
      SecurityGroups: [{ GroupId: sg, GroupName: `instance-sg-${groupCounter}` }],
    });
    expect(got.Tags).toContainEqual({ Key: 'Name', Value: 'ec2-test-0' });
    expect(got.LaunchTime).toBeInstanceOf(Date);
    instance.securityGroupIds = [];
    await ec2.send(new DeleteSecurityGroupCommand({ GroupId: sg }));
  });

  it('DescribeInstances filters by state, vpc, tag and zone', async () => {
    const ids = (r: { Reservations?: { Instances?: { InstanceId?: string }[] }[] }) =>
      r.Reservations!.flatMap((x) => x.Instances!.map((i) => i.InstanceId!));
    const running = await ec2.send(
      new DescribeInstancesCommand({
        Filters: [
          { Name: 'instance-state-name', Values: ['running'] },
          { Name: 'vpc-id', Values: [net.vpc.vpcId] },
        ],
      }),
    );
    expect(ids(running).sort()).toEqual(net.instances.filter((i) => i.state === 'running').map((i) => i.instanceId).sort());
    const byTag = await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'tag:Name', Values: ['ec2-test-2'] }] }));
    expect(ids(byTag)).toEqual([net.instances[2]!.instanceId]);
    const zone = net.instances[1]!.availabilityZone;
    const byZone = await ec2.send(
      new DescribeInstancesCommand({
        Filters: [
          { Name: 'availability-zone', Values: [zone] },
          { Name: 'instance-id', Values: net.instances.map((i) => i.instanceId) },
        ],
      }),
    );
    expect(ids(byZone).sort()).toEqual(net.instances.filter((i) => i.availabilityZone === zone).map((i) => i.instanceId).sort());
  });

  it('a stopped instance keeps its private address but not its public one', async () => {
    const stopped = net.instances.find((i) => i.state === 'stopped')!;
    const out = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [stopped.instanceId] }));
    const got = out.Reservations![0]!.Instances![0]!;
    expect(got.State).toEqual({ Code: 80, Name: 'stopped' });
    expect(got.PrivateIpAddress).toBe(stopped.privateIpAddress);
    expect(got.PublicIpAddress).toBeUndefined();
  });

  it('DescribeInstances pages over reservations with MaxResults/NextToken', async () => {
    const filter = [{ Name: 'tag:Name', Values: ['ec2-test-*'] }];
    const first = await ec2.send(new DescribeInstancesCommand({ Filters: filter, MaxResults: 5 }));
    expect(first.Reservations).toHaveLength(5);
    expect(first.NextToken).toBeTruthy();
    const second = await ec2.send(new DescribeInstancesCommand({ Filters: filter, MaxResults: 5, NextToken: first.NextToken }));
    expect(second.Reservations).toHaveLength(1);
    expect(second.NextToken).toBeUndefined();
    const seen = [...first.Reservations!, ...second.Reservations!].map((r) => r.Instances![0]!.InstanceId);
    expect(new Set(seen).size).toBe(6);
  });

  it('DescribeInstances with an unknown id fails with InvalidInstanceID.NotFound', async () => {
    const e = await failure(ec2.send(new DescribeInstancesCommand({ InstanceIds: ['i-0123456789abcdef0'] })));
    expect(e).toEqual({ code: 'InvalidInstanceID.NotFound', message: "The instance ID 'i-0123456789abcdef0' does not exist" });
  });
});

describe('security groups', () => {
  it('CreateSecurityGroup returns id, arn and tags, with the default egress rule', async () => {
    const out = await ec2.send(
      new CreateSecurityGroupCommand({
        GroupName: 'nick-ecs-alb-sg',
        Description: 'ALB security group',
        VpcId: net.vpc.vpcId,
        TagSpecifications: [{ ResourceType: 'security-group', Tags: [{ Key: 'e2e:run', Value: 'r1' }] }],
      }),
    );
    expect(out.GroupId).toMatch(/^sg-[0-9a-f]{17}$/);
    expect(out.SecurityGroupArn).toBe(`arn:aws:ec2:us-east-1:123456789012:security-group/${out.GroupId}`);
    expect(out.Tags).toEqual([{ Key: 'e2e:run', Value: 'r1' }]);
    const sg = await groupOf(out.GroupId!);
    expect(sg).toMatchObject({
      GroupName: 'nick-ecs-alb-sg',
      Description: 'ALB security group',
      VpcId: net.vpc.vpcId,
      OwnerId: '123456789012',
      IpPermissions: [],
      IpPermissionsEgress: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
    });
    expect(sg.IpPermissionsEgress![0]!.FromPort).toBeUndefined();
  });

  it('CreateSecurityGroup without VpcId uses the default VPC', async () => {
    const groupId = await newGroup('in-default', undefined);
    expect((await groupOf(groupId)).VpcId).toBe(net.vpc.vpcId);
  });

  it('rejects a duplicate name in the same VPC, missing parameters and an unknown VPC', async () => {
    const dup = await failure(
      ec2.send(new CreateSecurityGroupCommand({ GroupName: 'nick-ecs-alb-sg', Description: 'again', VpcId: net.vpc.vpcId })),
    );
    expect(dup).toEqual({
      code: 'InvalidGroup.Duplicate',
      message: `The security group 'nick-ecs-alb-sg' already exists for VPC '${net.vpc.vpcId}'`,
    });
    const noDescription = await failure(
      ec2.send(new CreateSecurityGroupCommand({ GroupName: 'x', Description: undefined as unknown as string, VpcId: net.vpc.vpcId })),
    );
    expect(noDescription).toEqual({ code: 'MissingParameter', message: 'The request must contain the parameter GroupDescription' });
    const badVpc = await failure(
      ec2.send(new CreateSecurityGroupCommand({ GroupName: 'y', Description: 'y', VpcId: 'vpc-0123456789abcdef0' })),
    );
    expect(badVpc.code).toBe('InvalidVpcID.NotFound');
  });

  it('DescribeSecurityGroups by an unknown id fails with InvalidGroup.NotFound', async () => {
    const e = await failure(ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: ['sg-0123456789abcdef0'] })));
    expect(e).toEqual({ code: 'InvalidGroup.NotFound', message: "The security group 'sg-0123456789abcdef0' does not exist" });
    const malformed = await failure(ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: ['nick-ecs-alb-sg'] })));
    expect(malformed.code).toBe('InvalidGroupId.Malformed');
  });

  it('DescribeSecurityGroups filters by group-name, vpc-id, tag and tag-key; GroupNames look in the default VPC', async () => {
    const byName = await ec2.send(
      new DescribeSecurityGroupsCommand({
        Filters: [
          { Name: 'group-name', Values: ['nick-ecs-alb-sg'] },
          { Name: 'vpc-id', Values: [net.vpc.vpcId] },
        ],
      }),
    );
    expect(byName.SecurityGroups!.map((g) => g.GroupName)).toEqual(['nick-ecs-alb-sg']);
    const byTag = await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'tag:e2e:run', Values: ['r1'] }] }));
    expect(byTag.SecurityGroups!.map((g) => g.GroupName)).toEqual(['nick-ecs-alb-sg']);
    const byKey = await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'tag-key', Values: ['e2e:run'] }] }));
    expect(byKey.SecurityGroups!.map((g) => g.GroupName)).toEqual(['nick-ecs-alb-sg']);
    const byGroupName = await ec2.send(new DescribeSecurityGroupsCommand({ GroupNames: ['nick-ecs-alb-sg'] }));
    expect(byGroupName.SecurityGroups).toHaveLength(1);
    const e = await failure(ec2.send(new DescribeSecurityGroupsCommand({ GroupNames: ['no-such-group'] })));
    expect(e.code).toBe('InvalidGroup.NotFound');
  });

  it('DescribeSecurityGroups pages: 7 groups, MaxResults 5', async () => {
    for (let n = 0; n < 7; n++) {
      await ec2.send(
        new CreateSecurityGroupCommand({
          GroupName: `page-${n}`,
          Description: 'paging',
          VpcId: net.vpc.vpcId,
          TagSpecifications: [{ ResourceType: 'security-group', Tags: [{ Key: 'batch', Value: 'paging' }] }],
        }),
      );
    }
    const filter = [{ Name: 'tag:batch', Values: ['paging'] }];
    const first = await ec2.send(new DescribeSecurityGroupsCommand({ Filters: filter, MaxResults: 5 }));
    expect(first.SecurityGroups).toHaveLength(5);
    expect(first.NextToken).toBeTruthy();
    const second = await ec2.send(new DescribeSecurityGroupsCommand({ Filters: filter, MaxResults: 5, NextToken: first.NextToken }));
    expect(second.SecurityGroups).toHaveLength(2);
    expect(second.NextToken).toBeUndefined();
    const names = [...first.SecurityGroups!, ...second.SecurityGroups!].map((g) => g.GroupName).sort();
    expect(names).toEqual(['page-0', 'page-1', 'page-2', 'page-3', 'page-4', 'page-5', 'page-6']);
    const tooSmall = await failure(ec2.send(new DescribeSecurityGroupsCommand({ MaxResults: 2 })));
    expect(tooSmall.code).toBe('InvalidParameterValue');
  });

  it('DeleteSecurityGroup by id and by name; unknown groups fail with InvalidGroup.NotFound', async () => {
    const byId = await newGroup('doomed');
    await ec2.send(new DeleteSecurityGroupCommand({ GroupId: byId }));
    expect((await failure(groupOf(byId))).code).toBe('InvalidGroup.NotFound');
    const byName = await newGroup('doomed-by-name');
    await ec2.send(new DeleteSecurityGroupCommand({ GroupName: `doomed-by-name-${groupCounter}` }));
    expect((await failure(groupOf(byName))).code).toBe('InvalidGroup.NotFound');
    const again = await failure(ec2.send(new DeleteSecurityGroupCommand({ GroupId: byId })));
    expect(again).toEqual({ code: 'InvalidGroup.NotFound', message: `The security group '${byId}' does not exist` });
  });

  it('DeleteSecurityGroup fails with DependencyViolation while an instance, a load balancer or another group uses it', async () => {
    const dependency = (groupId: string) => ({ code: 'DependencyViolation', message: `resource ${groupId} has a dependent object` });

    const onInstance = await newGroup('on-instance');
    const instance = net.instances[3]!;
    instance.securityGroupIds = [onInstance];
    expect(await failure(ec2.send(new DeleteSecurityGroupCommand({ GroupId: onInstance })))).toEqual(dependency(onInstance));
    instance.securityGroupIds = [];
    await ec2.send(new DeleteSecurityGroupCommand({ GroupId: onInstance }));

    // Load balancers belong to the ELBv2 API; a minimal one stands in for it here.
    const onLb = await newGroup('on-lb');
    const lb = {
      arn: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/ec2-test/1',
      name: 'ec2-test',
      dnsName: 'ec2-test-1.us-east-1.elb.amazonaws.com',
      securityGroupIds: [onLb],
    };
    sim.ctx.world.loadBalancers.set(lb.arn, lb as unknown as LoadBalancer);
    try {
      expect(await failure(ec2.send(new DeleteSecurityGroupCommand({ GroupId: onLb })))).toEqual(dependency(onLb));
    } finally {
      sim.ctx.world.loadBalancers.delete(lb.arn);
    }
    await ec2.send(new DeleteSecurityGroupCommand({ GroupId: onLb }));

    const referenced = await newGroup('referenced');
    const referrer = await newGroup('referrer');
    await ec2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: referrer,
        IpPermissions: [{ IpProtocol: 'tcp', FromPort: 0, ToPort: 65535, UserIdGroupPairs: [{ GroupId: referenced }] }],
      }),
    );
    expect(await failure(ec2.send(new DeleteSecurityGroupCommand({ GroupId: referenced })))).toEqual(dependency(referenced));
    await ec2.send(new DeleteSecurityGroupCommand({ GroupId: referrer }));
    await ec2.send(new DeleteSecurityGroupCommand({ GroupId: referenced }));
  });
});

describe('security group rules', () => {
  it('authorizes IpPermissions as one flat rule per CIDR/group/prefix, shown nested and flat', async () => {
    const albSg = await newGroup('alb');
    const clusterSg = await newGroup('cluster');
    const out = await ec2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: clusterSg,
        IpPermissions: [
          {
            IpProtocol: 'tcp',
            FromPort: 80,
            ToPort: 80,
            IpRanges: [{ CidrIp: '0.0.0.0/0', Description: 'web' }, { CidrIp: '10.0.0.0/8' }],
            Ipv6Ranges: [{ CidrIpv6: '::/0' }],
          },
          { IpProtocol: 'tcp', FromPort: 0, ToPort: 65535, UserIdGroupPairs: [{ GroupId: albSg, Description: 'from ALB' }] },
          { IpProtocol: 'tcp', FromPort: 443, ToPort: 443, PrefixListIds: [{ PrefixListId: 'pl-0123abcd' }] },
        ],
      }),
    );
    expect(out.Return).toBe(true);
    expect(out.SecurityGroupRules).toHaveLength(5);
    expect(out.SecurityGroupRules!.every((r) => /^sgr-[0-9a-f]{17}$/.test(r.SecurityGroupRuleId!))).toBe(true);

    const sg = await groupOf(clusterSg);
    expect(sg.IpPermissions).toEqual([
      {
        IpProtocol: 'tcp',
        FromPort: 80,
        ToPort: 80,
        IpRanges: [{ CidrIp: '0.0.0.0/0', Description: 'web' }, { CidrIp: '10.0.0.0/8' }],
        Ipv6Ranges: [{ CidrIpv6: '::/0' }],
        UserIdGroupPairs: [],
        PrefixListIds: [],
      },
      {
        IpProtocol: 'tcp',
        FromPort: 0,
        ToPort: 65535,
        IpRanges: [],
        Ipv6Ranges: [],
        UserIdGroupPairs: [{ GroupId: albSg, UserId: '123456789012', Description: 'from ALB' }],
        PrefixListIds: [],
      },
      {
        IpProtocol: 'tcp',
        FromPort: 443,
        ToPort: 443,
        IpRanges: [],
        Ipv6Ranges: [],
        UserIdGroupPairs: [],
        PrefixListIds: [{ PrefixListId: 'pl-0123abcd' }],
      },
    ]);

    const ingress = (await rulesOf(clusterSg)).filter((r) => !r.IsEgress);
    expect(ingress).toHaveLength(5);
    const fromAlb = ingress.find((r) => r.ReferencedGroupInfo)!;
    expect(fromAlb).toMatchObject({
      GroupId: clusterSg,
      GroupOwnerId: '123456789012',
      IsEgress: false,
      IpProtocol: 'tcp',
      FromPort: 0,
      ToPort: 65535,
      ReferencedGroupInfo: { GroupId: albSg, UserId: '123456789012' },
      Description: 'from ALB',
    });
    expect(ingress.find((r) => r.CidrIpv6 === '::/0')).toMatchObject({ FromPort: 80, ToPort: 80 });
    expect(ingress.find((r) => r.PrefixListId === 'pl-0123abcd')).toMatchObject({ FromPort: 443 });
    expect(ingress.find((r) => r.CidrIpv4 === '0.0.0.0/0')).toMatchObject({ Description: 'web', FromPort: 80 });
  });

  it('accepts the legacy flat form and normalises protocols', async () => {
    const groupId = await newGroup('legacy');
    const source = await newGroup('legacy-source');
    await ec2.send(
      new AuthorizeSecurityGroupIngressCommand({ GroupId: groupId, IpProtocol: '6', FromPort: 22, ToPort: 22, CidrIp: '192.0.2.0/24' }),
    );
    await ec2.send(
      new AuthorizeSecurityGroupIngressCommand({ GroupId: groupId, SourceSecurityGroupName: `legacy-source-${groupCounter}` }),
    );
    await ec2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: groupId,
        IpPermissions: [{ IpProtocol: 'all', FromPort: 5, ToPort: 6, IpRanges: [{ CidrIp: '198.51.100.0/24' }] }],
      }),
    );
    const flat = (await rulesOf(groupId)).filter((r) => !r.IsEgress);
    expect(flat.map((r) => [r.IpProtocol, r.FromPort, r.ToPort, r.CidrIpv4 ?? r.ReferencedGroupInfo?.GroupId])).toEqual([
      ['tcp', 22, 22, '192.0.2.0/24'],
      ['-1', -1, -1, source],
      ['-1', -1, -1, '198.51.100.0/24'],
    ]);
    const nested = (await groupOf(groupId)).IpPermissions!;
    expect(nested).toHaveLength(2);
    expect(nested[1]).toMatchObject({
      IpProtocol: '-1',
      IpRanges: [{ CidrIp: '198.51.100.0/24' }],
      UserIdGroupPairs: [{ GroupId: source }],
    });
    expect(nested[1]!.FromPort).toBeUndefined();
  });

  it('rejects a duplicate rule with EC2 wording', async () => {
    const groupId = await newGroup('dup');
    await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: groupId, IpPermissions: [allTcpFromAnywhere] }));
    const e = await failure(
      ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: groupId, IpPermissions: [allTcpFromAnywhere] })),
    );
    expect(e).toEqual({
      code: 'InvalidPermission.Duplicate',
      message: 'the specified rule "peer: 0.0.0.0/0, TCP, from port: 0, to port: 65535, ALLOW" already exists',
    });
    const egressDup = await failure(
      ec2.send(
        new AuthorizeSecurityGroupEgressCommand({
          GroupId: groupId,
          IpPermissions: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
        }),
      ),
    );
    expect(egressDup).toEqual({
      code: 'InvalidPermission.Duplicate',
      message: 'the specified rule "peer: 0.0.0.0/0, ALL, ALLOW" already exists',
    });
  });

  it('validates CIDRs, port ranges, protocols and referenced groups', async () => {
    const groupId = await newGroup('invalid');
    const attempt = (p: IpPermission) =>
      failure(ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: groupId, IpPermissions: [p] })));
    expect((await attempt({ IpProtocol: 'tcp', FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: '10.0.0/24' }] })).code).toBe(
      'InvalidParameterValue',
    );
    expect((await attempt({ IpProtocol: 'tcp', FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: '10.0.0.0/33' }] })).code).toBe(
      'InvalidParameterValue',
    );
    expect((await attempt({ IpProtocol: 'tcp', FromPort: 90, ToPort: 80, IpRanges: [{ CidrIp: '0.0.0.0/0' }] })).code).toBe(
      'InvalidParameterValue',
    );
    expect((await attempt({ IpProtocol: 'tcp', IpRanges: [{ CidrIp: '0.0.0.0/0' }] })).code).toBe('InvalidParameterValue');
    expect((await attempt({ IpProtocol: 'bogus', FromPort: 1, ToPort: 2, IpRanges: [{ CidrIp: '0.0.0.0/0' }] })).code).toBe(
      'InvalidParameterValue',
    );
    expect(
      await attempt({ IpProtocol: 'tcp', FromPort: 0, ToPort: 65535, UserIdGroupPairs: [{ GroupId: 'sg-0123456789abcdef0' }] }),
    ).toEqual({ code: 'InvalidGroup.NotFound', message: "The security group 'sg-0123456789abcdef0' does not exist" });
    const unknownTarget = await failure(
      ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: 'sg-0123456789abcdef0', IpPermissions: [allTcpFromAnywhere] })),
    );
    expect(unknownTarget.code).toBe('InvalidGroup.NotFound');
    expect((await failure(ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: groupId })))).code).toBe(
      'MissingParameter',
    );
    expect(await rulesOf(groupId)).toHaveLength(1); // only the default egress rule survived all that
  });

  it('enforces 60 inbound rules per group', async () => {
    const groupId = await newGroup('quota');
    const cidrs = (from: number, count: number) => Array.from({ length: count }, (_, n) => ({ CidrIp: `10.0.${from + n}.0/24` }));
    await ec2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: groupId,
        IpPermissions: [{ IpProtocol: 'tcp', FromPort: 80, ToPort: 80, IpRanges: cidrs(0, 60) }],
      }),
    );
    const e = await failure(
      ec2.send(
        new AuthorizeSecurityGroupIngressCommand({
          GroupId: groupId,
          IpPermissions: [{ IpProtocol: 'tcp', FromPort: 80, ToPort: 80, IpRanges: cidrs(60, 1) }],
        }),
      ),
    );
    expect(e.code).toBe('RulesPerSecurityGroupLimitExceeded');
    await ec2.send(new DeleteSecurityGroupCommand({ GroupId: groupId }));
  });

  it('revokes by permission (exact match) and by rule id; a missing rule is InvalidPermission.NotFound', async () => {
    const groupId = await newGroup('revoke');
    const source = await newGroup('revoke-source');
    await ec2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: groupId,
        IpPermissions: [
          allTcpFromAnywhere,
          { IpProtocol: 'tcp', FromPort: 80, ToPort: 80, Ipv6Ranges: [{ CidrIpv6: '::/0' }] },
          { IpProtocol: 'tcp', FromPort: 0, ToPort: 65535, UserIdGroupPairs: [{ GroupId: source }] },
        ],
      }),
    );
    const revoked = await ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: groupId, IpPermissions: [allTcpFromAnywhere] }));
    expect(revoked.Return).toBe(true);
    expect(revoked.RevokedSecurityGroupRules).toHaveLength(1);
    expect(revoked.RevokedSecurityGroupRules![0]).toMatchObject({ CidrIpv4: '0.0.0.0/0', IpProtocol: 'tcp', FromPort: 0, ToPort: 65535 });

    const notThere = await failure(
      ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: groupId, IpPermissions: [allTcpFromAnywhere] })),
    );
    expect(notThere).toEqual({
      code: 'InvalidPermission.NotFound',
      message: 'The specified rule does not exist in this security group.',
    });
    const wrongPorts = await failure(
      ec2.send(
        new RevokeSecurityGroupIngressCommand({
          GroupId: groupId,
          IpPermissions: [{ IpProtocol: 'tcp', FromPort: 80, ToPort: 81, Ipv6Ranges: [{ CidrIpv6: '::/0' }] }],
        }),
      ),
    );
    expect(wrongPorts.code).toBe('InvalidPermission.NotFound');

    const ipv6Rule = (await rulesOf(groupId)).find((r) => r.CidrIpv6 === '::/0')!;
    await ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: groupId, SecurityGroupRuleIds: [ipv6Rule.SecurityGroupRuleId!] }));
    const left = (await rulesOf(groupId)).filter((r) => !r.IsEgress);
    expect(left.map((r) => r.ReferencedGroupInfo?.GroupId)).toEqual([source]);
    const unknownId = await failure(
      ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: groupId, SecurityGroupRuleIds: [ipv6Rule.SecurityGroupRuleId!] })),
    );
    expect(unknownId.code).toBe('InvalidSecurityGroupRuleId.NotFound');
  });

  it('revoking a mix of known and unknown permissions: partial in the default VPC, all-or-nothing elsewhere', async () => {
    const unknownPermission: IpPermission = { IpProtocol: 'udp', FromPort: 53, ToPort: 53, IpRanges: [{ CidrIp: '10.0.0.0/8' }] };
    const inDefault = await newGroup('mixed-default');
    await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: inDefault, IpPermissions: [allTcpFromAnywhere] }));
    const partial = await ec2.send(
      new RevokeSecurityGroupIngressCommand({ GroupId: inDefault, IpPermissions: [allTcpFromAnywhere, unknownPermission] }),
    );
    expect(partial.UnknownIpPermissions).toEqual([
      { IpProtocol: 'udp', FromPort: 53, ToPort: 53, IpRanges: [{ CidrIp: '10.0.0.0/8' }], Ipv6Ranges: [], UserIdGroupPairs: [], PrefixListIds: [] },
    ]);
    expect((await groupOf(inDefault)).IpPermissions).toEqual([]);

    const inWorkshop = await newGroup('mixed-workshop', net.workshopVpc.vpcId);
    await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: inWorkshop, IpPermissions: [allTcpFromAnywhere] }));
    const e = await failure(
      ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: inWorkshop, IpPermissions: [allTcpFromAnywhere, unknownPermission] })),
    );
    expect(e.code).toBe('InvalidPermission.NotFound');
    expect((await groupOf(inWorkshop)).IpPermissions).toHaveLength(1);
  });

  it('group names in parameters refer to the default VPC', async () => {
    const workshopGroup = await newGroup('named-in-workshop', net.workshopVpc.vpcId);
    const name = `named-in-workshop-${groupCounter}`;
    expect(await failure(ec2.send(new DeleteSecurityGroupCommand({ GroupName: name })))).toEqual({
      code: 'InvalidGroup.NotFound',
      message: `The security group '${name}' does not exist in default VPC '${net.vpc.vpcId}'`,
    });
    const target = await newGroup('name-target', net.workshopVpc.vpcId);
    const bySourceName = await failure(
      ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: target, SourceSecurityGroupName: name })),
    );
    expect(bySourceName.code).toBe('InvalidGroup.NotFound');
    const byId = await ec2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: target,
        IpPermissions: [{ IpProtocol: '-1', UserIdGroupPairs: [{ GroupId: workshopGroup }] }],
      }),
    );
    expect(byId.SecurityGroupRules![0]!.ReferencedGroupInfo!.GroupId).toBe(workshopGroup);
  });

  it('authorizes and revokes egress rules', async () => {
    const groupId = await newGroup('egress');
    const [defaultEgress] = await rulesOf(groupId);
    expect(defaultEgress).toMatchObject({ IsEgress: true, IpProtocol: '-1', FromPort: -1, ToPort: -1, CidrIpv4: '0.0.0.0/0' });
    await ec2.send(
      new RevokeSecurityGroupEgressCommand({ GroupId: groupId, IpPermissions: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }] }),
    );
    expect((await groupOf(groupId)).IpPermissionsEgress).toEqual([]);
    const added = await ec2.send(
      new AuthorizeSecurityGroupEgressCommand({
        GroupId: groupId,
        IpPermissions: [{ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
      }),
    );
    expect(added.SecurityGroupRules![0]).toMatchObject({ IsEgress: true, FromPort: 443 });
    await ec2.send(
      new RevokeSecurityGroupEgressCommand({ GroupId: groupId, SecurityGroupRuleIds: [added.SecurityGroupRules![0]!.SecurityGroupRuleId!] }),
    );
    expect(await rulesOf(groupId)).toEqual([]);
  });

  it('DescribeSecurityGroupRules by rule ids and by rule-id filter, paged', async () => {
    const groupId = await newGroup('many-rules');
    const cidrs = Array.from({ length: 6 }, (_, n) => ({ CidrIp: `10.${n}.0.0/16` }));
    const added = await ec2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: groupId,
        IpPermissions: [{ IpProtocol: 'tcp', FromPort: 8080, ToPort: 8080, IpRanges: cidrs }],
        TagSpecifications: [{ ResourceType: 'security-group-rule', Tags: [{ Key: 'purpose', Value: 'paging' }] }],
      }),
    );
    const ids = added.SecurityGroupRules!.map((r) => r.SecurityGroupRuleId!);
    expect(added.SecurityGroupRules![0]!.Tags).toEqual([{ Key: 'purpose', Value: 'paging' }]);
    const byTag = await ec2.send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'tag:purpose', Values: ['paging'] }] }));
    expect(byTag.SecurityGroupRules!.map((r) => r.SecurityGroupRuleId)).toEqual(ids);
    const byIds = await ec2.send(new DescribeSecurityGroupRulesCommand({ SecurityGroupRuleIds: ids.slice(0, 2) }));
    expect(byIds.SecurityGroupRules!.map((r) => r.SecurityGroupRuleId)).toEqual(ids.slice(0, 2));
    const byFilter = await ec2.send(
      new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'security-group-rule-id', Values: [ids[3]!] }] }),
    );
    expect(byFilter.SecurityGroupRules!.map((r) => r.CidrIpv4)).toEqual(['10.3.0.0/16']);

    const filter = [{ Name: 'group-id', Values: [groupId] }];
    const first = await ec2.send(new DescribeSecurityGroupRulesCommand({ Filters: filter, MaxResults: 5 }));
    const second = await ec2.send(new DescribeSecurityGroupRulesCommand({ Filters: filter, MaxResults: 5, NextToken: first.NextToken }));
    expect(first.SecurityGroupRules).toHaveLength(5);
    expect(second.SecurityGroupRules).toHaveLength(2); // 6 ingress + the default egress rule
    expect(second.NextToken).toBeUndefined();
  });

  it('a rule change takes effect for the next connection check', async () => {
    const albSg = await newGroup('dp-alb');
    const clusterSg = await newGroup('dp-cluster');
    const outside = { kind: 'outside' as const, ip: sim.ctx.clientIp };
    const fromAlb = { kind: 'groups' as const, groupIds: [albSg], label: 'load balancer', ip: '172.31.0.100' };
    await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: clusterSg, IpPermissions: [allTcpFromAnywhere] }));
    expect(sim.ctx.network.admits([clusterSg], outside, 32768)).toBe(true);
    await ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: clusterSg, IpPermissions: [allTcpFromAnywhere] }));
    await ec2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: clusterSg,
        IpPermissions: [{ IpProtocol: 'tcp', FromPort: 0, ToPort: 65535, UserIdGroupPairs: [{ GroupId: albSg }] }],
      }),
    );
    expect(sim.ctx.network.admits([clusterSg], outside, 32768)).toBe(false);
    expect(sim.ctx.network.admits([clusterSg], fromAlb, 32768)).toBe(true);
  });
});

describe('tags', () => {
  it('CreateTags / DescribeTags / DeleteTags over VPCs, subnets, groups, rules and instances', async () => {
    const groupId = await newGroup('tagged');
    const [rule] = await rulesOf(groupId);
    const resources = [net.vpc.vpcId, net.subnets[0]!.subnetId, groupId, rule!.SecurityGroupRuleId!, net.instances[4]!.instanceId];
    await ec2.send(new CreateTagsCommand({ Resources: resources, Tags: [{ Key: 'suite', Value: 'ec2-test' }] }));
    const described = await ec2.send(new DescribeTagsCommand({ Filters: [{ Name: 'key', Values: ['suite'] }] }));
    expect(described.Tags!.map((t) => [t.ResourceId, t.ResourceType, t.Key, t.Value]).sort()).toEqual(
      [
        [net.vpc.vpcId, 'vpc', 'suite', 'ec2-test'],
        [net.subnets[0]!.subnetId, 'subnet', 'suite', 'ec2-test'],
        [groupId, 'security-group', 'suite', 'ec2-test'],
        [rule!.SecurityGroupRuleId!, 'security-group-rule', 'suite', 'ec2-test'],
        [net.instances[4]!.instanceId, 'instance', 'suite', 'ec2-test'],
      ].sort(),
    );
    const onlyGroups = await ec2.send(
      new DescribeTagsCommand({
        Filters: [
          { Name: 'resource-type', Values: ['security-group'] },
          { Name: 'value', Values: ['ec2-test'] },
        ],
      }),
    );
    expect(onlyGroups.Tags!.map((t) => t.ResourceId)).toEqual([groupId]);
    const byResource = await ec2.send(new DescribeTagsCommand({ Filters: [{ Name: 'resource-id', Values: [net.instances[4]!.instanceId] }] }));
    expect(byResource.Tags!.map((t) => t.Key).sort()).toEqual(['Name', 'suite']);

    // A value that does not match leaves the tag; no value removes it whatever it is.
    await ec2.send(new DeleteTagsCommand({ Resources: [groupId], Tags: [{ Key: 'suite', Value: 'other' }] }));
    expect((await groupOf(groupId)).Tags).toEqual([{ Key: 'suite', Value: 'ec2-test' }]);
    await ec2.send(new DeleteTagsCommand({ Resources: resources, Tags: [{ Key: 'suite' }] }));
    const after = await ec2.send(new DescribeTagsCommand({ Filters: [{ Name: 'key', Values: ['suite'] }] }));
    expect(after.Tags).toEqual([]);
  });

  it('CreateTags on an unknown resource fails with that kind of NotFound', async () => {
    const e = await failure(ec2.send(new CreateTagsCommand({ Resources: ['i-0123456789abcdef0'], Tags: [{ Key: 'k', Value: 'v' }] })));
    expect(e.code).toBe('InvalidInstanceID.NotFound');
    const g = await failure(ec2.send(new CreateTagsCommand({ Resources: ['sg-0123456789abcdef0'], Tags: [{ Key: 'k', Value: 'v' }] })));
    expect(g.code).toBe('InvalidGroup.NotFound');
  });
});

describe('protocol odds and ends', () => {
  it('DryRun answers DryRunOperation', async () => {
    const e = await failure(ec2.send(new DescribeVpcsCommand({ DryRun: true })));
    expect(e.code).toBe('DryRunOperation');
  });

  it.skipIf(!hasAws)('the AWS CLI parses describe-security-groups and describe-security-group-rules', async () => {
    const env = { ...process.env, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_PAGER: '' };
    const cli = (...args: string[]) =>
      run('aws', ['--endpoint-url', sim.endpoint, '--region', 'us-east-1', '--output', 'json', 'ec2', ...args], { env });
    const groupId = await newGroup('cli');
    await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: groupId, IpPermissions: [allTcpFromAnywhere] }));
    // Each CLI start costs about a second of Python start-up (more on a busy machine): two calls.
    const groups = JSON.parse((await cli('describe-security-groups')).stdout);
    expect(groups.SecurityGroups.length).toBeGreaterThan(5);
    const described = groups.SecurityGroups.find((g: { GroupId: string }) => g.GroupId === groupId);
    expect(described.IpPermissions[0]).toMatchObject({
      IpProtocol: 'tcp',
      FromPort: 0,
      ToPort: 65535,
      IpRanges: [{ CidrIp: '0.0.0.0/0' }],
    });
    const rules = JSON.parse((await cli('describe-security-group-rules', '--filters', `Name=group-id,Values=${groupId}`)).stdout);
    expect(rules.SecurityGroupRules.map((r: { IsEgress: boolean; CidrIpv4: string }) => [r.IsEgress, r.CidrIpv4]).sort()).toEqual([
      [false, '0.0.0.0/0'],
      [true, '0.0.0.0/0'],
    ]);
  });
});
