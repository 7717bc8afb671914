/**
 * How the data plane evaluates security-group rules for a new TCP connection
 * (Network.admits / ruleAdmits): rules only allow, a port must fall in the rule's range
 * (any port for protocol -1), a CIDR admits the outside world, a group reference admits
 * only connections from that group's members.
 */
import { describe, expect, it } from 'vitest';
import { SimClock } from '../../sim/clock.js';
import { Network, ruleAdmits, type Source } from '../../sim/dataplane/network.js';
import { World, type SgRule } from '../../sim/world.js';

const outside: Source = { kind: 'outside', ip: '203.0.113.10' };
const fromAlb: Source = { kind: 'groups', groupIds: ['sg-alb'], label: 'load balancer nick-ecs-alb', ip: '50.0.0.10' };
const fromElsewhere: Source = { kind: 'groups', groupIds: ['sg-other'], label: 'load balancer other', ip: '50.0.1.10' };

function rule(fields: Partial<SgRule>): SgRule {
  return { ruleId: 'sgr-1', groupId: 'sg-cluster', isEgress: false, ipProtocol: 'tcp', fromPort: 0, toPort: 65535, tags: new Map(), ...fields };
}

describe('ruleAdmits', () => {
  it('tcp 0-65535 from 0.0.0.0/0 admits the outside world on any port', () => {
    const allTcp = rule({ cidrIpv4: '0.0.0.0/0' });
    for (const port of [0, 80, 8080, 32768, 65535]) expect(ruleAdmits(allTcp, outside, port)).toBe(true);
  });

  it('a referenced-group rule admits only that group as a source', () => {
    const fromAlbGroup = rule({ referencedGroupId: 'sg-alb' });
    expect(ruleAdmits(fromAlbGroup, fromAlb, 32768)).toBe(true);
    expect(ruleAdmits(fromAlbGroup, fromElsewhere, 32768)).toBe(false);
    expect(ruleAdmits(fromAlbGroup, outside, 32768)).toBe(false);
  });

  it("a CIDR rule admits an ALB by its VPC address, as AWS does; a non-matching CIDR admits no one", () => {
    expect(ruleAdmits(rule({ cidrIpv4: '0.0.0.0/0' }), fromAlb, 80)).toBe(true);
    expect(ruleAdmits(rule({ cidrIpv4: '50.0.0.0/24' }), fromAlb, 80)).toBe(true);
    expect(ruleAdmits(rule({ cidrIpv4: '50.0.0.0/24' }), fromElsewhere, 80)).toBe(false);
    expect(ruleAdmits(rule({ cidrIpv4: '10.0.0.0/8' }), outside, 80)).toBe(false);
    expect(ruleAdmits(rule({ cidrIpv4: '203.0.113.0/24' }), outside, 80)).toBe(true);
  });

  it('protocol -1 admits every port', () => {
    const all = rule({ ipProtocol: '-1', fromPort: -1, toPort: -1, cidrIpv4: '0.0.0.0/0' });
    for (const port of [1, 80, 32768, 60999]) expect(ruleAdmits(all, outside, port)).toBe(true);
  });

  it('::/0 alone does not admit an IPv4 client', () => {
    expect(ruleAdmits(rule({ cidrIpv6: '::/0' }), outside, 80)).toBe(false);
  });

  it('a port-80-only rule rejects 32768', () => {
    const web = rule({ fromPort: 80, toPort: 80, cidrIpv4: '0.0.0.0/0' });
    expect(ruleAdmits(web, outside, 80)).toBe(true);
    expect(ruleAdmits(web, outside, 32768)).toBe(false);
  });

  it('a udp rule does not admit TCP', () => {
    expect(ruleAdmits(rule({ ipProtocol: 'udp', cidrIpv4: '0.0.0.0/0' }), outside, 80)).toBe(false);
  });
});

describe('Network.admits', () => {
  const world = new World('us-east-1', new SimClock(0.05));
  const network = new Network(world, false);
  world.securityGroups.set('sg-cluster', {
    groupId: 'sg-cluster',
    groupName: 'nick-cluster-sg',
    description: 'cluster',
    vpcId: 'vpc-1',
    ownerId: world.accountId,
    tags: new Map(),
    rules: [
      rule({ ruleId: 'sgr-egress', isEgress: true, ipProtocol: '-1', fromPort: -1, toPort: -1, cidrIpv4: '0.0.0.0/0' }),
      rule({ ruleId: 'sgr-alb', referencedGroupId: 'sg-alb' }),
    ],
  });
  world.securityGroups.set('sg-web', {
    groupId: 'sg-web',
    groupName: 'web',
    description: 'web',
    vpcId: 'vpc-1',
    ownerId: world.accountId,
    tags: new Map(),
    rules: [rule({ ruleId: 'sgr-web', fromPort: 80, toPort: 80, cidrIpv4: '0.0.0.0/0' })],
  });

  it('ignores egress rules for inbound connections', () => {
    expect(network.admits(['sg-cluster'], outside, 32768)).toBe(false);
    expect(network.admits(['sg-cluster'], fromAlb, 32768)).toBe(true);
  });

  it('admits when any of the groups admits', () => {
    expect(network.admits(['sg-cluster', 'sg-web'], outside, 80)).toBe(true);
    expect(network.admits(['sg-cluster', 'sg-web'], outside, 32768)).toBe(false);
  });

  it('an unknown group admits nothing, and no group admits nothing', () => {
    expect(network.admits(['sg-gone'], outside, 80)).toBe(false);
    expect(network.admits([], outside, 80)).toBe(false);
  });

  it('reads the rules on every call, so a change applies to the next connection', () => {
    const web = world.securityGroups.get('sg-web')!;
    web.rules = [];
    expect(network.admits(['sg-web'], outside, 80)).toBe(false);
    web.rules = [rule({ ruleId: 'sgr-web2', fromPort: 80, toPort: 80, cidrIpv4: '0.0.0.0/0' })];
    expect(network.admits(['sg-web'], outside, 80)).toBe(true);
  });
});
