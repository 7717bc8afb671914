/**
 * The only module that writes to a cloud: the module's steps, each idempotent
 * (create-or-reuse, tagged e2e:run=<id>), and teardown/sweep of what a run created.
 * Nothing here runs in verify mode: the clients there refuse writes anyway.
 */
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  DeleteSecurityGroupCommand,
  DescribeSecurityGroupsCommand,
  RevokeSecurityGroupIngressCommand,
} from '@aws-sdk/client-ec2';
import { CreateServiceCommand, DeleteServiceCommand, UpdateServiceCommand, type Service, type TaskDefinition } from '@aws-sdk/client-ecs';
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  DeleteListenerCommand,
  DeleteLoadBalancerCommand,
  DeleteTargetGroupCommand,
  DescribeTagsCommand,
  ModifyTargetGroupAttributesCommand,
  type LoadBalancer,
  type TargetGroup,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { CloudFormationClient, type CloudFormationClientConfig } from '@aws-sdk/client-cloudformation';
import { DescribeClustersCommand } from '@aws-sdk/client-ecs';
import { instrument, type Clients } from './clients.js';
import { deleteBaseline, deployBaseline } from './baseline-stack.js';
import {
  listenersOf,
  loadBalancersAll,
  securityGroupByName,
  securityGroupRules,
  serviceByName,
  servicesOf,
  targetGroupsAll,
} from './discovery.js';
import { retryEventual } from '../core/waits.js';

export const RUN_TAG = 'e2e:run';
export const CREATED_TAG = 'e2e:created';

const runTags = (runId: string) => [
  { Key: RUN_TAG, Value: runId },
  { Key: CREATED_TAG, Value: new Date().toISOString() },
];
const ecsTags = (runId: string) => runTags(runId).map((t) => ({ key: t.Key, value: t.Value }));

export async function ensureTargetGroup(c: Clients, p: { name: string; vpcId: string; runId: string }): Promise<TargetGroup> {
  const existing = (await targetGroupsAll(c)).find((t) => t.TargetGroupName === p.name);
  if (existing) return existing;
  const r = await c.elb.send(
    new CreateTargetGroupCommand({
      Name: p.name,
      TargetType: 'instance',
      Protocol: 'HTTP',
      Port: 8080,
      VpcId: p.vpcId,
      HealthyThresholdCount: 3,
      HealthCheckIntervalSeconds: 6,
      Tags: runTags(p.runId),
    }),
  );
  return r.TargetGroups![0]!;
}

/** The ALB's security group: TCP 80 from anywhere, IPv4 and IPv6, as the console pre-fills it. */
export async function ensureAlbSecurityGroup(c: Clients, p: { name: string; vpcId: string; runId: string }): Promise<string> {
  const existing = await securityGroupByName(c, p.vpcId, p.name);
  if (existing) return existing.GroupId!;
  const r = await c.ec2.send(
    new CreateSecurityGroupCommand({
      GroupName: p.name,
      Description: 'ALB for the ECS workshop: HTTP from anywhere',
      VpcId: p.vpcId,
      TagSpecifications: [{ ResourceType: 'security-group', Tags: runTags(p.runId) }],
    }),
  );
  const groupId = r.GroupId!;
  await retryEventual(
    () =>
      c.ec2.send(
        new AuthorizeSecurityGroupIngressCommand({
          GroupId: groupId,
          IpPermissions: [{ IpProtocol: 'tcp', FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: '0.0.0.0/0' }], Ipv6Ranges: [{ CidrIpv6: '::/0' }] }],
        }),
      ),
    ['InvalidGroup.NotFound', 'InvalidGroupId.NotFound'],
  );
  return groupId;
}

export async function ensureLoadBalancer(
  c: Clients,
  p: { name: string; subnetIds: string[]; securityGroupId: string; runId: string },
): Promise<LoadBalancer> {
  const existing = (await loadBalancersAll(c)).find((l) => l.LoadBalancerName === p.name);
  if (existing) return existing;
  const r = await c.elb.send(
    new CreateLoadBalancerCommand({
      Name: p.name,
      Type: 'application',
      Scheme: 'internet-facing',
      Subnets: p.subnetIds,
      SecurityGroups: [p.securityGroupId],
      Tags: runTags(p.runId),
    }),
  );
  return r.LoadBalancers![0]!;
}

export async function ensureListener(c: Clients, p: { loadBalancerArn: string; targetGroupArn: string; runId: string }): Promise<string> {
  const existing = (await listenersOf(c, p.loadBalancerArn)).find((l) => l.Port === 80);
  if (existing) return existing.ListenerArn!;
  const r = await c.elb.send(
    new CreateListenerCommand({
      LoadBalancerArn: p.loadBalancerArn,
      Protocol: 'HTTP',
      Port: 80,
      DefaultActions: [{ Type: 'forward', TargetGroupArn: p.targetGroupArn }],
      Tags: runTags(p.runId),
    }),
  );
  return r.Listeners![0]!.ListenerArn!;
}

export async function ensureService(
  c: Clients,
  p: { cluster: string; name: string; taskDefinition: TaskDefinition; containerName: string; targetGroupArn: string; runId: string },
): Promise<Service> {
  const existing = await serviceByName(c, p.cluster, p.name);
  if (existing?.status === 'ACTIVE') return existing;
  const r = await c.ecs.send(
    new CreateServiceCommand({
      cluster: p.cluster,
      serviceName: p.name,
      taskDefinition: p.taskDefinition.taskDefinitionArn,
      desiredCount: 3,
      launchType: 'EC2',
      loadBalancers: [{ targetGroupArn: p.targetGroupArn, containerName: p.containerName, containerPort: 8080 }],
      tags: ecsTags(p.runId),
    }),
  );
  return r.service!;
}

export async function scaleService(c: Clients, cluster: string, service: string, desiredCount: number): Promise<void> {
  await c.ecs.send(new UpdateServiceCommand({ cluster, service, desiredCount }));
}

export async function deleteService(c: Clients, cluster: string, service: string, force = false): Promise<void> {
  await c.ecs.send(new DeleteServiceCommand({ cluster, service, force }));
}

/** Module 04 step 4: every inbound rule removed, All TCP from the ALB's group added. */
export async function lockDownInstances(c: Clients, p: { instanceGroupId: string; albGroupId: string }): Promise<void> {
  const ingress = (await securityGroupRules(c, p.instanceGroupId)).filter((r) => !r.IsEgress);
  const already =
    ingress.length === 1 &&
    ingress[0]!.IpProtocol === 'tcp' &&
    ingress[0]!.FromPort === 0 &&
    ingress[0]!.ToPort === 65535 &&
    ingress[0]!.ReferencedGroupInfo?.GroupId === p.albGroupId;
  if (already) return;
  if (ingress.length > 0) {
    await c.ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: p.instanceGroupId, SecurityGroupRuleIds: ingress.map((r) => r.SecurityGroupRuleId!) }));
  }
  await c.ec2.send(
    new AuthorizeSecurityGroupIngressCommand({
      GroupId: p.instanceGroupId,
      IpPermissions: [{ IpProtocol: 'tcp', FromPort: 0, ToPort: 65535, UserIdGroupPairs: [{ GroupId: p.albGroupId }] }],
    }),
  );
}

// ---- teardown and sweep: delete what carries the run tag, in reverse order of creation ----

export interface SweepFilter {
  /** Only this run's resources; undefined = every run's. */
  runId?: string;
  /** Only resources created longer ago than this. */
  olderThanMs?: number;
  /** ECS clusters whose services to look at. */
  clusters: string[];
}

export interface SweepResult {
  deleted: string[];
  failed: { resource: string; error: string }[];
}

function tagMatches(tags: { key: string; value?: string }[], f: SweepFilter, now: number): boolean {
  const run = tags.find((t) => t.key === RUN_TAG);
  if (!run || (f.runId && run.value !== f.runId)) return false;
  if (f.olderThanMs === undefined) return true;
  const created = Date.parse(tags.find((t) => t.key === CREATED_TAG)?.value ?? '');
  return Number.isFinite(created) && now - created >= f.olderThanMs;
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
  const result: SweepResult = { deleted: [], failed: [] };
  const attempt = async (resource: string, fn: () => Promise<unknown>, retryOn: string[] = []) => {
    const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
    for (;;) {
      try {
        await fn();
        result.deleted.push(resource);
        return;
      } catch (err) {
        const name = (err as { name?: string }).name ?? 'Error';
        if (retryOn.includes(name) && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, opts.retryMs ?? 250));
          continue;
        }
        result.failed.push({ resource, error: `${name}: ${(err as Error).message}` });
        return;
      }
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
        await untilInactive(c, cluster, s.serviceArn!, opts.timeoutMs ?? 60_000);
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
async function untilInactive(c: Clients, cluster: string, serviceArn: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await serviceByName(c, cluster, serviceArn);
    if (!s || s.status === 'INACTIVE') return;
    if (Date.now() > deadline) throw new Error(`service ${s.serviceName} still ${s.status} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
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

// ---- the module 01–03 baseline, on targets that do not come with one (LocalStack, AWS) ----

export interface EnsuredBaseline {
  /** Set when this run deployed the baseline stack (and so must delete it). */
  stackName?: string;
  remove(): Promise<void>;
}

/**
 * Provision mode on LocalStack or AWS starts from the end of module 03: when the cluster is
 * not there, deploy fixtures/baseline.cfn.json (tagged with the run) and delete it at the end.
 * An existing cluster (a participant's, or a kept run's) is used as it is and left alone.
 */
export async function ensureBaseline(
  c: Clients,
  cfnConfig: CloudFormationClientConfig,
  p: { nickname: string; cluster: string; runId: string; appImage?: string; amiParameter?: string; log?: (line: string) => void },
): Promise<EnsuredBaseline> {
  const found = await c.ecs.send(new DescribeClustersCommand({ clusters: [p.cluster] }));
  if (found.clusters?.some((x) => x.status === 'ACTIVE')) return { remove: async () => {} };
  const cfn = new CloudFormationClient(cfnConfig);
  instrument(cfn, { readOnly: false, calls: c.calls });
  const write = p.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  let last = '';
  const log = (line: string) => {
    if (line !== last) write((last = line));
  };
  log(`cluster ${p.cluster} not found: deploying the module 01–03 baseline (fixtures/baseline.cfn.json)`);
  const deployed = await deployBaseline(cfn, { nickname: p.nickname, runId: p.runId, appImage: p.appImage, amiParameter: p.amiParameter }, { onProgress: log });
  return {
    stackName: deployed.stackName,
    remove: async () => {
      await deleteBaseline(cfn, { nickname: p.nickname, runId: p.runId }, { onProgress: log });
      cfn.destroy();
    },
  };
}
