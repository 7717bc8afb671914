/** Task definitions: families of numbered revisions. */
import type { ServiceHandlers } from '../../context.js';
import type { ContainerDefinition, PortMapping, TaskDefinition } from '../../world.js';
import {
  clientException,
  findTaskDefinition,
  includes,
  invalidParameter,
  optionalString,
  paginate,
  requireString,
  stringList,
  tagsFromParam,
  tagsView,
} from './common.js';
import { taskDefinitionView } from './views.js';

const FAMILY = /^[A-Za-z0-9_-]{1,255}$/;
const NETWORK_MODES = ['bridge', 'host', 'awsvpc', 'none'];

export const taskDefinitionHandlers: ServiceHandlers = {
  RegisterTaskDefinition(params, ctx) {
    const family = requireString(params.family, 'family');
    if (!FAMILY.test(family)) {
      throw clientException(
        'Family contains invalid characters. Up to 255 letters (uppercase and lowercase), numbers, hyphens, and underscores are allowed.',
      );
    }
    const networkMode = optionalString(params.networkMode, 'networkMode') ?? 'bridge';
    if (!NETWORK_MODES.includes(networkMode)) throw clientException(`Invalid networkMode: ${networkMode}`);
    const memory = params.memory === undefined ? undefined : String(params.memory);
    const cpu = params.cpu === undefined ? undefined : String(params.cpu);
    if (!Array.isArray(params.containerDefinitions) || params.containerDefinitions.length === 0) {
      throw clientException('Container list cannot be empty.');
    }
    const containerDefinitions = (params.containerDefinitions as Record<string, unknown>[]).map((c) =>
      containerDefinition(c, networkMode, memory),
    );
    const names = containerDefinitions.map((c) => c.name);
    if (new Set(names).size !== names.length) throw clientException('Container names must be unique.');

    const world = ctx.world;
    const revision = 1 + Math.max(0, ...[...world.taskDefinitions.values()].filter((t) => t.family === family).map((t) => t.revision));
    const td: TaskDefinition = {
      arn: world.arn('ecs', `task-definition/${family}:${revision}`),
      family,
      revision,
      status: 'ACTIVE',
      networkMode,
      containerDefinitions,
      requiresCompatibilities: stringList(params.requiresCompatibilities, 'requiresCompatibilities'),
      cpu,
      memory,
      registeredAt: new Date(),
      tags: tagsFromParam(params.tags),
    };
    world.taskDefinitions.set(td.arn, td);
    return { taskDefinition: taskDefinitionView(td), tags: tagsView(td.tags) };
  },

  DescribeTaskDefinition(params, ctx) {
    const ref = requireString(params.taskDefinition, 'taskDefinition');
    const td = findTaskDefinition(ctx.world, ref);
    if (!td) throw clientException('Unable to describe task definition.');
    return { taskDefinition: taskDefinitionView(td), tags: includes(params, 'TAGS') ? tagsView(td.tags) : undefined };
  },

  DeregisterTaskDefinition(params, ctx) {
    const ref = requireString(params.taskDefinition, 'taskDefinition');
    const name = ref.startsWith('arn:') ? ref.slice(ref.indexOf('task-definition/') + 16) : ref;
    const revision = name.split(':')[1];
    if (revision === undefined || !/^\d+$/.test(revision)) throw invalidParameter(`Invalid revision number. Number: ${revision ?? ''}`);
    const td = findTaskDefinition(ctx.world, ref);
    if (!td) throw clientException('The specified task definition does not exist.');
    td.status = 'INACTIVE';
    return { taskDefinition: taskDefinitionView(td) };
  },

  ListTaskDefinitions(params, ctx) {
    const family = optionalString(params.familyPrefix, 'familyPrefix');
    const status = optionalString(params.status, 'status') ?? 'ACTIVE';
    const sort = optionalString(params.sort, 'sort') ?? 'ASC';
    if (sort !== 'ASC' && sort !== 'DESC') throw invalidParameter('sort must be ASC or DESC.');
    const sorted = [...ctx.world.taskDefinitions.values()]
      .filter((td) => td.status === status && (family === undefined || td.family === family))
      .sort((a, b) => a.family.localeCompare(b.family) || a.revision - b.revision);
    if (sort === 'DESC') sorted.reverse();
    const page = paginate(
      sorted.map((td) => td.arn),
      params,
    );
    return { taskDefinitionArns: page.items, nextToken: page.nextToken };
  },

  ListTaskDefinitionFamilies(params, ctx) {
    const prefix = optionalString(params.familyPrefix, 'familyPrefix') ?? '';
    const status = optionalString(params.status, 'status') ?? 'ACTIVE';
    const byFamily = new Map<string, TaskDefinition[]>();
    for (const td of ctx.world.taskDefinitions.values()) {
      if (td.family.startsWith(prefix)) byFamily.set(td.family, [...(byFamily.get(td.family) ?? []), td]);
    }
    const families = [...byFamily]
      .filter(([, tds]) => {
        const anyActive = tds.some((td) => td.status === 'ACTIVE');
        return status === 'ALL' || (status === 'ACTIVE' ? anyActive : !anyActive);
      })
      .map(([f]) => f)
      .sort();
    const page = paginate(families, params);
    return { families: page.items, nextToken: page.nextToken };
  },
};

function containerDefinition(c: Record<string, unknown>, networkMode: string, taskMemory: string | undefined): ContainerDefinition {
  const name = c.name;
  if (typeof name !== 'string' || name === '') throw clientException('Container.name should not be null or empty.');
  if (typeof c.image !== 'string' || c.image === '') throw clientException('Container.image should not be null or empty.');
  const memory = typeof c.memory === 'number' ? c.memory : undefined;
  const memoryReservation = typeof c.memoryReservation === 'number' ? c.memoryReservation : undefined;
  if (memory === undefined && memoryReservation === undefined && taskMemory === undefined) {
    throw clientException(`Invalid setting for container '${name}'. At least one of 'memory' or 'memoryReservation' must be specified.`);
  }
  if (memory !== undefined && memoryReservation !== undefined && memory < memoryReservation) {
    throw clientException(
      `Invalid setting for container '${name}'. The memory reservation must be less than or equal to the memory limit.`,
    );
  }
  const portMappings = ((c.portMappings as Record<string, unknown>[] | undefined) ?? []).map((p) => portMapping(p, networkMode));
  return {
    name,
    image: c.image,
    memory,
    memoryReservation,
    cpu: typeof c.cpu === 'number' ? c.cpu : undefined,
    essential: typeof c.essential === 'boolean' ? c.essential : true,
    portMappings,
    environment: Array.isArray(c.environment) ? (c.environment as { name: string; value: string }[]) : undefined,
  };
}

function portMapping(p: Record<string, unknown>, networkMode: string): PortMapping {
  const containerPort = p.containerPort;
  if (typeof containerPort !== 'number' || !Number.isInteger(containerPort) || containerPort < 1 || containerPort > 65535) {
    throw clientException('Invalid containerPort in port mappings.');
  }
  const protocol = typeof p.protocol === 'string' ? p.protocol : 'tcp';
  if (protocol !== 'tcp' && protocol !== 'udp') throw clientException(`Invalid protocol: ${protocol}`);
  let hostPort = typeof p.hostPort === 'number' ? p.hostPort : undefined;
  if (networkMode === 'awsvpc' || networkMode === 'host') {
    if (hostPort !== undefined && hostPort !== containerPort) {
      throw clientException(`When networkMode=${networkMode}, the host ports and container ports in port mappings must match.`);
    }
    hostPort = containerPort;
  }
  return { containerPort, hostPort: hostPort ?? 0, protocol };
}
