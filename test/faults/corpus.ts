/**
 * The fault corpus: one participant mistake per case, made through the AWS API the way a
 * participant would make it (a simulator switch only where the API cannot express it), and
 * what the suite must say about it in verify mode.
 */
import { AuthorizeSecurityGroupIngressCommand, DescribeInstancesCommand, DescribeSecurityGroupsCommand, RevokeSecurityGroupIngressCommand, DescribeSecurityGroupRulesCommand } from '@aws-sdk/client-ec2';
import { DeleteServiceCommand, DeregisterContainerInstanceCommand, DescribeContainerInstancesCommand, ListContainerInstancesCommand, DescribeTasksCommand, ListTasksCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { DescribeTargetHealthCommand, RegisterTargetsCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { sdkClients, type Built, type Mistakes } from '../support/participant.js';

export interface FaultCase {
  slug: string;
  mistake: string;
  /** What the participant built (null: nothing beyond modules 01–03). */
  build: Mistakes | null;
  /** verify (default): grade what was built; provision: the suite builds, from a baseline the participant changed (prepare). */
  mode?: 'verify' | 'provision';
  /** Provision cases: what the participant did to the baseline before the run, through the API. */
  prepare?: (p: Participant) => Promise<void>;
  /** More API actions after building (a target registered by hand…). */
  after?: (built: Built) => Promise<void>;
  /** Grade this nickname instead (one without a baseline: a typo). */
  gradeNickname?: string;
  /** Point the suite at an endpoint that is not an AWS API. */
  notAwsEndpoint?: boolean;
  /** Sim-only switch applied after building (what the AWS API cannot express). */
  switch?: (built: Built, admin: SimAdmin) => Promise<void>;
  /** Checks that must fail, the first being where the mistake shows. */
  mustFail: string[];
  /** Words the first failing check's message must contain (resource, expected, seen). */
  messageContains: string[];
  /** Checks that may fail as a consequence (traffic cannot work through an internal ALB…). */
  mayFail?: string[];
  /** Checks that must still pass, to show what this mistake looks like from outside. */
  mustPass?: string[];
  /**
   * What differs with the simulator at AWS's hardest (`--realism aws`), and why: checks that may
   * fail there too (and so need not pass).
   */
  realism?: {
    why: string;
    mayFail?: string[];
    /** The first failing check's message under realism must contain these instead. */
    messageContains?: string[];
    /** AWS repairs this mistake by itself (the scheduler replaces the task): the run must pass. */
    heals?: boolean;
  };
}

/** Health replacement (realism.healthReplacement) churns a service whose targets all fail: what may fail with it. */
const CHURN = ['service.tasks', 'lockdown.probe-addresses', 'lockdown.direct-access-blocked'];
const CHURN_WHY =
  'AWS stops a task whose target fails the health checks and starts another (realism.healthReplacement): with every target unhealthy the service churns, so its task count and everything sent to its tasks may fail too; the message then names the service event "is unhealthy in (target-group …)"';

export interface Participant {
  nickname: string;
  clients: ReturnType<typeof sdkClients>;
}

export interface SimAdmin {
  setLoadBalancerState(loadBalancerArn: string, state: 'failed'): Promise<void>;
  setTaskMode(taskArn: string, mode: 'ok' | 'error500' | 'silent'): Promise<void>;
  skipTarget(loadBalancerArn: string, target: string): Promise<void>;
  serviceTasks(built: Built): Promise<{ taskArn: string; instanceId: string; hostPort: number }[]>;
}

const TRAFFIC = ['distribution.reachable', 'distribution.all-ok', 'distribution.attributed', 'distribution.all-tasks', 'distribution.even', 'lockdown.alb-still-answers'];

export const corpus: FaultCase[] = [
  { slug: 'tg-port-80', mistake: 'target group on port 80', build: { targetGroup: { port: 80 } }, mustFail: ['target-group.port'], messageContains: ['-ecs-tg', 'port', '80', '8080'] },
  { slug: 'tg-interval-30', mistake: 'health-check interval 30 s', build: { targetGroup: { interval: 30 } }, mustFail: ['target-group.interval'], messageContains: ['-ecs-tg', 'interval', '30', '6'] },
  { slug: 'tg-threshold-5', mistake: 'healthy threshold 5', build: { targetGroup: { healthyThreshold: 5 } }, mustFail: ['target-group.healthy-threshold'], messageContains: ['-ecs-tg', 'healthy threshold', '5', '3'] },
  { slug: 'alb-no-ipv6', mistake: 'ALB security group without ::/0', build: { albIpv6: false }, mustFail: ['load-balancer.security-group'], messageContains: ['-ecs-alb', '::/0', 'tcp 80 from 0.0.0.0/0'] },
  { slug: 'alb-internal', mistake: 'ALB internal', build: { scheme: 'internal' }, mustFail: ['load-balancer.scheme'], messageContains: ['-ecs-alb', 'scheme', 'internal', 'internet-facing'], mayFail: TRAFFIC },
  { slug: 'listener-8080', mistake: 'listener on 8080', build: { listenerPort: 8080 }, mustFail: ['load-balancer.listener'], messageContains: ['-ecs-alb', '80/HTTP', '8080'], mayFail: TRAFFIC },
  {
    slug: 'two-tasks',
    mistake: 'service with 2 tasks',
    build: { service: { count: 2 } },
    mustFail: ['service.tasks', 'distribution.all-tasks'],
    messageContains: ['-ecs-app-alb', 'desired count', '2', '3'],
    mayFail: ['service.targets-healthy', 'distribution.even'],
  },
  {
    slug: 'no-load-balancer',
    mistake: 'service without load balancer',
    build: { service: { withLoadBalancer: false } },
    mustFail: ['service.load-balancer'],
    messageContains: ['-ecs-app-alb', 'load balancers', '0'],
    mayFail: ['service.targets-healthy', ...TRAFFIC, 'lockdown.probe-addresses', 'lockdown.direct-access-blocked'],
  },
  {
    slug: 'task-500',
    mistake: 'one task answering 500 (switch)',
    build: {},
    switch: async (built, admin) => {
      const [first] = await admin.serviceTasks(built);
      await admin.setTaskMode(first!.taskArn, 'error500');
    },
    realism: { heals: true, why: 'AWS replaces the task that fails the health checks (realism.healthReplacement); the switch breaks one task, not the image, so its replacement is healthy and the deployment heals: the run passes' },
    mustFail: ['service.targets-healthy'],
    messageContains: ['-ecs-tg', 'unhealthy'],
    mayFail: [...TRAFFIC, 'lockdown.probe-addresses', 'lockdown.direct-access-blocked'],
  },
  {
    slug: 'alb-skips-target',
    mistake: 'an ALB that skips one target (switch)',
    build: {},
    switch: async (built, admin) => {
      const [first] = await admin.serviceTasks(built);
      await admin.skipTarget(built.loadBalancerArn, `${first!.instanceId}:${first!.hostPort}`);
    },
    mustFail: ['distribution.all-tasks'],
    messageContains: ['http://', 'never answered'],
    mayFail: ['distribution.even', 'lockdown.alb-still-answers'],
  },
  {
    slug: 'old-not-deleted',
    mistake: 'old service scaled to 0 but not deleted',
    build: { oldService: 'scaled-to-zero' },
    mustFail: ['old-service.deleted'],
    messageContains: ['_app_service', 'ACTIVE'],
  },
  {
    slug: 'old-running',
    mistake: 'old service still running',
    build: { oldService: 'running' },
    mustFail: ['old-service.scaled-to-zero'],
    messageContains: ['_app_service', 'desired count 0', 'ACTIVE, desired 4'],
  },
  {
    slug: 'instances-open',
    mistake: 'instance group still open to 0.0.0.0/0',
    build: { lockdown: 'none' },
    mustFail: ['lockdown.rules-only-from-alb', 'lockdown.direct-access-blocked'],
    messageContains: ['-ecs-instances-sg', '0.0.0.0/0'],
  },
  {
    slug: 'alb-only-port-80',
    mistake: 'instance group admitting the ALB only on port 80',
    build: { lockdown: 'alb-port-80' },
    realism: { why: CHURN_WHY, mayFail: [...TRAFFIC, ...CHURN] },
    mustFail: ['service.targets-healthy', 'lockdown.rules-only-from-alb'],
    messageContains: ['-ecs-tg', 'unhealthy'],
    mayFail: [...TRAFFIC, 'lockdown.probe-addresses', 'lockdown.direct-access-blocked'],
  },
  {
    slug: 'own-group',
    mistake: "instance group admitting its own group instead of the ALB's",
    build: { lockdown: 'own-group' },
    realism: { why: CHURN_WHY, mayFail: [...TRAFFIC, ...CHURN] },
    mustFail: ['service.targets-healthy', 'lockdown.rules-only-from-alb'],
    messageContains: ['-ecs-tg', 'unhealthy'],
    mayFail: [...TRAFFIC, 'lockdown.probe-addresses', 'lockdown.direct-access-blocked'],
  },
  {
    slug: 'static-host-port',
    mistake: 'a task-definition revision with a static host port',
    build: { service: { staticHostPort: true } },
    mustFail: ['preflight.dynamic-port'],
    messageContains: ['_app_service:4', 'host port', '80', '0'],
  },
  {
    slug: 'fail-open',
    mistake: 'all targets unhealthy while the ALB fails open (health path /health answers 404)',
    build: { targetGroup: { healthPath: '/health' } },
    realism: { why: `${CHURN_WHY}; traffic may then fail as well (not only the fail-open view)`, mayFail: [...TRAFFIC, ...CHURN] },
    mustFail: ['service.targets-healthy'],
    messageContains: ['-ecs-tg', 'unhealthy'],
    mayFail: ['lockdown.probe-addresses', 'lockdown.direct-access-blocked'],
    // traffic alone would look fine: the ALB routes to all targets when none is healthy
    mustPass: ['distribution.all-ok', 'distribution.all-tasks', 'distribution.even'],
  },
];


const ALL_AFTER_SERVICE = [
  'service.tasks', 'service.targets-healthy', ...TRAFFIC,
  'lockdown.rules-only-from-alb', 'lockdown.probe-addresses', 'lockdown.direct-access-blocked',
];

async function instanceGroupOf(p: Participant): Promise<string> {
  const r = await p.clients.ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-name', Values: [`${p.nickname}-ecs-instances-sg`] }] }));
  return r.SecurityGroups![0]!.GroupId!;
}

/** Mistakes that each make one more check fail (every check must be shown able to fail). */
export const moreCases: FaultCase[] = [
  {
    slug: 'nothing-built',
    mistake: 'nothing of Module 04 built yet',
    build: null,
    mustFail: ['target-group.found', 'load-balancer.found', 'service.found'],
    messageContains: ['Could not find target group', '-ecs-tg'],
    mayFail: ['old-service.scaled-to-zero'],
  },
  {
    slug: 'not-aws-endpoint',
    mistake: 'an endpoint that is not an AWS API (wrong port)',
    build: null,
    notAwsEndpoint: true,
    mustFail: ['preflight.target-reachable', 'preflight.cluster'],
    messageContains: ['GetCallerIdentity', 'expected'],
    mayFail: ['target-group.found', 'load-balancer.found', 'service.found', 'old-service.scaled-to-zero', 'lockdown.probe-addresses'],
  },
  {
    slug: 'nickname-typo',
    mistake: 'a nickname with no cluster (typo)',
    build: null,
    gradeNickname: 'ghost',
    mustFail: ['preflight.cluster'],
    messageContains: ['Could not find cluster ghost_ecs_cluster'],
    mayFail: ['target-group.found', 'load-balancer.found', 'service.found', 'old-service.scaled-to-zero', 'lockdown.probe-addresses'],
  },
  {
    slug: 'container-port-80',
    mistake: 'a revision whose container listens on port 80, not 8080',
    build: { service: { containerPort: 80 } },
    mustFail: ['preflight.container-name'],
    messageContains: ['_app_service:4', 'container port 8080', 'app 0→80'],
    mayFail: ['service.load-balancer'],
  },
  {
    slug: 'instances-two-azs',
    mistake: "the cluster's instance in the third AZ deregistered (force)",
    build: {},
    after: async (built) => {
      const cluster = built.names.cluster;
      const arns = (await built.ecs.send(new ListContainerInstancesCommand({ cluster }))).containerInstanceArns ?? [];
      const cis = (await built.ecs.send(new DescribeContainerInstancesCommand({ cluster, containerInstances: arns }))).containerInstances ?? [];
      const reservations = (await built.ec2.send(new DescribeInstancesCommand({ InstanceIds: cis.map((c) => c.ec2InstanceId!) }))).Reservations ?? [];
      const inC = reservations.flatMap((r) => r.Instances ?? []).filter((i) => i.Placement?.AvailabilityZone?.endsWith('c'));
      for (const i of inC) {
        const ci = cis.find((c) => c.ec2InstanceId === i.InstanceId)!;
        await built.ecs.send(new DeregisterContainerInstanceCommand({ cluster, containerInstance: ci.containerInstanceArn, force: true }));
      }
    },
    mustFail: ['preflight.availability-zones'],
    messageContains: ['_ecs_cluster', 'availability zones', 'us-east-1a, us-east-1b'],
    mayFail: ['service.tasks', 'service.targets-healthy', ...TRAFFIC, 'lockdown.probe-addresses', 'lockdown.direct-access-blocked'],
  },
  {
    slug: 'network-lb',
    mistake: 'a network load balancer (TCP listener and target group) instead of an application one',
    build: { network: true },
    mustFail: ['target-group.protocol', 'load-balancer.type'],
    messageContains: ['-ecs-tg', 'protocol', 'TCP', 'HTTP'],
    mayFail: ['target-group.healthy-threshold', 'target-group.interval', 'load-balancer.listener', ...TRAFFIC],
  },
  {
    slug: 'old-still-draining',
    mistake: 'old service also put behind the ALB, scaled to 0 and checked while its tasks still drain (30 min delay)',
    build: { oldService: 'scaled-to-zero', oldServiceBehindAlb: { deregistrationDelay: 1800 } },
    mustFail: ['old-service.no-tasks'],
    messageContains: ['_app_service', 'not yet STOPPED', 'DEACTIVATING'],
    mayFail: ['old-service.deleted'],
  },
  {
    slug: 'alb-two-azs',
    mistake: 'ALB in two availability zones only',
    build: { albSubnets: 2 },
    mustFail: ['load-balancer.availability-zones'],
    messageContains: ['-ecs-alb', 'availability zones'],
  },
  {
    slug: 'old-revision',
    mistake: 'service on revision 2 (static host port 80), not the latest',
    build: { service: { revision: 2 } },
    mustFail: ['service.task-definition'],
    messageContains: ['-ecs-app-alb', 'task definition', '_app_service:3'],
  },
  {
    slug: 'tg-type-ip',
    mistake: 'target group of type ip (so the service could only be made without load balancer)',
    build: { targetGroup: { targetType: 'ip' }, service: { withLoadBalancer: false } },
    mustFail: ['target-group.type'],
    messageContains: ['-ecs-tg', 'target type', 'ip', 'instance'],
    mayFail: ['service.load-balancer', ...ALL_AFTER_SERVICE],
  },
  {
    slug: 'tg-https',
    mistake: 'target group speaking HTTPS',
    build: { targetGroup: { protocol: 'HTTPS' } },
    mustFail: ['target-group.protocol'],
    messageContains: ['-ecs-tg', 'protocol', 'HTTPS', 'HTTP'],
    mayFail: ALL_AFTER_SERVICE,
  },
  {
    slug: 'default-vpc',
    mistake: 'target group and ALB in the default VPC, not the workshop VPC',
    build: { vpc: 'default' },
    mustFail: ['target-group.vpc'],
    messageContains: ['-ecs-tg', 'VPC'],
    mayFail: ['load-balancer.availability-zones', 'load-balancer.security-group', ...ALL_AFTER_SERVICE],
  },
  {
    slug: 'foreign-target',
    mistake: "an old-service task registered by hand in the new service's target group",
    build: { oldService: 'running' },
    after: async (built) => {
      const cluster = built.names.cluster;
      const oldService = cluster.replace(/_ecs_cluster$/, '_app_service');
      const arns = (await built.ecs.send(new ListTasksCommand({ cluster, serviceName: oldService }))).taskArns ?? [];
      const [task] = (await built.ecs.send(new DescribeTasksCommand({ cluster, tasks: arns.slice(0, 1) }))).tasks ?? [];
      const ci = await built.ecs.send(new DescribeContainerInstancesCommand({ cluster, containerInstances: [task!.containerInstanceArn!] }));
      const target = { Id: ci.containerInstances![0]!.ec2InstanceId!, Port: task!.containers![0]!.networkBindings![0]!.hostPort };
      await built.elb.send(new RegisterTargetsCommand({ TargetGroupArn: built.targetGroupArn, Targets: [target] }));
      for (let i = 0; i < 200; i++) {
        const h = await built.elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: built.targetGroupArn, Targets: [target] }));
        if (h.TargetHealthDescriptions?.[0]?.TargetHealth?.State === 'healthy') return;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error('the registered old-service task never became healthy');
    },
    mustFail: ['service.targets-healthy', 'distribution.attributed'],
    messageContains: ['-ecs-tg', 'healthy targets'],
    mayFail: ['distribution.all-tasks', 'distribution.even', 'old-service.scaled-to-zero', 'lockdown.alb-still-answers', 'lockdown.probe-addresses'],
  },
  {
    slug: 'alb-failed',
    mistake: 'an ALB that AWS failed to provision (switch)',
    build: {},
    switch: async (built, admin) => admin.setLoadBalancerState(built.loadBalancerArn, 'failed'),
    realism: { why: 'with realism its targets were seen still initial (Elb.RegistrationInProgress): an ALB that failed checks none of them, so their health is no verdict', mayFail: ['service.targets-healthy', 'lockdown.probe-addresses'] },
    mustFail: ['load-balancer.active'],
    messageContains: ['-ecs-alb', 'active', 'failed'],
    mayFail: TRAFFIC,
  },
  {
    slug: 'external-launch-type',
    mistake: 'service on the EXTERNAL launch type',
    build: { service: { launchType: 'EXTERNAL' } },
    mustFail: ['service.launch-type'],
    messageContains: ['-ecs-app-alb', 'launch type', 'EXTERNAL', 'EC2'],
    mayFail: ALL_AFTER_SERVICE,
  },
  {
    slug: 'old-service-gone-before',
    mistake: 'provision run on a baseline whose old service was already deleted',
    mode: 'provision',
    build: null,
    prepare: async (p) => {
      const cluster = `${p.nickname}_ecs_cluster`;
      await p.clients.ecs.send(new UpdateServiceCommand({ cluster, service: `${p.nickname}_app_service`, desiredCount: 0 }));
      await p.clients.ecs.send(new DeleteServiceCommand({ cluster, service: `${p.nickname}_app_service`, force: true }));
    },
    mustFail: ['preflight.old-service'],
    messageContains: ['_app_service', 'status', 'ACTIVE'],
    mayFail: ['old-service.scaled-to-zero'],
  },
  {
    slug: 'instances-prelocked',
    mistake: 'provision run on instances already closed to everyone but themselves',
    mode: 'provision',
    build: null,
    prepare: async (p) => {
      const groupId = await instanceGroupOf(p);
      const rules = (await p.clients.ec2.send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'group-id', Values: [groupId] }] }))).SecurityGroupRules ?? [];
      const ingress = rules.filter((r) => !r.IsEgress).map((r) => r.SecurityGroupRuleId!);
      await p.clients.ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: groupId, SecurityGroupRuleIds: ingress }));
      await p.clients.ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: groupId, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 0, ToPort: 65535, UserIdGroupPairs: [{ GroupId: groupId }] }] }));
    },
    // the ALB cannot reach any task: the drain probe through it sees only errors
    realism: { why: CHURN_WHY, mayFail: [...TRAFFIC, ...CHURN] },
    mustFail: ['service.targets-healthy', 'old-service.no-errors-during-drain', 'lockdown.direct-reachable-before'],
    messageContains: ['-ecs-tg', 'unhealthy'],
    mayFail: [...TRAFFIC, 'lockdown.rules-only-from-alb', 'lockdown.probe-addresses'],
  },
];

/**
 * Checks no case makes fail, each with why (the simulator cannot express the mistake). The
 * corpus test fails when a check is neither shown to fail nor listed here.
 */
export const NOT_SHOWN_TO_FAIL: Record<string, string> = {
};

/** Verify-mode checks that are skipped by design, with the reason they give. */
export const VERIFY_MODE_SKIPS = ['preflight.old-service', 'old-service.no-errors-during-drain', 'lockdown.direct-reachable-before'];
