/**
 * CreateTags / DeleteTags / DescribeTags over every kind of EC2 resource the world holds:
 * VPCs, subnets, security groups, security-group rules and instances.
 */
import type { Handler, ServiceHandlers } from '../../context.js';
import { AwsError } from '../../errors.js';
import { list, str, type QueryObject } from '../../protocol/query.js';
import type { Tags, World } from '../../world.js';
import { applyFilters, filtersOf, groupOrThrow, instancesOrThrow, paginate, strings, subnetOrThrow, vpcOrThrow, type Params } from './common.js';

interface Taggable {
  resourceId: string;
  resourceType: string;
  tags: Tags;
}

function ruleTaggable(world: World, ruleId: string): Taggable | undefined {
  for (const sg of world.securityGroups.values()) {
    const rule = sg.rules.find((r) => r.ruleId === ruleId);
    if (rule) return { resourceId: ruleId, resourceType: 'security-group-rule', tags: rule.tags };
  }
  return undefined;
}

/** The resource behind an id, or the NotFound error EC2 gives for that kind of id. */
function taggableOrThrow(world: World, id: string): Taggable {
  const prefix = id.slice(0, id.indexOf('-') + 1);
  switch (prefix) {
    case 'vpc-':
      return { resourceId: id, resourceType: 'vpc', tags: vpcOrThrow(world, id).tags };
    case 'subnet-':
      return { resourceId: id, resourceType: 'subnet', tags: subnetOrThrow(world, id).tags };
    case 'sg-':
      return { resourceId: id, resourceType: 'security-group', tags: groupOrThrow(world, id).tags };
    case 'i-':
      return { resourceId: id, resourceType: 'instance', tags: instancesOrThrow(world, [id])[0]!.tags };
    case 'sgr-': {
      const found = ruleTaggable(world, id);
      if (!found) throw new AwsError('InvalidSecurityGroupRuleId.NotFound', `The security group rule ID '${id}' does not exist`);
      return found;
    }
    default:
      throw new AwsError('InvalidID', `The ID '${id}' is not valid`);
  }
}

function allTaggables(world: World): Taggable[] {
  const out: Taggable[] = [];
  for (const v of world.vpcs.values()) out.push({ resourceId: v.vpcId, resourceType: 'vpc', tags: v.tags });
  for (const s of world.subnets.values()) out.push({ resourceId: s.subnetId, resourceType: 'subnet', tags: s.tags });
  for (const sg of world.securityGroups.values()) {
    out.push({ resourceId: sg.groupId, resourceType: 'security-group', tags: sg.tags });
    for (const r of sg.rules) out.push({ resourceId: r.ruleId, resourceType: 'security-group-rule', tags: r.tags });
  }
  for (const i of world.instances.values()) {
    if (i.state !== 'terminated') out.push({ resourceId: i.instanceId, resourceType: 'instance', tags: i.tags });
  }
  return out;
}

function resourceIdsOf(params: Params): string[] {
  const ids = strings(params.ResourceId);
  if (ids.length === 0) throw new AwsError('MissingParameter', 'The request must contain the parameter resourceIdSet');
  return ids;
}

function tagsOf(params: Params): { key: string; value: string | undefined }[] {
  return list<QueryObject>(params.Tag).map((t) => {
    const key = str(t.Key);
    if (key === undefined || key === '') throw new AwsError('InvalidParameterValue', 'Tag keys must not be empty');
    return { key, value: str(t.Value) };
  });
}

const createTags: Handler = (params: Params, { world }) => {
  const targets = resourceIdsOf(params).map((id) => taggableOrThrow(world, id));
  const tags = tagsOf(params);
  if (tags.length === 0) throw new AwsError('MissingParameter', 'The request must contain the parameter tagSet');
  for (const { key } of tags) {
    if (key.toLowerCase().startsWith('aws:')) {
      throw new AwsError('InvalidParameterValue', `Tag keys starting with 'aws:' are reserved for internal use`);
    }
  }
  for (const target of targets) for (const { key, value } of tags) target.tags.set(key, value ?? '');
  return { return: true };
};

/** A tag given with a value is deleted only when the value matches; without one, whatever its value. */
const deleteTags: Handler = (params: Params, { world }) => {
  const targets = resourceIdsOf(params).map((id) => taggableOrThrow(world, id));
  const tags = tagsOf(params);
  for (const target of targets) {
    if (tags.length === 0) {
      target.tags.clear();
      continue;
    }
    for (const { key, value } of tags) {
      if (value === undefined || target.tags.get(key) === value) target.tags.delete(key);
    }
  }
  return { return: true };
};

interface TagRow {
  resourceId: string;
  resourceType: string;
  key: string;
  value: string;
}

const describeTags: Handler = (params: Params, { world }) => {
  const rows: TagRow[] = allTaggables(world).flatMap((t) =>
    [...t.tags].map(([key, value]) => ({ resourceId: t.resourceId, resourceType: t.resourceType, key, value })),
  );
  const filtered = applyFilters(rows, filtersOf(params), (row, name) => {
    switch (name) {
      case 'resource-id':
        return [row.resourceId];
      case 'resource-type':
        return [row.resourceType];
      case 'key':
        return [row.key];
      case 'value':
        return [row.value];
      default:
        if (name.startsWith('tag:')) return name.slice(4) === row.key ? [row.value] : [];
        return undefined;
    }
  });
  const page = paginate(filtered, params, { min: 5, max: 1000 });
  return { tagSet: page.items, nextToken: page.nextToken };
};

export const tagHandlers: ServiceHandlers = {
  CreateTags: createTags,
  DeleteTags: deleteTags,
  DescribeTags: describeTags,
};
