/**
 * Security-group rules in one flat shape, whichever API they came from
 * (DescribeSecurityGroupRules or DescribeSecurityGroups' nested IpPermissions), and the
 * questions the specs ask of them: what admits this source, is the group locked down to one
 * other group, is a port open to the whole internet.
 */
import { BlockList, isIP } from 'node:net';
import type { IpPermission, SecurityGroup, SecurityGroupRule } from '@aws-sdk/client-ec2';

export interface FlatRule {
  groupId: string;
  isEgress: boolean;
  /** Normalised: 'tcp', 'udp', 'icmp', 'icmpv6', '-1' (all protocols), else the number as text. */
  protocol: string;
  /** -1 when the rule covers every port (protocol -1, or ICMP "all types"). */
  fromPort: number;
  toPort: number;
  cidrIpv4?: string;
  cidrIpv6?: string;
  referencedGroupId?: string;
  prefixListId?: string;
  /** Only the rules API returns rule ids. */
  ruleId?: string;
  description?: string;
}

const PROTOCOL_NAMES: Record<string, string> = { '6': 'tcp', '17': 'udp', '1': 'icmp', '58': 'icmpv6', all: '-1' };

export function normaliseProtocol(protocol: string | undefined): string {
  const lower = (protocol ?? '-1').toLowerCase();
  return PROTOCOL_NAMES[lower] ?? lower;
}

function ports(protocol: string, from: number | undefined, to: number | undefined): { fromPort: number; toPort: number } {
  // The rules API says -1/-1 for "all protocols"; the groups API leaves the ports out.
  if (protocol === '-1') return { fromPort: -1, toPort: -1 };
  return { fromPort: from ?? -1, toPort: to ?? -1 };
}

function withoutUndefined(rule: FlatRule): FlatRule {
  return Object.fromEntries(Object.entries(rule).filter(([, v]) => v !== undefined)) as unknown as FlatRule;
}

export function fromRulesApi(rules: SecurityGroupRule[]): FlatRule[] {
  return rules.map((r) => {
    const protocol = normaliseProtocol(r.IpProtocol);
    return withoutUndefined({
      groupId: r.GroupId ?? '',
      isEgress: r.IsEgress ?? false,
      protocol,
      ...ports(protocol, r.FromPort, r.ToPort),
      cidrIpv4: r.CidrIpv4,
      cidrIpv6: r.CidrIpv6,
      referencedGroupId: r.ReferencedGroupInfo?.GroupId,
      prefixListId: r.PrefixListId,
      ruleId: r.SecurityGroupRuleId,
      description: r.Description,
    });
  });
}

/** One FlatRule per source of each permission, as DescribeSecurityGroupRules lists them. */
export function fromGroupsApi(group: SecurityGroup): FlatRule[] {
  const groupId = group.GroupId ?? '';
  const flatten = (permissions: IpPermission[] | undefined, isEgress: boolean): FlatRule[] =>
    (permissions ?? []).flatMap((p) => {
      const protocol = normaliseProtocol(p.IpProtocol);
      const base = { groupId, isEgress, protocol, ...ports(protocol, p.FromPort, p.ToPort) };
      return [
        ...(p.IpRanges ?? []).map((r) => ({ ...base, cidrIpv4: r.CidrIp, description: r.Description })),
        ...(p.Ipv6Ranges ?? []).map((r) => ({ ...base, cidrIpv6: r.CidrIpv6, description: r.Description })),
        ...(p.UserIdGroupPairs ?? []).map((r) => ({ ...base, referencedGroupId: r.GroupId, description: r.Description })),
        ...(p.PrefixListIds ?? []).map((r) => ({ ...base, prefixListId: r.PrefixListId, description: r.Description })),
      ].map(withoutUndefined);
    });
  return [...flatten(group.IpPermissions, false), ...flatten(group.IpPermissionsEgress, true)];
}

function describePorts(r: FlatRule): string {
  if (r.protocol === '-1') return 'all traffic';
  if (r.protocol === 'icmp' || r.protocol === 'icmpv6') {
    if (r.fromPort === -1) return `${r.protocol} all types`;
    return `${r.protocol} type ${r.fromPort}${r.toPort === -1 ? '' : ` code ${r.toPort}`}`;
  }
  if (r.fromPort === -1) return `${r.protocol} all ports`;
  return r.fromPort === r.toPort ? `${r.protocol} ${r.fromPort}` : `${r.protocol} ${r.fromPort}-${r.toPort}`;
}

function describePeer(r: FlatRule): string {
  return r.cidrIpv4 ?? r.cidrIpv6 ?? r.referencedGroupId ?? r.prefixListId ?? 'nowhere';
}

/** "tcp 0-65535 from 0.0.0.0/0", "all traffic from sg-123", "tcp 80 from ::/0", "udp 53 to 10.0.0.0/8". */
export function describeRule(r: FlatRule): string {
  return `${describePorts(r)} ${r.isEgress ? 'to' : 'from'} ${describePeer(r)}`;
}

export interface TrafficSource {
  /** A network the traffic may come from; '0.0.0.0/0' or '::/0' means anywhere. */
  cidr?: string;
  ip?: string;
  groupId?: string;
}

function coversPort(r: FlatRule, port: number): boolean {
  if (r.protocol === '-1' || r.fromPort === -1) return true;
  return r.fromPort <= port && port <= r.toPort;
}

function parseCidr(cidr: string): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } | undefined {
  const [address, prefixText] = cidr.split('/');
  const version = isIP(address ?? '');
  if (!address || version === 0) return undefined;
  const max = version === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > max) return undefined;
  return { address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
}

/** Does the rule's network contain `inner` (an address or a network)? CIDR blocks nest or are disjoint. */
function networkContains(ruleCidr: string, inner: string): boolean {
  const outer = parseCidr(ruleCidr);
  const candidate = parseCidr(inner);
  if (!outer || !candidate || outer.family !== candidate.family || outer.prefix > candidate.prefix) return false;
  const list = new BlockList();
  list.addSubnet(outer.address, outer.prefix, outer.family);
  return list.check(candidate.address, candidate.family);
}

function admitsSource(r: FlatRule, source: TrafficSource): boolean {
  const ruleCidr = r.cidrIpv4 ?? r.cidrIpv6;
  // A prefix list's contents are not in the rule, so it never counts as admitting a plain address.
  if (ruleCidr && source.cidr && networkContains(ruleCidr, source.cidr)) return true;
  if (ruleCidr && source.ip && networkContains(ruleCidr, source.ip)) return true;
  return source.groupId !== undefined && r.referencedGroupId === source.groupId;
}

/** The inbound rules that admit `protocol`/`port` traffic from `source` (any of its fields). */
export function ingressAdmits(rules: FlatRule[], source: TrafficSource, port: number, protocol = 'tcp'): FlatRule[] {
  const wanted = normaliseProtocol(protocol);
  return rules.filter(
    (r) => !r.isEgress && (r.protocol === '-1' || r.protocol === wanted) && coversPort(r, port) && admitsSource(r, source),
  );
}

export interface LockdownCheck {
  ok: boolean;
  problems: string[];
}

/**
 * Module 04's lockdown: the only inbound rule is All TCP (tcp 0-65535) from the ALB's group.
 * An ALB may carry up to five groups (the console may leave the VPC's default group beside its
 * own, in any order): a rule from any of them admits the ALB — "security groups are evaluated as
 * a union" (EC2 user guide, security group rules) — so `albGroupIds` lists them all. A protocol
 * -1 rule from such a group admits a superset (UDP, ICMP too) and is not what the module asks
 * for, so it is a problem, worded so it is clear why.
 */
export function rulesAllowOnlyFrom(rules: FlatRule[], albGroupIds: string | readonly string[]): LockdownCheck {
  const ids = [albGroupIds].flat();
  const fromAlb = (r: FlatRule) => r.referencedGroupId !== undefined && ids.includes(r.referencedGroupId);
  const expected = `tcp 0-65535 from ${ids.length === 1 ? ids[0] : `one of ${ids.join(', ')}`}`;
  const inbound = rules.filter((r) => !r.isEgress);
  const problems: string[] = [];
  if (inbound.length === 0) {
    return { ok: false, problems: [`no inbound rule at all; expected exactly one: ${expected}`] };
  }
  const isExpected = (r: FlatRule) => r.protocol === 'tcp' && r.fromPort === 0 && r.toPort === 65535 && fromAlb(r) && !r.cidrIpv4 && !r.cidrIpv6 && !r.prefixListId;
  const matching = inbound.filter(isExpected);
  for (const r of inbound) {
    if (isExpected(r)) continue;
    const seen = describeRule(r);
    if (fromAlb(r) && r.protocol === '-1') {
      problems.push(`${seen}: all protocols, expected ${expected} (All TCP) — a superset that also admits UDP and ICMP`);
    } else if (fromAlb(r) && r.protocol === 'tcp') {
      problems.push(`${seen}: ports ${r.fromPort === r.toPort ? r.fromPort : `${r.fromPort}-${r.toPort}`}, expected ${expected} (All TCP)`);
    } else if (fromAlb(r)) {
      problems.push(`${seen}: protocol ${r.protocol}, expected ${expected} (All TCP)`);
    } else {
      problems.push(`unexpected inbound rule ${seen}${r.ruleId ? ` (${r.ruleId})` : ''}: only ${expected} should remain`);
    }
  }
  if (matching.length === 0) problems.unshift(`no inbound rule ${expected}; seen: ${inbound.map(describeRule).join('; ')}`);
  // one rule per ALB group is redundant, not wrong; the same group twice cannot be stored by EC2
  const perGroup = new Map<string, number>();
  for (const r of matching) perGroup.set(r.referencedGroupId!, (perGroup.get(r.referencedGroupId!) ?? 0) + 1);
  for (const [group, n] of perGroup) if (n > 1) problems.push(`${n} inbound rules tcp 0-65535 from ${group}, expected exactly one`);
  return { ok: problems.length === 0, problems };
}

export interface AnywhereCheck {
  ipv4: boolean;
  ipv6: boolean;
  /** The inbound rules that open the port to the whole IPv4 or IPv6 internet. */
  rules: FlatRule[];
}

/** Does TCP `port` admit the whole internet, over IPv4 (0.0.0.0/0) and over IPv6 (::/0)? */
export function admitsFromAnywhere(rules: FlatRule[], port: number): AnywhereCheck {
  const ipv4 = ingressAdmits(rules, { cidr: '0.0.0.0/0' }, port);
  const ipv6 = ingressAdmits(rules, { cidr: '::/0' }, port);
  return { ipv4: ipv4.length > 0, ipv6: ipv6.length > 0, rules: [...ipv4, ...ipv6] };
}
