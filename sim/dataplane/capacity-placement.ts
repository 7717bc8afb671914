/**
 * Which capacity provider of a service's strategy the next task counts against: each provider's base
 * first, then by weight — the provider furthest below its share of the tasks beyond the bases
 * (CapacityProviderStrategyItem, ECS API Reference: "The base value designates how many tasks, at a
 * minimum, to run on the specified capacity provider"; "The weight value designates the relative
 * percentage of the total number of tasks launched that should use the specified capacity provider").
 * Every Auto Scaling group provider's tasks run on the cluster's container instances here (the
 * simulator does not tell one provider's instances from another's).
 */
import type { CapacityProviderStrategyItem, Service, Task } from '../world.js';

export function nextProvider(strategy: CapacityProviderStrategyItem[], tasks: Task[]): string {
  const count = (name: string) => tasks.filter((t) => t.capacityProviderName === name).length;
  const belowBase = strategy.find((i) => i.base > 0 && count(i.capacityProvider) < i.base);
  if (belowBase) return belowBase.capacityProvider;
  const weighted = strategy.filter((i) => i.weight > 0);
  if (weighted.length === 0) return strategy[0]!.capacityProvider;
  const share = (i: CapacityProviderStrategyItem) => (count(i.capacityProvider) - i.base) / i.weight;
  return weighted.reduce((best, i) => (share(i) < share(best) ? i : best)).capacityProvider;
}

/** The strategy a service runs under, if it was placed by one. */
export const strategyOf = (service: Service): CapacityProviderStrategyItem[] | undefined =>
  service.capacityProviderStrategy?.length ? service.capacityProviderStrategy : undefined;
