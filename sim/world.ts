/**
 * The simulated cloud's state: one account, one region. Every service handler reads and
 * writes these maps; the data plane (tasks, ALBs, health checks) reacts to them.
 * Field names follow the AWS APIs where they overlap, so handlers stay thin.
 */
import type { SimClock } from './clock.js';

export type Tags = Map<string, string>;

export interface Vpc {
  vpcId: string;
  cidrBlock: string;
  isDefault: boolean;
  tags: Tags;
}

export interface Subnet {
  subnetId: string;
  vpcId: string;
  cidrBlock: string;
  availabilityZone: string;
  availabilityZoneId: string;
  mapPublicIpOnLaunch: boolean;
  tags: Tags;
}

/** One flat rule, as DescribeSecurityGroupRules shows it. */
export interface SgRule {
  ruleId: string; // sgr-…
  groupId: string;
  isEgress: boolean;
  ipProtocol: string; // 'tcp' | 'udp' | 'icmp' | '-1' | number as string
  fromPort: number; // -1 for all
  toPort: number;
  cidrIpv4?: string;
  cidrIpv6?: string;
  referencedGroupId?: string;
  prefixListId?: string;
  description?: string;
  tags: Tags;
}

export interface SecurityGroup {
  groupId: string;
  groupName: string;
  description: string;
  vpcId: string;
  ownerId: string;
  rules: SgRule[]; // ingress and egress, in creation order
  tags: Tags;
}

export interface Instance {
  instanceId: string;
  instanceType: string;
  subnetId: string;
  vpcId: string;
  availabilityZone: string;
  privateIpAddress: string; // in the VPC's range (not routable here)
  /** The loopback address the instance's tasks bind to; shown as its public IP. */
  publicIpAddress: string;
  securityGroupIds: string[];
  state: 'pending' | 'running' | 'stopping' | 'stopped' | 'terminated';
  launchTime: Date;
  tags: Tags;
}

export interface TargetGroup {
  arn: string;
  name: string;
  protocol: string; // HTTP
  port: number;
  vpcId: string;
  targetType: 'instance' | 'ip' | 'lambda' | 'alb';
  protocolVersion: string;
  ipAddressType: string;
  healthCheck: {
    protocol: string;
    port: string; // 'traffic-port' or a number
    path: string;
    enabled: boolean;
    intervalSeconds: number;
    timeoutSeconds: number;
    healthyThresholdCount: number;
    unhealthyThresholdCount: number;
    matcher: string; // HttpCode, e.g. '200'
  };
  attributes: Map<string, string>;
  /** key `${id}:${port}` */
  targets: Map<string, Target>;
  tags: Tags;
  createdAt: Date;
}

export type TargetState = 'initial' | 'healthy' | 'unhealthy' | 'unused' | 'draining' | 'unavailable';

export interface Target {
  id: string; // instance id (instance target type) or ip
  port: number;
  availabilityZone?: string;
  state: TargetState;
  reason?: string;
  description?: string;
  consecutiveOk: number;
  consecutiveFail: number;
  /** set while draining: the timer that removes it */
  drainTimer?: NodeJS.Timeout;
}

export interface LoadBalancer {
  arn: string;
  name: string;
  dnsName: string;
  canonicalHostedZoneId: string;
  scheme: 'internet-facing' | 'internal';
  type: 'application' | 'network' | 'gateway';
  vpcId: string;
  subnetIds: string[];
  securityGroupIds: string[];
  ipAddressType: string;
  state: 'provisioning' | 'active' | 'active_impaired' | 'failed';
  createdAt: Date;
  attributes: Map<string, string>;
  /** Loopback address the ALB's connections to targets (traffic and health checks) come from. */
  sourceAddress: string;
  tags: Tags;
}

export interface ListenerAction {
  Type: string; // forward | fixed-response | redirect
  TargetGroupArn?: string;
  Order?: number;
  ForwardConfig?: { TargetGroups?: { TargetGroupArn: string; Weight?: number }[] };
  FixedResponseConfig?: { StatusCode: string; ContentType?: string; MessageBody?: string };
  RedirectConfig?: { StatusCode: string; Protocol?: string; Port?: string; Host?: string; Path?: string; Query?: string };
}

export interface Listener {
  arn: string;
  loadBalancerArn: string;
  port: number;
  protocol: string;
  defaultActions: ListenerAction[];
  tags: Tags;
}

export interface Cluster {
  arn: string;
  name: string;
  status: 'ACTIVE' | 'INACTIVE';
  tags: Tags;
  /** Names of the capacity providers associated with the cluster (PutClusterCapacityProviders). */
  capacityProviders?: string[];
  defaultCapacityProviderStrategy?: CapacityProviderStrategyItem[];
}

/** One entry of a capacity provider strategy, with ECS's defaults (weight 0, base 0) filled in. */
export interface CapacityProviderStrategyItem {
  capacityProvider: string;
  weight: number;
  base: number;
}

/** An Auto Scaling group capacity provider (FARGATE and FARGATE_SPOT are built in, not stored). */
export interface CapacityProvider {
  arn: string;
  name: string;
  status: 'ACTIVE' | 'INACTIVE';
  autoScalingGroupProvider: {
    autoScalingGroupArn: string;
    managedScaling: {
      status: 'ENABLED' | 'DISABLED';
      targetCapacity: number;
      minimumScalingStepSize: number;
      maximumScalingStepSize: number;
      instanceWarmupPeriod: number;
    };
    managedTerminationProtection: 'ENABLED' | 'DISABLED';
    managedDraining: 'ENABLED' | 'DISABLED';
  };
  updateStatus?: 'DELETE_IN_PROGRESS' | 'DELETE_COMPLETE' | 'DELETE_FAILED' | 'UPDATE_IN_PROGRESS' | 'UPDATE_COMPLETE' | 'UPDATE_FAILED';
  updateStatusReason?: string;
  tags: Tags;
}

export interface PortMapping {
  containerPort: number;
  hostPort: number; // 0 = dynamic
  protocol: string;
}

export interface ContainerDefinition {
  name: string;
  image: string;
  memory?: number;
  memoryReservation?: number;
  cpu?: number;
  essential?: boolean;
  portMappings: PortMapping[];
  environment?: { name: string; value: string }[];
}

export interface TaskDefinition {
  arn: string;
  family: string;
  revision: number;
  status: 'ACTIVE' | 'INACTIVE';
  networkMode: string; // bridge | host | awsvpc
  containerDefinitions: ContainerDefinition[];
  requiresCompatibilities: string[];
  cpu?: string;
  memory?: string;
  registeredAt: Date;
  tags: Tags;
}

export interface ContainerInstance {
  arn: string;
  clusterArn: string;
  ec2InstanceId: string;
  status: 'ACTIVE' | 'DRAINING' | 'INACTIVE';
  agentConnected: boolean;
  registeredMemory: number;
  registeredCpu: number;
  registeredAt: Date;
}

export interface ServiceLoadBalancer {
  targetGroupArn: string;
  containerName: string;
  containerPort: number;
  loadBalancerName?: string;
}

export interface Deployment {
  id: string;
  status: 'PRIMARY' | 'ACTIVE' | 'INACTIVE';
  taskDefinition: string;
  desiredCount: number;
  createdAt: Date;
  updatedAt: Date;
  rolloutState: 'IN_PROGRESS' | 'COMPLETED' | 'FAILED';
  rolloutStateReason?: string;
}

export interface ServiceEvent {
  id: string;
  createdAt: Date;
  message: string;
}

export interface Service {
  arn: string;
  name: string;
  clusterArn: string;
  status: 'ACTIVE' | 'DRAINING' | 'INACTIVE';
  taskDefinition: string; // arn
  desiredCount: number;
  /** Absent when the service was placed by a capacity provider strategy (DescribeServices omits it then). */
  launchType?: string;
  capacityProviderStrategy?: CapacityProviderStrategyItem[];
  loadBalancers: ServiceLoadBalancer[];
  healthCheckGracePeriodSeconds?: number;
  deployments: Deployment[];
  events: ServiceEvent[];
  createdAt: Date;
  schedulingStrategy: string;
  roleArn?: string;
  tags: Tags;
}

export interface Container {
  containerArn: string;
  name: string;
  image: string;
  /** Full 64-hex Docker id; its first 12 characters are the hostname the app answers with. */
  runtimeId: string;
  lastStatus: string;
  networkBindings: { bindIP: string; containerPort: number; hostPort: number; protocol: string }[];
  exitCode?: number;
}

export interface Task {
  arn: string;
  clusterArn: string;
  taskDefinitionArn: string;
  containerInstanceArn: string;
  ec2InstanceId: string;
  /** 'service:<name>' for service tasks, as ECS sets it */
  group: string;
  startedBy?: string;
  launchType: string;
  /** The capacity provider that placed the task (strategy-placed services only). */
  capacityProviderName?: string;
  availabilityZone: string;
  lastStatus: 'PROVISIONING' | 'PENDING' | 'ACTIVATING' | 'RUNNING' | 'DEACTIVATING' | 'STOPPING' | 'DEPROVISIONING' | 'STOPPED';
  desiredStatus: 'RUNNING' | 'STOPPED';
  containers: Container[];
  createdAt: Date;
  startedAt?: Date;
  stoppingAt?: Date;
  stoppedAt?: Date;
  stoppedReason?: string;
  stopCode?: string;
  memory: number;
  cpu: number;
  tags: Tags;
}

/** A requester-managed interface, as a load balancer has one per subnet. */
export interface NetworkInterface {
  networkInterfaceId: string;
  subnetId: string;
  vpcId: string;
  availabilityZone: string;
  privateIpAddress: string;
  /** `ELB app/<name>/<id>`, as AWS describes a load balancer's interfaces */
  description: string;
  /** the load balancer that owns it; its groups are the interface's groups while it exists */
  loadBalancerArn: string;
  /** the groups it keeps once the load balancer is gone (realism.eniLinger) */
  lingeringGroupIds?: string[];
  status: 'in-use' | 'available';
  attachedAt: Date;
}

/** Sim-only faults for what the AWS API cannot express (the suite's own tests). */
export interface Faults {
  /** task arn → how its app misbehaves */
  taskMode: Map<string, 'ok' | 'error500' | 'silent'>;
  /** load balancer arn → set of `${instanceId}:${port}` the ALB never forwards to */
  albSkips: Map<string, Set<string>>;
  /** task arn → the answer its app gives instead of the workshop's (a hostile participant's app) */
  taskAnswer: Map<string, TaskAnswer>;
}

export interface TaskAnswer {
  status: number;
  /** Repeated up to bodyBytes (default: once). */
  body: string;
  bodyBytes?: number;
  /** Sent at this rate when given: a trickle. */
  bytesPerSecond?: number;
  headers?: Record<string, string>;
}

export interface ApiCall {
  service: string;
  action: string;
  at: number;
  ms: number;
  error?: string;
}

export const DEFAULT_ACCOUNT_ID = '123456789012';

export class World {
  readonly vpcs = new Map<string, Vpc>();
  readonly subnets = new Map<string, Subnet>();
  readonly securityGroups = new Map<string, SecurityGroup>();
  readonly instances = new Map<string, Instance>();
  readonly targetGroups = new Map<string, TargetGroup>();
  readonly loadBalancers = new Map<string, LoadBalancer>();
  readonly listeners = new Map<string, Listener>();
  readonly clusters = new Map<string, Cluster>();
  /** name → Auto Scaling group capacity provider */
  readonly capacityProviders = new Map<string, CapacityProvider>();
  readonly taskDefinitions = new Map<string, TaskDefinition>();
  readonly containerInstances = new Map<string, ContainerInstance>();
  readonly services = new Map<string, Service>();
  readonly tasks = new Map<string, Task>();
  readonly networkInterfaces = new Map<string, NetworkInterface>();
  readonly faults: Faults = { taskMode: new Map(), albSkips: new Map(), taskAnswer: new Map() };
  readonly calls: ApiCall[] = [];

  constructor(
    readonly region: string,
    readonly clock: SimClock,
    readonly accountId: string = DEFAULT_ACCOUNT_ID,
  ) {}

  arn(service: string, resource: string): string {
    return `arn:aws:${service}:${this.region}:${this.accountId}:${resource}`;
  }
}
