/**
 * What every ECS action needs: finding the cluster, service and task definition a parameter
 * names (by name or ARN), paging, tags and parameter checks, with ECS's error codes.
 */
import type { SimContext } from '../../context.js';
import { AwsError } from '../../errors.js';
import type { Cluster, Service, TaskDefinition, Tags, World } from '../../world.js';

export const invalidParameter = (message: string): AwsError => new AwsError('InvalidParameterException', message);
export const clientException = (message: string): AwsError => new AwsError('ClientException', message);

/** The cluster a request names (name or ARN; 'default' when omitted); only ACTIVE clusters. */
export function requireCluster(ctx: SimContext, param: unknown): Cluster {
  const cluster = findCluster(ctx.world, param);
  if (!cluster || cluster.status !== 'ACTIVE') throw new AwsError('ClusterNotFoundException', 'Cluster not found.');
  return cluster;
}

export function findCluster(world: World, param: unknown): Cluster | undefined {
  const ref = optionalString(param, 'cluster') ?? 'default';
  return world.clusters.get(clusterArnOf(world, ref));
}

export const clusterArnOf = (world: World, ref: string): string =>
  ref.startsWith('arn:') ? ref : world.arn('ecs', `cluster/${ref}`);

export const serviceArnOf = (world: World, cluster: Cluster, ref: string): string =>
  ref.startsWith('arn:') ? ref : world.arn('ecs', `service/${cluster.name}/${ref}`);

export function findService(world: World, cluster: Cluster, ref: string): Service | undefined {
  const service = world.services.get(serviceArnOf(world, cluster, ref));
  return service?.clusterArn === cluster.arn ? service : undefined;
}

/** A service that UpdateService/DeleteService may act on. */
export function requireActiveService(ctx: SimContext, cluster: Cluster, param: unknown): Service {
  const ref = requireString(param, 'service');
  const service = findService(ctx.world, cluster, ref);
  if (!service) throw new AwsError('ServiceNotFoundException', 'Service not found.');
  if (service.status !== 'ACTIVE') throw new AwsError('ServiceNotActiveException', 'Service was not ACTIVE.');
  return service;
}

/** `family` (latest ACTIVE revision), `family:revision` or a task definition ARN. */
export function findTaskDefinition(world: World, ref: string): TaskDefinition | undefined {
  const name = ref.startsWith('arn:') ? ref.slice(ref.indexOf('task-definition/') + 'task-definition/'.length) : ref;
  const [family, revisionText] = name.split(':');
  const ofFamily = [...world.taskDefinitions.values()].filter((td) => td.family === family);
  if (revisionText !== undefined) return ofFamily.find((td) => td.revision === Number(revisionText));
  return ofFamily.filter((td) => td.status === 'ACTIVE').sort((a, b) => b.revision - a.revision)[0];
}

export interface Page<T> {
  items: T[];
  nextToken?: string;
}

/** ECS paging: an opaque nextToken and maxResults between 1 and 100 (10 for some actions). */
export function paginate<T>(items: T[], params: { nextToken?: unknown; maxResults?: unknown }, defaultMax = 100, limit = 100): Page<T> {
  const max = params.maxResults === undefined ? defaultMax : Number(params.maxResults);
  if (!Number.isInteger(max) || max < 1 || max > limit) {
    throw invalidParameter(`maxResults can be between 1 and ${limit}.`);
  }
  let offset = 0;
  if (params.nextToken !== undefined && params.nextToken !== null && params.nextToken !== '') {
    offset = decodeToken(String(params.nextToken));
  }
  const slice = items.slice(offset, offset + max);
  const next = offset + max < items.length ? encodeToken(offset + max) : undefined;
  return { items: slice, nextToken: next };
}

const encodeToken = (offset: number): string => Buffer.from(JSON.stringify({ offset }), 'utf8').toString('base64');

function decodeToken(token: string): number {
  try {
    const { offset } = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { offset: unknown };
    if (typeof offset === 'number' && Number.isInteger(offset) && offset >= 0) return offset;
  } catch {
    // falls through to the error below
  }
  throw invalidParameter('Invalid nextToken.');
}

export interface EcsTag {
  key: string;
  value: string;
}

export function tagsFromParam(param: unknown): Tags {
  const tags: Tags = new Map();
  if (param === undefined || param === null) return tags;
  if (!Array.isArray(param)) throw invalidParameter('tags must be a list.');
  if (param.length > 50) throw invalidParameter('Tags cannot have more than 50 tags.');
  for (const t of param as { key?: unknown; value?: unknown }[]) {
    if (typeof t?.key !== 'string' || t.key === '') throw invalidParameter('Tag key cannot be blank.');
    tags.set(t.key, typeof t.value === 'string' ? t.value : '');
  }
  return tags;
}

export const tagsView = (tags: Tags): EcsTag[] => [...tags].map(([key, value]) => ({ key, value }));

export function includes(params: { include?: unknown }, what: string): boolean {
  return Array.isArray(params.include) && params.include.includes(what);
}

export function requireString(v: unknown, name: string): string {
  if (typeof v !== 'string' || v.trim() === '') throw invalidParameter(`${name} can not be blank.`);
  return v;
}

export function optionalString(v: unknown, name: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw invalidParameter(`${name} must be a string.`);
  return v === '' ? undefined : v;
}

export function optionalInt(v: unknown, name: string, min = 0): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    throw invalidParameter(`${name} must be an integer of at least ${min}.`);
  }
  return v;
}

export function stringList(v: unknown, name: string): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw invalidParameter(`${name} must be a list of strings.`);
  return v as string[];
}
