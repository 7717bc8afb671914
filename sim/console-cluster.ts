/**
 * An EC2 cluster as today's ECS console creates it: a CloudFormation stack
 * `Infra-ECS-Cluster-<cluster>-<8 hex>` whose Auto Scaling group (`…-ECSAutoScalingGroup-<12>`) backs a
 * capacity provider (`…-AsgCapacityProvider-<12>`, the CloudFormation physical-name pattern
 * `<stack>-<logical id>-<12 random letters and digits>`), attached as the cluster's default strategy
 * (weight 1, base 0) next to FARGATE and FARGATE_SPOT.
 *
 * No AWS page documents these names; they are as they appear in public repositories that record
 * console-made clusters (e.g. "Infra-ECS-Cluster-bia-ia-d51365b9-AsgCapacityProvider-IrNZORiPVKOM",
 * "Infra-ECS-Cluster-divided-by-all-cluster-e9cd13f5-ECSAutoScalingGroup-dWvHVK2i5woQ", and a cluster listing
 * FARGATE, FARGATE_SPOT and "Infra-ECS-Cluster-…-EC2CapacityProvider-…"; older consoles used
 * "EC2CapacityProvider"). CloudFormation stack names allow no underscores, and no source shows what the
 * console does with a cluster name such as nick_ecs_cluster: it is kept as it is here. The provider's
 * settings are the console's defaults as far as they are visible in those records (managed scaling on at
 * target capacity 100, managed termination protection off); that too is not documented by AWS.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { SimContext } from './context.js';
import { hex } from './ids.js';
import type { CapacityProvider, CapacityProviderStrategyItem, Cluster } from './world.js';

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** CloudFormation's random tail of a physical name: 12 letters and digits. */
function physicalSuffix(): string {
  return [...randomBytes(12)].map((b) => ALPHANUMERIC[b % ALPHANUMERIC.length]).join('');
}

export interface ConsoleClusterNames {
  stack: string;
  autoScalingGroup: string;
  capacityProvider: string;
}

export function consoleClusterNames(clusterName: string): ConsoleClusterNames {
  const stack = `Infra-ECS-Cluster-${clusterName}-${hex(8)}`;
  return {
    stack,
    autoScalingGroup: `${stack}-ECSAutoScalingGroup-${physicalSuffix()}`,
    capacityProvider: `${stack}-AsgCapacityProvider-${physicalSuffix()}`,
  };
}

/** Creates the console's capacity provider and makes it the cluster's default strategy; returns that strategy. */
export function attachConsoleCapacityProvider(ctx: SimContext, cluster: Cluster, names: ConsoleClusterNames): CapacityProviderStrategyItem[] {
  const world = ctx.world;
  const asgArn = world.arn('autoscaling', `autoScalingGroup:${randomUUID()}:autoScalingGroupName/${names.autoScalingGroup}`);
  const provider: CapacityProvider = {
    arn: world.arn('ecs', `capacity-provider/${names.capacityProvider}`),
    name: names.capacityProvider,
    status: 'ACTIVE',
    autoScalingGroupProvider: {
      autoScalingGroupArn: asgArn,
      managedScaling: { status: 'ENABLED', targetCapacity: 100, minimumScalingStepSize: 1, maximumScalingStepSize: 10_000, instanceWarmupPeriod: 300 },
      managedTerminationProtection: 'DISABLED',
      managedDraining: 'ENABLED',
    },
    tags: new Map(),
  };
  world.capacityProviders.set(provider.name, provider);
  const strategy = [{ capacityProvider: provider.name, weight: 1, base: 0 }];
  cluster.capacityProviders = ['FARGATE', 'FARGATE_SPOT', provider.name];
  cluster.defaultCapacityProviderStrategy = strategy;
  return strategy.map((i) => ({ ...i }));
}
