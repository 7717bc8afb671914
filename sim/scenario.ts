/**
 * Starting states. seedEmpty: a fresh account (default VPC only). seedBaseline: the end of
 * the workshop's module 03 for one nickname — its VPC, cluster of 4 t3.micro instances over
 * 3 AZs, the task definition's 3 revisions and the old service running 4 tasks of rev 3.
 * With the LocalStack persona the instances are Auto Scaling mocks (no container instances) and
 * the old service's tasks run as containers on the Docker host (personas/localstack-ecs.ts).
 */
import type { SimContext } from './context.js';
import { countTasks, wantedTasks } from './dataplane/ecs-state.js';
import { newDeployment } from './services/ecs/services.js';
import { ec2Id, hex } from './ids.js';
import { attachConsoleCapacityProvider, consoleClusterNames } from './console-cluster.js';
import { isLocalstack } from './personas/localstack.js';
import type { CapacityProviderStrategyItem, Cluster, ContainerDefinition, Instance, SecurityGroup, Service, Subnet, TaskDefinition, Vpc } from './world.js';

/** What a t3.micro container instance registers with ECS. */
const T3_MICRO = { memory: 982, cpu: 2048 };
const INSTANCE_COUNT = 4;
const OLD_SERVICE_TASKS = 4;
const SEED_TIMEOUT_MS = 60_000;

export function seedEmpty(ctx: SimContext): void {
  const world = ctx.world;
  if ([...world.vpcs.values()].some((v) => v.isDefault)) return;
  const vpc = addVpc(ctx, '172.31.0.0/16', true, new Map());
  addDefaultSecurityGroup(ctx, vpc);
  ['172.31.0.0/20', '172.31.16.0/20', '172.31.32.0/20'].forEach((cidr, i) => addSubnet(ctx, vpc, cidr, i, new Map()));
}

export interface BaselineOptions {
  /** The cluster as today's console makes it: an Auto Scaling group capacity provider as its default strategy. */
  capacityProvider?: boolean;
}

export async function seedBaseline(ctx: SimContext, nickname: string, options: BaselineOptions = {}): Promise<void> {
  seedEmpty(ctx);
  const world = ctx.world;
  const clusterName = `${nickname}_ecs_cluster`;
  if (world.clusters.has(world.arn('ecs', `cluster/${clusterName}`))) return;

  const vpc = addVpc(ctx, '50.0.0.0/16', false, new Map([['Name', `${nickname}-workshop-vpc`]]));
  addDefaultSecurityGroup(ctx, vpc);
  const subnets = ['a', 'b', 'c'].map((letter, i) =>
    addSubnet(ctx, vpc, `50.0.${i}.0/24`, i, new Map([['Name', `${nickname}-workshop-subnet-${letter}`]])),
  );
  const instanceSg = addSecurityGroup(ctx, vpc, `${nickname}-ecs-instances-sg`, 'ECS container instances (workshop module 03)', [
    { isEgress: false, ipProtocol: 'tcp', fromPort: 0, toPort: 65535, cidrIpv4: '0.0.0.0/0' },
    { isEgress: true, ipProtocol: '-1', fromPort: -1, toPort: -1, cidrIpv4: '0.0.0.0/0' },
  ]);

  const cluster: Cluster = { arn: world.arn('ecs', `cluster/${clusterName}`), name: clusterName, status: 'ACTIVE', tags: new Map() };
  world.clusters.set(cluster.arn, cluster);
  const consoleNames = options.capacityProvider ? consoleClusterNames(clusterName) : undefined;
  const asgName = consoleNames?.autoScalingGroup ?? `EC2ContainerService-${clusterName}-EcsInstanceAsg-${hex(12).toUpperCase()}`;
  const strategy = consoleNames ? attachConsoleCapacityProvider(ctx, cluster, consoleNames) : undefined;
  for (let i = 0; i < INSTANCE_COUNT; i++) {
    const subnet = subnets[i % subnets.length]!;
    const instance = addInstance(ctx, subnet, instanceSg, 10 + Math.floor(i / subnets.length), [
      ['Name', `ECS Instance - ${clusterName}`],
      ['aws:autoscaling:groupName', asgName],
    ]);
    // LocalStack: the Auto Scaling group's instances are mocks without an ECS agent — no container instance registers.
    if (isLocalstack(ctx)) continue;
    const ciArn = world.arn('ecs', `container-instance/${clusterName}/${hex(32)}`);
    world.containerInstances.set(ciArn, {
      arn: ciArn,
      clusterArn: cluster.arn,
      ec2InstanceId: instance.instanceId,
      status: 'ACTIVE',
      agentConnected: true,
      registeredMemory: T3_MICRO.memory,
      registeredCpu: T3_MICRO.cpu,
      registeredAt: instance.launchTime,
    });
  }

  const family = `${nickname}_app_service`;
  const image = `${world.accountId}.dkr.ecr.${world.region}.amazonaws.com/${nickname}_imagename:latest`;
  const app = (memory: number, hostPort: number): ContainerDefinition => ({
    name: 'app',
    image,
    memory,
    essential: true,
    portMappings: [{ containerPort: 8080, hostPort, protocol: 'tcp' }],
  });
  addTaskDefinition(ctx, family, 1, app(128, 80));
  addTaskDefinition(ctx, family, 2, app(256, 80));
  const rev3 = addTaskDefinition(ctx, family, 3, app(256, 0));

  const service = addService(ctx, cluster.arn, clusterName, family, rev3, OLD_SERVICE_TASKS, strategy);
  ctx.scheduler.reconcile(service);
  await untilRunning(ctx, service);
}

function addVpc(ctx: SimContext, cidrBlock: string, isDefault: boolean, tags: Map<string, string>): Vpc {
  const vpc: Vpc = { vpcId: ec2Id('vpc'), cidrBlock, isDefault, tags };
  ctx.world.vpcs.set(vpc.vpcId, vpc);
  return vpc;
}

function addSubnet(ctx: SimContext, vpc: Vpc, cidrBlock: string, azIndex: number, tags: Map<string, string>): Subnet {
  const letter = 'abc'[azIndex]!;
  const subnet: Subnet = {
    subnetId: ec2Id('subnet'),
    vpcId: vpc.vpcId,
    cidrBlock,
    availabilityZone: `${ctx.world.region}${letter}`,
    availabilityZoneId: `${regionCode(ctx.world.region)}-az${azIndex + 1}`,
    mapPublicIpOnLaunch: true,
    tags,
  };
  ctx.world.subnets.set(subnet.subnetId, subnet);
  return subnet;
}

/** us-east-1 → use1, ap-southeast-2 → apse2: the prefix of AWS's zone ids. */
function regionCode(region: string): string {
  const directions: Record<string, string> = {
    north: 'n', south: 's', east: 'e', west: 'w', central: 'c',
    northeast: 'ne', northwest: 'nw', southeast: 'se', southwest: 'sw',
  };
  const [area = '', direction = '', n = ''] = region.split('-');
  return `${area}${directions[direction] ?? direction.slice(0, 1)}${n}`;
}

type RuleSpec = { isEgress: boolean; ipProtocol: string; fromPort: number; toPort: number; cidrIpv4?: string; referencedGroupId?: string };

function addSecurityGroup(ctx: SimContext, vpc: Vpc, groupName: string, description: string, rules: RuleSpec[]): SecurityGroup {
  const groupId = ec2Id('sg');
  const sg: SecurityGroup = {
    groupId,
    groupName,
    description,
    vpcId: vpc.vpcId,
    ownerId: ctx.world.accountId,
    rules: rules.map((r) => ({ ...r, ruleId: ec2Id('sgr'), groupId, tags: new Map() })),
    tags: groupName === 'default' ? new Map() : new Map([['Name', groupName]]),
  };
  ctx.world.securityGroups.set(groupId, sg);
  return sg;
}

/** Every VPC's 'default' group: inbound from itself, outbound anywhere. */
function addDefaultSecurityGroup(ctx: SimContext, vpc: Vpc): SecurityGroup {
  const sg = addSecurityGroup(ctx, vpc, 'default', 'default VPC security group', [
    { isEgress: true, ipProtocol: '-1', fromPort: -1, toPort: -1, cidrIpv4: '0.0.0.0/0' },
  ]);
  sg.rules.unshift({ ruleId: ec2Id('sgr'), groupId: sg.groupId, isEgress: false, ipProtocol: '-1', fromPort: -1, toPort: -1, referencedGroupId: sg.groupId, tags: new Map() });
  return sg;
}

function addInstance(ctx: SimContext, subnet: Subnet, sg: SecurityGroup, hostOctet: number, tags: [string, string][]): Instance {
  const base = subnet.cidrBlock.split('/')[0]!.split('.').slice(0, 3).join('.');
  const instance: Instance = {
    instanceId: ec2Id('i'),
    instanceType: 't3.micro',
    subnetId: subnet.subnetId,
    vpcId: subnet.vpcId,
    availabilityZone: subnet.availabilityZone,
    privateIpAddress: `${base}.${hostOctet}`,
    publicIpAddress: ctx.network.instanceAddress(),
    securityGroupIds: [sg.groupId],
    state: 'running',
    launchTime: new Date(),
    tags: new Map(tags),
  };
  ctx.world.instances.set(instance.instanceId, instance);
  return instance;
}

function addTaskDefinition(ctx: SimContext, family: string, revision: number, container: ContainerDefinition): TaskDefinition {
  const td: TaskDefinition = {
    arn: ctx.world.arn('ecs', `task-definition/${family}:${revision}`),
    family,
    revision,
    status: 'ACTIVE',
    networkMode: 'bridge',
    containerDefinitions: [container],
    requiresCompatibilities: ['EC2'],
    registeredAt: new Date(),
    tags: new Map(),
  };
  ctx.world.taskDefinitions.set(td.arn, td);
  return td;
}

/** With a strategy, the service was created on the cluster's default strategy: it has no launch type. */
function addService(
  ctx: SimContext,
  clusterArn: string,
  clusterName: string,
  name: string,
  td: TaskDefinition,
  desiredCount: number,
  strategy?: CapacityProviderStrategyItem[],
): Service {
  const now = new Date();
  const service: Service = {
    arn: ctx.world.arn('ecs', `service/${clusterName}/${name}`),
    name,
    clusterArn,
    status: 'ACTIVE',
    taskDefinition: td.arn,
    desiredCount,
    launchType: strategy ? undefined : 'EC2',
    capacityProviderStrategy: strategy,
    loadBalancers: [],
    deployments: [newDeployment(td, desiredCount, now)],
    events: [],
    createdAt: now,
    schedulingStrategy: 'REPLICA',
    tags: new Map(),
  };
  ctx.world.services.set(service.arn, service);
  return service;
}

/** Resolves once the service runs its desired count (real time: the clock's scale applies). */
async function untilRunning(ctx: SimContext, service: Service): Promise<void> {
  const started = Date.now();
  for (;;) {
    const { running, pending } = countTasks(wantedTasks(ctx.world, service));
    if (running >= service.desiredCount && pending === 0) return;
    if (Date.now() - started > SEED_TIMEOUT_MS) {
      throw new Error(`baseline: service ${service.name} did not reach ${service.desiredCount} running tasks (${running} running)`);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
