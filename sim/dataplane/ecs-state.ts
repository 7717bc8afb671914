/**
 * Questions about ECS state that both the API handlers and the scheduler ask: which tasks
 * belong to a service, how many run, what a container instance has left. Counts are always
 * computed from the tasks, so they can never go stale.
 */
import { randomInt, randomUUID } from 'node:crypto';
import type { ContainerInstance, Service, Task, TaskDefinition, World } from '../world.js';

/** Ports the ECS agent reserves on every container instance (as AWS shows them). */
export const RESERVED_PORTS = [22, 2375, 2376, 51678, 51679];
export const MAX_SERVICE_EVENTS = 100;

export const serviceGroup = (service: Service): string => `service:${service.name}`;

export function tasksOfService(world: World, service: Service): Task[] {
  const group = serviceGroup(service);
  return [...world.tasks.values()].filter((t) => t.clusterArn === service.clusterArn && t.group === group);
}

/** Tasks the service still wants (desiredStatus RUNNING). */
export function wantedTasks(world: World, service: Service): Task[] {
  return tasksOfService(world, service).filter((t) => t.desiredStatus === 'RUNNING');
}

export interface TaskCounts {
  running: number;
  pending: number;
}

export function countTasks(tasks: Task[]): TaskCounts {
  let running = 0;
  let pending = 0;
  for (const t of tasks) {
    if (t.desiredStatus !== 'RUNNING') continue;
    if (t.lastStatus === 'RUNNING') running++;
    else if (t.lastStatus === 'PROVISIONING' || t.lastStatus === 'PENDING' || t.lastStatus === 'ACTIVATING') pending++;
  }
  return { running, pending };
}

/** Tasks that still occupy their instance (everything not yet STOPPED). */
export function tasksOnInstance(world: World, ci: ContainerInstance): Task[] {
  return [...world.tasks.values()].filter((t) => t.containerInstanceArn === ci.arn && t.lastStatus !== 'STOPPED');
}

export interface InstanceUsage {
  memory: number;
  cpu: number;
  /** host ports in use: static ports of placed tasks and the bound dynamic ones */
  ports: Set<number>;
  running: number;
  pending: number;
}

export function instanceUsage(world: World, ci: ContainerInstance): InstanceUsage {
  const usage: InstanceUsage = { memory: 0, cpu: 0, ports: new Set(), running: 0, pending: 0 };
  for (const t of tasksOnInstance(world, ci)) {
    usage.memory += t.memory;
    usage.cpu += t.cpu;
    for (const p of staticHostPorts(world.taskDefinitions.get(t.taskDefinitionArn))) usage.ports.add(p);
    for (const c of t.containers) for (const b of c.networkBindings) usage.ports.add(b.hostPort);
    if (t.lastStatus === 'RUNNING') usage.running++;
    else usage.pending++;
  }
  return usage;
}

export function staticHostPorts(td: TaskDefinition | undefined): number[] {
  if (!td) return [];
  return td.containerDefinitions.flatMap((c) =>
    c.portMappings.map((p) => hostPortOf(td, p.hostPort, p.containerPort)).filter((p) => p > 0),
  );
}

/** bridge: 0/absent means dynamic; host and awsvpc: the host port is the container port. */
export function hostPortOf(td: TaskDefinition, hostPort: number | undefined, containerPort: number): number {
  if (td.networkMode === 'host' || td.networkMode === 'awsvpc') return containerPort;
  return hostPort ?? 0;
}

export function taskMemory(td: TaskDefinition): number {
  if (td.memory) return Number(td.memory);
  return td.containerDefinitions.reduce((sum, c) => sum + (c.memory ?? c.memoryReservation ?? 0), 0);
}

export function taskCpu(td: TaskDefinition): number {
  if (td.cpu) return Number(td.cpu);
  return td.containerDefinitions.reduce((sum, c) => sum + (c.cpu ?? 0), 0);
}

export function addServiceEvent(service: Service, message: string, at = new Date()): void {
  service.events.unshift({ id: randomUUID(), createdAt: at, message });
  if (service.events.length > MAX_SERVICE_EVENTS) service.events.length = MAX_SERVICE_EVENTS;
}

/** `ecs-svc/` followed by 19 digits, as ECS names deployments. */
export function newDeploymentId(): string {
  let digits = String(randomInt(1, 10));
  while (digits.length < 19) digits += String(randomInt(0, 10));
  return `ecs-svc/${digits}`;
}

/** The last path segment of an ECS ARN (task id, container instance id, service name). */
export const shortId = (arn: string): string => arn.slice(arn.lastIndexOf('/') + 1);

export const clusterNameOf = (clusterArn: string): string => shortId(clusterArn);
