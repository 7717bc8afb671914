import {
  DescribeContainerInstancesCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  ListContainerInstancesCommand,
  ListTasksCommand,
} from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type RunningSim } from '../../sim/index.js';
import { seedEmpty } from '../../sim/scenario.js';
import { httpGet } from './ecs-helpers.js';

let sim: RunningSim;
let ecs: ECSClient;

beforeAll(async () => {
  sim = await startSim({ nicknames: ['nick', 'other'] });
  ecs = new ECSClient({ endpoint: sim.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
});
afterAll(async () => {
  ecs?.destroy();
  await sim?.close();
});

async function baselineOf(nick: string) {
  const cluster = `${nick}_ecs_cluster`;
  const ciArns = (await ecs.send(new ListContainerInstancesCommand({ cluster }))).containerInstanceArns ?? [];
  const cis = (await ecs.send(new DescribeContainerInstancesCommand({ cluster, containerInstances: ciArns }))).containerInstances ?? [];
  const taskArns = (await ecs.send(new ListTasksCommand({ cluster, serviceName: `${nick}_app_service` }))).taskArns ?? [];
  const tasks = (await ecs.send(new DescribeTasksCommand({ cluster, tasks: taskArns }))).tasks ?? [];
  return { cluster, cis, tasks };
}

describe('baseline scenario (end of module 03)', () => {
  it('has a cluster of 4 t3.micro container instances over 3 availability zones', async () => {
    const { cis } = await baselineOf('nick');
    expect(cis).toHaveLength(4);
    const zones = cis.map((ci) => ci.attributes?.find((a) => a.name === 'ecs.availability-zone')?.value);
    expect(new Set(zones)).toEqual(new Set(['us-east-1a', 'us-east-1b', 'us-east-1c']));
    for (const ci of cis) {
      expect(ci.ec2InstanceId).toMatch(/^i-[0-9a-f]{17}$/);
      expect(ci.registeredResources?.find((r) => r.name === 'MEMORY')?.integerValue).toBe(982);
      const instance = sim.ctx.world.instances.get(ci.ec2InstanceId!)!;
      expect(instance.instanceType).toBe('t3.micro');
      expect(instance.tags.get('Name')).toBe('ECS Instance - nick_ecs_cluster');
    }
  });

  it('has the task definition family with rev 3 on a dynamic host port', async () => {
    const rev1 = (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'nick_app_service:1' }))).taskDefinition!;
    expect(rev1.containerDefinitions?.[0]?.portMappings).toEqual([{ containerPort: 8080, hostPort: 80, protocol: 'tcp' }]);
    const latest = (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'nick_app_service' }))).taskDefinition!;
    expect(latest.revision).toBe(3);
    expect(latest.networkMode).toBe('bridge');
    expect(latest.containerDefinitions?.[0]).toMatchObject({
      name: 'app',
      memory: 256,
      image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/nick_imagename:latest',
      portMappings: [{ containerPort: 8080, hostPort: 0, protocol: 'tcp' }],
    });
  });

  it('runs the old service with 4 RUNNING tasks of rev 3, each answering on its instance IP and dynamic port', async () => {
    const svc = (await ecs.send(new DescribeServicesCommand({ cluster: 'nick_ecs_cluster', services: ['nick_app_service'] })))
      .services![0]!;
    expect(svc).toMatchObject({ status: 'ACTIVE', desiredCount: 4, runningCount: 4, pendingCount: 0, launchType: 'EC2', loadBalancers: [] });
    expect(svc.taskDefinition).toMatch(/task-definition\/nick_app_service:3$/);

    const { cluster, tasks } = await baselineOf('nick');
    expect(tasks).toHaveLength(4);
    const instanceIds = new Set<string>();
    for (const task of tasks) {
      expect(task.lastStatus).toBe('RUNNING');
      expect(task.group).toBe('service:nick_app_service');
      const container = task.containers![0]!;
      expect(container.runtimeId).toMatch(/^[0-9a-f]{64}$/);
      const binding = container.networkBindings![0]!;
      expect(binding).toMatchObject({ bindIP: '0.0.0.0', containerPort: 8080, protocol: 'tcp' });
      expect(binding.hostPort).toBeGreaterThanOrEqual(32768);
      expect(binding.hostPort).toBeLessThanOrEqual(60999);
      const ci = (await ecs.send(new DescribeContainerInstancesCommand({ cluster, containerInstances: [task.containerInstanceArn!] })))
        .containerInstances![0]!;
      instanceIds.add(ci.ec2InstanceId!);
      const ip = sim.ctx.world.instances.get(ci.ec2InstanceId!)!.publicIpAddress;
      const res = await httpGet(`http://${ip}:${binding.hostPort}/`);
      expect(res.status).toBe(200);
      expect(res.body).toBe(`Hello from ${container.runtimeId!.slice(0, 12)}!`);
    }
    expect(instanceIds.size).toBe(4);
  });

  it('keeps two nicknames side by side without collisions', async () => {
    const nick = await baselineOf('nick');
    const other = await baselineOf('other');
    expect(other.tasks).toHaveLength(4);
    const nickInstances = new Set(nick.cis.map((c) => c.ec2InstanceId));
    expect(other.cis.some((c) => nickInstances.has(c.ec2InstanceId))).toBe(false);
    const world = sim.ctx.world;
    const vpcs = [...world.vpcs.values()].filter((v) => v.cidrBlock === '50.0.0.0/16');
    expect(vpcs.map((v) => v.tags.get('Name')).sort()).toEqual(['nick-workshop-vpc', 'other-workshop-vpc']);
    if (sim.ctx.network.distinctAddresses) {
      const addresses = [...world.instances.values()].map((i) => i.publicIpAddress);
      expect(new Set(addresses).size).toBe(8);
    }
    expect(world.clusters.has(world.arn('ecs', 'cluster/other_ecs_cluster'))).toBe(true);
  });

  it('lays out the workshop VPC, subnets and security groups', () => {
    const world = sim.ctx.world;
    const vpc = [...world.vpcs.values()].find((v) => v.tags.get('Name') === 'nick-workshop-vpc')!;
    const subnets = [...world.subnets.values()].filter((s) => s.vpcId === vpc.vpcId);
    expect(subnets.map((s) => [s.cidrBlock, s.availabilityZone, s.tags.get('Name')]).sort()).toEqual([
      ['50.0.0.0/24', 'us-east-1a', 'nick-workshop-subnet-a'],
      ['50.0.1.0/24', 'us-east-1b', 'nick-workshop-subnet-b'],
      ['50.0.2.0/24', 'us-east-1c', 'nick-workshop-subnet-c'],
    ]);
    const groups = [...world.securityGroups.values()].filter((g) => g.vpcId === vpc.vpcId);
    expect(groups.map((g) => g.groupName).sort()).toEqual(['default', 'nick-ecs-instances-sg']);
    const instanceSg = groups.find((g) => g.groupName !== 'default')!;
    expect(instanceSg.rules.filter((r) => !r.isEgress)).toMatchObject([{ ipProtocol: 'tcp', fromPort: 0, toPort: 65535, cidrIpv4: '0.0.0.0/0' }]);
    const instances = [...world.instances.values()].filter((i) => i.vpcId === vpc.vpcId);
    expect(instances.map((i) => i.availabilityZone).sort()).toEqual(['us-east-1a', 'us-east-1a', 'us-east-1b', 'us-east-1c']);
    for (const i of instances) {
      const subnet = world.subnets.get(i.subnetId)!;
      expect(i.privateIpAddress.startsWith(subnet.cidrBlock.split('.').slice(0, 3).join('.') + '.')).toBe(true);
      expect(i.securityGroupIds).toEqual([instanceSg.groupId]);
    }
  });

  it('has one default VPC with three default subnets, and seedEmpty is idempotent', () => {
    const world = sim.ctx.world;
    seedEmpty(sim.ctx);
    const defaults = [...world.vpcs.values()].filter((v) => v.isDefault);
    expect(defaults).toHaveLength(1);
    expect(defaults[0]!.cidrBlock).toBe('172.31.0.0/16');
    const subnets = [...world.subnets.values()].filter((s) => s.vpcId === defaults[0]!.vpcId);
    expect(subnets.map((s) => s.cidrBlock).sort()).toEqual(['172.31.0.0/20', '172.31.16.0/20', '172.31.32.0/20']);
    expect(subnets.every((s) => s.mapPublicIpOnLaunch)).toBe(true);
    const sg = [...world.securityGroups.values()].find((g) => g.vpcId === defaults[0]!.vpcId)!;
    expect(sg.groupName).toBe('default');
    expect(sg.rules.find((r) => !r.isEgress)?.referencedGroupId).toBe(sg.groupId);
  });
});
