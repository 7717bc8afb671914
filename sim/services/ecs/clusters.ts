/** Clusters and their container instances. */
import type { ServiceHandlers } from '../../context.js';
import { AwsError } from '../../errors.js';
import type { Cluster } from '../../world.js';
import {
  clusterArnOf,
  includes,
  optionalString,
  paginate,
  requireCluster,
  stringList,
  tagsFromParam,
} from './common.js';
import { clusterCapacityOf } from './capacity-providers.js';
import { clusterView, containerInstanceView } from './views.js';
import { shortId } from '../../dataplane/ecs-state.js';

const CLUSTER_NAME = /^[A-Za-z0-9_-]{1,255}$/;

export const clusterHandlers: ServiceHandlers = {
  CreateCluster(params, ctx) {
    const name = optionalString(params.clusterName, 'clusterName') ?? 'default';
    if (!CLUSTER_NAME.test(name)) {
      throw new AwsError(
        'InvalidParameterException',
        'Cluster name can have up to 255 characters, containing letters (upper and lowercase), numbers, underscores, and hyphens.',
      );
    }
    const arn = clusterArnOf(ctx.world, name);
    const existing = ctx.world.clusters.get(arn);
    const capacity = clusterCapacityOf(ctx, { arn }, params.capacityProviders, params.defaultCapacityProviderStrategy);
    if (existing?.status === 'ACTIVE') {
      // CreateCluster is idempotent only for the same arguments (hashicorp/terraform#24615 quotes ECS's answer).
      if (params.capacityProviders !== undefined && JSON.stringify(capacity.providers) !== JSON.stringify(existing.capacityProviders ?? [])) {
        throw new AwsError('InvalidParameterException', 'Arguments on this idempotent request are inconsistent with arguments used in previous request(s).');
      }
      return { cluster: clusterView(ctx, existing, true) };
    }
    const cluster: Cluster = { arn, name, status: 'ACTIVE', tags: tagsFromParam(params.tags) };
    if (capacity.providers.length) cluster.capacityProviders = capacity.providers;
    if (capacity.strategy.length) cluster.defaultCapacityProviderStrategy = capacity.strategy;
    ctx.world.clusters.set(arn, cluster);
    return { cluster: clusterView(ctx, cluster, true) };
  },

  DescribeClusters(params, ctx) {
    const refs = stringList(params.clusters, 'clusters');
    const clusters = [];
    const failures = [];
    for (const ref of refs.length ? refs : ['default']) {
      const cluster = ctx.world.clusters.get(clusterArnOf(ctx.world, ref));
      if (cluster) clusters.push(clusterView(ctx, cluster, includes(params, 'TAGS')));
      else failures.push({ arn: clusterArnOf(ctx.world, ref), reason: 'MISSING' });
    }
    return { clusters, failures };
  },

  ListClusters(params, ctx) {
    const arns = [...ctx.world.clusters.values()].filter((c) => c.status === 'ACTIVE').map((c) => c.arn);
    const page = paginate(arns, params);
    return { clusterArns: page.items, nextToken: page.nextToken };
  },

  DeleteCluster(params, ctx) {
    const cluster = requireCluster(ctx, params.cluster);
    const world = ctx.world;
    if ([...world.services.values()].some((s) => s.clusterArn === cluster.arn && s.status !== 'INACTIVE')) {
      throw new AwsError('ClusterContainsServicesException', 'The Cluster cannot be deleted while Services are active.');
    }
    if ([...world.containerInstances.values()].some((ci) => ci.clusterArn === cluster.arn && ci.status !== 'INACTIVE')) {
      throw new AwsError(
        'ClusterContainsContainerInstancesException',
        'The Cluster cannot be deleted while Container Instances are active or draining.',
      );
    }
    if ([...world.tasks.values()].some((t) => t.clusterArn === cluster.arn && t.lastStatus !== 'STOPPED')) {
      throw new AwsError('ClusterContainsTasksException', 'The Cluster cannot be deleted while Tasks are active.');
    }
    cluster.status = 'INACTIVE';
    return { cluster: clusterView(ctx, cluster, false) };
  },

  ListContainerInstances(params, ctx) {
    const cluster = requireCluster(ctx, params.cluster);
    const status = optionalString(params.status, 'status');
    const arns = [...ctx.world.containerInstances.values()]
      .filter((ci) => ci.clusterArn === cluster.arn && (status ? ci.status === status : ci.status !== 'INACTIVE'))
      .map((ci) => ci.arn);
    const page = paginate(arns, params);
    return { containerInstanceArns: page.items, nextToken: page.nextToken };
  },

  /**
   * Takes an instance out of the cluster. With tasks still running it needs force; their
   * services then start replacements on the instances that remain.
   */
  DeregisterContainerInstance(params, ctx) {
    const cluster = requireCluster(ctx, params.cluster);
    const ref = optionalString(params.containerInstance, 'containerInstance');
    if (!ref) throw new AwsError('InvalidParameterException', 'containerInstance can not be blank.');
    const ci = [...ctx.world.containerInstances.values()].find((c) => c.clusterArn === cluster.arn && (c.arn === ref || shortId(c.arn) === ref));
    if (!ci || ci.status === 'INACTIVE') throw new AwsError('InvalidParameterException', `Container instance ${ref} not found.`);
    const running = [...ctx.world.tasks.values()].filter((t) => t.containerInstanceArn === ci.arn && t.lastStatus !== 'STOPPED');
    if (running.length > 0 && params.force !== true) {
      throw new AwsError('InvalidParameterException', 'Found running tasks on the instance.');
    }
    ci.status = 'INACTIVE';
    ci.agentConnected = false;
    for (const t of running) ctx.scheduler.stopTask(t, 'Container instance deregistration forced by user');
    return { containerInstance: containerInstanceView(ctx, ci) };
  },

  DescribeContainerInstances(params, ctx) {
    const cluster = requireCluster(ctx, params.cluster);
    const refs = stringList(params.containerInstances, 'containerInstances');
    if (refs.length === 0) throw new AwsError('InvalidParameterException', 'Container instances cannot be empty.');
    if (refs.length > 100) throw new AwsError('InvalidParameterException', 'Container instances cannot exceed 100.');
    const ofCluster = [...ctx.world.containerInstances.values()].filter((ci) => ci.clusterArn === cluster.arn);
    const containerInstances = [];
    const failures = [];
    for (const ref of refs) {
      const ci = ofCluster.find((c) => c.arn === ref || shortId(c.arn) === ref);
      if (ci) containerInstances.push(containerInstanceView(ctx, ci));
      else failures.push({ arn: ref.startsWith('arn:') ? ref : ctx.world.arn('ecs', `container-instance/${cluster.name}/${ref}`), reason: 'MISSING' });
    }
    return { containerInstances, failures };
  },
};
