/**
 * Finding what exists, read-only. Every list is paginated (tools that missed resources on
 * page 2 shipped false verdicts). Names are hints; links are the truth: when a name does not
 * match, the links (service → target group → listener → ALB → its security groups) find the
 * resource, and the note says so.
 */
import type { Instance, SecurityGroup, SecurityGroupRule, Subnet } from '@aws-sdk/client-ec2';
import type { CapacityProvider, Cluster, ContainerInstance, Service, Task, TaskDefinition } from '@aws-sdk/client-ecs';
import type { Listener, LoadBalancer, TargetGroup, TargetHealthDescription } from '@aws-sdk/client-elastic-load-balancing-v2';
import { EC2, ECS, ELBv2 } from './sdk.js';
import type { Clients } from './clients.js';

const { DescribeInstancesCommand, DescribeSecurityGroupsCommand, DescribeSubnetsCommand, paginateDescribeSecurityGroupRules } = EC2;
const { DescribeCapacityProvidersCommand, DescribeClustersCommand, DescribeContainerInstancesCommand, DescribeServicesCommand, DescribeTaskDefinitionCommand, DescribeTasksCommand, paginateListContainerInstances, paginateListServices, paginateListTasks } = ECS;
const { DescribeTargetHealthCommand, paginateDescribeListeners, paginateDescribeLoadBalancers, paginateDescribeTargetGroups } = ELBv2;

export class NotFound extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotFound';
  }
}

/** A found resource and how it was found (by its name, or by a link when the name did not match). */
export interface Found<T> {
  value: T;
  via: string;
}

async function collect<T>(pages: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const p of pages) out.push(p);
  return out;
}

const chunks = <T>(xs: T[], n: number): T[][] => Array.from({ length: Math.ceil(xs.length / n) }, (_, i) => xs.slice(i * n, i * n + n));

export async function findCluster(c: Clients, name: string): Promise<Cluster> {
  const out = await c.ecs.send(new DescribeClustersCommand({ clusters: [name] }));
  const cluster = out.clusters?.find((x) => x.status === 'ACTIVE');
  if (!cluster) throw new NotFound(`Could not find cluster ${name}: DescribeClusters answered ${out.failures?.[0]?.reason ?? 'no active cluster'}`);
  return cluster;
}

export async function containerInstancesOf(c: Clients, cluster: string): Promise<ContainerInstance[]> {
  const pages = await collect(paginateListContainerInstances({ client: c.ecs }, { cluster }));
  const arns = pages.flatMap((p) => p.containerInstanceArns ?? []);
  const out: ContainerInstance[] = [];
  for (const part of chunks(arns, 100)) {
    const r = await c.ecs.send(new DescribeContainerInstancesCommand({ cluster, containerInstances: part }));
    out.push(...(r.containerInstances ?? []));
  }
  return out;
}

export async function instancesById(c: Clients, ids: string[]): Promise<Instance[]> {
  if (ids.length === 0) return [];
  const out: Instance[] = [];
  let NextToken: string | undefined;
  do {
    const r = await c.ec2.send(new DescribeInstancesCommand({ InstanceIds: ids, NextToken }));
    out.push(...(r.Reservations ?? []).flatMap((x) => x.Instances ?? []));
    NextToken = r.NextToken;
  } while (NextToken);
  return out;
}

/**
 * Running EC2 instances of a cluster by the Name tag the ECS console's Auto Scaling group gives
 * them ('ECS Instance - <cluster>'): where instances never register as container instances.
 */
export async function instancesTaggedFor(c: Clients, cluster: string): Promise<Instance[]> {
  const out: Instance[] = [];
  let NextToken: string | undefined;
  const Filters = [
    { Name: 'tag:Name', Values: [`ECS Instance - ${cluster}`] },
    { Name: 'instance-state-name', Values: ['running'] },
  ];
  do {
    const r = await c.ec2.send(new DescribeInstancesCommand({ Filters, NextToken }));
    out.push(...(r.Reservations ?? []).flatMap((x) => x.Instances ?? []));
    NextToken = r.NextToken;
  } while (NextToken);
  return out;
}

export async function subnetsById(c: Clients, ids: string[]): Promise<Subnet[]> {
  if (ids.length === 0) return [];
  const r = await c.ec2.send(new DescribeSubnetsCommand({ SubnetIds: ids }));
  return r.Subnets ?? [];
}

export async function securityGroupsById(c: Clients, ids: string[]): Promise<SecurityGroup[]> {
  if (ids.length === 0) return [];
  const r = await c.ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: ids }));
  return r.SecurityGroups ?? [];
}

export async function securityGroupByName(c: Clients, vpcId: string, name: string): Promise<SecurityGroup | undefined> {
  const r = await c.ec2.send(
    new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }, { Name: 'group-name', Values: [name] }] }),
  );
  return r.SecurityGroups?.[0];
}

export async function securityGroupRules(c: Clients, groupId: string): Promise<SecurityGroupRule[]> {
  const pages = await collect(paginateDescribeSecurityGroupRules({ client: c.ec2 }, { Filters: [{ Name: 'group-id', Values: [groupId] }] }));
  return pages.flatMap((p) => p.SecurityGroupRules ?? []);
}

export async function latestTaskDefinition(c: Clients, family: string): Promise<TaskDefinition> {
  try {
    const r = await c.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: family }));
    if (!r.taskDefinition) throw new Error('empty answer');
    return r.taskDefinition;
  } catch (err) {
    throw new NotFound(`Could not find task definition family ${family}: ${(err as Error).message}`);
  }
}

export async function taskDefinitionByArn(c: Clients, arn: string): Promise<TaskDefinition> {
  const r = await c.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: arn }));
  return r.taskDefinition!;
}

export async function servicesOf(c: Clients, cluster: string): Promise<Service[]> {
  const pages = await collect(paginateListServices({ client: c.ecs }, { cluster }));
  const arns = pages.flatMap((p) => p.serviceArns ?? []);
  const out: Service[] = [];
  for (const part of chunks(arns, 10)) {
    const r = await c.ecs.send(new DescribeServicesCommand({ cluster, services: part, include: ['TAGS'] }));
    out.push(...(r.services ?? []));
  }
  return out;
}

/** The family of a task-definition ARN (…:task-definition/<family>:<revision>). */
export const familyOf = (taskDefinitionArn: string | undefined) => /task-definition\/([^:]+):\d+$/.exec(taskDefinitionArn ?? '')?.[1];

/**
 * The old service: by name; else — names are hints — the service of the cluster that runs the
 * module's task-definition family without a load balancer and is not the new service. Undefined
 * when there is none (deleted, and perhaps purged). Several candidates: the one still running the
 * most tasks, the others named in `via`.
 */
export async function findOldService(
  c: Clients,
  p: { cluster: string; name: string; family: string; newService?: string },
): Promise<Found<Service> | undefined> {
  const byName = await serviceByName(c, p.cluster, p.name);
  if (byName && byName.serviceName !== p.newService) return { value: byName, via: `name ${p.name}` };
  const candidates = (await servicesOf(c, p.cluster))
    .filter((s) => s.serviceName !== p.newService && familyOf(s.taskDefinition) === p.family && (s.loadBalancers?.length ?? 0) === 0)
    .sort((a, b) => (b.desiredCount ?? 0) + (b.runningCount ?? 0) - ((a.desiredCount ?? 0) + (a.runningCount ?? 0)));
  if (candidates.length === 0) return undefined;
  const others = candidates.slice(1).map((s) => s.serviceName);
  return {
    value: candidates[0]!,
    via: `link: the service of ${p.cluster} running ${p.family} without a load balancer (name ${p.name} not found)${others.length ? `; also: ${others.join(', ')}` : ''}`,
  };
}

/** Capacity providers by name (the built-in FARGATE and FARGATE_SPOT included). */
export async function capacityProviders(c: Clients, names: string[]): Promise<CapacityProvider[]> {
  if (names.length === 0) return [];
  const r = await c.ecs.send(new DescribeCapacityProvidersCommand({ capacityProviders: names }));
  return r.capacityProviders ?? [];
}

/** The service by name, whatever its status (INACTIVE services stay describable for a while). */
export async function serviceByName(c: Clients, cluster: string, name: string): Promise<Service | undefined> {
  const r = await c.ecs.send(new DescribeServicesCommand({ cluster, services: [name] }));
  return r.services?.[0];
}

/**
 * The tasks of a service. A deleted service that AWS has purged no longer answers to its name
 * (`ListTasks --service-name` fails with ServiceNotFoundException — "INACTIVE services may be
 * cleaned up and purged", ECS DeleteService API): its tasks are then found by the family they
 * run and the group ECS gives a service's tasks (`service:<name>`).
 */
export async function tasksOf(
  c: Clients,
  cluster: string,
  serviceName: string,
  desiredStatus: 'RUNNING' | 'STOPPED' = 'RUNNING',
  family?: string,
): Promise<Task[]> {
  let pages;
  try {
    pages = await collect(paginateListTasks({ client: c.ecs }, { cluster, serviceName, desiredStatus }));
  } catch (err) {
    if ((err as Error).name !== 'ServiceNotFoundException' || !family) throw err;
    const byFamily = await describeTasks(c, cluster, (await collect(paginateListTasks({ client: c.ecs }, { cluster, family, desiredStatus }))).flatMap((p) => p.taskArns ?? []));
    return byFamily.filter((t) => t.group === `service:${serviceName}`);
  }
  return describeTasks(c, cluster, pages.flatMap((p) => p.taskArns ?? []));
}

async function describeTasks(c: Clients, cluster: string, arns: string[]): Promise<Task[]> {
  const out: Task[] = [];
  for (const part of chunks(arns, 100)) {
    const r = await c.ecs.send(new DescribeTasksCommand({ cluster, tasks: part }));
    out.push(...(r.tasks ?? []));
  }
  return out;
}

export async function targetGroupsAll(c: Clients): Promise<TargetGroup[]> {
  const pages = await collect(paginateDescribeTargetGroups({ client: c.elb }, {}));
  return pages.flatMap((p) => p.TargetGroups ?? []);
}

export async function loadBalancersAll(c: Clients): Promise<LoadBalancer[]> {
  const pages = await collect(paginateDescribeLoadBalancers({ client: c.elb }, {}));
  return pages.flatMap((p) => p.LoadBalancers ?? []);
}

export async function listenersOf(c: Clients, loadBalancerArn: string): Promise<Listener[]> {
  const pages = await collect(paginateDescribeListeners({ client: c.elb }, { LoadBalancerArn: loadBalancerArn }));
  return pages.flatMap((p) => p.Listeners ?? []);
}

export async function targetHealth(c: Clients, targetGroupArn: string): Promise<TargetHealthDescription[]> {
  const r = await c.elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn }));
  return r.TargetHealthDescriptions ?? [];
}

/**
 * Target groups a listener's default action forwards to (plain or weighted forward), each once:
 * AWS describes a plain forward with both TargetGroupArn and a one-group ForwardConfig.
 */
export function forwardedTargetGroups(l: Listener): string[] {
  const arns = (l.DefaultActions ?? [])
    .filter((a) => a.Type === 'forward')
    .flatMap((a) => [a.TargetGroupArn, ...(a.ForwardConfig?.TargetGroups ?? []).map((t) => t.TargetGroupArn)])
    .filter((x): x is string => !!x);
  return [...new Set(arns)];
}

/** The new service: by name, else the cluster's only ACTIVE service with a load balancer (not the old one). */
export async function findNewService(c: Clients, cluster: string, name: string, oldName: string): Promise<Found<Service>> {
  const byName = await serviceByName(c, cluster, name);
  if (byName && byName.status === 'ACTIVE') return { value: byName, via: `name ${name}` };
  const candidates = (await servicesOf(c, cluster)).filter(
    (s) => s.status === 'ACTIVE' && s.serviceName !== oldName && (s.loadBalancers?.length ?? 0) > 0,
  );
  if (candidates.length === 1) {
    return { value: candidates[0]!, via: `link: the only service of ${cluster} with a load balancer (name ${name} not found)` };
  }
  throw new NotFound(
    candidates.length === 0
      ? `Could not find service ${name} in cluster ${cluster}, nor any other ACTIVE service with a load balancer`
      : `Could not find service ${name} in cluster ${cluster}; ${candidates.length} services with load balancers could be it: ${candidates.map((s) => s.serviceName).join(', ')}`,
  );
}

export async function findTargetGroup(c: Clients, name: string, linked: string[]): Promise<Found<TargetGroup>> {
  const all = await targetGroupsAll(c);
  const byName = all.find((t) => t.TargetGroupName === name);
  if (byName) return { value: byName, via: `name ${name}` };
  const byLink = all.filter((t) => linked.includes(t.TargetGroupArn!));
  if (byLink.length === 1) return { value: byLink[0]!, via: `link: the new service's load balancer (name ${name} not found)` };
  throw new NotFound(`Could not find target group ${name}${linked.length ? ` nor the one the service points to (${linked.join(', ')})` : ''}; ${all.length} target groups exist`);
}

export async function findLoadBalancer(c: Clients, name: string, linked: string[]): Promise<Found<LoadBalancer>> {
  const all = await loadBalancersAll(c);
  const byName = all.find((l) => l.LoadBalancerName === name);
  if (byName) return { value: byName, via: `name ${name}` };
  const byLink = all.filter((l) => linked.includes(l.LoadBalancerArn!));
  if (byLink.length === 1) return { value: byLink[0]!, via: `link: the load balancer of the target group (name ${name} not found)` };
  throw new NotFound(`Could not find load balancer ${name}${linked.length ? ` nor one linked to the target group` : ''}; ${all.length} load balancers exist`);
}
