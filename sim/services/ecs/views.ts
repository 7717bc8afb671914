/**
 * ECS resources as the API shows them (the SDK's model member names). Counts are computed
 * from the tasks at the moment of the call.
 */
import type { SimContext } from '../../context.js';
import { countTasks, instanceUsage, RESERVED_PORTS, tasksOfService } from '../../dataplane/ecs-state.js';
import type { Cluster, ContainerInstance, Service, Task, TaskDefinition } from '../../world.js';
import { tagsView } from './common.js';
import { isLocalstack, LOCALSTACK_CREATED_BY } from '../../personas/localstack.js';

export function clusterView(ctx: SimContext, cluster: Cluster, withTags: boolean) {
  const world = ctx.world;
  const instances = [...world.containerInstances.values()].filter((ci) => ci.clusterArn === cluster.arn && ci.status !== 'INACTIVE');
  const tasks = [...world.tasks.values()].filter((t) => t.clusterArn === cluster.arn && t.lastStatus !== 'STOPPED');
  const services = [...world.services.values()].filter((s) => s.clusterArn === cluster.arn && s.status === 'ACTIVE');
  return {
    clusterArn: cluster.arn,
    clusterName: cluster.name,
    status: cluster.status,
    registeredContainerInstancesCount: cluster.status === 'ACTIVE' ? instances.length : 0,
    runningTasksCount: tasks.filter((t) => t.lastStatus === 'RUNNING').length,
    pendingTasksCount: tasks.filter((t) => t.lastStatus === 'PROVISIONING' || t.lastStatus === 'PENDING').length,
    activeServicesCount: services.length,
    statistics: [],
    tags: withTags ? tagsView(cluster.tags) : [],
    settings: [{ name: 'containerInsights', value: 'disabled' }],
    capacityProviders: [...(cluster.capacityProviders ?? [])],
    defaultCapacityProviderStrategy: (cluster.defaultCapacityProviderStrategy ?? []).map((i) => ({ ...i })),
  };
}

export function taskDefinitionView(td: TaskDefinition) {
  const bridgeOrHost = td.networkMode === 'bridge' || td.networkMode === 'host';
  return {
    taskDefinitionArn: td.arn,
    containerDefinitions: td.containerDefinitions.map((c) => ({
      name: c.name,
      image: c.image,
      cpu: c.cpu ?? 0,
      memory: c.memory,
      memoryReservation: c.memoryReservation,
      portMappings: c.portMappings.map((p) => ({ containerPort: p.containerPort, hostPort: p.hostPort, protocol: p.protocol })),
      essential: c.essential ?? true,
      environment: c.environment ?? [],
      mountPoints: [],
      volumesFrom: [],
      systemControls: [],
    })),
    family: td.family,
    networkMode: td.networkMode,
    revision: td.revision,
    volumes: [],
    status: td.status,
    requiresAttributes: [{ name: 'com.amazonaws.ecs.capability.docker-remote-api.1.18' }],
    placementConstraints: [],
    compatibilities: bridgeOrHost ? ['EXTERNAL', 'EC2'] : ['EC2', 'FARGATE'],
    requiresCompatibilities: td.requiresCompatibilities.length ? td.requiresCompatibilities : undefined,
    cpu: td.cpu,
    memory: td.memory,
    registeredAt: td.registeredAt,
    registeredBy: `arn:aws:iam::${accountOf(td.arn)}:root`,
  };
}

const strategyView = (service: Service) => service.capacityProviderStrategy?.map((i) => ({ ...i }));

const accountOf = (arn: string): string => arn.split(':')[4] ?? '';

export function serviceView(ctx: SimContext, service: Service, withTags: boolean) {
  const all = tasksOfService(ctx.world, service);
  const counts = countTasks(all);
  return {
    serviceArn: service.arn,
    serviceName: service.name,
    clusterArn: service.clusterArn,
    loadBalancers: service.loadBalancers.map((lb) => ({
      targetGroupArn: lb.targetGroupArn,
      containerName: lb.containerName,
      containerPort: lb.containerPort,
    })),
    serviceRegistries: [],
    status: service.status,
    desiredCount: service.desiredCount,
    runningCount: counts.running,
    pendingCount: counts.pending,
    // A service placed by a strategy shows it and no launch type; one created with a launch type omits
    // capacityProviderStrategy (ECS API Reference, Service data type).
    launchType: service.launchType,
    capacityProviderStrategy: strategyView(service),
    taskDefinition: service.taskDefinition,
    deploymentConfiguration: {
      deploymentCircuitBreaker: { enable: false, rollback: false },
      maximumPercent: 200,
      minimumHealthyPercent: 100,
    },
    deployments: service.deployments.map((d) => {
      const c = countTasks(all.filter((t) => t.startedBy === d.id));
      return {
        id: d.id,
        status: d.status,
        taskDefinition: d.taskDefinition,
        desiredCount: d.desiredCount,
        pendingCount: c.pending,
        runningCount: c.running,
        failedTasks: 0,
        createdAt: d.createdAt,
        updatedAt: d.updatedAt,
        launchType: service.launchType,
        capacityProviderStrategy: strategyView(service),
        rolloutState: d.rolloutState,
        rolloutStateReason: d.rolloutStateReason,
      };
    }),
    roleArn: service.roleArn,
    events: service.events.map((e) => ({ id: e.id, createdAt: e.createdAt, message: e.message })),
    createdAt: service.createdAt,
    placementConstraints: [],
    placementStrategy: [],
    healthCheckGracePeriodSeconds: service.healthCheckGracePeriodSeconds,
    schedulingStrategy: service.schedulingStrategy,
    deploymentController: { type: 'ECS' },
    tags: withTags ? tagsView(service.tags) : undefined,
    createdBy: isLocalstack(ctx) ? LOCALSTACK_CREATED_BY : `arn:aws:iam::${ctx.world.accountId}:root`,
    enableECSManagedTags: false,
    propagateTags: 'NONE',
    enableExecuteCommand: false,
  };
}

export function taskView(ctx: SimContext, task: Task, withTags: boolean) {
  const running = task.startedAt !== undefined;
  return {
    attachments: [],
    attributes: [{ name: 'ecs.cpu-architecture', value: 'x86_64' }],
    availabilityZone: task.availabilityZone,
    clusterArn: task.clusterArn,
    connectivity: running ? 'CONNECTED' : undefined,
    connectivityAt: task.startedAt,
    // LocalStack persona: tasks run on the Docker host, not on a container instance — no ARN to give.
    containerInstanceArn: task.containerInstanceArn || undefined,
    containers: task.containers.map((c) => ({
      containerArn: c.containerArn,
      taskArn: task.arn,
      name: c.name,
      image: c.image,
      runtimeId: c.runtimeId,
      lastStatus: c.lastStatus,
      exitCode: c.exitCode,
      networkBindings: c.networkBindings.map((b) => ({ ...b })),
      networkInterfaces: [],
      healthStatus: 'UNKNOWN',
      cpu: String(containerDefinition(ctx, task, c.name)?.cpu ?? 0),
      memory: memoryOf(ctx, task, c.name),
    })),
    cpu: String(task.cpu),
    memory: String(task.memory),
    createdAt: task.createdAt,
    desiredStatus: task.desiredStatus,
    enableExecuteCommand: false,
    group: task.group,
    healthStatus: 'UNKNOWN',
    lastStatus: task.lastStatus,
    launchType: task.launchType,
    capacityProviderName: task.capacityProviderName,
    overrides: { containerOverrides: task.containers.map((c) => ({ name: c.name })), inferenceAcceleratorOverrides: [] },
    pullStartedAt: task.startedAt,
    pullStoppedAt: task.startedAt,
    startedAt: task.startedAt,
    startedBy: task.startedBy,
    stopCode: task.stopCode,
    stoppedAt: task.stoppedAt,
    stoppedReason: task.stoppedReason,
    stoppingAt: task.stoppingAt,
    executionStoppedAt: task.stoppedAt,
    tags: withTags ? tagsView(task.tags) : undefined,
    taskArn: task.arn,
    taskDefinitionArn: task.taskDefinitionArn,
    version: versionOf(task),
  };
}

function containerDefinition(ctx: SimContext, task: Task, name: string) {
  return ctx.world.taskDefinitions.get(task.taskDefinitionArn)?.containerDefinitions.find((c) => c.name === name);
}

function memoryOf(ctx: SimContext, task: Task, name: string): string | undefined {
  const cd = containerDefinition(ctx, task, name);
  return cd?.memory !== undefined ? String(cd.memory) : undefined;
}

/** ECS bumps a task's version at each status change; derived from how far it got. */
function versionOf(task: Task): number {
  const order = ['PROVISIONING', 'PENDING', 'ACTIVATING', 'RUNNING', 'DEACTIVATING', 'STOPPING', 'DEPROVISIONING', 'STOPPED'];
  return order.indexOf(task.lastStatus) + 1;
}

export function containerInstanceView(ctx: SimContext, ci: ContainerInstance) {
  const instance = ctx.world.instances.get(ci.ec2InstanceId);
  const usage = instanceUsage(ctx.world, ci);
  const reserved = RESERVED_PORTS.map(String);
  const resources = (cpu: number, memory: number, ports: string[]) => [
    { name: 'CPU', type: 'INTEGER', doubleValue: 0, longValue: 0, integerValue: cpu },
    { name: 'MEMORY', type: 'INTEGER', doubleValue: 0, longValue: 0, integerValue: memory },
    { name: 'PORTS', type: 'STRINGSET', doubleValue: 0, longValue: 0, integerValue: 0, stringSetValue: ports },
    { name: 'PORTS_UDP', type: 'STRINGSET', doubleValue: 0, longValue: 0, integerValue: 0, stringSetValue: [] },
  ];
  const usedPorts = [...new Set([...reserved, ...[...usage.ports].sort((a, b) => a - b).map(String)])];
  return {
    containerInstanceArn: ci.arn,
    ec2InstanceId: ci.ec2InstanceId,
    version: 1 + usage.running + usage.pending,
    versionInfo: { agentVersion: '1.89.2', agentHash: 'b6e3a2d4', dockerVersion: 'DockerVersion: 25.0.8' },
    remainingResources: resources(ci.registeredCpu - usage.cpu, ci.registeredMemory - usage.memory, usedPorts),
    registeredResources: resources(ci.registeredCpu, ci.registeredMemory, reserved),
    status: ci.status,
    agentConnected: ci.agentConnected,
    runningTasksCount: usage.running,
    pendingTasksCount: usage.pending,
    attributes: [
      { name: 'ecs.availability-zone', value: instance?.availabilityZone },
      { name: 'ecs.instance-type', value: instance?.instanceType },
      { name: 'ecs.os-type', value: 'linux' },
      { name: 'ecs.cpu-architecture', value: 'x86_64' },
      { name: 'ecs.vpc-id', value: instance?.vpcId },
      { name: 'ecs.subnet-id', value: instance?.subnetId },
    ].filter((a) => a.value !== undefined),
    registeredAt: ci.registeredAt,
    attachments: [],
    tags: [],
  };
}
