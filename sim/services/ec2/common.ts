/**
 * What every EC2 action shares: filters (with AWS's `*`/`?` wildcards), pagination tokens,
 * tag sets, TagSpecifications, id lookups that fail with AWS's NotFound codes and messages.
 */
import { AwsError } from '../../errors.js';
import { bool, int, list, str, type QueryObject, type QueryValue } from '../../protocol/query.js';
import type { Instance, SecurityGroup, Subnet, Tags, Vpc, World } from '../../world.js';

export type Params = QueryObject;

export interface Filter {
  name: string;
  values: string[];
}

/** Filter.N.Name / Filter.N.Value.M → [{name, values}] */
export function filtersOf(params: Params): Filter[] {
  return list<QueryObject>(params.Filter).map((f) => ({
    name: str(f.Name) ?? '',
    values: list<string>(f.Value).filter((v): v is string => typeof v === 'string'),
  }));
}

/** Maps a filter name to the values a resource has for it; undefined means "not a filter of this action". */
export type FilterFields<T> = (resource: T, filterName: string) => string[] | undefined;

function globToRegExp(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`, 's');
}

/** Every filter must match (AND); within a filter any value may match (OR). Unknown filters are rejected, as AWS does. */
export function applyFilters<T>(items: T[], filters: Filter[], fields: FilterFields<T>): T[] {
  for (const f of filters) {
    if (!f.name) throw new AwsError('InvalidParameterValue', 'The filter name must not be empty');
  }
  const compiled = filters.map((f) => ({ name: f.name, patterns: f.values.map(globToRegExp) }));
  return items.filter((item) =>
    compiled.every(({ name, patterns }) => {
      const have = fields(item, name);
      if (have === undefined) throw new AwsError('InvalidParameterValue', `The filter '${name}' is invalid`);
      return have.some((v) => patterns.some((p) => p.test(v)));
    }),
  );
}

/** The filters every taggable EC2 resource understands: tag:<key>, tag-key, tag-value. */
export function tagFilterValues(tags: Tags, filterName: string): string[] | undefined {
  if (filterName.startsWith('tag:')) {
    const v = tags.get(filterName.slice(4));
    return v === undefined ? [] : [v];
  }
  if (filterName === 'tag-key') return [...tags.keys()];
  if (filterName === 'tag-value') return [...tags.values()];
  return undefined;
}

export function tagSet(tags: Tags): { key: string; value: string }[] {
  return [...tags].map(([key, value]) => ({ key, value }));
}

/** TagSpecification.N.ResourceType / .Tag.M.Key/Value for one resource type of a create call. */
export function tagsFromSpecifications(params: Params, resourceType: string): Tags {
  const tags: Tags = new Map();
  for (const spec of list<QueryObject>(params.TagSpecification)) {
    const type = str(spec.ResourceType);
    if (type !== resourceType) {
      throw new AwsError(
        'InvalidParameterValue',
        `'${type ?? ''}' is not a valid taggable resource type for this operation.`,
      );
    }
    for (const tag of list<QueryObject>(spec.Tag)) {
      const key = str(tag.Key);
      if (key === undefined) throw new AwsError('InvalidParameterValue', 'Tag keys must not be empty');
      tags.set(key, str(tag.Value) ?? '');
    }
  }
  return tags;
}

/** A numbered list parameter of strings, e.g. GroupId.1, GroupId.2. */
export function strings(v: QueryValue | undefined): string[] {
  return list(v).filter((x): x is string => typeof x === 'string');
}

export function requireParam(params: Params, name: string): string {
  const v = str(params[name]);
  if (v === undefined || v === '') throw new AwsError('MissingParameter', `The request must contain the parameter ${name}`);
  return v;
}

export function isTrue(v: QueryValue | undefined): boolean {
  return bool(v) === true;
}

export interface Page<T> {
  items: T[];
  nextToken?: string;
}

const TOKEN_PREFIX = 'simpage:';

/**
 * Pages `items` by MaxResults/NextToken. The token is an opaque offset; AWS tokens are opaque too,
 * and the suite only ever hands back what it was given. Without MaxResults everything comes back.
 */
export function paginate<T>(items: T[], params: Params, bounds: { min: number; max: number }): Page<T> {
  const maxResults = int(params.MaxResults);
  const token = str(params.NextToken);
  let offset = 0;
  if (token !== undefined && token !== '') {
    const decoded = Buffer.from(token, 'base64url').toString('utf8');
    offset = decoded.startsWith(TOKEN_PREFIX) ? Number(decoded.slice(TOKEN_PREFIX.length)) : NaN;
    if (!Number.isInteger(offset) || offset < 0) {
      throw new AwsError('InvalidParameterValue', `Invalid value '${token}' for nextToken`);
    }
  }
  if (maxResults === undefined) {
    return { items: items.slice(offset) };
  }
  if (maxResults < bounds.min || maxResults > bounds.max) {
    throw new AwsError(
      'InvalidParameterValue',
      `Value ( ${maxResults} ) for parameter maxResults is invalid. Expecting a value between ${bounds.min} and ${bounds.max}.`,
    );
  }
  const end = offset + maxResults;
  return {
    items: items.slice(offset, end),
    nextToken: end < items.length ? Buffer.from(`${TOKEN_PREFIX}${end}`).toString('base64url') : undefined,
  };
}

export function vpcOrThrow(world: World, vpcId: string): Vpc {
  const vpc = world.vpcs.get(vpcId);
  if (!vpc) throw new AwsError('InvalidVpcID.NotFound', `The vpc ID '${vpcId}' does not exist`);
  return vpc;
}

export function subnetOrThrow(world: World, subnetId: string): Subnet {
  const subnet = world.subnets.get(subnetId);
  if (!subnet) throw new AwsError('InvalidSubnetID.NotFound', `The subnet ID '${subnetId}' does not exist`);
  return subnet;
}

export function instancesOrThrow(world: World, instanceIds: string[]): Instance[] {
  const missing = instanceIds.filter((id) => !world.instances.has(id));
  if (missing.length === 1) {
    throw new AwsError('InvalidInstanceID.NotFound', `The instance ID '${missing[0]}' does not exist`);
  }
  if (missing.length > 1) {
    throw new AwsError('InvalidInstanceID.NotFound', `The instance IDs '${missing.join(', ')}' do not exist`);
  }
  return instanceIds.map((id) => world.instances.get(id)!);
}

export function checkGroupIdFormat(groupId: string): void {
  if (!/^sg-[0-9a-f]+$/.test(groupId)) {
    throw new AwsError('InvalidGroupId.Malformed', `Invalid id: "${groupId}" (expecting "sg-...")`);
  }
}

export function groupOrThrow(world: World, groupId: string): SecurityGroup {
  checkGroupIdFormat(groupId);
  const sg = world.securityGroups.get(groupId);
  if (!sg) throw new AwsError('InvalidGroup.NotFound', `The security group '${groupId}' does not exist`);
  return sg;
}

export function defaultVpc(world: World): Vpc | undefined {
  for (const vpc of world.vpcs.values()) if (vpc.isDefault) return vpc;
  return undefined;
}

/** Group names in API parameters (GroupName, GroupNames) refer to the default VPC, as on AWS. */
export function groupByNameInDefaultVpc(world: World, groupName: string): SecurityGroup {
  const vpc = defaultVpc(world);
  for (const sg of world.securityGroups.values()) {
    if (vpc && sg.vpcId === vpc.vpcId && sg.groupName === groupName) return sg;
  }
  throw new AwsError(
    'InvalidGroup.NotFound',
    `The security group '${groupName}' does not exist in default VPC '${vpc?.vpcId ?? 'none'}'`,
  );
}

/** GroupId, else GroupName (default VPC); one of them is required. */
export function groupOfRequest(world: World, params: Params): SecurityGroup {
  const groupId = str(params.GroupId);
  if (groupId) return groupOrThrow(world, groupId);
  const groupName = str(params.GroupName);
  if (groupName) return groupByNameInDefaultVpc(world, groupName);
  throw new AwsError('MissingParameter', 'The request must contain the parameter groupName or groupId');
}
