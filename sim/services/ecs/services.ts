/** Services: what the scheduler keeps running, and their deployments. */
import type { ServiceHandlers, SimContext } from '../../context.js';
import { newDeploymentId } from '../../dataplane/ecs-state.js';
import { loadBalancersOf } from '../../dataplane/targets.js';
import type { Deployment, Service, ServiceLoadBalancer, TaskDefinition } from '../../world.js';
import {
  findService,
  findTaskDefinition,
  includes,
  invalidParameter,
  optionalInt,
  optionalString,
  paginate,
  requireActiveService,
  requireCluster,
  requireString,
  serviceArnOf,
  stringList,
  tagsFromParam,
} from './common.js';
import { NOT_FARGATE_COMPATIBLE, placementOf } from './capacity-strategy.js';
import { serviceView } from './views.js';

const SERVICE_NAME = /^[A-Za-z0-9_-]{1,255}$/;
const LAUNCH_TYPES = ['EC2', 'FARGATE', 'EXTERNAL'];

export const serviceHandlers: ServiceHandlers = {
  CreateService(params, ctx) {
    const world = ctx.world;
    const cluster = requireCluster(ctx, params.cluster);
    const name = requireString(params.serviceName, 'serviceName');
    if (!SERVICE_NAME.test(name)) {
      throw invalidParameter('Service name can have up to 255 characters, containing letters (upper and lowercase), numbers, underscores, and hyphens.');
    }
    const existing = findService(world, cluster, name);
    if (existing?.status === 'ACTIVE') throw invalidParameter('Creation of service was not idempotent.');
    if (existing?.status === 'DRAINING') throw invalidParameter('Unable to Start a service that is still Draining.');

    const td = requireTaskDefinition(ctx, params.taskDefinition);
    const placement = placementOf(cluster, params);
    const launchType = placement.launchType;
    if (launchType !== undefined && !LAUNCH_TYPES.includes(launchType)) throw invalidParameter(`launchType must be one of ${LAUNCH_TYPES.join(', ')}.`);
    if (launchType === 'FARGATE') throw invalidParameter(NOT_FARGATE_COMPATIBLE);
    const schedulingStrategy = optionalString(params.schedulingStrategy, 'schedulingStrategy') ?? 'REPLICA';
    if (schedulingStrategy !== 'REPLICA') throw invalidParameter('Only the REPLICA scheduling strategy is supported here.');
    const desiredCount = optionalInt(params.desiredCount, 'desiredCount');
    if (desiredCount === undefined) throw invalidParameter('Desired count is required for REPLICA services.');
    const loadBalancers = validateLoadBalancers(ctx, params.loadBalancers, td);
    const grace = optionalInt(params.healthCheckGracePeriodSeconds, 'healthCheckGracePeriodSeconds');
    if (grace !== undefined && loadBalancers.length === 0) {
      throw invalidParameter('Health check grace period is only valid for services configured to use load balancers');
    }

    const now = new Date();
    const service: Service = {
      arn: serviceArnOf(world, cluster, name),
      name,
      clusterArn: cluster.arn,
      status: 'ACTIVE',
      taskDefinition: td.arn,
      desiredCount,
      launchType,
      capacityProviderStrategy: placement.capacityProviderStrategy,
      loadBalancers,
      healthCheckGracePeriodSeconds: loadBalancers.length ? (grace ?? 0) : undefined,
      deployments: [newDeployment(td, desiredCount, now)],
      events: [],
      createdAt: now,
      schedulingStrategy,
      roleArn: roleArnOf(ctx, optionalString(params.role, 'role'), loadBalancers),
      tags: tagsFromParam(params.tags),
    };
    world.services.set(service.arn, service);
    ctx.consistency.created(service.arn);
    const view = serviceView(ctx, service, true);
    ctx.scheduler.reconcile(service);
    return { service: view };
  },

  UpdateService(params, ctx) {
    const cluster = requireCluster(ctx, params.cluster);
    const service = requireActiveService(ctx, cluster, params.service);
    const desiredCount = optionalInt(params.desiredCount, 'desiredCount');
    const tdRef = optionalString(params.taskDefinition, 'taskDefinition');
    const td = tdRef ? requireTaskDefinition(ctx, tdRef) : ctx.world.taskDefinitions.get(service.taskDefinition)!;
    const loadBalancers =
      params.loadBalancers === undefined || params.loadBalancers === null
        ? undefined
        : validateLoadBalancers(ctx, params.loadBalancers, td);
    if (loadBalancers === undefined && td.arn !== service.taskDefinition) {
      validateLoadBalancers(ctx, service.loadBalancers, td);
    }
    const grace = optionalInt(params.healthCheckGracePeriodSeconds, 'healthCheckGracePeriodSeconds');

    const now = new Date();
    const lbChanged = loadBalancers !== undefined && JSON.stringify(loadBalancers) !== JSON.stringify(service.loadBalancers);
    const newRevision = td.arn !== service.taskDefinition;
    if (desiredCount !== undefined) service.desiredCount = desiredCount;
    if (loadBalancers !== undefined) service.loadBalancers = loadBalancers;
    if (grace !== undefined) service.healthCheckGracePeriodSeconds = grace;
    if (newRevision || lbChanged || params.forceNewDeployment === true) {
      service.taskDefinition = td.arn;
      for (const d of service.deployments) if (d.status === 'PRIMARY') d.status = 'ACTIVE';
      service.deployments.unshift(newDeployment(td, service.desiredCount, now));
    } else {
      const primary = service.deployments.find((d) => d.status === 'PRIMARY');
      if (primary && desiredCount !== undefined) {
        primary.desiredCount = desiredCount;
        primary.updatedAt = now;
      }
    }
    ctx.scheduler.reconcile(service);
    return { service: serviceView(ctx, service, false) };
  },

  DeleteService(params, ctx) {
    const cluster = requireCluster(ctx, params.cluster);
    const service = requireActiveService(ctx, cluster, params.service);
    if (service.desiredCount > 0 && params.force !== true) {
      throw invalidParameter('The service cannot be stopped while it is scaled above 0.');
    }
    service.status = 'DRAINING';
    service.desiredCount = 0;
    const view = serviceView(ctx, service, false);
    ctx.scheduler.reconcile(service);
    return { service: view };
  },

  DescribeServices(params, ctx) {
    const cluster = requireCluster(ctx, params.cluster);
    const refs = stringList(params.services, 'services');
    if (refs.length === 0) throw invalidParameter('Services cannot be empty.');
    if (refs.length > 10) throw invalidParameter('Services cannot exceed 10.');
    const services = [];
    const failures = [];
    for (const ref of refs) {
      // Eventual consistency (realism): a service created a moment ago is MISSING for a while.
      const service = findService(ctx.world, cluster, ref);
      if (service && ctx.consistency.visible(service.arn)) services.push(serviceView(ctx, service, includes(params, 'TAGS')));
      else failures.push({ arn: serviceArnOf(ctx.world, cluster, ref), reason: 'MISSING' });
    }
    return { services, failures };
  },

  ListServices(params, ctx) {
    const cluster = requireCluster(ctx, params.cluster);
    const launchType = optionalString(params.launchType, 'launchType');
    const arns = [...ctx.world.services.values()]
      .filter((s) => s.clusterArn === cluster.arn && s.status !== 'INACTIVE' && (!launchType || s.launchType === launchType))
      .filter((s) => ctx.consistency.visible(s.arn))
      .map((s) => s.arn);
    const page = paginate(arns, params, 10);
    return { serviceArns: page.items, nextToken: page.nextToken };
  },
};

function requireTaskDefinition(ctx: SimContext, param: unknown): TaskDefinition {
  const ref = requireString(param, 'taskDefinition');
  const td = findTaskDefinition(ctx.world, ref);
  if (!td) throw invalidParameter('TaskDefinition not found.');
  if (td.status !== 'ACTIVE') throw invalidParameter('TaskDefinition is inactive');
  return td;
}

/** A service's first (or a new) PRIMARY deployment; the scheduler completes it. */
export function newDeployment(td: TaskDefinition, desiredCount: number, now: Date): Deployment {
  const id = newDeploymentId();
  return {
    id,
    status: 'PRIMARY',
    taskDefinition: td.arn,
    desiredCount,
    createdAt: now,
    updatedAt: now,
    rolloutState: 'IN_PROGRESS',
    rolloutStateReason: 'ECS deployment in progress.',
  };
}

function roleArnOf(ctx: SimContext, role: string | undefined, lbs: ServiceLoadBalancer[]): string | undefined {
  const account = ctx.world.accountId;
  if (role) return role.startsWith('arn:') ? role : `arn:aws:iam::${account}:role/${role}`;
  return lbs.length ? `arn:aws:iam::${account}:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS` : undefined;
}

/** The checks ECS makes when a service is given load balancers, with its messages. */
export function validateLoadBalancers(ctx: SimContext, param: unknown, td: TaskDefinition): ServiceLoadBalancer[] {
  if (param === undefined || param === null) return [];
  if (!Array.isArray(param)) throw invalidParameter('loadBalancers must be a list.');
  if (param.length > 5) throw invalidParameter('loadBalancers can have at most 5 items.');
  return (param as Record<string, unknown>[]).map((lb) => {
    const targetGroupArn = optionalString(lb.targetGroupArn, 'targetGroupArn');
    const loadBalancerName = optionalString(lb.loadBalancerName, 'loadBalancerName');
    if (!targetGroupArn) {
      if (loadBalancerName) throw invalidParameter(`The load balancer ${loadBalancerName} does not exist.`);
      throw invalidParameter('Target Group Arn can not be blank.');
    }
    const containerName = optionalString(lb.containerName, 'containerName');
    if (!containerName) throw invalidParameter('Container Name can not be blank.');
    const containerPort = lb.containerPort;
    if (typeof containerPort !== 'number') throw invalidParameter('Container Port can not be blank.');
    const container = td.containerDefinitions.find((c) => c.name === containerName);
    if (!container) throw invalidParameter(`The container ${containerName} does not exist in the task definition.`);
    if (!container.portMappings.some((p) => p.containerPort === containerPort)) {
      throw invalidParameter(`The container ${containerName} did not have a container port ${containerPort} defined.`);
    }
    const tg = ctx.world.targetGroups.get(targetGroupArn);
    if (!tg) {
      throw invalidParameter(
        'Unable to assume role and validate the specified targetGroupArn. Please verify that the ECS service role being passed has the proper permissions.',
      );
    }
    if (loadBalancersOf(ctx, tg).length === 0) {
      throw invalidParameter(`The target group with targetGroupArn ${targetGroupArn} does not have an associated load balancer.`);
    }
    const wantsIp = td.networkMode === 'awsvpc';
    if ((tg.targetType === 'ip') !== wantsIp) {
      throw invalidParameter(
        `The provided target group ${targetGroupArn} has target type ${tg.targetType}, which is incompatible with the ${td.networkMode} network mode specified in the task definition.`,
      );
    }
    return { targetGroupArn, containerName, containerPort };
  });
}
