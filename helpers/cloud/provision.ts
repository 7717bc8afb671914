/**
 * Writes the module's steps to a cloud, each idempotent (create-or-reuse, tagged
 * e2e:run=<id>); sweep.ts removes them again. Nothing else in helpers/ writes.
 * Nothing here runs in verify mode: the clients there refuse writes anyway.
 */
import type { Service, TaskDefinition } from '@aws-sdk/client-ecs';
import type { LoadBalancer, TargetGroup } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { CloudFormationClientConfig } from '@aws-sdk/client-cloudformation';
import { instrument, type Clients } from './clients.js';
import { cloudFormation, EC2, ECS, ELBv2 } from './sdk.js';
import { listenersOf, loadBalancersAll, securityGroupByName, securityGroupRules, serviceByName, targetGroupsAll } from './discovery.js';
import { MODULE04 } from '../../fixtures/module04.js';
import { retryEventual } from '../core/waits.js';
import { ecsTags, runTags } from './tags.js';

const { AuthorizeSecurityGroupIngressCommand, CreateSecurityGroupCommand, RevokeSecurityGroupIngressCommand } = EC2;
const { CreateServiceCommand, DeleteServiceCommand, UpdateServiceCommand, DescribeClustersCommand } = ECS;
const { CreateListenerCommand, CreateLoadBalancerCommand, CreateTargetGroupCommand } = ELBv2;

const { targetGroup: TG, loadBalancer: LB, service: SVC, lockdown: LOCKDOWN } = MODULE04;

export async function ensureTargetGroup(c: Clients, p: { name: string; vpcId: string; runId: string }): Promise<TargetGroup> {
  const existing = (await targetGroupsAll(c)).find((t) => t.TargetGroupName === p.name);
  if (existing) return existing;
  const r = await c.elb.send(
    new CreateTargetGroupCommand({
      Name: p.name,
      TargetType: TG.targetType,
      Protocol: TG.protocol,
      Port: TG.port,
      VpcId: p.vpcId,
      HealthyThresholdCount: TG.healthyThreshold,
      HealthCheckIntervalSeconds: TG.intervalSeconds,
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
          IpPermissions: [
            {
              IpProtocol: LB.ingress.protocol,
              FromPort: LB.ingress.port,
              ToPort: LB.ingress.port,
              IpRanges: [{ CidrIp: LB.ingress.ipv4 }],
              Ipv6Ranges: [{ CidrIpv6: LB.ingress.ipv6 }],
            },
          ],
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
      Type: LB.type,
      Scheme: LB.scheme,
      Subnets: p.subnetIds,
      SecurityGroups: [p.securityGroupId],
      Tags: runTags(p.runId),
    }),
  );
  return r.LoadBalancers![0]!;
}

export async function ensureListener(c: Clients, p: { loadBalancerArn: string; targetGroupArn: string; runId: string }): Promise<string> {
  const existing = (await listenersOf(c, p.loadBalancerArn)).find((l) => l.Port === LB.listener.port);
  if (existing) return existing.ListenerArn!;
  const r = await c.elb.send(
    new CreateListenerCommand({
      LoadBalancerArn: p.loadBalancerArn,
      Protocol: LB.listener.protocol,
      Port: LB.listener.port,
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
      desiredCount: SVC.desiredCount,
      launchType: SVC.launchType,
      loadBalancers: [{ targetGroupArn: p.targetGroupArn, containerName: p.containerName, containerPort: SVC.containerPort }],
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
    ingress[0]!.IpProtocol === LOCKDOWN.protocol &&
    ingress[0]!.FromPort === LOCKDOWN.fromPort &&
    ingress[0]!.ToPort === LOCKDOWN.toPort &&
    ingress[0]!.ReferencedGroupInfo?.GroupId === p.albGroupId;
  if (already) return;
  if (ingress.length > 0) {
    await c.ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: p.instanceGroupId, SecurityGroupRuleIds: ingress.map((r) => r.SecurityGroupRuleId!) }));
  }
  await c.ec2.send(
    new AuthorizeSecurityGroupIngressCommand({
      GroupId: p.instanceGroupId,
      IpPermissions: [{ IpProtocol: LOCKDOWN.protocol, FromPort: LOCKDOWN.fromPort, ToPort: LOCKDOWN.toPort, UserIdGroupPairs: [{ GroupId: p.albGroupId }] }],
    }),
  );
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
  // CloudFormation only where a baseline is deployed: a run on the simulator never loads it
  const { deleteBaseline, deployBaseline } = await import('./baseline-stack.js');
  const cfn = new (cloudFormation().CloudFormationClient)(cfnConfig);
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
