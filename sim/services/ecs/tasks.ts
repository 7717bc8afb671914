/** Tasks: listing, describing and stopping what the scheduler started. */
import type { ServiceHandlers } from '../../context.js';
import { shortId } from '../../dataplane/ecs-state.js';
import type { Cluster, Task, World } from '../../world.js';
import { AwsError } from '../../errors.js';
import { ecsForgets } from '../../realism/lifecycle.js';
import { findService, includes, invalidParameter, optionalString, paginate, requireCluster, requireString, stringList } from './common.js';
import { taskView } from './views.js';

export const USER_STOP_REASON = 'Task stopped by user';

export const taskHandlers: ServiceHandlers = {
  ListTasks(params, ctx) {
    const cluster = requireCluster(ctx, params.cluster);
    const desiredStatus = optionalString(params.desiredStatus, 'desiredStatus') ?? 'RUNNING';
    if (!['RUNNING', 'PENDING', 'STOPPED'].includes(desiredStatus)) {
      throw invalidParameter('desiredStatus must be RUNNING, PENDING or STOPPED.');
    }
    const serviceName = optionalString(params.serviceName, 'serviceName');
    const family = optionalString(params.family, 'family');
    const startedBy = optionalString(params.startedBy, 'startedBy');
    const launchType = optionalString(params.launchType, 'launchType');
    const containerInstance = optionalString(params.containerInstance, 'containerInstance');
    if (serviceName && family) throw invalidParameter('Cannot specify both serviceName and family.');
    const world = ctx.world;
    // With realism (or purging) on, a service name ECS does not know (never created, or purged)
    // is an error, as on AWS; otherwise the simulator keeps its lenient empty answer.
    if (serviceName && ecsForgets(ctx) && !findService(world, cluster, serviceName)) {
      throw new AwsError('ServiceNotFoundException', 'Service not found.');
    }
    const arns = [...world.tasks.values()]
      .filter((t) => t.clusterArn === cluster.arn)
      .filter((t) => t.desiredStatus === desiredStatus)
      .filter((t) => !serviceName || t.group === `service:${serviceName.startsWith('arn:') ? shortId(serviceName) : serviceName}`)
      .filter((t) => !family || world.taskDefinitions.get(t.taskDefinitionArn)?.family === family)
      .filter((t) => !startedBy || t.startedBy === startedBy)
      .filter((t) => !launchType || t.launchType === launchType)
      .filter((t) => !containerInstance || t.containerInstanceArn === containerInstance || shortId(t.containerInstanceArn) === containerInstance)
      .map((t) => t.arn);
    const page = paginate(arns, params);
    return { taskArns: page.items, nextToken: page.nextToken };
  },

  DescribeTasks(params, ctx) {
    const cluster = requireCluster(ctx, params.cluster);
    const refs = stringList(params.tasks, 'tasks');
    if (refs.length === 0) throw invalidParameter('Tasks cannot be empty.');
    if (refs.length > 100) throw invalidParameter('Tasks cannot exceed 100.');
    const tasks = [];
    const failures = [];
    for (const ref of refs) {
      const task = findTask(ctx.world, cluster, ref);
      if (task) tasks.push(taskView(ctx, task, includes(params, 'TAGS')));
      else failures.push({ arn: ref.startsWith('arn:') ? ref : ctx.world.arn('ecs', `task/${cluster.name}/${ref}`), reason: 'MISSING' });
    }
    return { tasks, failures };
  },

  StopTask(params, ctx) {
    const cluster = requireCluster(ctx, params.cluster);
    const task = findTask(ctx.world, cluster, requireString(params.task, 'task'));
    if (!task) throw invalidParameter('The referenced task was not found.');
    const reason = optionalString(params.reason, 'reason') ?? USER_STOP_REASON;
    ctx.scheduler.stopTask(task, reason);
    return { task: taskView(ctx, task, false) };
  },
};

export function findTask(world: World, cluster: Cluster, ref: string): Task | undefined {
  if (ref.startsWith('arn:')) {
    const task = world.tasks.get(ref);
    return task?.clusterArn === cluster.arn ? task : undefined;
  }
  return world.tasks.get(world.arn('ecs', `task/${cluster.name}/${ref}`));
}
