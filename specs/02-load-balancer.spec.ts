// Module 04, step 1b: an internet-facing ALB over all three AZs, its own security group open on
// TCP 80 to 0.0.0.0/0 and ::/0, and a listener 80/HTTP forwarding to the target group.
import { expect } from 'vitest';
import { forwardedTargetGroups } from '../helpers/cloud/discovery.js';
import { admitsFromAnywhere, describeRule, fromRulesApi } from '../helpers/cloud/sg-rules.js';
import { need, step } from '../helpers/suite/step.js';

const s = step('02-load-balancer');

const alb = s.given('load-balancer.found', 'the load balancer exists', async (ctx) => {
  const a = await ctx.alb();
  return { value: a, evidence: { name: a.loadBalancer.LoadBalancerName, dnsName: a.loadBalancer.DNSName, foundBy: a.via } };
});

s.check('load-balancer.type', 'it is an application load balancer', async () => {
  const { loadBalancer: lb } = await alb.get();
  expect(lb.Type, `load balancer ${lb.LoadBalancerName}: type`).toBe('application');
  return { evidence: { type: lb.Type } };
});

s.check('load-balancer.scheme', 'it is internet-facing', async () => {
  const { loadBalancer: lb } = await alb.get();
  expect(lb.Scheme, `load balancer ${lb.LoadBalancerName}: scheme`).toBe('internet-facing');
  return { evidence: { scheme: lb.Scheme } };
});

s.check('load-balancer.active', 'it is active', async (ctx) => {
  const { loadBalancer } = await alb.get();
  const { record } = await ctx.wait(`load balancer ${loadBalancer.LoadBalancerName} to be active`, async () => {
    const lb = await ctx.loadBalancerNow();
    return { done: lb.State?.Code === 'active', state: lb.State?.Code ?? 'unknown' };
  });
  return { evidence: { state: 'active', waitedMs: record.ms } };
});

s.check('load-balancer.availability-zones', "it spans every availability zone of the cluster's instances", async (ctx) => {
  const { loadBalancer: lb } = await alb.get();
  const b = await need('preflight.cluster', ctx.baseline());
  const zones = (lb.AvailabilityZones ?? []).map((z) => z.ZoneName!).sort();
  expect(zones, `load balancer ${lb.LoadBalancerName}: availability zones (the instances use ${b.availabilityZones.join(', ')})`).toEqual(expect.arrayContaining(b.availabilityZones));
  expect(zones.length, `load balancer ${lb.LoadBalancerName}: number of availability zones`).toBeGreaterThanOrEqual(3);
  expect(lb.VpcId, `load balancer ${lb.LoadBalancerName}: VPC`).toBe(b.vpcId);
  return { evidence: { availabilityZones: zones } };
});

s.check('load-balancer.security-group', 'its own security group admits TCP 80 from 0.0.0.0/0 and ::/0', async (ctx) => {
  const { loadBalancer: lb } = await alb.get();
  const groups = lb.SecurityGroups ?? [];
  // without the instances' group there is nothing to tell "its own" from: skipped, never passed
  const b = await need('preflight.cluster', ctx.baseline());
  expect(groups, `load balancer ${lb.LoadBalancerName}: security groups`).not.toEqual([]);
  expect(groups, `load balancer ${lb.LoadBalancerName}: must have a group of its own, not the instances' group`).not.toContain(b.instanceGroup.GroupId);
  const rules = (await Promise.all(groups.map((g) => ctx.albGroupRules(g)))).flatMap(fromRulesApi);
  const open = admitsFromAnywhere(rules, 80);
  const seen = rules.filter((r) => !r.isEgress).map(describeRule).join('; ') || 'no inbound rule';
  expect(open.ipv4, `load balancer ${lb.LoadBalancerName} groups ${groups.join(', ')}: TCP 80 from 0.0.0.0/0; inbound rules seen: ${seen}`).toBe(true);
  expect(open.ipv6, `load balancer ${lb.LoadBalancerName} groups ${groups.join(', ')}: TCP 80 from ::/0; inbound rules seen: ${seen}`).toBe(true);
  return { evidence: { securityGroups: groups, inbound: seen } };
});

s.check('load-balancer.listener', 'a listener on 80/HTTP forwards to the target group', async (ctx) => {
  const { loadBalancer: lb, listeners } = await alb.get();
  const tg = await need('target-group.found', ctx.targetGroup());
  const seen = listeners.map((l) => `${l.Port}/${l.Protocol} → ${forwardedTargetGroups(l).map((a) => a.split('/').slice(-2, -1)[0]).join(',') || l.DefaultActions?.[0]?.Type}`).join('; ') || 'no listener';
  const l80 = listeners.find((l) => l.Port === 80 && l.Protocol === 'HTTP');
  expect(l80, `load balancer ${lb.LoadBalancerName}: listener 80/HTTP; listeners seen: ${seen}`).toBeDefined();
  expect(forwardedTargetGroups(l80!), `load balancer ${lb.LoadBalancerName}: listener 80 forwards to ${tg.value.TargetGroupName}; listeners seen: ${seen}`).toContain(tg.value.TargetGroupArn);
  return { evidence: { listeners: seen } };
});
