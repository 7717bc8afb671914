/**
 * A load balancer's network interfaces (DescribeNetworkInterfaces), and with realism.eniLinger
 * their life after DeleteLoadBalancer: still there for a few simulated minutes, and deleting
 * their security group is a DependencyViolation until they are gone.
 */
import { CreateSecurityGroupCommand, DeleteSecurityGroupCommand, DescribeNetworkInterfacesCommand, DescribeSubnetsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { CreateLoadBalancerCommand, DeleteLoadBalancerCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { afterEach, describe, expect, it } from 'vitest';
import { startSim, type RunningSim } from '../../sim/index.js';
import { LINGER_MAX_MS } from '../../sim/services/ec2/load-balancer-interfaces.js';
import { until } from './ecs-helpers.js';

/** Interfaces linger 2–5 simulated minutes: 1.2–3 s here. */
const TIME_SCALE = 0.01;
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

let sim: RunningSim | undefined;
let ec2: EC2Client | undefined;
let elb: ElasticLoadBalancingV2Client | undefined;
afterEach(async () => {
  ec2?.destroy();
  elb?.destroy();
  await sim?.close();
});

async function albWithOwnGroup(eniLinger: boolean) {
  sim = await startSim({ scenario: 'empty', timeScale: TIME_SCALE, behaviours: { eniLinger } });
  ec2 = new EC2Client({ endpoint: sim.endpoint, region: sim.region, credentials });
  elb = new ElasticLoadBalancingV2Client({ endpoint: sim.endpoint, region: sim.region, credentials });
  const subnets = (await ec2.send(new DescribeSubnetsCommand({}))).Subnets!.map((s) => s.SubnetId!);
  const { GroupId } = await ec2.send(new CreateSecurityGroupCommand({ GroupName: 'lingering-alb-sg', Description: 'alb' }));
  const lb = (await elb.send(new CreateLoadBalancerCommand({ Name: 'lingering', Subnets: subnets, SecurityGroups: [GroupId!] }))).LoadBalancers![0]!;
  return { groupId: GroupId!, lb, subnets };
}

const interfacesOf = async (groupId: string) =>
  (await ec2!.send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'group-id', Values: [groupId] }] }))).NetworkInterfaces!;
const deleteGroup = (groupId: string) => ec2!.send(new DeleteSecurityGroupCommand({ GroupId: groupId })).then(() => 'deleted', (e: Error) => `${e.name}: ${e.message}`);

describe("a load balancer's network interfaces", () => {
  it('exist per subnet, requester-managed, described as ELB app/<name>/<id>', async () => {
    const { groupId, lb, subnets } = await albWithOwnGroup(false);
    const enis = await interfacesOf(groupId);
    const id = lb.LoadBalancerArn!.split(':loadbalancer/')[1];
    expect(enis.map((e) => e.SubnetId).sort()).toEqual([...subnets].sort());
    for (const e of enis) {
      expect(e).toMatchObject({ Description: `ELB ${id}`, RequesterManaged: true, RequesterId: 'amazon-elb', Status: 'in-use', InterfaceType: 'interface' });
      expect(e.Groups).toEqual([{ GroupId: groupId, GroupName: 'lingering-alb-sg' }]);
    }
    expect(await deleteGroup(groupId)).toBe(`DependencyViolation: resource ${groupId} has a dependent object`);
  });

  it('without realism go with the load balancer: its group can be deleted at once', async () => {
    const { groupId, lb } = await albWithOwnGroup(false);
    await elb!.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: lb.LoadBalancerArn }));
    expect(await interfacesOf(groupId)).toEqual([]);
    expect(await deleteGroup(groupId)).toBe('deleted');
  });

  it('with realism.eniLinger outlive it for a few minutes, blocking the group until they are gone', async () => {
    const { groupId, lb } = await albWithOwnGroup(true);
    await elb!.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: lb.LoadBalancerArn }));
    const lingering = await interfacesOf(groupId);
    expect(lingering).toHaveLength(3);
    expect(new Set(lingering.map((e) => e.Status))).toEqual(new Set(['available']));
    expect(await deleteGroup(groupId)).toBe(`DependencyViolation: resource ${groupId} has a dependent object`);
    await until(async () => (await interfacesOf(groupId)).length === 0, LINGER_MAX_MS * TIME_SCALE + 10_000);
    expect(await deleteGroup(groupId)).toBe('deleted');
  });
});
