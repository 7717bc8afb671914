/**
 * Security groups: create, delete (with EC2's dependency checks) and describe. Their rules
 * live on SecurityGroup.rules as flat SgRules, the one source of truth the data plane's
 * Network.admits reads on every new connection.
 */
import type { Handler, ServiceHandlers, SimContext } from '../../context.js';
import { AwsError } from '../../errors.js';
import { ec2Id } from '../../ids.js';
import { str } from '../../protocol/query.js';
import type { SecurityGroup, World } from '../../world.js';
import {
  applyFilters,
  defaultVpc,
  filtersOf,
  groupByNameInDefaultVpc,
  groupOfRequest,
  groupOrThrow,
  paginate,
  requireParam,
  strings,
  tagFilterValues,
  tagSet,
  tagsFromSpecifications,
  vpcOrThrow,
  type Params,
} from './common.js';
import { interfaceGroupIds } from './load-balancer-interfaces.js';
import { nestedPermissions } from './rules.js';

export function groupArn(world: World, groupId: string): string {
  return world.arn('ec2', `security-group/${groupId}`);
}

const createSecurityGroup: Handler = (params: Params, { world, consistency }) => {
  const groupName = requireParam(params, 'GroupName');
  const description = requireParam(params, 'GroupDescription');
  if (/^sg-/i.test(groupName)) {
    throw new AwsError('InvalidParameterValue', 'Group names may not be in the format sg-*');
  }
  if (groupName.length > 255 || description.length > 255) {
    throw new AwsError('InvalidParameterValue', 'Group name and description must be at most 255 characters');
  }
  const requestedVpc = str(params.VpcId);
  const vpc = requestedVpc ? vpcOrThrow(world, requestedVpc) : defaultVpc(world);
  if (!vpc) {
    throw new AwsError(
      'VPCIdNotSpecified',
      'No default VPC for this user. GroupName is only supported for EC2-Classic and default VPC.',
    );
  }
  for (const sg of world.securityGroups.values()) {
    if (sg.vpcId === vpc.vpcId && sg.groupName === groupName) {
      throw new AwsError('InvalidGroup.Duplicate', `The security group '${groupName}' already exists for VPC '${vpc.vpcId}'`);
    }
  }
  const tags = tagsFromSpecifications(params, 'security-group');
  const groupId = ec2Id('sg');
  const sg: SecurityGroup = {
    groupId,
    groupName,
    description,
    vpcId: vpc.vpcId,
    ownerId: world.accountId,
    tags,
    // Every new VPC group may send anything anywhere until someone says otherwise.
    rules: [
      {
        ruleId: ec2Id('sgr'),
        groupId,
        isEgress: true,
        ipProtocol: '-1',
        fromPort: -1,
        toPort: -1,
        cidrIpv4: '0.0.0.0/0',
        tags: new Map(),
      },
    ],
  };
  world.securityGroups.set(groupId, sg);
  consistency.created(groupId);
  for (const r of sg.rules) consistency.created(r.ruleId);
  return { return: true, groupId, securityGroupArn: groupArn(world, groupId), tagSet: tagSet(tags) };
};

/** What keeps a group alive: an instance or load balancer wearing it, or another group's rule naming it. */
function dependentOf(ctx: SimContext, groupId: string): string | undefined {
  const { world } = ctx;
  for (const i of world.instances.values()) {
    if (i.state !== 'terminated' && i.securityGroupIds.includes(groupId)) return i.instanceId;
  }
  for (const lb of world.loadBalancers.values()) {
    if (lb.securityGroupIds.includes(groupId)) return lb.arn;
  }
  for (const sg of world.securityGroups.values()) {
    if (sg.groupId !== groupId && sg.rules.some((r) => r.referencedGroupId === groupId)) return sg.groupId;
  }
  // A load balancer's interfaces, also those that outlive it (realism.eniLinger).
  for (const eni of world.networkInterfaces.values()) {
    if (interfaceGroupIds(ctx, eni).includes(groupId)) return eni.networkInterfaceId;
  }
  return undefined;
}

const deleteSecurityGroup: Handler = (params: Params, ctx) => {
  const { world, consistency } = ctx;
  const sg = groupOfRequest(world, params);
  if (sg.groupName === 'default') {
    throw new AwsError('CannotDelete', `the specified group: "${sg.groupId}" name: "default" cannot be deleted by a user`);
  }
  if (dependentOf(ctx, sg.groupId)) {
    throw new AwsError('DependencyViolation', `resource ${sg.groupId} has a dependent object`);
  }
  world.securityGroups.delete(sg.groupId);
  consistency.deleted('security-group', sg.groupId, sg);
  return { return: true, groupId: sg.groupId };
};

function groupFilterValues(world: World, sg: SecurityGroup, name: string): string[] | undefined {
  const ruleValues = (isEgress: boolean, pick: (r: SecurityGroup['rules'][number]) => string | undefined) =>
    sg.rules.filter((r) => r.isEgress === isEgress).flatMap((r) => {
      const v = pick(r);
      return v === undefined ? [] : [v];
    });
  const egress = name.startsWith('egress.');
  const field = egress ? name.slice('egress.'.length) : name;
  switch (field) {
    case 'group-id':
      return egress ? undefined : [sg.groupId];
    case 'group-name':
      return egress ? undefined : [sg.groupName];
    case 'vpc-id':
      return egress ? undefined : [sg.vpcId];
    case 'description':
      return egress ? undefined : [sg.description];
    case 'owner-id':
      return egress ? undefined : [world.accountId];
    case 'ip-permission.cidr':
      return ruleValues(egress, (r) => r.cidrIpv4);
    case 'ip-permission.ipv6-cidr':
      return ruleValues(egress, (r) => r.cidrIpv6);
    case 'ip-permission.group-id':
      return ruleValues(egress, (r) => r.referencedGroupId);
    case 'ip-permission.group-name':
      return ruleValues(egress, (r) => (r.referencedGroupId ? world.securityGroups.get(r.referencedGroupId)?.groupName : undefined));
    case 'ip-permission.prefix-list-id':
      return ruleValues(egress, (r) => r.prefixListId);
    case 'ip-permission.protocol':
      return ruleValues(egress, (r) => r.ipProtocol);
    case 'ip-permission.from-port':
      return ruleValues(egress, (r) => String(r.fromPort));
    case 'ip-permission.to-port':
      return ruleValues(egress, (r) => String(r.toPort));
    case 'ip-permission.user-id':
      return ruleValues(egress, (r) => (r.referencedGroupId ? world.accountId : undefined));
    default:
      return egress ? undefined : tagFilterValues(sg.tags, name);
  }
}

export function groupView(world: World, sg: SecurityGroup) {
  return {
    groupId: sg.groupId,
    groupName: sg.groupName,
    groupDescription: sg.description,
    vpcId: sg.vpcId,
    ownerId: sg.ownerId,
    securityGroupArn: groupArn(world, sg.groupId),
    ipPermissions: nestedPermissions(world, sg.rules.filter((r) => !r.isEgress)),
    ipPermissionsEgress: nestedPermissions(world, sg.rules.filter((r) => r.isEgress)),
    tagSet: tagSet(sg.tags),
  };
}

/**
 * Eventual consistency (realism): a group created a moment ago is not found yet, one deleted a
 * moment ago is still found (see sim/realism/consistency.ts).
 */
function describableGroup(ctx: SimContext, id: string): SecurityGroup {
  const ghost = ctx.consistency.ghostsOf<SecurityGroup>('security-group').get(id);
  if (ghost) return ghost;
  const sg = groupOrThrow(ctx.world, id);
  if (!ctx.consistency.visible(id)) throw new AwsError('InvalidGroup.NotFound', `The security group '${id}' does not exist`);
  return sg;
}

function describableGroups(ctx: SimContext): SecurityGroup[] {
  const present = [...ctx.world.securityGroups.values()].filter((sg) => ctx.consistency.visible(sg.groupId));
  return [...present, ...ctx.consistency.ghostsOf<SecurityGroup>('security-group').values()];
}

const describeSecurityGroups: Handler = (params: Params, ctx) => {
  const { world } = ctx;
  const ids = strings(params.GroupId);
  const names = strings(params.GroupName);
  let base: SecurityGroup[];
  if (ids.length || names.length) {
    const chosen = new Map<string, SecurityGroup>();
    for (const id of ids) chosen.set(id, describableGroup(ctx, id));
    for (const name of names) {
      const sg = groupByNameInDefaultVpc(world, name);
      chosen.set(sg.groupId, sg);
    }
    base = [...chosen.values()];
  } else {
    base = describableGroups(ctx);
  }
  const filtered = applyFilters(base, filtersOf(params), (sg, name) => groupFilterValues(world, sg, name));
  const page = paginate(filtered, params, { min: 5, max: 1000 });
  return { securityGroupInfo: page.items.map((sg) => groupView(world, sg)), nextToken: page.nextToken };
};

export const securityGroupHandlers: ServiceHandlers = {
  CreateSecurityGroup: createSecurityGroup,
  DeleteSecurityGroup: deleteSecurityGroup,
  DescribeSecurityGroups: describeSecurityGroups,
};
