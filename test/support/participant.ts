/**
 * A workshop participant doing Module 04 by hand through the AWS API — right, or with one
 * mistake. The fault corpus, the read-only proof and the grading test grade what this builds.
 * Deliberately independent of helpers/provision.ts: a second, plain way of building the
 * same end state, so the suite is not only ever graded on its own provisioning.
 */
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  DescribeInstancesCommand,
  DescribeSecurityGroupsCommand,
  ModifyInstanceAttributeCommand,
  DescribeSecurityGroupRulesCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  EC2Client,
  RevokeSecurityGroupIngressCommand,
} from '@aws-sdk/client-ec2';
import {
  CreateServiceCommand,
  DeleteServiceCommand,
  DescribeContainerInstancesCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  ListContainerInstancesCommand,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  DescribeLoadBalancersCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  ModifyTargetGroupAttributesCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { notYetConsistent } from '../../helpers/cloud/errors.js';
import { workshopNames, type Names } from '../../helpers/core/config.js';

export interface Mistakes {
  /** Names of the participant's own choice (grading must find them by links). */
  names?: Partial<Names>;
  targetGroup?: { port?: number; interval?: number; healthyThreshold?: number; healthPath?: string; targetType?: 'instance' | 'ip'; protocol?: 'HTTP' | 'HTTPS' };
  /** 'default': the target group and the ALB in the account's default VPC, not the workshop's. */
  vpc?: 'workshop' | 'default';
  /** How many of the instances' subnets (one per AZ) the ALB gets. */
  albSubnets?: number;
  /** false: the ALB group admits TCP 80 from 0.0.0.0/0 only. */
  albIpv6?: boolean;
  scheme?: 'internet-facing' | 'internal';
  /** A network load balancer (TCP listener and target group) instead of an application one. */
  network?: boolean;
  listenerPort?: number;
  service?: { count?: number; withLoadBalancer?: boolean; staticHostPort?: boolean; revision?: number; containerPort?: number; launchType?: 'EC2' | 'EXTERNAL' | 'default-strategy' };
  oldService?: 'deleted' | 'scaled-to-zero' | 'running';
  /** The old service put behind the target group too (UpdateService), with this deregistration delay (s). */
  oldServiceBehindAlb?: { deregistrationDelay: number };
  lockdown?: 'alb-group' | 'none' | 'alb-port-80' | 'own-group';
  /** The console's way: the VPC's default group left on the ALB, listed before its own. */
  albDefaultGroupFirst?: boolean;
  /**
   * After the lockdown, one more group added to every instance (ModifyInstanceAttribute): 'closed'
   * admits nothing, 'open' admits All TCP from 0.0.0.0/0 (the lockdown done on one group only).
   */
  extraInstanceGroup?: 'closed' | 'open';
  /** A participant half-way through: stop after this step of the module (the rest not done). */
  stopAfter?: 'target-group' | 'load-balancer' | 'service' | 'old-service';
}

export interface Built {
  names: Names;
  targetGroupArn: string;
  loadBalancerArn: string;
  dnsName: string;
  albGroupId: string;
  instanceGroupId: string;
  ecs: ECSClient;
  elb: ElasticLoadBalancingV2Client;
  ec2: EC2Client;
}

/**
 * A participant's clients. Adaptive retry with 10 attempts: a person in the console or the CLI
 * tries again when AWS says "Rate exceeded" — participants who share one account (the grading
 * test, the simulator at AWS's hardest) must not fail where a person would not.
 */
export function sdkClients(endpoint: string) {
  const cfg = { endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, retryMode: 'adaptive', maxAttempts: 10 };
  return { ecs: new ECSClient(cfg), elb: new ElasticLoadBalancingV2Client(cfg), ec2: new EC2Client(cfg) };
}

/**
 * Polls until fn answers. A read that has not caught up with the participant's own write yet
 * (LoadBalancerNotFound right after CreateLoadBalancer …) or a throttled one is "not yet", as a
 * person refreshing the console would take it.
 */
async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch((err: unknown) => {
      if (notYetConsistent(err)) return undefined;
      throw err;
    });
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`participant: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function buildModule04(endpoint: string, nickname: string, m: Mistakes = {}): Promise<Built> {
  const { ecs, elb, ec2 } = sdkClients(endpoint);
  const defaults = workshopNames(nickname);
  const names: Names = { ...defaults, ...m.names };
  const cluster = defaults.cluster;

  // What the participant looks up in the console: the instances, their VPC, subnets and group.
  const ciArns = (await ecs.send(new ListContainerInstancesCommand({ cluster }))).containerInstanceArns ?? [];
  // on LocalStack no container instance registers: the participant finds the instances by their Name tag
  const cis = ciArns.length ? ((await ecs.send(new DescribeContainerInstancesCommand({ cluster, containerInstances: ciArns }))).containerInstances ?? []) : [];
  const byInstance = cis.length
    ? { InstanceIds: cis.map((c) => c.ec2InstanceId!) }
    : { Filters: [{ Name: 'tag:Name', Values: [`ECS Instance - ${cluster}`] }, { Name: 'instance-state-name', Values: ['running'] }] };
  const reservations = (await ec2.send(new DescribeInstancesCommand(byInstance))).Reservations ?? [];
  const instances = reservations.flatMap((r) => r.Instances ?? []);
  let vpcId = instances[0]!.VpcId!;
  let subnets = [...new Map(instances.map((i) => [i.Placement!.AvailabilityZone!, i.SubnetId!])).values()];
  if (m.vpc === 'default') {
    const vpc = (await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'is-default', Values: ['true'] }] }))).Vpcs![0]!;
    vpcId = vpc.VpcId!;
    const all = (await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] }))).Subnets ?? [];
    subnets = [...new Map(all.map((x) => [x.AvailabilityZone!, x.SubnetId!])).values()];
  }
  if (m.albSubnets) subnets = subnets.slice(0, m.albSubnets);
  const instanceGroupId = instances[0]!.SecurityGroups![0]!.GroupId!;

  const tg = await elb.send(
    new CreateTargetGroupCommand({
      Name: names.targetGroup,
      TargetType: m.targetGroup?.targetType ?? 'instance',
      Protocol: m.network ? 'TCP' : (m.targetGroup?.protocol ?? 'HTTP'),
      Port: m.targetGroup?.port ?? 8080,
      VpcId: vpcId,
      // a TCP target group keeps its own health-check defaults (its 10 s timeout forbids a 6 s interval)
      ...(m.network ? {} : { HealthyThresholdCount: m.targetGroup?.healthyThreshold ?? 3, HealthCheckIntervalSeconds: m.targetGroup?.interval ?? 6 }),
      ...(m.targetGroup?.healthPath ? { HealthCheckPath: m.targetGroup.healthPath } : {}),
    }),
  );
  const targetGroupArn = tg.TargetGroups![0]!.TargetGroupArn!;
  const partial = { names, targetGroupArn, loadBalancerArn: '', dnsName: '', albGroupId: '', instanceGroupId, ecs, elb, ec2 };
  if (m.stopAfter === 'target-group') return partial;

  const sg = await ec2.send(new CreateSecurityGroupCommand({ GroupName: names.albSecurityGroup, Description: 'alb', VpcId: vpcId }));
  const albGroupId = sg.GroupId!;
  await ec2.send(
    new AuthorizeSecurityGroupIngressCommand({
      GroupId: albGroupId,
      IpPermissions: [
        {
          IpProtocol: 'tcp',
          FromPort: 80,
          ToPort: 80,
          IpRanges: [{ CidrIp: '0.0.0.0/0' }],
          ...(m.albIpv6 === false ? {} : { Ipv6Ranges: [{ CidrIpv6: '::/0' }] }),
        },
        // a listener on another port must be reachable too, or that mistake would hide behind this one
        ...(m.listenerPort && m.listenerPort !== 80 ? [{ IpProtocol: 'tcp', FromPort: m.listenerPort, ToPort: m.listenerPort, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }] : []),
      ],
    }),
  );
  const lb = await elb.send(
    new CreateLoadBalancerCommand({ Name: names.loadBalancer, Subnets: subnets, SecurityGroups: m.albDefaultGroupFirst ? [await defaultGroupOf(ec2, vpcId), albGroupId] : [albGroupId], Scheme: m.scheme ?? 'internet-facing', Type: m.network ? 'network' : 'application' }),
  );
  const loadBalancerArn = lb.LoadBalancers![0]!.LoadBalancerArn!;
  await elb.send(
    new CreateListenerCommand({ LoadBalancerArn: loadBalancerArn, Protocol: m.network ? 'TCP' : 'HTTP', Port: m.listenerPort ?? 80, DefaultActions: [{ Type: 'forward', TargetGroupArn: targetGroupArn }] }),
  );
  await until('the ALB to be active', async () => {
    const r = await elb.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [loadBalancerArn] }));
    return r.LoadBalancers![0]!.State?.Code === 'active' ? true : undefined;
  });
  const withAlb = { ...partial, loadBalancerArn, dnsName: lb.LoadBalancers![0]!.DNSName!, albGroupId };
  if (m.stopAfter === 'load-balancer') return withAlb;

  const revision = m.service?.revision ? `${defaults.family}:${m.service.revision}` : defaults.family;
  let taskDefinition = (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: revision }))).taskDefinition!;
  const containerPort = m.service?.containerPort ?? 8080;
  if (m.service?.staticHostPort || containerPort !== 8080) {
    const reg = await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: defaults.family,
        networkMode: taskDefinition.networkMode,
        containerDefinitions: taskDefinition.containerDefinitions!.map((c) => ({
          ...c,
          portMappings: (c.portMappings ?? []).map((p) => ({ ...p, containerPort, hostPort: m.service?.staticHostPort ? 80 : p.hostPort })),
        })),
      }),
    );
    taskDefinition = reg.taskDefinition!;
  }
  const container = taskDefinition.containerDefinitions!.find((c) => c.portMappings?.some((p) => p.containerPort === containerPort))!;
  const count = m.service?.count ?? 3;
  await ecs.send(
    new CreateServiceCommand({
      cluster,
      serviceName: names.service,
      taskDefinition: taskDefinition.taskDefinitionArn,
      desiredCount: count,
      // 'default-strategy': neither a launch type nor a strategy, so the cluster's default capacity-provider strategy places it
      ...(m.service?.launchType === 'default-strategy' ? {} : { launchType: m.service?.launchType ?? 'EC2' }),
      ...(m.service?.withLoadBalancer === false ? {} : { loadBalancers: [{ targetGroupArn, containerName: container.name, containerPort }] }),
    }),
  );
  const placeable = ['EC2', 'default-strategy'].includes(m.service?.launchType ?? 'EC2');
  if (placeable) await until(`service ${names.service} to run ${count} tasks`, async () => {
    // right after CreateService, DescribeServices may answer the failure MISSING (eventual consistency)
    const s = (await ecs.send(new DescribeServicesCommand({ cluster, services: [names.service] }))).services?.[0];
    return s && s.runningCount === count && s.pendingCount === 0 ? true : undefined;
  });
  if (placeable && m.service?.withLoadBalancer !== false && !m.targetGroup?.healthPath && m.vpc !== 'default' && m.targetGroup?.protocol !== 'HTTPS') {
    await until('the targets to be healthy', async () => {
      const h = (await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn }))).TargetHealthDescriptions ?? [];
      return h.filter((x) => x.TargetHealth?.State === 'healthy').length === count ? true : undefined;
    });
  }

  if (m.stopAfter === 'service') return withAlb;
  const oldService = m.oldService ?? 'deleted';
  if (m.oldServiceBehindAlb) {
    await elb.send(
      new ModifyTargetGroupAttributesCommand({
        TargetGroupArn: targetGroupArn,
        Attributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: String(m.oldServiceBehindAlb.deregistrationDelay) }],
      }),
    );
    await ecs.send(new UpdateServiceCommand({ cluster, service: defaults.oldService, loadBalancers: [{ targetGroupArn, containerName: container.name, containerPort }] }));
    await until("the old service's tasks to be healthy targets too", async () => {
      const h = (await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn }))).TargetHealthDescriptions ?? [];
      return h.filter((x) => x.TargetHealth?.State === 'healthy').length === count + 4 ? true : undefined;
    });
  }
  if (oldService !== 'running') {
    await ecs.send(new UpdateServiceCommand({ cluster, service: defaults.oldService, desiredCount: 0 }));
    if (!m.oldServiceBehindAlb) await until('the old service to run no task', async () => {
      const t = await ecs.send(new ListTasksCommand({ cluster, serviceName: defaults.oldService, desiredStatus: 'RUNNING' }));
      return (t.taskArns ?? []).length === 0 ? true : undefined;
    });
    if (oldService === 'deleted') await ecs.send(new DeleteServiceCommand({ cluster, service: defaults.oldService }));
  }

  if (m.stopAfter === 'old-service') return withAlb;
  const lockdown = m.lockdown ?? 'alb-group';
  if (lockdown !== 'none') {
    const rules = (await ec2.send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'group-id', Values: [instanceGroupId] }] }))).SecurityGroupRules ?? [];
    const ingress = rules.filter((r) => !r.IsEgress).map((r) => r.SecurityGroupRuleId!);
    if (ingress.length) await ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: instanceGroupId, SecurityGroupRuleIds: ingress }));
    const source = lockdown === 'own-group' ? instanceGroupId : albGroupId;
    const [from, to] = lockdown === 'alb-port-80' ? [80, 80] : [0, 65535];
    await ec2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: instanceGroupId,
        IpPermissions: [{ IpProtocol: 'tcp', FromPort: from, ToPort: to, UserIdGroupPairs: [{ GroupId: source }] }],
      }),
    );
  }
  if (m.extraInstanceGroup) {
    const extra = await ec2.send(new CreateSecurityGroupCommand({ GroupName: `${nickname}-extra-sg`, Description: 'a second group on the instances', VpcId: vpcId }));
    if (m.extraInstanceGroup === 'open') {
      await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: extra.GroupId!, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 0, ToPort: 65535, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }] }));
    }
    for (const i of instances) {
      const groups = [...(i.SecurityGroups ?? []).map((g) => g.GroupId!), extra.GroupId!];
      await ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: i.InstanceId!, Groups: groups }));
    }
  }
  return { names, targetGroupArn, loadBalancerArn, dnsName: lb.LoadBalancers![0]!.DNSName!, albGroupId, instanceGroupId, ecs, elb, ec2 };
}

async function defaultGroupOf(ec2: EC2Client, vpcId: string): Promise<string> {
  const r = await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }, { Name: 'group-name', Values: ['default'] }] }));
  const id = r.SecurityGroups?.[0]?.GroupId;
  if (!id) throw new Error(`participant: VPC ${vpcId} has no default security group`);
  return id;
}
