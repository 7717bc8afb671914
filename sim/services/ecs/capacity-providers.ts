/**
 * Auto Scaling group capacity providers and a cluster's association with them.
 *
 * Sources (ECS API Reference, docs.aws.amazon.com/AmazonECS/latest/APIReference/API_<Action>.html, and
 * the Developer Guide's "Amazon ECS capacity providers for EC2", asg-capacity-providers.html):
 * - CreateCapacityProvider: name "Up to 255 characters … letters …, numbers, underscores (_), and hyphens (-).
 *   The name can't be prefixed with "aws", "ecs", or "fargate"" — case-insensitively (aws/aws-cdk#36584: stack
 *   names starting with "Ecs" or "AWS" fail); the message is ECS's (aws-samples/aws-cdk-examples#626).
 *   A taken name: ClientException "The specified capacity provider already exists. …"
 *   (hashicorp/terraform-provider-aws#11358); an Auto Scaling group already used: ClientException "The
 *   specified Auto Scaling group ARN is already being used by another capacity provider. …"
 *   (aws/containers-roadmap#632). ManagedScaling defaults: targetCapacity 100, step sizes 1/10000, warm-up
 *   300 s (API_ManagedScaling); status DISABLED and termination protection DISABLED when omitted (not stated
 *   by AWS; moto does the same); managedDraining ENABLED (API_AutoScalingGroupProvider: "The default is ENABLED").
 * - DescribeCapacityProviders: FARGATE and FARGATE_SPOT "are available to all accounts"; by name or ARN;
 *   maxResults 1–10; unknown names are failures with reason MISSING.
 * - DeleteCapacityProvider: "Only capacity providers that aren't associated with a cluster can be deleted";
 *   the call then answers with updateStatus DELETE_FAILED and the reason "The capacity provider cannot be deleted
 *   because it is associated with cluster: X. …" (hashicorp/terraform-provider-aws#48156, ekristen/aws-nuke#542).
 *   The FARGATE providers "are reserved and can't be deleted". Deletion is immediate here (AWS passes through
 *   DELETE_IN_PROGRESS).
 * - PutClusterCapacityProviders: both lists required; providers left out are disassociated — "only if it's not
 *   being used by any existing tasks" (ResourceInUseException "The specified capacity provider is in use and
 *   cannot be removed.", pahud/cdk-fargate-patterns#71); an unknown one: "The specified capacity provider was not
 *   found. Specify a valid capacity provider and try again." (terraform-aws-modules/terraform-aws-ecs#53).
 */
import type { ServiceHandlers, SimContext } from '../../context.js';
import { AwsError } from '../../errors.js';
import type { CapacityProvider, CapacityProviderStrategyItem, Cluster } from '../../world.js';
import { parseStrategy, isFargateProvider, requireAssociated, FARGATE_PROVIDERS } from './capacity-strategy.js';
import { clientException, includes, invalidParameter, optionalString, paginate, requireCluster, requireString, stringList, tagsFromParam, tagsView } from './common.js';
import { clusterView } from './views.js';

const NAME = /^[A-Za-z0-9_-]{1,255}$/;
const RESERVED_PREFIX = /^(aws|ecs|fargate)/i;
const INVALID_NAME =
  'The specified capacity provider name is invalid. Up to 255 characters are allowed, including letters (upper and lowercase), numbers, ' +
  'underscores, and hyphens. The name cannot be prefixed with "aws", "ecs", or "fargate". Specify a valid name and try again.';
const NOT_FOUND = 'The specified capacity provider was not found. Specify a valid capacity provider and try again.';

export const capacityProviderHandlers: ServiceHandlers = {
  CreateCapacityProvider(params, ctx) {
    const name = requireString(params.name, 'name');
    if (!NAME.test(name) || RESERVED_PREFIX.test(name)) throw clientException(INVALID_NAME);
    if (ctx.world.capacityProviders.get(name)?.status === 'ACTIVE') {
      throw clientException('The specified capacity provider already exists. To change the configuration of an existing capacity provider, update the capacity provider.');
    }
    const asg = (params.autoScalingGroupProvider ?? undefined) as Record<string, unknown> | undefined;
    if (!asg || typeof asg !== 'object') throw clientException('autoScalingGroupProvider can not be null.');
    const autoScalingGroupArn = requireString(asg.autoScalingGroupArn, 'autoScalingGroupArn');
    const inUse = [...ctx.world.capacityProviders.values()].some(
      (cp) => cp.status === 'ACTIVE' && cp.autoScalingGroupProvider.autoScalingGroupArn === autoScalingGroupArn,
    );
    if (inUse) {
      throw clientException('The specified Auto Scaling group ARN is already being used by another capacity provider. Specify a unique Auto Scaling group ARN and try again.');
    }
    const provider = newCapacityProvider(ctx, name, autoScalingGroupArn, asg, tagsFromParam(params.tags));
    ctx.world.capacityProviders.set(name, provider);
    return { capacityProvider: capacityProviderView(ctx, provider, true) };
  },

  DescribeCapacityProviders(params, ctx) {
    const refs = stringList(params.capacityProviders, 'capacityProviders');
    const withTags = includes(params, 'TAGS');
    if (refs.length === 0) {
      const all = [...FARGATE_PROVIDERS.map((n) => fargateView(ctx, n)), ...[...ctx.world.capacityProviders.values()].filter((cp) => cp.status === 'ACTIVE').map((cp) => capacityProviderView(ctx, cp, withTags))];
      const page = paginate(all, params, 10, 10);
      return { capacityProviders: page.items, failures: [], nextToken: page.nextToken };
    }
    const capacityProviders = [];
    const failures = [];
    for (const ref of refs) {
      const name = nameOf(ref);
      if (isFargateProvider(name)) capacityProviders.push(fargateView(ctx, name));
      else {
        const cp = ctx.world.capacityProviders.get(name);
        if (cp) capacityProviders.push(capacityProviderView(ctx, cp, withTags));
        else failures.push({ arn: arnOf(ctx, name), reason: 'MISSING' });
      }
    }
    return { capacityProviders, failures };
  },

  DeleteCapacityProvider(params, ctx) {
    const name = nameOf(requireString(params.capacityProvider, 'capacityProvider'));
    if (isFargateProvider(name)) throw clientException(`The ${name} capacity provider is reserved and cannot be deleted.`);
    const cp = ctx.world.capacityProviders.get(name);
    if (!cp || cp.status !== 'ACTIVE') throw clientException(NOT_FOUND);
    const cluster = [...ctx.world.clusters.values()].find((c) => c.status === 'ACTIVE' && (c.capacityProviders ?? []).includes(name));
    if (cluster) {
      cp.updateStatus = 'DELETE_FAILED';
      cp.updateStatusReason = `The capacity provider cannot be deleted because it is associated with cluster: ${cluster.name}. Remove the capacity provider from the cluster and try again.`;
    } else {
      cp.status = 'INACTIVE';
      cp.updateStatus = 'DELETE_COMPLETE';
      cp.updateStatusReason = undefined;
    }
    return { capacityProvider: capacityProviderView(ctx, cp, false) };
  },

  PutClusterCapacityProviders(params, ctx) {
    const cluster = requireCluster(ctx, params.cluster);
    if (!Array.isArray(params.capacityProviders)) throw invalidParameter('capacityProviders can not be null.');
    if (!Array.isArray(params.defaultCapacityProviderStrategy)) throw invalidParameter('defaultCapacityProviderStrategy can not be null.');
    const { providers, strategy } = clusterCapacityOf(ctx, cluster, params.capacityProviders, params.defaultCapacityProviderStrategy);
    const removed = (cluster.capacityProviders ?? []).filter((n) => !providers.includes(n));
    if (removed.some((n) => providerInUse(ctx, cluster, n))) {
      throw new AwsError('ResourceInUseException', 'The specified capacity provider is in use and cannot be removed.');
    }
    cluster.capacityProviders = providers;
    cluster.defaultCapacityProviderStrategy = strategy;
    return { cluster: clusterView(ctx, cluster, false) };
  },
};

/** The checks shared by CreateCluster and PutClusterCapacityProviders. */
export function clusterCapacityOf(
  ctx: SimContext,
  cluster: Pick<Cluster, 'arn'>,
  providersParam: unknown,
  strategyParam: unknown,
): { providers: string[]; strategy: CapacityProviderStrategyItem[] } {
  const providers = [...new Set(stringList(providersParam, 'capacityProviders').map(nameOf))];
  for (const name of providers) {
    if (isFargateProvider(name)) continue;
    const cp = ctx.world.capacityProviders.get(name);
    if (!cp || cp.status !== 'ACTIVE') throw invalidParameter(NOT_FOUND);
    // "the capacity provider must be created but not associated with another cluster" (AWS::ECS::Cluster,
    // CapacityProviders); the message is the simulator's own.
    const other = [...ctx.world.clusters.values()].find((c) => c.arn !== cluster.arn && c.status === 'ACTIVE' && (c.capacityProviders ?? []).includes(name));
    if (other) throw invalidParameter(`The specified capacity provider ${name} is already associated with another cluster (${other.name}).`);
  }
  const strategy = parseStrategy(strategyParam, 'defaultCapacityProviderStrategy').map((i) => ({ ...i, capacityProvider: nameOf(i.capacityProvider) }));
  requireAssociated(providers, strategy);
  return { providers, strategy };
}

function providerInUse(ctx: SimContext, cluster: Cluster, name: string): boolean {
  const services = [...ctx.world.services.values()].some(
    (s) => s.clusterArn === cluster.arn && s.status !== 'INACTIVE' && (s.capacityProviderStrategy ?? []).some((i) => i.capacityProvider === name),
  );
  const tasks = [...ctx.world.tasks.values()].some((t) => t.clusterArn === cluster.arn && t.lastStatus !== 'STOPPED' && t.capacityProviderName === name);
  return services || tasks;
}

function newCapacityProvider(ctx: SimContext, name: string, autoScalingGroupArn: string, asg: Record<string, unknown>, tags: CapacityProvider['tags']): CapacityProvider {
  const scaling = (asg.managedScaling ?? {}) as Record<string, unknown>;
  return {
    arn: arnOf(ctx, name),
    name,
    status: 'ACTIVE',
    autoScalingGroupProvider: {
      autoScalingGroupArn,
      managedScaling: {
        status: oneOf(scaling.status, 'managedScaling.status', ['ENABLED', 'DISABLED'], 'DISABLED'),
        targetCapacity: intIn(scaling.targetCapacity, 'targetCapacity', 1, 100, 100),
        minimumScalingStepSize: intIn(scaling.minimumScalingStepSize, 'minimumScalingStepSize', 1, 10_000, 1),
        maximumScalingStepSize: intIn(scaling.maximumScalingStepSize, 'maximumScalingStepSize', 1, 10_000, 10_000),
        instanceWarmupPeriod: intIn(scaling.instanceWarmupPeriod, 'instanceWarmupPeriod', 0, 10_000, 300),
      },
      managedTerminationProtection: oneOf(asg.managedTerminationProtection, 'managedTerminationProtection', ['ENABLED', 'DISABLED'], 'DISABLED'),
      managedDraining: oneOf(asg.managedDraining, 'managedDraining', ['ENABLED', 'DISABLED'], 'ENABLED'),
    },
    tags,
  };
}

function oneOf<T extends string>(v: unknown, name: string, allowed: T[], fallback: T): T {
  const s = optionalString(v, name);
  if (s === undefined) return fallback;
  if (!allowed.includes(s as T)) throw clientException(`${name} must be one of ${allowed.join(', ')}.`);
  return s as T;
}

function intIn(v: unknown, name: string, min: number, max: number, fallback: number): number {
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw clientException(`${name} must be an integer between ${min} and ${max}.`);
  }
  return v;
}

/** A provider reference: its name, or its ARN (…:capacity-provider/<name>). */
const nameOf = (ref: string): string => (ref.startsWith('arn:') ? ref.slice(ref.lastIndexOf('/') + 1) : ref);

const arnOf = (ctx: SimContext, name: string): string => ctx.world.arn('ecs', `capacity-provider/${name}`);

/** The built-in Fargate providers as DescribeCapacityProviders shows them: no Auto Scaling group. */
const fargateView = (ctx: SimContext, name: string) => ({ capacityProviderArn: arnOf(ctx, name), name, status: 'ACTIVE', tags: [] });

export function capacityProviderView(ctx: SimContext, cp: CapacityProvider, withTags: boolean) {
  return {
    capacityProviderArn: cp.arn,
    name: cp.name,
    status: cp.status,
    autoScalingGroupProvider: {
      ...cp.autoScalingGroupProvider,
      managedScaling: { ...cp.autoScalingGroupProvider.managedScaling },
    },
    updateStatus: cp.updateStatus,
    updateStatusReason: cp.updateStatusReason,
    tags: withTags ? tagsView(cp.tags) : [],
  };
}
