/**
 * What every ELBv2 action shares: ARNs, lookups with AWS's not-found errors, name and range
 * validation with AWS's messages, Marker/PageSize paging, tags and attribute lists.
 */
import { createHash } from 'node:crypto';
import type { SimContext } from '../../context.js';
import { AwsError } from '../../errors.js';
import { hex } from '../../ids.js';
import { int, list, str, type QueryValue } from '../../protocol/query.js';
import type { Listener, LoadBalancer, Tags, TargetGroup } from '../../world.js';

export const elbArn = (ctx: SimContext, resource: string): string =>
  ctx.world.arn('elasticloadbalancing', resource);

export const newTargetGroupArn = (ctx: SimContext, name: string): string => elbArn(ctx, `targetgroup/${name}/${hex(16)}`);
export const newLoadBalancerArn = (ctx: SimContext, name: string): string => elbArn(ctx, `loadbalancer/app/${name}/${hex(16)}`);

/** arn:…:loadbalancer/app/<name>/<id> → arn:…:listener/app/<name>/<id>/<listener id> */
export const newListenerArn = (lb: LoadBalancer): string =>
  `${lb.arn.replace(':loadbalancer/', ':listener/')}/${hex(16)}`;

/** Each listener has exactly one (default) rule here; its ARN is derived so it is stable without extra state. */
export const defaultRuleArn = (listener: Listener): string =>
  `${listener.arn.replace(':listener/', ':listener-rule/')}/${createHash('sha1').update(listener.arn).digest('hex').slice(0, 16)}`;

export function validationError(message: string): AwsError {
  return new AwsError('ValidationError', message);
}

export function targetGroupByArn(ctx: SimContext, arn: string | undefined): TargetGroup {
  const tg = arn ? ctx.world.targetGroups.get(arn) : undefined;
  if (!tg) throw new AwsError('TargetGroupNotFound', 'One or more target groups not found');
  return tg;
}

export function loadBalancerByArn(ctx: SimContext, arn: string | undefined): LoadBalancer {
  const lb = arn ? ctx.world.loadBalancers.get(arn) : undefined;
  if (!lb) throw new AwsError('LoadBalancerNotFound', 'One or more load balancers not found');
  return lb;
}

export function listenerByArn(ctx: SimContext, arn: string | undefined): Listener {
  const l = arn ? ctx.world.listeners.get(arn) : undefined;
  if (!l) throw new AwsError('ListenerNotFound', 'One or more listeners not found');
  return l;
}

export function required(params: Record<string, QueryValue>, name: string): string {
  const v = str(params[name]);
  if (v === undefined || v === '') {
    throw validationError(`1 validation error detected: Value null at '${lowerFirst(name)}' failed to satisfy constraint: Member must not be null`);
  }
  return v;
}

export const lowerFirst = (s: string): string => s.charAt(0).toLowerCase() + s.slice(1);

/** AWS's generic constraint message for a numeric input out of range. */
export function checkRange(field: string, value: number | undefined, min: number, max: number): void {
  if (value === undefined) return;
  if (!Number.isInteger(value)) {
    throw validationError(`1 validation error detected: Value '${value}' at '${lowerFirst(field)}' failed to satisfy constraint: Member must be an integer`);
  }
  if (value < min) {
    throw validationError(
      `1 validation error detected: Value '${value}' at '${lowerFirst(field)}' failed to satisfy constraint: Member must have value greater than or equal to ${min}`,
    );
  }
  if (value > max) {
    throw validationError(
      `1 validation error detected: Value '${value}' at '${lowerFirst(field)}' failed to satisfy constraint: Member must have value less than or equal to ${max}`,
    );
  }
}

export function validateTargetGroupName(name: string): void {
  if (name.length > 32) throw validationError(`Target group name '${name}' cannot be longer than '32' characters`);
  if (!/^[A-Za-z0-9-]+$/.test(name)) {
    throw validationError(`Target group name '${name}' can only contain characters that are alphanumeric characters or hyphens(-)`);
  }
  if (name.startsWith('-') || name.endsWith('-')) {
    throw validationError(`Target group name '${name}' cannot begin or end with '-'`);
  }
}

export function validateLoadBalancerName(name: string): void {
  if (name.length > 32) throw validationError(`The load balancer name '${name}' cannot be longer than '32' characters`);
  if (!/^[A-Za-z0-9-]+$/.test(name)) {
    throw validationError(`Load balancer name '${name}' can only contain characters that are alphanumeric characters and hyphens(-)`);
  }
  if (name.startsWith('-') || name.endsWith('-')) {
    throw validationError(`Load balancer name '${name}' cannot begin or end with a hyphen(-)`);
  }
  if (name.toLowerCase().startsWith('internal-')) {
    throw validationError(`Load balancer name '${name}' cannot begin with 'internal-'`);
  }
}

/**
 * Marker/PageSize paging. The marker is opaque to clients; here it is the base64 of the
 * next item's position, which is stable as long as nothing is created in between.
 */
export function paginate<T>(items: T[], params: Record<string, QueryValue>): { page: T[]; NextMarker?: string } {
  const pageSize = int(params.PageSize);
  checkRange('PageSize', pageSize, 1, 400);
  const marker = str(params.Marker);
  let start = 0;
  if (marker) {
    start = Number(Buffer.from(marker, 'base64').toString('utf8'));
    if (!Number.isInteger(start) || start < 0) throw validationError('The specified marker is not valid');
  }
  const size = pageSize ?? 400;
  const page = items.slice(start, start + size);
  const next = start + size < items.length ? Buffer.from(String(start + size)).toString('base64') : undefined;
  return next ? { page, NextMarker: next } : { page };
}

export function tagsFrom(v: QueryValue | undefined): Tags {
  const tags: Tags = new Map();
  for (const t of list<Record<string, QueryValue>>(v)) {
    const key = str(t.Key);
    if (!key) throw validationError("1 validation error detected: Value null at 'tags.member.key' failed to satisfy constraint: Member must not be null");
    if (tags.has(key)) throw new AwsError('DuplicateTagKeys', `Tag key '${key}' specified more than once`);
    tags.set(key, str(t.Value) ?? '');
  }
  if (tags.size > 50) throw new AwsError('TooManyTags', 'The quota for the number of tags that can be assigned to a load balancer has been reached');
  return tags;
}

export const tagList = (tags: Tags): { Key: string; Value: string }[] =>
  [...tags].map(([Key, Value]) => ({ Key, Value }));

export const attributeList = (attributes: Map<string, string>): { Key: string; Value: string }[] =>
  [...attributes].map(([Key, Value]) => ({ Key, Value }));

/** Reads `Attributes.member.N.Key/Value` into pairs; keys must be known to `known`. */
export function attributesFrom(
  v: QueryValue | undefined,
  known: Map<string, string>,
  kind: 'Target group' | 'Load balancer',
): [string, string][] {
  const pairs: [string, string][] = [];
  for (const a of list<Record<string, QueryValue>>(v)) {
    const key = str(a.Key) ?? '';
    const value = str(a.Value) ?? '';
    if (!known.has(key)) throw validationError(`${kind} attribute key '${key}' is not recognized`);
    pairs.push([key, value]);
  }
  return pairs;
}

export const HOSTED_ZONE_BY_REGION: Record<string, string> = {
  'us-east-1': 'Z35SXDOTRQ7X7K',
  'us-east-2': 'Z3AADJGX6KTTL2',
  'us-west-1': 'Z368ELLRRE2KJ0',
  'us-west-2': 'Z1H1FL5HABSF5',
  'eu-west-1': 'Z32O12XQLNTSW2',
  'eu-west-2': 'ZHURV8PSTC4K8',
  'eu-central-1': 'Z215JYRZR1TBD5',
  'ap-southeast-1': 'Z1LMS91P8CMLE5',
  'ap-southeast-2': 'Z1GM3OXH4ZPM65',
  'ap-northeast-1': 'Z14GRHDCWA56QT',
};
