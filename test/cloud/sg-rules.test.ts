import { describe, expect, it } from 'vitest';
import type { SecurityGroup, SecurityGroupRule } from '@aws-sdk/client-ec2';
import {
  admitsFromAnywhere,
  describeRule,
  type FlatRule,
  fromGroupsApi,
  fromRulesApi,
  ingressAdmits,
  normaliseProtocol,
  rulesAllowOnlyFrom,
} from '../../helpers/cloud/sg-rules.js';

const CLUSTER_SG = 'sg-0cluster000000000';
const ALB_SG = 'sg-0alb0000000000000';

/** The same group, as DescribeSecurityGroups nests it... */
const group: SecurityGroup = {
  GroupId: CLUSTER_SG,
  GroupName: 'nick-cluster-sg',
  IpPermissions: [
    {
      IpProtocol: 'tcp',
      FromPort: 0,
      ToPort: 65535,
      IpRanges: [{ CidrIp: '0.0.0.0/0', Description: 'All TCP' }],
      Ipv6Ranges: [{ CidrIpv6: '::/0' }],
      UserIdGroupPairs: [{ GroupId: ALB_SG, UserId: '000000000000' }],
      PrefixListIds: [],
    },
    { IpProtocol: '-1', UserIdGroupPairs: [{ GroupId: CLUSTER_SG }] },
    { IpProtocol: '6', FromPort: 22, ToPort: 22, PrefixListIds: [{ PrefixListId: 'pl-0123' }] },
    { IpProtocol: 'icmp', FromPort: -1, ToPort: -1, IpRanges: [{ CidrIp: '10.0.0.0/8' }] },
  ],
  IpPermissionsEgress: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
};

/** ...and as DescribeSecurityGroupRules lists it. */
const flatRules: SecurityGroupRule[] = [
  { SecurityGroupRuleId: 'sgr-1', GroupId: CLUSTER_SG, IsEgress: false, IpProtocol: 'tcp', FromPort: 0, ToPort: 65535, CidrIpv4: '0.0.0.0/0', Description: 'All TCP' },
  { SecurityGroupRuleId: 'sgr-2', GroupId: CLUSTER_SG, IsEgress: false, IpProtocol: 'tcp', FromPort: 0, ToPort: 65535, CidrIpv6: '::/0' },
  { SecurityGroupRuleId: 'sgr-3', GroupId: CLUSTER_SG, IsEgress: false, IpProtocol: 'tcp', FromPort: 0, ToPort: 65535, ReferencedGroupInfo: { GroupId: ALB_SG, UserId: '000000000000' } },
  { SecurityGroupRuleId: 'sgr-4', GroupId: CLUSTER_SG, IsEgress: false, IpProtocol: '-1', FromPort: -1, ToPort: -1, ReferencedGroupInfo: { GroupId: CLUSTER_SG } },
  { SecurityGroupRuleId: 'sgr-5', GroupId: CLUSTER_SG, IsEgress: false, IpProtocol: 'tcp', FromPort: 22, ToPort: 22, PrefixListId: 'pl-0123' },
  { SecurityGroupRuleId: 'sgr-6', GroupId: CLUSTER_SG, IsEgress: false, IpProtocol: 'icmp', FromPort: -1, ToPort: -1, CidrIpv4: '10.0.0.0/8' },
  { SecurityGroupRuleId: 'sgr-7', GroupId: CLUSTER_SG, IsEgress: true, IpProtocol: '-1', FromPort: -1, ToPort: -1, CidrIpv4: '0.0.0.0/0' },
];

function rule(partial: Partial<FlatRule>): FlatRule {
  return { groupId: CLUSTER_SG, isEgress: false, protocol: 'tcp', fromPort: 0, toPort: 65535, ...partial };
}

const withoutIds = (rules: FlatRule[]) => rules.map(({ ruleId: _ruleId, ...r }) => r);
const byText = (a: FlatRule, b: FlatRule) => JSON.stringify(a).localeCompare(JSON.stringify(b));

describe('normaliseProtocol', () => {
  it('names protocol numbers and spells "all" as -1', () => {
    expect(normaliseProtocol('6')).toBe('tcp');
    expect(normaliseProtocol('17')).toBe('udp');
    expect(normaliseProtocol('1')).toBe('icmp');
    expect(normaliseProtocol('58')).toBe('icmpv6');
    expect(normaliseProtocol('all')).toBe('-1');
    expect(normaliseProtocol('-1')).toBe('-1');
    expect(normaliseProtocol('TCP')).toBe('tcp');
    expect(normaliseProtocol('50')).toBe('50');
    expect(normaliseProtocol(undefined)).toBe('-1');
  });
});

describe('fromRulesApi / fromGroupsApi', () => {
  it('give the same flat rules for the same group (rule ids only from the rules API)', () => {
    const fromRules = fromRulesApi(flatRules);
    const fromGroups = fromGroupsApi(group);
    expect(fromGroups).toHaveLength(7);
    expect(withoutIds(fromGroups).sort(byText)).toEqual(withoutIds(fromRules).sort(byText));
    expect(fromRules.map((r) => r.ruleId)).toEqual(['sgr-1', 'sgr-2', 'sgr-3', 'sgr-4', 'sgr-5', 'sgr-6', 'sgr-7']);
    expect(fromGroups.every((r) => r.ruleId === undefined)).toBe(true);
  });

  it('normalises protocol -1 to ports -1/-1 whether or not the API gave ports', () => {
    const [all] = fromGroupsApi({ GroupId: 'sg-1', IpPermissions: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '1.2.3.4/32' }] }] });
    expect(all).toEqual({ groupId: 'sg-1', isEgress: false, protocol: '-1', fromPort: -1, toPort: -1, cidrIpv4: '1.2.3.4/32' });
  });

  it("reads protocol '6' as tcp and keeps descriptions and group references", () => {
    const [r] = fromRulesApi([{ GroupId: 'sg-1', IsEgress: false, IpProtocol: '6', FromPort: 80, ToPort: 80, ReferencedGroupInfo: { GroupId: 'sg-2' }, Description: 'from ALB' }]);
    expect(r).toEqual({ groupId: 'sg-1', isEgress: false, protocol: 'tcp', fromPort: 80, toPort: 80, referencedGroupId: 'sg-2', description: 'from ALB' });
  });

  it('gives nothing for a group without permissions', () => {
    expect(fromGroupsApi({ GroupId: 'sg-empty' })).toEqual([]);
  });
});

describe('describeRule', () => {
  it('reads like the console', () => {
    expect(describeRule(rule({ cidrIpv4: '0.0.0.0/0' }))).toBe('tcp 0-65535 from 0.0.0.0/0');
    expect(describeRule(rule({ protocol: '-1', fromPort: -1, toPort: -1, referencedGroupId: 'sg-123' }))).toBe('all traffic from sg-123');
    expect(describeRule(rule({ fromPort: 80, toPort: 80, cidrIpv6: '::/0' }))).toBe('tcp 80 from ::/0');
    expect(describeRule(rule({ protocol: 'udp', fromPort: 53, toPort: 53, cidrIpv4: '10.0.0.0/8', isEgress: true }))).toBe('udp 53 to 10.0.0.0/8');
    expect(describeRule(rule({ fromPort: 22, toPort: 22, prefixListId: 'pl-0123' }))).toBe('tcp 22 from pl-0123');
    expect(describeRule(rule({ protocol: 'icmp', fromPort: -1, toPort: -1, cidrIpv4: '10.0.0.0/8' }))).toBe('icmp all types from 10.0.0.0/8');
    expect(describeRule(rule({ protocol: 'icmp', fromPort: 8, toPort: -1, cidrIpv4: '10.0.0.0/8' }))).toBe('icmp type 8 from 10.0.0.0/8');
  });
});

describe('ingressAdmits', () => {
  const rules = fromRulesApi(flatRules);

  it('finds the rules admitting anywhere, by IPv4 and IPv6 network', () => {
    expect(ingressAdmits(rules, { cidr: '0.0.0.0/0' }, 8080).map((r) => r.ruleId)).toEqual(['sgr-1']);
    expect(ingressAdmits(rules, { cidr: '::/0' }, 8080).map((r) => r.ruleId)).toEqual(['sgr-2']);
  });

  it('matches a plain address inside a rule network', () => {
    expect(ingressAdmits(rules, { ip: '203.0.113.9' }, 40001).map((r) => r.ruleId)).toEqual(['sgr-1']);
    expect(ingressAdmits(rules, { ip: '2001:db8::1' }, 40001).map((r) => r.ruleId)).toEqual(['sgr-2']);
    const narrow = [rule({ cidrIpv4: '10.0.0.0/8' })];
    expect(ingressAdmits(narrow, { ip: '10.20.30.40' }, 80)).toHaveLength(1);
    expect(ingressAdmits(narrow, { ip: '11.0.0.1' }, 80)).toHaveLength(0);
    expect(ingressAdmits(narrow, { cidr: '10.1.0.0/16' }, 80)).toHaveLength(1);
    expect(ingressAdmits(narrow, { cidr: '0.0.0.0/0' }, 80)).toHaveLength(0);
  });

  it('matches referenced groups; protocol -1 admits any protocol and port', () => {
    expect(ingressAdmits(rules, { groupId: ALB_SG }, 40001).map((r) => r.ruleId)).toEqual(['sgr-3']);
    expect(ingressAdmits(rules, { groupId: CLUSTER_SG }, 40001, 'udp').map((r) => r.ruleId)).toEqual(['sgr-4']);
    expect(ingressAdmits(rules, { groupId: ALB_SG }, 40001, 'udp')).toEqual([]);
  });

  it('never lets a prefix list admit a plain address', () => {
    expect(ingressAdmits([rule({ fromPort: 22, toPort: 22, prefixListId: 'pl-0123' })], { ip: '1.2.3.4', cidr: '0.0.0.0/0' }, 22)).toEqual([]);
  });

  it('respects port ranges and protocols, given as names or numbers', () => {
    const ranged = [rule({ fromPort: 32768, toPort: 60999, cidrIpv4: '0.0.0.0/0' })];
    expect(ingressAdmits(ranged, { ip: '1.2.3.4' }, 32768)).toHaveLength(1);
    expect(ingressAdmits(ranged, { ip: '1.2.3.4' }, 60999)).toHaveLength(1);
    expect(ingressAdmits(ranged, { ip: '1.2.3.4' }, 61000)).toHaveLength(0);
    expect(ingressAdmits(ranged, { ip: '1.2.3.4' }, 40000, '6')).toHaveLength(1);
    expect(ingressAdmits(ranged, { ip: '1.2.3.4' }, 40000, 'udp')).toHaveLength(0);
  });

  it('ignores egress rules', () => {
    const egressOnly = [rule({ isEgress: true, protocol: '-1', fromPort: -1, toPort: -1, cidrIpv4: '0.0.0.0/0' })];
    expect(ingressAdmits(egressOnly, { cidr: '0.0.0.0/0' }, 80)).toEqual([]);
  });

  it('does not mix address families', () => {
    expect(ingressAdmits([rule({ cidrIpv4: '0.0.0.0/0' })], { ip: '::1' }, 80)).toEqual([]);
    expect(ingressAdmits([rule({ cidrIpv6: '::/0' })], { ip: '127.0.0.1' }, 80)).toEqual([]);
  });
});

describe('rulesAllowOnlyFrom (the Module 04 lockdown)', () => {
  it('passes with exactly All TCP from the ALB group, whatever the egress rules', () => {
    const rules = [rule({ referencedGroupId: ALB_SG }), rule({ isEgress: true, protocol: '-1', fromPort: -1, toPort: -1, cidrIpv4: '0.0.0.0/0' })];
    expect(rulesAllowOnlyFrom(rules, ALB_SG)).toEqual({ ok: true, problems: [] });
  });

  it('passes on rules read from either API', () => {
    const lockedGroup: SecurityGroup = { GroupId: CLUSTER_SG, IpPermissions: [{ IpProtocol: '6', FromPort: 0, ToPort: 65535, UserIdGroupPairs: [{ GroupId: ALB_SG }] }] };
    expect(rulesAllowOnlyFrom(fromGroupsApi(lockedGroup), ALB_SG).ok).toBe(true);
    const lockedRules: SecurityGroupRule[] = [{ GroupId: CLUSTER_SG, IsEgress: false, IpProtocol: 'tcp', FromPort: 0, ToPort: 65535, ReferencedGroupInfo: { GroupId: ALB_SG } }];
    expect(rulesAllowOnlyFrom(fromRulesApi(lockedRules), ALB_SG).ok).toBe(true);
  });

  it('fails when the old All TCP from anywhere rule is still there, naming it', () => {
    const check = rulesAllowOnlyFrom([rule({ referencedGroupId: ALB_SG }), rule({ cidrIpv4: '0.0.0.0/0', ruleId: 'sgr-old' })], ALB_SG);
    expect(check.ok).toBe(false);
    expect(check.problems).toEqual([`unexpected inbound rule tcp 0-65535 from 0.0.0.0/0 (sgr-old): only tcp 0-65535 from ${ALB_SG} should remain`]);
  });

  it('fails with no inbound rule at all', () => {
    expect(rulesAllowOnlyFrom([], ALB_SG)).toEqual({ ok: false, problems: [`no inbound rule at all; expected exactly one: tcp 0-65535 from ${ALB_SG}`] });
  });

  it('fails on an all-protocols rule from the ALB group, saying it is a superset', () => {
    const check = rulesAllowOnlyFrom([rule({ protocol: '-1', fromPort: -1, toPort: -1, referencedGroupId: ALB_SG })], ALB_SG);
    expect(check.ok).toBe(false);
    expect(check.problems[0]).toBe(`no inbound rule tcp 0-65535 from ${ALB_SG}; seen: all traffic from ${ALB_SG}`);
    expect(check.problems[1]).toMatch(/^all traffic from sg-0alb0000000000000: all protocols, expected tcp 0-65535 from sg-0alb0000000000000 \(All TCP\)/);
  });

  it('fails on the right group with the wrong ports or protocol', () => {
    const ports = rulesAllowOnlyFrom([rule({ fromPort: 8080, toPort: 8080, referencedGroupId: ALB_SG })], ALB_SG);
    expect(ports.problems).toContain(`tcp 8080 from ${ALB_SG}: ports 8080, expected tcp 0-65535 from ${ALB_SG} (All TCP)`);
    const udp = rulesAllowOnlyFrom([rule({ protocol: 'udp', referencedGroupId: ALB_SG })], ALB_SG);
    expect(udp.problems).toContain(`udp 0-65535 from ${ALB_SG}: protocol udp, expected tcp 0-65535 from ${ALB_SG} (All TCP)`);
  });

  it('fails on the wrong group, on IPv6 and on prefix lists', () => {
    const check = rulesAllowOnlyFrom(
      [rule({ referencedGroupId: 'sg-other' }), rule({ cidrIpv6: '::/0' }), rule({ fromPort: 22, toPort: 22, prefixListId: 'pl-1' })],
      ALB_SG,
    );
    expect(check.ok).toBe(false);
    expect(check.problems).toHaveLength(4);
    expect(check.problems[0]).toMatch(/^no inbound rule tcp 0-65535 from sg-0alb0000000000000; seen: tcp 0-65535 from sg-other; tcp 0-65535 from ::\/0; tcp 22 from pl-1$/);
    expect(check.problems.slice(1).every((p) => p.startsWith('unexpected inbound rule'))).toBe(true);
  });

  it('fails on duplicates', () => {
    const check = rulesAllowOnlyFrom([rule({ referencedGroupId: ALB_SG }), rule({ referencedGroupId: ALB_SG })], ALB_SG);
    expect(check.problems).toEqual([`2 inbound rules tcp 0-65535 from ${ALB_SG}, expected exactly one`]);
  });

  it('reports the whole module 03 state (the workshop group before lockdown)', () => {
    const check = rulesAllowOnlyFrom(fromRulesApi(flatRules), ALB_SG);
    expect(check.ok).toBe(false);
    expect(check.problems).toHaveLength(5);
  });
});

describe('admitsFromAnywhere (the ALB group)', () => {
  it('sees TCP 80 open to IPv4 and IPv6', () => {
    const rules = [rule({ fromPort: 80, toPort: 80, cidrIpv4: '0.0.0.0/0' }), rule({ fromPort: 80, toPort: 80, cidrIpv6: '::/0' })];
    const check = admitsFromAnywhere(rules, 80);
    expect(check.ipv4).toBe(true);
    expect(check.ipv6).toBe(true);
    expect(check.rules).toHaveLength(2);
  });

  it('sees a missing IPv6 rule', () => {
    expect(admitsFromAnywhere([rule({ fromPort: 80, toPort: 80, cidrIpv4: '0.0.0.0/0' })], 80)).toMatchObject({ ipv4: true, ipv6: false });
  });

  it('counts a wider rule (all traffic) but not a narrower network or another port', () => {
    expect(admitsFromAnywhere([rule({ protocol: '-1', fromPort: -1, toPort: -1, cidrIpv4: '0.0.0.0/0' })], 80).ipv4).toBe(true);
    expect(admitsFromAnywhere([rule({ fromPort: 80, toPort: 80, cidrIpv4: '0.0.0.0/1' })], 80).ipv4).toBe(false);
    expect(admitsFromAnywhere([rule({ fromPort: 443, toPort: 443, cidrIpv4: '0.0.0.0/0' })], 80).ipv4).toBe(false);
  });

  it('ignores egress rules', () => {
    expect(admitsFromAnywhere([rule({ isEgress: true, fromPort: 80, toPort: 80, cidrIpv4: '0.0.0.0/0' })], 80)).toEqual({ ipv4: false, ipv6: false, rules: [] });
  });
});

describe('rulesAllowOnlyFrom: an ALB with several security groups', () => {
  const DEFAULT_SG = 'sg-0default00000000';
  const allTcpFrom = (referencedGroupId: string) => rule({ protocol: 'tcp', fromPort: 0, toPort: 65535, referencedGroupId });

  it("accepts All TCP from any of the ALB's groups, whichever is listed first", () => {
    expect(rulesAllowOnlyFrom([allTcpFrom(ALB_SG)], [DEFAULT_SG, ALB_SG])).toEqual({ ok: true, problems: [] });
    expect(rulesAllowOnlyFrom([allTcpFrom(DEFAULT_SG)], [DEFAULT_SG, ALB_SG])).toEqual({ ok: true, problems: [] });
  });

  it('one rule per ALB group is redundant, not wrong', () => {
    expect(rulesAllowOnlyFrom([allTcpFrom(ALB_SG), allTcpFrom(DEFAULT_SG)], [DEFAULT_SG, ALB_SG]).ok).toBe(true);
  });

  it("fails on a rule from a group that is not one of the ALB's, naming them all", () => {
    const check = rulesAllowOnlyFrom([allTcpFrom(CLUSTER_SG)], [DEFAULT_SG, ALB_SG]);
    expect(check.ok).toBe(false);
    expect(check.problems[0]).toContain(`no inbound rule tcp 0-65535 from one of ${DEFAULT_SG}, ${ALB_SG}`);
  });
});
