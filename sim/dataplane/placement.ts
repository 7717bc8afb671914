/**
 * Where a service's next task goes, like ECS's default for the EC2 launch type: only
 * instances with enough CPU, memory and free host ports; among them spread over
 * availability zones, then over instances (fewest tasks of this service first).
 */
import type { ContainerInstance, Instance, Service, TaskDefinition, World } from '../world.js';
import { instanceUsage, RESERVED_PORTS, shortId, staticHostPorts, taskCpu, taskMemory, wantedTasks } from './ecs-state.js';

export type PlacementResult =
  | { ok: true; containerInstance: ContainerInstance; instance: Instance }
  | { ok: false; reason: string };

const TROUBLESHOOTING = 'For more information, see the Troubleshooting section of the Amazon ECS Developer Guide.';

export function placeTask(world: World, service: Service, td: TaskDefinition): PlacementResult {
  const candidates = [...world.containerInstances.values()]
    .filter((ci) => ci.clusterArn === service.clusterArn && ci.status === 'ACTIVE' && ci.agentConnected)
    .map((ci) => ({ ci, instance: world.instances.get(ci.ec2InstanceId) }))
    .filter((c): c is { ci: ContainerInstance; instance: Instance } => c.instance?.state === 'running');
  const prefix = `(service ${service.name}) was unable to place a task because no container instance met all of its requirements.`;
  if (candidates.length === 0) {
    return { ok: false, reason: `${prefix} Reason: No Container Instances were found in your cluster. ${TROUBLESHOOTING}` };
  }

  const memory = taskMemory(td);
  const cpu = taskCpu(td);
  const ports = staticHostPorts(td);
  const checked = candidates.map((c) => {
    const usage = instanceUsage(world, c.ci);
    const failures: string[] = [];
    if (usage.cpu + cpu > c.ci.registeredCpu) failures.push('has insufficient CPU units available.');
    if (usage.memory + memory > c.ci.registeredMemory) failures.push('has insufficient memory available.');
    if (ports.some((p) => usage.ports.has(p) || RESERVED_PORTS.includes(p))) {
      failures.push('is already using a port required by your task.');
    }
    return { ...c, failures, totalTasks: usage.running + usage.pending };
  });

  const feasible = checked.filter((c) => c.failures.length === 0);
  if (feasible.length === 0) {
    const closest = checked.reduce((best, c) => (c.failures.length < best.failures.length ? c : best));
    return {
      ok: false,
      reason: `${prefix} The closest matching (container-instance ${shortId(closest.ci.arn)}) ${closest.failures[0]} ${TROUBLESHOOTING}`,
    };
  }

  const perAz = new Map<string, number>();
  const perInstance = new Map<string, number>();
  for (const t of wantedTasks(world, service)) {
    perAz.set(t.availabilityZone, (perAz.get(t.availabilityZone) ?? 0) + 1);
    perInstance.set(t.containerInstanceArn, (perInstance.get(t.containerInstanceArn) ?? 0) + 1);
  }
  const rank = (c: (typeof feasible)[number]) => [
    perAz.get(c.instance.availabilityZone) ?? 0,
    perInstance.get(c.ci.arn) ?? 0,
    c.totalTasks,
  ];
  const best = feasible.reduce((a, b) => (compareRanks(rank(b), rank(a)) < 0 ? b : a));
  return { ok: true, containerInstance: best.ci, instance: best.instance };
}

function compareRanks(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}
