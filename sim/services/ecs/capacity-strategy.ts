/**
 * Capacity provider strategies: reading one from a request, the checks ECS makes on it, and
 * where a service's placement comes from (launch type, its own strategy, or the cluster's default).
 *
 * Sources (ECS API Reference, docs.aws.amazon.com/AmazonECS/latest/APIReference/):
 * - CreateService/RunTask `capacityProviderStrategy`: "If a capacityProviderStrategy is specified, the
 *   launchType parameter must be omitted. If no capacityProviderStrategy or launchType is specified, the
 *   defaultCapacityProviderStrategy for the cluster is used." "A capacity provider strategy can contain a
 *   maximum of 20 capacity providers."
 * - CapacityProviderStrategyItem: weight 0–1000, base 0–100000 (default 0 each); "Only one capacity
 *   provider in a capacity provider strategy can have a base defined".
 * - Developer Guide, cluster-capacity-providers.html: "A capacity provider strategy cannot contain a mix
 *   of capacity providers using Auto Scaling groups and Fargate providers."
 * - Messages: "Specifying both a launch type and capacity provider strategy is not supported. Remove one and
 *   try again." (AWS's answer, quoted in terraform-linters/tflint-ruleset-aws#349 and pulumi/pulumi-awsx#599);
 *   "The specified capacity provider strategy cannot contain a capacity provider that is not associated with
 *   the cluster. …" (RunTask's answer, quoted in dask/dask-cloudprovider#328). The other messages below are
 *   the simulator's own wording: no source quotes them.
 */
import type { CapacityProviderStrategyItem, Cluster } from '../../world.js';
import { invalidParameter, optionalString } from './common.js';

export const FARGATE_PROVIDERS = ['FARGATE', 'FARGATE_SPOT'];
export const isFargateProvider = (name: string): boolean => FARGATE_PROVIDERS.includes(name);

const MAX_STRATEGY_ITEMS = 20;
export const BOTH_GIVEN = 'Specifying both a launch type and capacity provider strategy is not supported. Remove one and try again.';
export const NOT_ASSOCIATED =
  'The specified capacity provider strategy cannot contain a capacity provider that is not associated with the cluster. ' +
  'Associate the capacity provider with the cluster or specify a valid capacity provider and try again.';
/** ECS's answer to launch type FARGATE with a task definition that is not FARGATE-compatible (sil-org/ecs-deploy#134). */
export const NOT_FARGATE_COMPATIBLE = 'Task definition does not support launch_type FARGATE.';

/** A strategy parameter, with weight and base defaulted to 0 and ECS's structural rules checked. */
export function parseStrategy(param: unknown, name: string): CapacityProviderStrategyItem[] {
  if (param === undefined || param === null) return [];
  if (!Array.isArray(param)) throw invalidParameter(`${name} must be a list.`);
  if (param.length > MAX_STRATEGY_ITEMS) throw invalidParameter(`${name} can contain a maximum of ${MAX_STRATEGY_ITEMS} capacity providers.`);
  const items = (param as Record<string, unknown>[]).map((raw) => {
    const capacityProvider = optionalString(raw?.capacityProvider, 'capacityProvider');
    if (!capacityProvider) throw invalidParameter('capacityProvider can not be blank.');
    return {
      capacityProvider,
      weight: boundedInt(raw.weight, 'weight', 1000),
      base: boundedInt(raw.base, 'base', 100_000),
    };
  });
  if (items.filter((i) => i.base > 0).length > 1) {
    throw invalidParameter('Only one capacity provider in a capacity provider strategy can have a base defined.');
  }
  if (items.length > 1 && items.every((i) => i.weight === 0)) {
    throw invalidParameter('At least one capacity provider in a capacity provider strategy must have a weight greater than zero.');
  }
  const fargate = items.filter((i) => isFargateProvider(i.capacityProvider)).length;
  if (fargate > 0 && fargate < items.length) {
    throw invalidParameter('A capacity provider strategy cannot contain a mix of capacity providers using Auto Scaling groups and Fargate providers.');
  }
  return items;
}

function boundedInt(v: unknown, name: string, max: number): number {
  if (v === undefined || v === null) return 0;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max) {
    throw invalidParameter(`${name} must be an integer between 0 and ${max}.`);
  }
  return v;
}

/** Every provider of the strategy must be associated with the cluster. */
export function requireAssociated(providers: string[], strategy: CapacityProviderStrategyItem[]): void {
  if (strategy.some((i) => !providers.includes(i.capacityProvider))) throw invalidParameter(NOT_ASSOCIATED);
}

export interface Placement {
  launchType?: string;
  capacityProviderStrategy?: CapacityProviderStrategyItem[];
}

/**
 * How CreateService places a service. Neither a launch type nor a strategy, and no default strategy on
 * the cluster: launch type EC2, as the simulator always did — the API reference does not say what ECS
 * does then (the workshop's clusters without capacity providers run EC2 services that way).
 */
export function placementOf(cluster: Cluster, params: Record<string, unknown>): Placement {
  const launchType = optionalString(params.launchType, 'launchType');
  const own = parseStrategy(params.capacityProviderStrategy, 'capacityProviderStrategy');
  if (launchType && own.length > 0) throw invalidParameter(BOTH_GIVEN);
  if (launchType) return { launchType };
  const strategy = own.length > 0 ? own : (cluster.defaultCapacityProviderStrategy ?? []).map((i) => ({ ...i }));
  if (strategy.length === 0) return { launchType: 'EC2' };
  requireAssociated(cluster.capacityProviders ?? [], strategy);
  // The simulator runs no Fargate capacity: a Fargate provider is refused as launch type FARGATE is
  // (whatever the task definition). For the workshop's bridge-mode task definitions that is ECS's
  // answer too; no source quotes ECS's message for a strategy, so launch type FARGATE's is used.
  if (strategy.some((i) => isFargateProvider(i.capacityProvider))) throw invalidParameter(NOT_FARGATE_COMPATIBLE);
  return { capacityProviderStrategy: strategy };
}
