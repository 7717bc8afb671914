/**
 * Security-group rules between the wire and the world: parsing both request shapes
 * (IpPermissions and the legacy flat IpProtocol/CidrIp/SourceSecurityGroupName form) into
 * flat rules, validating them as EC2 does, and rendering the flat rules back either flat
 * (DescribeSecurityGroupRules) or nested per (protocol, ports) (DescribeSecurityGroups).
 */
import { isIPv4, isIPv6 } from 'node:net';
import { AwsError } from '../../errors.js';
import { int, list, str, type QueryObject } from '../../protocol/query.js';
import type { SecurityGroup, SgRule, World } from '../../world.js';
import { checkGroupIdFormat, groupByNameInDefaultVpc, groupOrThrow, tagSet, type Params } from './common.js';

/** A rule as a request states it: no id yet, no tags. */
export type RuleSpec = Omit<SgRule, 'ruleId' | 'tags'>;

const PROTOCOL_NAMES: Record<string, string> = {
  '-1': '-1',
  all: '-1',
  tcp: 'tcp',
  '6': 'tcp',
  udp: 'udp',
  '17': 'udp',
  icmp: 'icmp',
  '1': 'icmp',
  icmpv6: 'icmpv6',
  '58': 'icmpv6',
};

export function normaliseProtocol(raw: string | undefined): string {
  if (raw === undefined || raw === '') {
    throw new AwsError('MissingParameter', 'The request must contain the parameter ipProtocol');
  }
  const known = PROTOCOL_NAMES[raw.toLowerCase()];
  if (known) return known;
  const n = Number(raw);
  if (Number.isInteger(n) && n >= 0 && n <= 255) return String(n);
  throw new AwsError('InvalidParameterValue', `Invalid value '${raw}' for IP protocol. Unknown protocol.`);
}

/** Ports as EC2 stores them: -1/-1 for all protocols, type/code for ICMP, a checked range for TCP/UDP. */
export function normalisePorts(protocol: string, from: number | undefined, to: number | undefined): [number, number] {
  if (protocol === 'tcp' || protocol === 'udp') {
    if (from === undefined || to === undefined) {
      throw new AwsError('InvalidParameterValue', "Invalid value 'Must specify both from and to ports with TCP/UDP.' for portRange");
    }
    if (from < 0 || to > 65535 || from > to) {
      throw new AwsError('InvalidParameterValue', `Invalid TCP/UDP port range (${from}, ${to}): from port must be between 0 and to port, to port at most 65535`);
    }
    return [from, to];
  }
  if (protocol === 'icmp' || protocol === 'icmpv6') {
    const type = from ?? -1;
    const code = to ?? -1;
    if (type < -1 || type > 255 || code < -1 || code > 255) {
      throw new AwsError('InvalidParameterValue', `Invalid value '${type},${code}' for ICMP type and code`);
    }
    return [type, code];
  }
  return [-1, -1];
}

export function checkCidrIpv4(cidr: string): void {
  const [base, bits, extra] = cidr.split('/');
  const n = Number(bits);
  if (extra !== undefined || !base || !isIPv4(base) || bits === undefined || !/^\d+$/.test(bits) || n > 32) {
    throw new AwsError('InvalidParameterValue', `Value (${cidr}) for parameter cidrIp is invalid. This is not a valid CIDR block.`);
  }
}

export function checkCidrIpv6(cidr: string): void {
  const [base, bits, extra] = cidr.split('/');
  const n = Number(bits);
  if (extra !== undefined || !base || !isIPv6(base) || bits === undefined || !/^\d+$/.test(bits) || n > 128) {
    throw new AwsError('InvalidParameterValue', `Value (${cidr}) for parameter cidrIpv6 is invalid. This is not a valid IPv6 CIDR block.`);
  }
}

/** A group named in a rule: by id, or (as EC2 allows only there) by name in the default VPC. */
function referencedGroup(world: World, pair: QueryObject): string {
  const groupId = str(pair.GroupId);
  if (groupId) return groupOrThrow(world, groupId).groupId;
  const groupName = str(pair.GroupName);
  if (groupName) return groupByNameInDefaultVpc(world, groupName).groupId;
  throw new AwsError('MissingParameter', 'The request must contain the parameter groupId or groupName');
}

/**
 * The flat rules a request names, in request order: one per CIDR, IPv6 CIDR, referenced
 * group and prefix list of each IpPermissions entry, or the single rule of the legacy form.
 */
export function ruleSpecsOf(params: Params, world: World, owner: SecurityGroup, isEgress: boolean): RuleSpec[] {
  const specs: RuleSpec[] = [];
  const permissions = list<QueryObject>(params.IpPermissions);
  for (const p of permissions) {
    const ipProtocol = normaliseProtocol(str(p.IpProtocol));
    const [fromPort, toPort] = normalisePorts(ipProtocol, int(p.FromPort), int(p.ToPort));
    const base = { groupId: owner.groupId, isEgress, ipProtocol, fromPort, toPort };
    for (const r of list<QueryObject>(p.IpRanges)) {
      const cidrIpv4 = str(r.CidrIp);
      if (!cidrIpv4) throw new AwsError('MissingParameter', 'The request must contain the parameter cidrIp');
      checkCidrIpv4(cidrIpv4);
      specs.push({ ...base, cidrIpv4, description: str(r.Description) });
    }
    for (const r of list<QueryObject>(p.Ipv6Ranges)) {
      const cidrIpv6 = str(r.CidrIpv6);
      if (!cidrIpv6) throw new AwsError('MissingParameter', 'The request must contain the parameter cidrIpv6');
      checkCidrIpv6(cidrIpv6);
      specs.push({ ...base, cidrIpv6, description: str(r.Description) });
    }
    for (const g of list<QueryObject>(p.Groups)) {
      specs.push({ ...base, referencedGroupId: referencedGroup(world, g), description: str(g.Description) });
    }
    for (const pl of list<QueryObject>(p.PrefixListIds)) {
      const prefixListId = str(pl.PrefixListId);
      if (!prefixListId) throw new AwsError('MissingParameter', 'The request must contain the parameter prefixListId');
      if (!/^pl-[0-9a-f]+$/.test(prefixListId)) {
        throw new AwsError('InvalidPrefixListId.Malformed', `Invalid id: "${prefixListId}" (expecting "pl-...")`);
      }
      specs.push({ ...base, prefixListId, description: str(pl.Description) });
    }
  }
  if (permissions.length === 0) specs.push(...legacyRuleSpecs(params, world, owner, isEgress));
  if (specs.length === 0) {
    throw new AwsError('MissingParameter', 'The request must contain the parameter ipPermissions');
  }
  return specs;
}

/** IpProtocol/FromPort/ToPort with CidrIp or SourceSecurityGroupName (a default-VPC name; all traffic when no protocol is given). */
function legacyRuleSpecs(params: Params, world: World, owner: SecurityGroup, isEgress: boolean): RuleSpec[] {
  const cidrIpv4 = str(params.CidrIp);
  const sourceName = str(params.SourceSecurityGroupName);
  if (!cidrIpv4 && !sourceName) return [];
  if (cidrIpv4 && sourceName) {
    throw new AwsError(
      'InvalidParameterCombination',
      'The parameter cidrIp cannot be used with the parameter sourceSecurityGroupName',
    );
  }
  const rawProtocol = str(params.IpProtocol);
  const ipProtocol = normaliseProtocol(rawProtocol ?? (sourceName ? '-1' : undefined));
  const [fromPort, toPort] = normalisePorts(ipProtocol, int(params.FromPort), int(params.ToPort));
  const base = { groupId: owner.groupId, isEgress, ipProtocol, fromPort, toPort };
  if (cidrIpv4) {
    checkCidrIpv4(cidrIpv4);
    return [{ ...base, cidrIpv4 }];
  }
  return [{ ...base, referencedGroupId: groupByNameInDefaultVpc(world, sourceName!).groupId }];
}

export function checkRuleIdFormat(ruleId: string): void {
  if (!/^sgr-[0-9a-f]+$/.test(ruleId)) {
    throw new AwsError('InvalidSecurityGroupRuleId.Malformed', `Invalid id: "${ruleId}" (expecting "sgr-...")`);
  }
}

export { checkGroupIdFormat };

function peerOf(r: RuleSpec): string {
  return r.cidrIpv4 ?? r.cidrIpv6 ?? r.referencedGroupId ?? r.prefixListId ?? '';
}

/** Two rules are the same rule when direction, protocol, ports and peer agree; descriptions do not count. */
export function sameRule(a: RuleSpec, b: RuleSpec): boolean {
  return (
    a.groupId === b.groupId &&
    a.isEgress === b.isEgress &&
    a.ipProtocol === b.ipProtocol &&
    a.fromPort === b.fromPort &&
    a.toPort === b.toPort &&
    (a.cidrIpv4 ?? '') === (b.cidrIpv4 ?? '') &&
    (a.cidrIpv6 ?? '') === (b.cidrIpv6 ?? '') &&
    (a.referencedGroupId ?? '') === (b.referencedGroupId ?? '') &&
    (a.prefixListId ?? '') === (b.prefixListId ?? '')
  );
}

/** EC2's wording in InvalidPermission.Duplicate: peer: 0.0.0.0/0, TCP, from port: 0, to port: 65535, ALLOW */
export function describeForDuplicate(r: RuleSpec): string {
  const peer = `peer: ${peerOf(r)}`;
  if (r.ipProtocol === '-1') return `${peer}, ALL, ALLOW`;
  const label = r.ipProtocol.toUpperCase();
  if (r.ipProtocol === 'icmp' || r.ipProtocol === 'icmpv6') {
    return `${peer}, ${label}, type: ${r.fromPort}, code: ${r.toPort}, ALLOW`;
  }
  if (r.ipProtocol === 'tcp' || r.ipProtocol === 'udp') {
    return `${peer}, ${label}, from port: ${r.fromPort}, to port: ${r.toPort}, ALLOW`;
  }
  return `${peer}, ${label}, ALLOW`;
}

/** One flat rule as DescribeSecurityGroupRules / AuthorizeSecurityGroup* answer it. */
export function flatRuleView(world: World, rule: SgRule) {
  return {
    securityGroupRuleId: rule.ruleId,
    groupId: rule.groupId,
    groupOwnerId: world.accountId,
    isEgress: rule.isEgress,
    ipProtocol: rule.ipProtocol,
    fromPort: rule.fromPort,
    toPort: rule.toPort,
    cidrIpv4: rule.cidrIpv4,
    cidrIpv6: rule.cidrIpv6,
    prefixListId: rule.prefixListId,
    referencedGroupInfo: rule.referencedGroupId
      ? { groupId: rule.referencedGroupId, userId: world.accountId }
      : undefined,
    description: rule.description,
    tagSet: tagSet(rule.tags),
    securityGroupRuleArn: world.arn('ec2', `security-group-rule/${rule.ruleId}`),
  };
}

/** RevokeSecurityGroup*'s revokedSecurityGroupRuleSet item. */
export function revokedRuleView(rule: SgRule) {
  return {
    securityGroupRuleId: rule.ruleId,
    groupId: rule.groupId,
    isEgress: rule.isEgress,
    ipProtocol: rule.ipProtocol,
    fromPort: rule.fromPort,
    toPort: rule.toPort,
    cidrIpv4: rule.cidrIpv4,
    cidrIpv6: rule.cidrIpv6,
    prefixListId: rule.prefixListId,
    referencedGroupId: rule.referencedGroupId,
    description: rule.description,
  };
}

interface NestedPermission {
  ipProtocol: string;
  fromPort?: number;
  toPort?: number;
  groups: { groupId: string; userId: string; description?: string }[];
  ipRanges: { cidrIp: string; description?: string }[];
  ipv6Ranges: { cidrIpv6: string; description?: string }[];
  prefixListIds: { prefixListId: string; description?: string }[];
}

/** The IpPermission shape: rules gathered per (protocol, from, to), in the order they were first added. */
export function nestedPermissions(world: World, rules: RuleSpec[]): NestedPermission[] {
  const byKey = new Map<string, NestedPermission>();
  for (const r of rules) {
    const key = `${r.ipProtocol}|${r.fromPort}|${r.toPort}`;
    let p = byKey.get(key);
    if (!p) {
      const allPorts = r.ipProtocol === '-1';
      p = {
        ipProtocol: r.ipProtocol,
        fromPort: allPorts ? undefined : r.fromPort,
        toPort: allPorts ? undefined : r.toPort,
        groups: [],
        ipRanges: [],
        ipv6Ranges: [],
        prefixListIds: [],
      };
      byKey.set(key, p);
    }
    if (r.cidrIpv4) p.ipRanges.push({ cidrIp: r.cidrIpv4, description: r.description });
    if (r.cidrIpv6) p.ipv6Ranges.push({ cidrIpv6: r.cidrIpv6, description: r.description });
    if (r.referencedGroupId) {
      p.groups.push({ groupId: r.referencedGroupId, userId: world.accountId, description: r.description });
    }
    if (r.prefixListId) p.prefixListIds.push({ prefixListId: r.prefixListId, description: r.description });
  }
  return [...byKey.values()];
}
