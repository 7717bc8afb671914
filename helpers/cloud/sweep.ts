/**
 * Teardown and sweep: deletes what carries the run tag (never untagged resources), in reverse
 * order of creation. Only provision runs and `sweep` get here.
 */
import { EC2, ELBv2 } from './sdk.js';
import type { Service } from '@aws-sdk/client-ecs';
import { waitFor, WaitTimeout, type WaitRecord } from '../core/waits.js';
import type { Clients } from './clients.js';
import { listenersOf, loadBalancersAll, serviceByName, servicesOf, targetGroupsAll } from './discovery.js';
import { throttled, throttledOr } from './errors.js';
import { deleteService } from './provision.js';
import { RUN_TAG, tagMatches, type SweepFilter } from './tags.js';

const { DeleteSecurityGroupCommand, DescribeSecurityGroupsCommand, RevokeSecurityGroupIngressCommand } = EC2;
const { DeleteListenerCommand, DeleteLoadBalancerCommand, DeleteTargetGroupCommand, DescribeTagsCommand, ModifyTargetGroupAttributesCommand } = ELBv2;

export type { SweepFilter } from './tags.js';

export interface SweepResult {
  deleted: string[];
  failed: { resource: string; error: string }[];
  /** Every wait of the sweep, in order: how long each deletion took and what it was asked to wait for (DependencyViolation, throttling). */
  waits: WaitRecord[];
}

async function elbTagged(c: Clients, arns: string[], f: SweepFilter, now: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < arns.length; i += 20) {
    const r = await c.elb.send(new DescribeTagsCommand({ ResourceArns: arns.slice(i, i + 20) }));
    for (const d of r.TagDescriptions ?? []) {
      if (tagMatches((d.Tags ?? []).map((t) => ({ key: t.Key!, value: t.Value })), f, now)) out.push(d.ResourceArn!);
    }
  }
  return out;
}

/**
 * Deletes tagged resources: services (scaled to 0, force-deleted), listeners, load balancers,
 * target groups, security groups. Each deletion is attempted even when another fails;
 * dependency errors (a group still attached to a deleting ALB) are retried for a while.
 */
export async function sweepTagged(c: Clients, f: SweepFilter, opts: { retryMs?: number; timeoutMs?: number } = {}): Promise<SweepResult> {
  const now = Date.now();
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const result: SweepResult = { deleted: [], failed: [], waits: [] };
  const onRecord = (r: WaitRecord) => result.waits.push(r);
  const attempt = async (resource: string, fn: () => Promise<unknown>, retryOn: string[] = []) => {
    try {
      await waitFor(`${resource} to be deleted`, async () => ({ done: true, state: 'deleted', value: await fn() }), {
        pollMs: opts.retryMs ?? 250,
        timeoutMs,
        transient: throttledOr(retryOn),
        // a dependency that goes by itself (the interfaces of a deleted ALB, 2–5 min on AWS) is polled
        // at least every second: doubling to 5 s overshot its end by seconds (bench/teardown-realism.ts)
        maxBackoffMs: 1_000,
        progress: () => {},
        onRecord,
      });
      result.deleted.push(resource);
    } catch (err) {
      const e = err instanceof WaitTimeout ? { name: err.lastState, message: err.message } : (err as Error);
      result.failed.push({ resource, error: `${e.name ?? 'Error'}: ${e.message}` });
    }
  };

  // Our own target groups need not drain for 5 minutes before their services can go.
  const tgs = await targetGroupsAll(c);
  const taggedTgs = await elbTagged(c, tgs.map((t) => t.TargetGroupArn!), f, now);
  for (const arn of taggedTgs) {
    await c.elb
      .send(new ModifyTargetGroupAttributesCommand({ TargetGroupArn: arn, Attributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: '0' }] }))
      .catch(() => undefined);
  }

  for (const cluster of f.clusters) {
    let services: Service[] = [];
    try {
      services = await servicesOf(c, cluster);
    } catch {
      continue;
    }
    const ours = services.filter((s) => s.status === 'ACTIVE' && tagMatches((s.tags ?? []) as { key: string; value?: string }[], f, now));
    for (const s of ours) {
      await attempt(`service ${s.serviceName}`, async () => {
        await deleteService(c, cluster, s.serviceArn!, true);
        await untilInactive(c, cluster, s.serviceArn!, timeoutMs, onRecord);
      });
    }
  }

  const lbs = await loadBalancersAll(c);
  const taggedLbs = new Set(await elbTagged(c, lbs.map((l) => l.LoadBalancerArn!), f, now));
  for (const lb of lbs) {
    const listeners = await listenersOf(c, lb.LoadBalancerArn!);
    const tagged = await elbTagged(c, listeners.map((l) => l.ListenerArn!), f, now);
    for (const arn of tagged) await attempt(`listener ${arn}`, () => c.elb.send(new DeleteListenerCommand({ ListenerArn: arn })));
  }
  for (const lb of lbs.filter((l) => taggedLbs.has(l.LoadBalancerArn!))) {
    await attempt(`load balancer ${lb.LoadBalancerName}`, () => c.elb.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: lb.LoadBalancerArn })));
  }
  for (const arn of taggedTgs) {
    const name = tgs.find((t) => t.TargetGroupArn === arn)?.TargetGroupName;
    await attempt(`target group ${name}`, () => c.elb.send(new DeleteTargetGroupCommand({ TargetGroupArn: arn })), ['ResourceInUse', 'ResourceInUseException']);
  }
  const sgs = await c.ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'tag-key', Values: [RUN_TAG] }] }));
  for (const sg of sgs.SecurityGroups ?? []) {
    if (!tagMatches((sg.Tags ?? []).map((t) => ({ key: t.Key!, value: t.Value })), f, now)) continue;
    // The lockdown made the instances' group refer to this one; that rule is the run's too.
    await attempt(`rules referring to ${sg.GroupName}`, () => revokeReferences(c, sg.GroupId!));
    await attempt(`security group ${sg.GroupName}`, () => c.ec2.send(new DeleteSecurityGroupCommand({ GroupId: sg.GroupId })), ['DependencyViolation']);
  }
  return result;
}

/** A deleted service is gone once INACTIVE (its tasks stopped); deleting what it used before that races it. */
async function untilInactive(c: Clients, cluster: string, serviceArn: string, timeoutMs: number, onRecord: (r: WaitRecord) => void): Promise<void> {
  await waitFor(
    `service ${serviceArn.split('/').pop()} to be INACTIVE`,
    async () => {
      const s = await serviceByName(c, cluster, serviceArn);
      return { done: !s || s.status === 'INACTIVE', state: s?.status ?? 'gone' };
    },
    { pollMs: 100, timeoutMs, transient: throttled, progress: () => {}, onRecord },
  );
}

async function revokeReferences(c: Clients, groupId: string): Promise<void> {
  let NextToken: string | undefined;
  do {
    const r = await c.ec2.send(new DescribeSecurityGroupsCommand({ NextToken, MaxResults: 100 }));
    for (const g of r.SecurityGroups ?? []) {
      if (g.GroupId === groupId) continue;
      const refs = (g.IpPermissions ?? []).filter((p) => p.UserIdGroupPairs?.some((u) => u.GroupId === groupId));
      if (refs.length === 0) continue;
      const perms = refs.map((p) => ({ ...p, IpRanges: [], Ipv6Ranges: [], PrefixListIds: [], UserIdGroupPairs: [{ GroupId: groupId }] }));
      await c.ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: g.GroupId, IpPermissions: perms }));
    }
    NextToken = r.NextToken;
  } while (NextToken);
}
