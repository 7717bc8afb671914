/**
 * Authorize/Revoke SecurityGroup Ingress/Egress and DescribeSecurityGroupRules. A change
 * lands in SecurityGroup.rules at once, so the next new connection sees it.
 */
import type { Handler, ServiceHandlers } from '../../context.js';
import { AwsError } from '../../errors.js';
import { ec2Id } from '../../ids.js';
import type { SgRule, World } from '../../world.js';
import {
  applyFilters,
  filtersOf,
  groupOfRequest,
  paginate,
  strings,
  tagFilterValues,
  tagsFromSpecifications,
  type Params,
} from './common.js';
import {
  checkRuleIdFormat,
  describeForDuplicate,
  flatRuleView,
  nestedPermissions,
  revokedRuleView,
  ruleSpecsOf,
  sameRule,
  type RuleSpec,
} from './rules.js';

/** EC2's default quota: 60 inbound and 60 outbound rules per group, counted per address family. */
const RULES_PER_GROUP = 60;

function checkRuleQuota(rules: RuleSpec[], isEgress: boolean): void {
  const directional = rules.filter((r) => r.isEgress === isEgress);
  const ipv6 = directional.filter((r) => r.cidrIpv6 !== undefined).length;
  if (ipv6 > RULES_PER_GROUP || directional.length - ipv6 > RULES_PER_GROUP) {
    throw new AwsError('RulesPerSecurityGroupLimitExceeded', 'The maximum number of rules per security group has been reached.');
  }
}

function authorize(isEgress: boolean): Handler {
  return (params: Params, { world, consistency }) => {
    const sg = groupOfRequest(world, params);
    const specs = ruleSpecsOf(params, world, sg, isEgress);
    const accepted: RuleSpec[] = [];
    for (const spec of specs) {
      if (sg.rules.some((r) => sameRule(r, spec)) || accepted.some((r) => sameRule(r, spec))) {
        throw new AwsError('InvalidPermission.Duplicate', `the specified rule "${describeForDuplicate(spec)}" already exists`);
      }
      accepted.push(spec);
    }
    checkRuleQuota([...sg.rules, ...accepted], isEgress);
    const tags = tagsFromSpecifications(params, 'security-group-rule');
    const added: SgRule[] = accepted.map((spec) => ({ ...spec, ruleId: ec2Id('sgr'), tags: new Map(tags) }));
    sg.rules.push(...added);
    for (const r of added) consistency.created(r.ruleId);
    return { return: true, securityGroupRuleSet: added.map((r) => flatRuleView(world, r)) };
  };
}

function rulesByIds(world: World, rules: SgRule[], ids: string[]): SgRule[] {
  return ids.map((id) => {
    checkRuleIdFormat(id);
    const rule = rules.find((r) => r.ruleId === id);
    if (!rule) throw new AwsError('InvalidSecurityGroupRuleId.NotFound', `The security group rule ID '${id}' does not exist`);
    return rule;
  });
}

/**
 * By rule ids or by permissions (exact match, descriptions aside). Outside the default VPC a
 * permission that matches nothing fails the whole call and nothing is revoked; in the default
 * VPC the matching ones go and the rest come back as unknownIpPermissionSet, as on EC2.
 */
function revoke(isEgress: boolean): Handler {
  return (params: Params, { world }) => {
    const sg = groupOfRequest(world, params);
    const directional = sg.rules.filter((r) => r.isEgress === isEgress);
    const ruleIds = strings(params.SecurityGroupRuleId);
    let doomed: SgRule[];
    let unknown: RuleSpec[] = [];
    if (ruleIds.length) {
      doomed = rulesByIds(world, directional, ruleIds);
    } else {
      const specs = ruleSpecsOf(params, world, sg, isEgress);
      doomed = [];
      for (const spec of specs) {
        const match = directional.find((r) => sameRule(r, spec));
        if (match) doomed.push(match);
        else unknown.push(spec);
      }
      const inDefaultVpc = world.vpcs.get(sg.vpcId)?.isDefault ?? false;
      if (doomed.length === 0 || (unknown.length && !inDefaultVpc)) {
        throw new AwsError('InvalidPermission.NotFound', 'The specified rule does not exist in this security group.');
      }
    }
    const gone = new Set(doomed.map((r) => r.ruleId));
    sg.rules = sg.rules.filter((r) => !gone.has(r.ruleId));
    return {
      return: true,
      unknownIpPermissionSet: unknown.length ? nestedPermissions(world, unknown) : undefined,
      revokedSecurityGroupRuleSet: doomed.map(revokedRuleView),
    };
  };
}

const describeSecurityGroupRules: Handler = (params: Params, { world, consistency }) => {
  // Eventual consistency (realism): a rule authorized a moment ago does not show yet.
  const all = [...world.securityGroups.values()].flatMap((sg) => sg.rules).filter((r) => consistency.visible(r.ruleId));
  const ids = strings(params.SecurityGroupRuleId);
  const base = ids.length ? rulesByIds(world, all, ids) : all;
  const filtered = applyFilters(base, filtersOf(params), (rule, name) => {
    switch (name) {
      case 'group-id':
        return [rule.groupId];
      case 'security-group-rule-id':
        return [rule.ruleId];
      default:
        return tagFilterValues(rule.tags, name);
    }
  });
  const page = paginate(filtered, params, { min: 5, max: 1000 });
  return { securityGroupRuleSet: page.items.map((r) => flatRuleView(world, r)), nextToken: page.nextToken };
};

export const ruleHandlers: ServiceHandlers = {
  AuthorizeSecurityGroupIngress: authorize(false),
  AuthorizeSecurityGroupEgress: authorize(true),
  RevokeSecurityGroupIngress: revoke(false),
  RevokeSecurityGroupEgress: revoke(true),
  DescribeSecurityGroupRules: describeSecurityGroupRules,
};
