/**
 * A second opinion on the simulator's control plane: the same calls, through the same SDK v3
 * clients, against the simulator and against moto_server (a third-party AWS emulator with
 * AWS-like validation). For each case the observation — the outcome (`ok` or the wire error
 * code) and the fields the suite reads, normalised so that ids may differ — must agree.
 *
 * Where moto departs from AWS the simulator follows AWS: such cases are listed in
 * DELIBERATE_DIFFERENCES with the documented AWS behaviour, and there the simulator must
 * match that behaviour instead. Neither side can create a VPC in the same way (the simulator
 * has no CreateVpc), so both use their default VPC and three of its subnets in distinct AZs.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { isDeepStrictEqual } from 'node:util';
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  DeleteSecurityGroupCommand,
  DescribeSecurityGroupRulesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  EC2Client,
  ModifyInstanceAttributeCommand,
  RevokeSecurityGroupIngressCommand,
  type IpPermission,
} from '@aws-sdk/client-ec2';
import {
  CreateCapacityProviderCommand,
  CreateClusterCommand,
  CreateServiceCommand,
  DeleteCapacityProviderCommand,
  DeleteServiceCommand,
  DescribeCapacityProvidersCommand,
  DescribeClustersCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  ListServicesCommand,
  PutClusterCapacityProvidersCommand,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  DeleteTargetGroupCommand,
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeTargetGroupsCommand,
  ElasticLoadBalancingV2Client,
  type CreateLoadBalancerCommandInput,
  type CreateTargetGroupCommandInput,
  type LoadBalancer,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type RunningSim } from '../../sim/index.js';

const hasMoto = spawnSync('moto_server', ['--help'], { timeout: 60_000 }).status === 0;
if (!hasMoto) console.warn('moto-differential.test: skipped — `moto_server` is not on PATH, so there is no second opinion to compare the simulator with');

const CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };
const UNKNOWN_GROUP_ID = 'sg-0123456789abcdef0';

/** What one side did: `ok` or the wire error code, plus the normalised fields the suite reads. */
interface Observation {
  outcome: string;
  fields?: Record<string, unknown>;
  /** Shown in the table, never compared (moto's messages are its own). */
  message?: string;
}

interface Side {
  name: 'sim' | 'moto';
  ec2: EC2Client;
  elb: ElasticLoadBalancingV2Client;
  ecs: ECSClient;
  vpcId: string;
  subnetIds: string[];
  albGroupId: string;
  instanceGroupId: string;
  targetGroupArn: string;
  loadBalancerArn: string;
  taskDefinitionArn: string;
}

const NAMES = {
  albGroup: 'diff-alb-sg',
  instanceGroup: 'diff-instances-sg',
  targetGroup: 'diff-tg',
  loadBalancer: 'diff-alb',
  cluster: 'diff_ecs_cluster',
  family: 'diff_app_service',
  oldService: 'diff_app_service',
  capacityProvider: 'diff-cp',
  capacityCluster: 'diff_cp_cluster',
};
const DIFF_ASG_ARN = 'arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:7d2c4b1a-0e9f-4c8d-b7a6-5f4e3d2c1b0a:autoScalingGroupName/diff-asg';

const http80FromAnywhere: IpPermission = { IpProtocol: 'tcp', FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: '0.0.0.0/0' }], Ipv6Ranges: [{ CidrIpv6: '::/0' }] };
const targetGroupSettings = (side: Side): CreateTargetGroupCommandInput => ({
  Name: NAMES.targetGroup,
  TargetType: 'instance',
  Protocol: 'HTTP',
  Port: 8080,
  VpcId: side.vpcId,
  HealthyThresholdCount: 3,
  HealthCheckIntervalSeconds: 6,
});
const loadBalancerSettings = (side: Side): CreateLoadBalancerCommandInput => ({
  Name: NAMES.loadBalancer,
  Subnets: side.subnetIds,
  SecurityGroups: [side.albGroupId],
  Scheme: 'internet-facing',
  Type: 'application',
});

/** Runs a call and reduces it to an outcome: `ok` with the value, or the error code AWS put on the wire. */
async function attempt<T>(call: Promise<T>): Promise<{ outcome: string; value?: T; message?: string }> {
  try {
    return { outcome: 'ok', value: await call };
  } catch (e) {
    const err = e as { Code?: string; name?: string; message?: string; $metadata?: unknown };
    if (!err.$metadata) throw e;
    // Query protocols (EC2, ELBv2) carry the wire code in Code; JSON (ECS) in the exception's name.
    return { outcome: err.Code ?? err.name ?? 'unknown', message: err.message };
  }
}

const outcomeOnly = async (call: Promise<unknown>): Promise<Observation> => {
  const { outcome, message } = await attempt(call);
  return { outcome, message };
};

/** For ids, which legitimately differ between two clouds: only their type is compared. */
const typeOf = (v: unknown) => (Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v);

interface Case {
  id: string;
  run(side: Side): Promise<Observation>;
}

const cases: Case[] = [
  // --- EC2 security groups ---
  {
    id: 'ec2.create-security-group.duplicate-name',
    run: (s) => outcomeOnly(s.ec2.send(new CreateSecurityGroupCommand({ GroupName: NAMES.albGroup, Description: 'again', VpcId: s.vpcId }))),
  },
  {
    id: 'ec2.authorize-ingress.duplicate-rule',
    run: (s) => outcomeOnly(s.ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: s.albGroupId, IpPermissions: [http80FromAnywhere] }))),
  },
  {
    // Both answer InvalidPermission.NotFound. The EC2 API Reference (RevokeSecurityGroupIngress) gives that
    // error for a non-default VPC only: "For a default VPC, if the values you specify do not match the
    // existing rule's values, no error is returned, and the output describes the security group rules that
    // were not revoked." Only the default VPC exists on both sides here, so this agreement is not AWS's word.
    id: 'ec2.revoke-ingress.missing-rule',
    run: (s) =>
      outcomeOnly(
        s.ec2.send(
          new RevokeSecurityGroupIngressCommand({ GroupId: s.albGroupId, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 81, ToPort: 81, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }] }),
        ),
      ),
  },
  {
    id: 'ec2.revoke-ingress.unknown-rule-id',
    run: (s) => outcomeOnly(s.ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: s.albGroupId, SecurityGroupRuleIds: ['sgr-0123456789abcdef0'] }))),
  },
  {
    id: 'ec2.delete-security-group.unknown-id',
    run: (s) => outcomeOnly(s.ec2.send(new DeleteSecurityGroupCommand({ GroupId: UNKNOWN_GROUP_ID }))),
  },
  {
    id: 'ec2.delete-security-group.unknown-name',
    run: (s) => outcomeOnly(s.ec2.send(new DeleteSecurityGroupCommand({ GroupName: 'diff-no-such-group' }))),
  },
  {
    id: 'ec2.delete-security-group.referenced-by-a-rule',
    run: async (s) => {
      const source = await s.ec2.send(new CreateSecurityGroupCommand({ GroupName: 'diff-referenced', Description: 'source', VpcId: s.vpcId }));
      const user = await s.ec2.send(new CreateSecurityGroupCommand({ GroupName: 'diff-referencing', Description: 'user', VpcId: s.vpcId }));
      await s.ec2.send(
        new AuthorizeSecurityGroupIngressCommand({ GroupId: user.GroupId, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 0, ToPort: 65535, UserIdGroupPairs: [{ GroupId: source.GroupId }] }] }),
      );
      return outcomeOnly(s.ec2.send(new DeleteSecurityGroupCommand({ GroupId: source.GroupId })));
    },
  },
  {
    id: 'ec2.describe-security-group-rules.all-tcp-from-group',
    run: async (s) => {
      const rules = (await s.ec2.send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'group-id', Values: [s.instanceGroupId] }] }))).SecurityGroupRules ?? [];
      const shape = rules
        .map((r) => ({
          IsEgress: r.IsEgress,
          IpProtocol: r.IpProtocol,
          FromPort: r.FromPort,
          ToPort: r.ToPort,
          CidrIpv4: r.CidrIpv4,
          CidrIpv6: r.CidrIpv6,
          ReferencedGroupInfo: r.ReferencedGroupInfo ? { GroupId: r.ReferencedGroupInfo.GroupId === s.albGroupId ? '<alb group>' : r.ReferencedGroupInfo.GroupId } : undefined,
          SecurityGroupRuleId: typeOf(r.SecurityGroupRuleId),
          GroupId: r.GroupId === s.instanceGroupId ? '<instance group>' : r.GroupId,
        }))
        .sort((a, b) => Number(a.IsEgress) - Number(b.IsEgress));
      return { outcome: 'ok', fields: { rules: shape } };
    },
  },
  {
    id: 'ec2.describe-security-groups.ip-permissions',
    run: async (s) => {
      const group = (await s.ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [s.albGroupId, s.instanceGroupId] }))).SecurityGroups ?? [];
      const permissions = (id: string) =>
        (group.find((g) => g.GroupId === id)?.IpPermissions ?? []).map((p) => ({
          IpProtocol: p.IpProtocol,
          FromPort: p.FromPort,
          ToPort: p.ToPort,
          IpRanges: (p.IpRanges ?? []).map((r) => r.CidrIp),
          Ipv6Ranges: (p.Ipv6Ranges ?? []).map((r) => r.CidrIpv6),
          UserIdGroupPairs: (p.UserIdGroupPairs ?? []).map((u) => (u.GroupId === s.albGroupId ? '<alb group>' : u.GroupId)),
        }));
      return { outcome: 'ok', fields: { alb: permissions(s.albGroupId), instances: permissions(s.instanceGroupId) } };
    },
  },

  // --- ELBv2 target groups and load balancers ---
  {
    id: 'elbv2.create-target-group.invalid-name',
    run: (s) => outcomeOnly(s.elb.send(new CreateTargetGroupCommand({ ...targetGroupSettings(s), Name: 'diff_tg' }))),
  },
  {
    id: 'elbv2.create-target-group.same-name-same-settings',
    run: async (s) => {
      const { outcome, value, message } = await attempt(s.elb.send(new CreateTargetGroupCommand(targetGroupSettings(s))));
      return { outcome, message, fields: value ? { sameTargetGroup: value.TargetGroups?.[0]?.TargetGroupArn === s.targetGroupArn } : undefined };
    },
  },
  {
    id: 'elbv2.create-target-group.same-name-other-settings',
    run: (s) => outcomeOnly(s.elb.send(new CreateTargetGroupCommand({ ...targetGroupSettings(s), Port: 8081 }))),
  },
  {
    id: 'elbv2.create-target-group.interval-4',
    run: (s) => outcomeOnly(s.elb.send(new CreateTargetGroupCommand({ ...targetGroupSettings(s), Name: 'diff-tg-interval', HealthCheckIntervalSeconds: 4 }))),
  },
  {
    id: 'elbv2.describe-target-groups.fields',
    run: async (s) => {
      const tg = (await s.elb.send(new DescribeTargetGroupsCommand({ Names: [NAMES.targetGroup] }))).TargetGroups![0]!;
      return {
        outcome: 'ok',
        fields: {
          TargetType: tg.TargetType,
          Protocol: tg.Protocol,
          Port: tg.Port,
          HealthyThresholdCount: tg.HealthyThresholdCount,
          HealthCheckIntervalSeconds: tg.HealthCheckIntervalSeconds,
          HealthCheckPath: tg.HealthCheckPath,
          HealthCheckPort: tg.HealthCheckPort,
          VpcId: tg.VpcId === s.vpcId ? '<default vpc>' : tg.VpcId,
          TargetGroupArn: /^arn:aws:elasticloadbalancing:us-east-1:\d{12}:targetgroup\/diff-tg\/[0-9a-f]{16}$/.test(tg.TargetGroupArn ?? ''),
          LoadBalancerArns: tg.LoadBalancerArns?.map((a) => (a === s.loadBalancerArn ? '<alb>' : a)),
        },
      };
    },
  },
  {
    id: 'elbv2.create-load-balancer.same-name-same-settings',
    run: async (s) => {
      const { outcome, value, message } = await attempt(s.elb.send(new CreateLoadBalancerCommand(loadBalancerSettings(s))));
      return { outcome, message, fields: value ? { sameLoadBalancer: value.LoadBalancers?.[0]?.LoadBalancerArn === s.loadBalancerArn } : undefined };
    },
  },
  {
    id: 'elbv2.create-load-balancer.same-name-other-settings',
    run: (s) => outcomeOnly(s.elb.send(new CreateLoadBalancerCommand({ ...loadBalancerSettings(s), Scheme: 'internal' }))),
  },
  {
    id: 'elbv2.delete-target-group.in-use-by-listener',
    run: (s) => outcomeOnly(s.elb.send(new DeleteTargetGroupCommand({ TargetGroupArn: s.targetGroupArn }))),
  },
  {
    id: 'elbv2.describe-target-groups.unknown-name',
    run: (s) => outcomeOnly(s.elb.send(new DescribeTargetGroupsCommand({ Names: ['diff-no-such-tg'] }))),
  },
  {
    id: 'elbv2.describe-load-balancers.unknown-name',
    run: (s) => outcomeOnly(s.elb.send(new DescribeLoadBalancersCommand({ Names: ['diff-no-such-alb'] }))),
  },
  {
    id: 'elbv2.describe-load-balancers.fields',
    run: async (s) => {
      const lb = await activeLoadBalancer(s);
      return {
        outcome: 'ok',
        fields: {
          Scheme: lb.Scheme,
          Type: lb.Type,
          State: lb.State?.Code,
          IpAddressType: lb.IpAddressType,
          VpcId: lb.VpcId === s.vpcId ? '<default vpc>' : lb.VpcId,
          AvailabilityZones: (lb.AvailabilityZones ?? []).map((z) => ({ ZoneName: z.ZoneName, SubnetId: s.subnetIds.includes(z.SubnetId!) ? '<requested subnet>' : z.SubnetId })).sort((a, b) => a.ZoneName!.localeCompare(b.ZoneName!)),
          SecurityGroups: lb.SecurityGroups?.map((g) => (g === s.albGroupId ? '<alb group>' : g)),
          DNSName: /^diff-alb-[0-9a-z]+\.us-east-1\.elb\.amazonaws\.com$/.test(lb.DNSName ?? '') ? '<name>-<id>.us-east-1.elb.amazonaws.com' : lb.DNSName,
          CreatedTime: lb.CreatedTime instanceof Date,
        },
      };
    },
  },
  {
    id: 'elbv2.describe-listeners.fields',
    run: async (s) => {
      const listeners = (await s.elb.send(new DescribeListenersCommand({ LoadBalancerArn: s.loadBalancerArn }))).Listeners ?? [];
      return {
        outcome: 'ok',
        fields: {
          listeners: listeners.map((l) => ({
            Port: l.Port,
            Protocol: l.Protocol,
            // the suite reads both spellings of a forward, so either one naming the target group counts
            DefaultActions: (l.DefaultActions ?? []).map((a) => ({
              Type: a.Type,
              forwardsTo: [a.TargetGroupArn, ...(a.ForwardConfig?.TargetGroups ?? []).map((t) => t.TargetGroupArn)].includes(s.targetGroupArn) ? '<target group>' : 'other',
            })),
          })),
        },
      };
    },
  },

  // --- ECS ---
  {
    id: 'ecs.describe-clusters.unknown',
    run: async (s) => {
      const r = await s.ecs.send(new DescribeClustersCommand({ clusters: ['diff_no_such_cluster'] }));
      return { outcome: 'ok', fields: { clusters: r.clusters?.length, failures: r.failures?.map((f) => f.reason) } };
    },
  },
  {
    id: 'ecs.describe-task-definition.unknown',
    run: (s) => outcomeOnly(s.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'diff_no_such_family' }))),
  },
  {
    id: 'ecs.describe-task-definition.fields',
    run: async (s) => {
      const td = (await s.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: NAMES.family }))).taskDefinition!;
      return {
        outcome: 'ok',
        fields: {
          family: td.family,
          revision: td.revision,
          networkMode: td.networkMode,
          status: td.status,
          containers: td.containerDefinitions?.map((c) => ({ name: c.name, portMappings: c.portMappings?.map((p) => ({ containerPort: p.containerPort, hostPort: p.hostPort, protocol: p.protocol })) })),
        },
      };
    },
  },
  {
    id: 'ecs.create-service.unknown-cluster',
    run: (s) =>
      outcomeOnly(s.ecs.send(new CreateServiceCommand({ cluster: 'diff_no_such_cluster', serviceName: 'x', taskDefinition: s.taskDefinitionArn, desiredCount: 1, launchType: 'EC2' }))),
  },
  {
    id: 'ecs.create-service.same-name-while-active',
    run: (s) =>
      outcomeOnly(s.ecs.send(new CreateServiceCommand({ cluster: NAMES.cluster, serviceName: NAMES.oldService, taskDefinition: s.taskDefinitionArn, desiredCount: 2, launchType: 'EC2' }))),
  },
  {
    id: 'ecs.delete-service.scaled-above-zero',
    run: async (s) => {
      const { outcome, message } = await attempt(s.ecs.send(new DeleteServiceCommand({ cluster: NAMES.cluster, service: NAMES.oldService })));
      // the suite's fault corpus matches AWS's exact words, so the message is compared here
      return { outcome, fields: { message } };
    },
  },
  {
    id: 'ecs.describe-services.unknown',
    run: async (s) => {
      const r = await s.ecs.send(new DescribeServicesCommand({ cluster: NAMES.cluster, services: ['diff-no-such-service'] }));
      return { outcome: 'ok', fields: { services: r.services?.length, failures: r.failures?.map((f) => f.reason) } };
    },
  },
  {
    id: 'ecs.update-service.unknown',
    run: (s) => outcomeOnly(s.ecs.send(new UpdateServiceCommand({ cluster: NAMES.cluster, service: 'diff-no-such-service', desiredCount: 0 }))),
  },
  {
    id: 'ecs.delete-service.after-scale-to-zero',
    run: async (s) => {
      const scaled = await s.ecs.send(new UpdateServiceCommand({ cluster: NAMES.cluster, service: NAMES.oldService, desiredCount: 0 }));
      const { outcome, value, message } = await attempt(s.ecs.send(new DeleteServiceCommand({ cluster: NAMES.cluster, service: NAMES.oldService })));
      const described = (await s.ecs.send(new DescribeServicesCommand({ cluster: NAMES.cluster, services: [NAMES.oldService] }))).services?.[0];
      return {
        outcome,
        // DRAINING or INACTIVE are both "gone" for the suite; which one depends on tasks left to clean up
        message: `delete → ${value?.service?.status}, describe → ${described?.status}`,
        fields: { desiredCount: scaled.service?.desiredCount, deleted: value?.service?.status !== 'ACTIVE', describedAfter: described?.status !== 'ACTIVE' },
      };
    },
  },
  {
    id: 'ecs.list-services.after-delete',
    run: async (s) => {
      const arns = (await s.ecs.send(new ListServicesCommand({ cluster: NAMES.cluster }))).serviceArns ?? [];
      return { outcome: 'ok', fields: { deletedServiceListed: arns.some((a) => a.endsWith(`/${NAMES.oldService}`)) } };
    },
  },

  // --- ECS capacity providers (moto implements them without validation) and several security groups ---
  {
    id: 'ecs.create-capacity-provider.fields',
    run: async (s) => {
      const { outcome, value, message } = await attempt(
        s.ecs.send(new CreateCapacityProviderCommand({ name: NAMES.capacityProvider, autoScalingGroupProvider: { autoScalingGroupArn: DIFF_ASG_ARN } })),
      );
      const cp = value?.capacityProvider;
      const asg = cp?.autoScalingGroupProvider;
      return {
        outcome,
        message,
        fields: cp && {
          name: cp.name,
          status: cp.status,
          arn: cp.capacityProviderArn?.endsWith(`:capacity-provider/${NAMES.capacityProvider}`),
          autoScalingGroupArn: asg?.autoScalingGroupArn === DIFF_ASG_ARN,
          managedScaling: asg?.managedScaling,
          managedTerminationProtection: asg?.managedTerminationProtection,
        },
      };
    },
  },
  {
    id: 'ecs.create-capacity-provider.duplicate-name',
    run: (s) => outcomeOnly(s.ecs.send(new CreateCapacityProviderCommand({ name: NAMES.capacityProvider, autoScalingGroupProvider: { autoScalingGroupArn: `${DIFF_ASG_ARN}-2` } }))),
  },
  {
    id: 'ecs.create-capacity-provider.reserved-prefix',
    run: (s) => outcomeOnly(s.ecs.send(new CreateCapacityProviderCommand({ name: 'ecs-diff-cp', autoScalingGroupProvider: { autoScalingGroupArn: `${DIFF_ASG_ARN}-3` } }))),
  },
  {
    id: 'ecs.describe-capacity-providers.unknown',
    run: async (s) => {
      const r = await s.ecs.send(new DescribeCapacityProvidersCommand({ capacityProviders: ['diff-no-such-cp'] }));
      return { outcome: 'ok', fields: { capacityProviders: r.capacityProviders?.length, failures: r.failures?.map((f) => f.reason) } };
    },
  },
  {
    id: 'ecs.describe-capacity-providers.fargate',
    run: async (s) => {
      const r = await s.ecs.send(new DescribeCapacityProvidersCommand({ capacityProviders: ['FARGATE'] }));
      return { outcome: 'ok', fields: { names: r.capacityProviders?.map((c) => c.name), failures: r.failures?.map((f) => f.reason) } };
    },
  },
  {
    id: 'ecs.put-cluster-capacity-providers.strategy-outside-the-list',
    run: async (s) => {
      await s.ecs.send(new CreateClusterCommand({ clusterName: NAMES.capacityCluster }));
      return outcomeOnly(
        s.ecs.send(
          new PutClusterCapacityProvidersCommand({
            cluster: NAMES.capacityCluster,
            capacityProviders: [NAMES.capacityProvider],
            defaultCapacityProviderStrategy: [{ capacityProvider: 'FARGATE', weight: 1 }],
          }),
        ),
      );
    },
  },
  {
    id: 'ecs.put-cluster-capacity-providers.describe-clusters',
    run: async (s) => {
      await s.ecs.send(
        new PutClusterCapacityProvidersCommand({
          cluster: NAMES.capacityCluster,
          capacityProviders: [NAMES.capacityProvider],
          defaultCapacityProviderStrategy: [{ capacityProvider: NAMES.capacityProvider, weight: 1 }],
        }),
      );
      const c = (await s.ecs.send(new DescribeClustersCommand({ clusters: [NAMES.capacityCluster] }))).clusters![0]!;
      return {
        outcome: 'ok',
        fields: {
          capacityProviders: c.capacityProviders,
          // AWS fills in base 0; moto echoes the request: the suite reads base ?? 0
          defaultCapacityProviderStrategy: c.defaultCapacityProviderStrategy?.map((i) => ({ capacityProvider: i.capacityProvider, weight: i.weight, base: i.base ?? 0 })),
        },
      };
    },
  },
  {
    id: 'ecs.create-service.launch-type-and-strategy',
    run: (s) =>
      outcomeOnly(
        s.ecs.send(
          new CreateServiceCommand({
            cluster: NAMES.capacityCluster,
            serviceName: 'diff_both',
            taskDefinition: s.taskDefinitionArn,
            desiredCount: 0,
            launchType: 'EC2',
            capacityProviderStrategy: [{ capacityProvider: NAMES.capacityProvider, weight: 1 }],
          }),
        ),
      ),
  },
  {
    id: 'ecs.create-service.on-the-default-strategy',
    run: async (s) => {
      const { outcome, value, message } = await attempt(
        s.ecs.send(new CreateServiceCommand({ cluster: NAMES.capacityCluster, serviceName: 'diff_on_default', taskDefinition: s.taskDefinitionArn, desiredCount: 0 })),
      );
      const svc = value?.service;
      return { outcome, message, fields: svc && { launchType: svc.launchType, strategy: svc.capacityProviderStrategy?.map((i) => i.capacityProvider) } };
    },
  },
  {
    id: 'ecs.delete-capacity-provider.associated-with-a-cluster',
    run: async (s) => {
      const { outcome, value, message } = await attempt(s.ecs.send(new DeleteCapacityProviderCommand({ capacityProvider: NAMES.capacityProvider })));
      return { outcome, message, fields: value && { status: value.capacityProvider?.status, updateStatus: value.capacityProvider?.updateStatus } };
    },
  },
  {
    id: 'ec2.modify-instance-attribute.unknown-instance',
    run: (s) => outcomeOnly(s.ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: 'i-0123456789abcdef0', Groups: [s.albGroupId, s.instanceGroupId] }))),
  },
];

/**
 * Where moto is not AWS. The simulator follows AWS: for these cases it must show `aws`, and
 * moto may show anything.
 */
const DELIBERATE_DIFFERENCES: Record<string, { reason: string; aws: Observation }> = {
  'ec2.revoke-ingress.unknown-rule-id': {
    reason:
      'moto answers InvalidPermission.NotFound for an unknown rule id; EC2 has a code of its own for it, InvalidSecurityGroupRuleId.NotFound ' +
      '(EC2 API error codes, docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html; the code AWS tooling such as Steampipe\'s aws plugin ignores for missing rule ids)',
    aws: { outcome: 'InvalidSecurityGroupRuleId.NotFound' },
  },
  'ec2.delete-security-group.referenced-by-a-rule': {
    reason:
      'moto deletes a group that another group\'s rule still references; AWS refuses: "If you attempt to delete a security group that is associated with an instance or network interface, ' +
      'is referenced by another security group in the same VPC, or has a VPC association, the operation fails with DependencyViolation" (EC2 API Reference, DeleteSecurityGroup)',
    aws: { outcome: 'DependencyViolation' },
  },
  'elbv2.create-target-group.same-name-same-settings': {
    reason:
      'moto rejects a repeated CreateTargetGroup with DuplicateTargetGroupName; AWS: "This operation is idempotent ... If you attempt to create multiple target groups with the same settings, ' +
      'each call succeeds" (ELBv2 API Reference, CreateTargetGroup) — and the suite\'s create-or-reuse provisioning relies on it',
    aws: { outcome: 'ok', fields: { sameTargetGroup: true } },
  },
  'elbv2.create-load-balancer.same-name-same-settings': {
    reason:
      'moto answers a repeated CreateLoadBalancer with a second load balancer of the same name (another ARN); AWS: "This operation is idempotent, which means that it completes ' +
      'at most one time. If you attempt to create multiple load balancers with the same settings, each call succeeds" (ELBv2 API Reference, CreateLoadBalancer) — the same load balancer',
    aws: { outcome: 'ok', fields: { sameLoadBalancer: true } },
  },
  'elbv2.create-load-balancer.same-name-other-settings': {
    reason:
      'moto returns the existing load balancer even when the settings differ (here the scheme); AWS is idempotent only for the same settings and otherwise answers ' +
      'DuplicateLoadBalancerName, "A load balancer with the specified name already exists" (ELBv2 API Reference, CreateLoadBalancer)',
    aws: { outcome: 'DuplicateLoadBalancerName' },
  },
  'ecs.create-service.same-name-while-active': {
    reason:
      'moto replaces an ACTIVE service of the same name; AWS: "If you attempt to create a new service with the same name as an existing service in either ACTIVE or DRAINING status, ' +
      'you receive an error" (ECS API Reference, DeleteService/CreateService) — InvalidParameterException "Creation of service was not idempotent."',
    aws: { outcome: 'InvalidParameterException' },
  },
  'ecs.list-services.after-delete': {
    reason:
      'moto still lists a deleted service; AWS: after DeleteService "the service is no longer visible in the console or in the ListServices API operation" (ECS API Reference, DeleteService)',
    aws: { outcome: 'ok', fields: { deletedServiceListed: false } },
  },
  'ecs.create-capacity-provider.duplicate-name': {
    reason:
      'moto replaces a capacity provider of the same name; AWS answers ClientException "The specified capacity provider already exists. To change the configuration ' +
      'of an existing capacity provider, update the capacity provider." (quoted in hashicorp/terraform-provider-aws#11358 and terraform-aws-modules/terraform-aws-ecs#96)',
    aws: { outcome: 'ClientException' },
  },
  'ecs.create-capacity-provider.reserved-prefix': {
    reason:
      'moto accepts any name; AWS: "The name can\'t be prefixed with "aws", "ecs", or "fargate"" (ECS API Reference, CreateCapacityProvider), answered with ' +
      '"The specified capacity provider name is invalid. …" (aws-samples/aws-cdk-examples#626)',
    aws: { outcome: 'ClientException' },
  },
  'ecs.describe-capacity-providers.fargate': {
    reason:
      'moto knows only the providers created in it; AWS: "Amazon ECS tasks on AWS Fargate use the FARGATE and FARGATE_SPOT capacity providers. These providers are ' +
      'available to all accounts" (ECS API Reference, CreateCapacityProvider), and DescribeCapacityProviders lists them (AWS CLI reference, describe-capacity-providers example)',
    aws: { outcome: 'ok', fields: { names: ['FARGATE'], failures: [] } },
  },
  'ecs.put-cluster-capacity-providers.strategy-outside-the-list': {
    reason:
      'moto stores any strategy; AWS: "A capacity provider must be associated with the cluster to be used in a capacity provider strategy" (ECS API Reference, ' +
      'PutClusterCapacityProviders), answered with InvalidParameterException "The specified capacity provider strategy cannot contain a capacity provider that is not ' +
      'associated with the cluster. …" (as RunTask answers it, dask/dask-cloudprovider#328)',
    aws: { outcome: 'InvalidParameterException' },
  },
  'ecs.create-service.launch-type-and-strategy': {
    reason:
      'moto accepts both; AWS: "If a capacityProviderStrategy is specified, the launchType parameter must be omitted" (ECS API Reference, CreateService), answered with ' +
      'InvalidParameterException "Specifying both a launch type and capacity provider strategy is not supported. Remove one and try again." (terraform-linters/tflint-ruleset-aws#349)',
    aws: { outcome: 'InvalidParameterException' },
  },
  'ecs.create-service.on-the-default-strategy': {
    reason:
      'moto gives a service with neither a launch type nor a strategy launch type EC2; AWS: "If no capacityProviderStrategy or launchType is specified, the ' +
      'defaultCapacityProviderStrategy for the cluster is used" (ECS API Reference, CreateService), and such a service has no launchType',
    aws: { outcome: 'ok', fields: { strategy: ['diff-cp'] } },
  },
  'ecs.delete-capacity-provider.associated-with-a-cluster': {
    reason:
      'moto deletes a provider a cluster still uses; AWS: "Only capacity providers that aren\'t associated with a cluster can be deleted" (ECS API Reference, ' +
      'DeleteCapacityProvider): the call answers with updateStatus DELETE_FAILED and status ACTIVE (hashicorp/terraform-provider-aws#48156, ekristen/aws-nuke#542)',
    aws: { outcome: 'ok', fields: { status: 'ACTIVE', updateStatus: 'DELETE_FAILED' } },
  },
};

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function startMoto(): Promise<{ endpoint: string; child: ChildProcess; log: () => string }> {
  const port = await freePort();
  const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout!.on('data', (d: Buffer) => (log += d));
  child.stderr!.on('data', (d: Buffer) => (log += d));
  const endpoint = `http://127.0.0.1:${port}`;
  const end = Date.now() + 45_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`moto_server exited with ${child.exitCode}:\n${log}`);
    const answered = await fetch(`${endpoint}/moto-api/`).then((r) => r.ok, () => false);
    if (answered) return { endpoint, child, log: () => log };
    if (Date.now() > end) throw new Error(`moto_server did not answer on ${endpoint} within 45 s:\n${log}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function activeLoadBalancer(s: Side): Promise<LoadBalancer> {
  const end = Date.now() + 30_000;
  for (;;) {
    const lb = (await s.elb.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [s.loadBalancerArn] }))).LoadBalancers![0]!;
    if (lb.State?.Code === 'active' || Date.now() > end) return lb;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The same starting point on both sides, made through the API: the module's resources in the default VPC. */
async function prepare(name: Side['name'], endpoint: string): Promise<Side> {
  const cfg = { endpoint, region: 'us-east-1', credentials: CREDENTIALS };
  const ec2 = new EC2Client(cfg);
  const elb = new ElasticLoadBalancingV2Client(cfg);
  const ecs = new ECSClient(cfg);
  const vpcId = (await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'is-default', Values: ['true'] }] }))).Vpcs![0]!.VpcId!;
  const subnets = (await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] }))).Subnets ?? [];
  const byZone = new Map([...subnets].sort((a, b) => a.AvailabilityZone!.localeCompare(b.AvailabilityZone!)).map((s) => [s.AvailabilityZone!, s.SubnetId!]));
  const subnetIds = [...byZone.values()].slice(0, 3);
  if (subnetIds.length < 3) throw new Error(`${name}: the default VPC has subnets in only ${subnetIds.length} AZs`);

  const albGroupId = (await ec2.send(new CreateSecurityGroupCommand({ GroupName: NAMES.albGroup, Description: 'alb', VpcId: vpcId }))).GroupId!;
  await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: albGroupId, IpPermissions: [http80FromAnywhere] }));
  const instanceGroupId = (await ec2.send(new CreateSecurityGroupCommand({ GroupName: NAMES.instanceGroup, Description: 'instances', VpcId: vpcId }))).GroupId!;
  await ec2.send(
    new AuthorizeSecurityGroupIngressCommand({ GroupId: instanceGroupId, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 0, ToPort: 65535, UserIdGroupPairs: [{ GroupId: albGroupId }] }] }),
  );

  const side = { name, ec2, elb, ecs, vpcId, subnetIds, albGroupId, instanceGroupId } as Side;
  side.targetGroupArn = (await elb.send(new CreateTargetGroupCommand(targetGroupSettings(side)))).TargetGroups![0]!.TargetGroupArn!;
  side.loadBalancerArn = (await elb.send(new CreateLoadBalancerCommand(loadBalancerSettings(side)))).LoadBalancers![0]!.LoadBalancerArn!;
  await elb.send(new CreateListenerCommand({ LoadBalancerArn: side.loadBalancerArn, Protocol: 'HTTP', Port: 80, DefaultActions: [{ Type: 'forward', TargetGroupArn: side.targetGroupArn }] }));

  await ecs.send(new CreateClusterCommand({ clusterName: NAMES.cluster }));
  side.taskDefinitionArn = (
    await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: NAMES.family,
        networkMode: 'bridge',
        containerDefinitions: [{ name: 'app', image: 'workshop/app', memory: 256, portMappings: [{ containerPort: 8080, hostPort: 0, protocol: 'tcp' }] }],
      }),
    )
  ).taskDefinition!.taskDefinitionArn!;
  await ecs.send(new CreateServiceCommand({ cluster: NAMES.cluster, serviceName: NAMES.oldService, taskDefinition: side.taskDefinitionArn, desiredCount: 2, launchType: 'EC2' }));
  return side;
}

const show = (o: Observation) => `${o.outcome}${o.fields ? ' ' + JSON.stringify(o.fields) : ''}${o.message ? ` — ${o.message}` : ''}`;

describe.skipIf(!hasMoto)('the simulator and moto_server answer the same control-plane calls alike', () => {
  let sim: RunningSim;
  let moto: Awaited<ReturnType<typeof startMoto>>;
  let sides: { sim: Side; moto: Side };
  const table: { id: string; sim: Observation; moto: Observation; verdict: string }[] = [];

  beforeAll(async () => {
    [sim, moto] = await Promise.all([startSim({ scenario: 'empty', timeScale: 0.02 }), startMoto()]);
    const [simSide, motoSide] = await Promise.all([prepare('sim', sim.endpoint), prepare('moto', moto.endpoint)]);
    sides = { sim: simSide, moto: motoSide };
  }, 90_000);

  afterAll(async () => {
    if (table.length) {
      const width = Math.max(...table.map((r) => r.id.length));
      const lines = table.flatMap((r) => [`${r.verdict.padEnd(10)} ${r.id.padEnd(width)}`, `${''.padEnd(10)}   sim : ${show(r.sim)}`, `${''.padEnd(10)}   moto: ${show(r.moto)}`]);
      console.log(`simulator vs moto_server, ${table.length} cases\n${lines.join('\n')}`);
    }
    await sim?.close();
    if (moto?.child.pid && moto.child.exitCode === null) {
      const exited = new Promise((r) => moto.child.once('exit', r));
      process.kill(-moto.child.pid, 'SIGTERM');
      await exited;
    }
  }, 30_000);

  for (const c of cases) {
    it(c.id, async () => {
      const [simSaw, motoSaw] = await Promise.all([c.run(sides.sim), c.run(sides.moto)]);
      const compared = (o: Observation) => ({ outcome: o.outcome, fields: o.fields });
      const deliberate = DELIBERATE_DIFFERENCES[c.id];
      const agree = isDeepStrictEqual(compared(simSaw), compared(motoSaw));
      table.push({ id: c.id, sim: simSaw, moto: motoSaw, verdict: agree ? 'agree' : deliberate ? 'deliberate' : 'DIFFER' });
      if (deliberate) {
        expect(compared(simSaw), `the simulator must behave as AWS does: ${deliberate.reason}`).toEqual(compared(deliberate.aws));
      } else {
        expect(compared(simSaw), `sim: ${show(simSaw)}\nmoto: ${show(motoSaw)}`).toEqual(compared(motoSaw));
      }
    });
  }
});
