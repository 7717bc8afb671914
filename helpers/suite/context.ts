/**
 * The run's context, the one object specs talk to: configuration, target profile, clients,
 * and each step's resource, provisioned (provision mode) or found (verify mode) once and
 * remembered for the later steps.
 */
import { ELBv2, STS } from '../cloud/sdk.js';
import type { Instance, SecurityGroup, SecurityGroupRule } from '@aws-sdk/client-ec2';
import type { Cluster, ContainerInstance, Service, Task, TaskDefinition } from '@aws-sdk/client-ecs';
import type { Listener, LoadBalancer, TargetGroup, TargetHealthDescription } from '@aws-sdk/client-elastic-load-balancing-v2';
import { inject } from 'vitest';
import { createClients, type ApiCall, type Clients } from '../cloud/clients.js';
import * as find from '../cloud/discovery.js';
import type { Found } from '../cloud/discovery.js';
import { notYetConsistent, throttled } from '../cloud/errors.js';
import * as provision from '../cloud/provision.js';
import type { Config } from '../core/config.js';
import { waitFor, type Poll, type WaitRecord } from '../core/waits.js';
import { profileFor, type TargetProfile } from '../targets/index.js';
import type { TaskEndpoint } from '../traffic/distribution.js';
import { RUN_CONFIG } from './provided.js';

const { DescribeLoadBalancersCommand, DescribeTargetGroupsCommand } = ELBv2;
const { GetCallerIdentityCommand } = STS;

export type { TaskEndpoint } from '../traffic/distribution.js';

export interface Baseline {
  cluster: Cluster;
  containerInstances: ContainerInstance[];
  instances: Instance[];
  availabilityZones: string[];
  vpcId: string;
  /** One subnet per AZ the instances use (where the ALB goes). */
  subnetIds: string[];
  instanceGroup: SecurityGroup;
  taskDefinition: TaskDefinition;
  /** The container the load balancer routes to: the one mapping container port 8080 (name '' when none does). */
  container: { name: string; containerPort: number; hostPort: number };
  /** Every port mapping of the latest revision, to say what was seen when 8080 is missing. */
  portMappings: { name: string; containerPort: number; hostPort: number }[];
}

export interface AlbFacts {
  loadBalancer: LoadBalancer;
  via: string;
  listeners: Listener[];
}

const memo = <T>(fn: () => Promise<T>): (() => Promise<T>) => {
  let p: Promise<T> | undefined;
  return () => (p ??= fn().catch((err) => {
    p = undefined;
    throw err;
  }));
};

export class E2e {
  readonly clients: Clients;
  readonly provisioning: boolean;
  /** API calls and waits not yet handed to a check's meta (the report reads them from there). */
  readonly calls: ApiCall[] = [];
  readonly waits: WaitRecord[] = [];

  constructor(
    readonly config: Config,
    readonly profile: TargetProfile,
  ) {
    this.clients = createClients(profile, config.mode, this.calls, (r) => this.waits.push(r));
    this.provisioning = config.mode === 'provision';
  }

  /**
   * Waits for a condition. In verify mode nothing is being changed by this run, so a state
   * that is not reached soon will not be reached: the wait is short (settleMs). Throttling
   * is "poll again later", never a verdict.
   */
  wait<T>(what: string, poll: Poll<T>) {
    const { pollMs, waitTimeoutMs, settleMs } = this.profile.timing;
    return waitFor(what, poll, {
      pollMs,
      timeoutMs: this.provisioning ? waitTimeoutMs : Math.min(settleMs, waitTimeoutMs),
      // in provision mode a poll may follow this run's own write (a load balancer just created)
      transient: this.provisioning ? notYetConsistent : throttled,
      onRecord: (r) => this.waits.push(r),
    });
  }

  /**
   * Provision mode: reads a group's rules until they show what this run authorized (rules just
   * authorized may not show yet: "Eventual consistency in the Amazon EC2 API"), at most settleMs;
   * then the rules as they are, for the check to judge. Verify mode: one read.
   */
  private async rulesShowing(groupId: string, shows: (rules: SecurityGroupRule[]) => boolean): Promise<SecurityGroupRule[]> {
    const read = () => find.securityGroupRules(this.clients, groupId);
    if (!this.provisioning) return read();
    let last: SecurityGroupRule[] = [];
    await this.wait(`the rules of ${groupId} to show what this run authorized`, async () => {
      last = await read();
      return { done: shows(last), state: `${last.filter((r) => !r.IsEgress).length} inbound rules` };
    }).catch(() => undefined);
    return last;
  }

  async callerIdentity() {
    return this.clients.sts.send(new GetCallerIdentityCommand({}));
  }

  readonly baseline = memo(async (): Promise<Baseline> => {
    const { names } = this.config;
    const cluster = await find.findCluster(this.clients, names.cluster);
    const containerInstances = (await find.containerInstancesOf(this.clients, names.cluster)).filter((ci) => ci.status === 'ACTIVE');
    const instances = this.profile.capabilities.noContainerInstances
      ? await find.instancesTaggedFor(this.clients, names.cluster)
      : await find.instancesById(this.clients, containerInstances.map((ci) => ci.ec2InstanceId!));
    const availabilityZones = [...new Set(instances.map((i) => i.Placement?.AvailabilityZone).filter((z): z is string => !!z))].sort();
    const subnetByAz = new Map<string, string>();
    for (const i of instances) if (i.Placement?.AvailabilityZone && !subnetByAz.has(i.Placement.AvailabilityZone)) subnetByAz.set(i.Placement.AvailabilityZone, i.SubnetId!);
    const vpcId = instances[0]?.VpcId;
    if (!vpcId) {
      const what = this.profile.capabilities.noContainerInstances ? `no running EC2 instance tagged 'ECS Instance - ${names.cluster}'` : 'no running container instance';
      throw new find.NotFound(`Could not find the VPC of cluster ${names.cluster}: it has ${what}`);
    }
    const common = instances
      .map((i) => (i.SecurityGroups ?? []).map((g) => g.GroupId!))
      .reduce((a, b) => a.filter((x) => b.includes(x)));
    if (common.length === 0) throw new find.NotFound(`Could not find a security group shared by the instances of ${names.cluster}`);
    const [instanceGroup] = await find.securityGroupsById(this.clients, [common[0]!]);
    const taskDefinition = await find.latestTaskDefinition(this.clients, names.family);
    const mappings = (taskDefinition.containerDefinitions ?? []).flatMap((c) =>
      (c.portMappings ?? []).map((m) => ({ name: c.name!, containerPort: m.containerPort!, hostPort: m.hostPort ?? 0 })),
    );
    const mapping = mappings.find((m) => m.containerPort === 8080);
    return {
      cluster,
      containerInstances,
      instances,
      availabilityZones,
      vpcId,
      subnetIds: [...subnetByAz.values()],
      instanceGroup: instanceGroup!,
      taskDefinition,
      container: mapping ?? { name: '', containerPort: 8080, hostPort: -1 },
      portMappings: mappings,
    };
  });

  /** The new service, found (verify) — in provision mode it is created in step 03. */
  readonly newService = memo(async (): Promise<Found<Service>> => {
    const { names } = this.config;
    if (this.provisioning) {
      const [b, tg] = await Promise.all([this.baseline(), this.targetGroup()]);
      await this.alb(); // the service needs the listener in place to route
      await provision.ensureService(this.clients, {
        cluster: names.cluster,
        name: names.service,
        taskDefinition: b.taskDefinition,
        containerName: b.container.name,
        targetGroupArn: tg.value.TargetGroupArn!,
        runId: this.config.runId,
      });
    }
    const lookup = () => find.findNewService(this.clients, names.cluster, names.service, names.oldService);
    return this.provisioning ? this.afterWrite(`service ${names.service} to be readable after CreateService`, lookup) : lookup();
  });

  /**
   * A read that follows this run's own write: on AWS it may not see the write yet (DescribeServices
   * MISSING right after CreateService, InvalidGroup.NotFound, TargetGroupNotFound — "eventual
   * consistency", EC2 API reference and ECS API reference). Retried on those answers only, named
   * and bounded (settleMs).
   */
  afterWrite<T>(what: string, read: () => Promise<T>): Promise<T> {
    const { pollMs, settleMs } = this.profile.timing;
    return waitFor(what, async () => ({ done: true, state: 'read', value: await read() }), {
      pollMs,
      timeoutMs: settleMs,
      transient: notYetConsistent,
      onRecord: (r) => this.waits.push(r),
      progress: () => {},
    }).then((r) => r.value as T);
  }

  readonly targetGroup = memo(async (): Promise<Found<TargetGroup>> => {
    const { names } = this.config;
    if (this.provisioning) {
      const b = await this.baseline();
      const tg = await provision.ensureTargetGroup(this.clients, { name: names.targetGroup, vpcId: b.vpcId, runId: this.config.runId });
      return { value: tg, via: `name ${names.targetGroup}` };
    }
    let linked: string[] = [];
    try {
      linked = ((await this.newService()).value.loadBalancers ?? []).map((l) => l.targetGroupArn!).filter(Boolean);
    } catch {
      // no service yet: the name alone must find it
    }
    return find.findTargetGroup(this.clients, names.targetGroup, linked);
  });

  readonly alb = memo(async (): Promise<AlbFacts> => {
    const { names } = this.config;
    let found: Found<LoadBalancer>;
    if (this.provisioning) {
      const [b, tg] = await Promise.all([this.baseline(), this.targetGroup()]);
      const sg = await provision.ensureAlbSecurityGroup(this.clients, { name: names.albSecurityGroup, vpcId: b.vpcId, runId: this.config.runId });
      const lb = await provision.ensureLoadBalancer(this.clients, { name: names.loadBalancer, subnetIds: b.subnetIds, securityGroupId: sg, runId: this.config.runId });
      await provision.ensureListener(this.clients, { loadBalancerArn: lb.LoadBalancerArn!, targetGroupArn: tg.value.TargetGroupArn!, runId: this.config.runId });
      found = { value: lb, via: `name ${names.loadBalancer}` };
    } else {
      const tg = await this.targetGroup();
      found = await find.findLoadBalancer(this.clients, names.loadBalancer, tg.value.LoadBalancerArns ?? []);
    }
    const listeners = await find.listenersOf(this.clients, found.value.LoadBalancerArn!);
    return { loadBalancer: found.value, via: found.via, listeners };
  });

  /** Module 04 step 4 (provision mode): the instances admit only the ALB's group. Once per run. */
  readonly lockDown = memo(async (): Promise<void> => {
    if (!this.provisioning) return;
    const [b, { loadBalancer }] = await Promise.all([this.baseline(), this.alb()]);
    await provision.lockDownInstances(this.clients, { instanceGroupId: b.instanceGroup.GroupId!, albGroupId: loadBalancer.SecurityGroups![0]! });
  });

  /** The old service once found (by name or by links): later reads follow this ARN, not a name. */
  private oldServiceArn?: string;
  private oldServiceVia?: string;

  /**
   * The old service as it is now: by name, else by links (the cluster's service running the
   * module's family without a load balancer, not the new one). `service` undefined: none exists
   * any more — deleted, perhaps purged. "Not found under that name" never hides one that runs.
   */
  async oldService(): Promise<{ service?: Service; name: string; via: string }> {
    const { cluster, oldService: name, family, service: newService } = this.config.names;
    if (this.oldServiceArn) {
      const service = await find.serviceByName(this.clients, cluster, this.oldServiceArn);
      return { service, name: service?.serviceName ?? this.oldServiceArn.split('/').pop()!, via: this.oldServiceVia! };
    }
    const found = await find.findOldService(this.clients, { cluster, name, family, newService });
    if (!found) return { name, via: `neither name ${name} nor a service of ${cluster} running ${family} without a load balancer` };
    this.oldServiceArn = found.value.serviceArn;
    this.oldServiceVia = found.via;
    return { service: found.value, name: found.value.serviceName!, via: found.via };
  }

  /** Module 04 step 3 (provision mode): the old service scaled to 0. */
  async scaleOldServiceToZero(): Promise<void> {
    if (!this.provisioning) return;
    const { service } = await this.oldService();
    if (service?.status === 'ACTIVE') await provision.scaleService(this.clients, this.config.names.cluster, service.serviceArn!, 0);
  }

  /** Module 04 step 3 (provision mode): the old service deleted, once it is scaled to 0. */
  async deleteOldService(): Promise<void> {
    if (!this.provisioning) return;
    const { service } = await this.oldService();
    if (service?.status === 'ACTIVE') await provision.deleteService(this.clients, this.config.names.cluster, service.serviceArn!);
  }

  /** The old service's tasks that still run (also when the service was purged: found by family and group). */
  async oldServiceTasksStillRunning(): Promise<Task[]> {
    const { name } = await this.oldService();
    return this.tasksStillRunning(name, this.config.names.family);
  }

  /**
   * How a service places its tasks: the EC2 launch type, or a capacity-provider strategy (today's
   * console default for EC2 clusters: "If no capacityProviderStrategy or launchType is specified,
   * the defaultCapacityProviderStrategy for the cluster is used", ECS CreateService API). A
   * strategy places on EC2 container instances when every provider in it is an Auto Scaling group
   * provider; FARGATE and FARGATE_SPOT are not.
   */
  async placementOf(svc: Service): Promise<{ onEc2: boolean; how: string }> {
    if (svc.launchType) return { onEc2: svc.launchType === 'EC2', how: `launch type ${svc.launchType}` };
    const strategy = svc.capacityProviderStrategy ?? [];
    if (strategy.length === 0) return { onEc2: false, how: 'neither a launch type nor a capacity-provider strategy' };
    const providers = await find.capacityProviders(this.clients, strategy.map((s) => s.capacityProvider!));
    const described = strategy.map((s) => {
      const p = providers.find((x) => x.name === s.capacityProvider || x.capacityProviderArn === s.capacityProvider);
      const asg = p?.autoScalingGroupProvider?.autoScalingGroupArn;
      return { name: s.capacityProvider!, ec2: !!asg, what: asg ? `Auto Scaling group ${asg.split('/').pop()}` : p ? 'Fargate' : 'not found' };
    });
    return {
      onEc2: described.every((d) => d.ec2),
      how: `capacity provider${described.length > 1 ? 's' : ''} ${described.map((d) => `${d.name} (${d.what})`).join(', ')}`,
    };
  }

  /** Re-reads the ALB (its state changes while provisioning). */
  async loadBalancerNow(): Promise<LoadBalancer> {
    const { loadBalancer } = await this.alb();
    const r = await this.clients.elb.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [loadBalancer.LoadBalancerArn!] }));
    return r.LoadBalancers![0]!;
  }

  async targetGroupNow(): Promise<TargetGroup> {
    const tg = await this.targetGroup();
    const r = await this.clients.elb.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [tg.value.TargetGroupArn!] }));
    return r.TargetGroups![0]!;
  }

  async targetHealth(): Promise<TargetHealthDescription[]> {
    return find.targetHealth(this.clients, (await this.targetGroup()).value.TargetGroupArn!);
  }

  async serviceNow(name: string): Promise<Service | undefined> {
    return find.serviceByName(this.clients, this.config.names.cluster, name);
  }

  async tasksOf(serviceName: string): Promise<Task[]> {
    return find.tasksOf(this.clients, this.config.names.cluster, serviceName);
  }

  /**
   * Tasks of a service that still run: desired RUNNING, and those told to stop that have not
   * stopped yet (a task behind a load balancer drains for the deregistration delay first).
   */
  async tasksStillRunning(serviceName: string, family?: string): Promise<Task[]> {
    const cluster = this.config.names.cluster;
    const [running, stopping] = await Promise.all([
      find.tasksOf(this.clients, cluster, serviceName, 'RUNNING', family),
      find.tasksOf(this.clients, cluster, serviceName, 'STOPPED', family),
    ]);
    return [...running, ...stopping.filter((t) => t.lastStatus !== 'STOPPED')];
  }

  /** Where each RUNNING task of a service can be reached directly: instance public IP : host port. */
  async taskEndpoints(serviceName: string): Promise<TaskEndpoint[]> {
    const b = await this.baseline();
    const tasks = await this.tasksOf(serviceName);
    const byCi = new Map(b.containerInstances.map((ci) => [ci.containerInstanceArn!, ci.ec2InstanceId!]));
    const missing = tasks.map((t) => t.containerInstanceArn).filter((a) => a && !byCi.has(a));
    if (missing.length && !this.profile.capabilities.noContainerInstances) {
      for (const ci of await find.containerInstancesOf(this.clients, this.config.names.cluster)) byCi.set(ci.containerInstanceArn!, ci.ec2InstanceId!);
    }
    const instances = new Map(b.instances.map((i) => [i.InstanceId!, i]));
    return tasks.map((t) => {
      const container = t.containers?.find((c) => c.name === b.container.name) ?? t.containers?.[0];
      // the 8080 binding; else the only one there is (a revision mapping another container port)
      const bindings = container?.networkBindings ?? [];
      const binding = bindings.find((n) => n.containerPort === b.container.containerPort) ?? (bindings.length === 1 ? bindings[0] : undefined);
      const instanceId = t.containerInstanceArn ? (byCi.get(t.containerInstanceArn) ?? '') : '';
      return {
        taskArn: t.taskArn!,
        taskId: t.taskArn!.split('/').pop()!,
        runtimeId: container?.runtimeId ?? '',
        instanceId,
        publicIp: this.profile.taskHost(instances.get(instanceId)?.PublicIpAddress ?? ''),
        hostPort: binding?.hostPort ?? 0,
        lastStatus: t.lastStatus ?? '',
      };
    });
  }

  /** The instances' security group rules as they are now. */
  async instanceGroupRules() {
    const b = await this.baseline();
    return find.securityGroupRules(this.clients, b.instanceGroup.GroupId!);
  }

  /**
   * Every container instance with all of its security groups and their rules as they are now:
   * an instance admits what any of its groups admits (rules are a union), so each is judged whole.
   */
  async instancesWithGroups(): Promise<{ instanceId: string; groups: { id: string; name: string }[]; rules: SecurityGroupRule[] }[]> {
    const b = await this.baseline();
    const instances = await find.instancesById(this.clients, b.instances.map((i) => i.InstanceId!));
    const ids = [...new Set(instances.flatMap((i) => (i.SecurityGroups ?? []).map((g) => g.GroupId!)))];
    // provision mode: the lockdown this run made (All TCP from the ALB's first group) must show first
    const lockdownSource = this.provisioning ? (await this.alb()).loadBalancer.SecurityGroups?.[0] : undefined;
    const rulesOf = new Map(
      await Promise.all(
        ids.map(async (id) => {
          const rules =
            lockdownSource && id === b.instanceGroup.GroupId
              ? await this.rulesShowing(id, (rs) => rs.some((r) => !r.IsEgress && r.ReferencedGroupInfo?.GroupId === lockdownSource))
              : await find.securityGroupRules(this.clients, id);
          return [id, rules] as const;
        }),
      ),
    );
    return instances.map((i) => {
      const groups = (i.SecurityGroups ?? []).map((g) => ({ id: g.GroupId!, name: g.GroupName ?? '' }));
      return { instanceId: i.InstanceId!, groups, rules: groups.flatMap((g) => rulesOf.get(g.id) ?? []) };
    });
  }

  async albGroupRules(groupId: string) {
    return this.rulesShowing(groupId, (rules) => rules.some((r) => !r.IsEgress));
  }

  albAddress(lb: LoadBalancer, port = 80) {
    return this.profile.albAddress(lb.DNSName!, port, lb.LoadBalancerArn);
  }
}

let current: E2e | undefined;
let currentKey: string | undefined;

/**
 * The run's context, built once per run from the configuration the main process provided. A
 * worker may outlive a run (grading keeps it for the next participant: helpers/run/persistent-threads.ts)
 * and its modules stay loaded: a configuration other than the current context's (compared by
 * value: each request to the worker brings its own copy; no two runs share a run id) means
 * another run — a new context, the old one's clients closed.
 */
export function e2e(): E2e {
  const config = inject(RUN_CONFIG);
  if (!config) throw new Error('no run configuration was provided to the worker: run the specs with `ecs-alb-e2e run` or vitest.e2e.config.ts');
  if (current?.config !== config) {
    const key = JSON.stringify(config);
    if (currentKey !== key) {
      current?.clients.destroy();
      current = new E2e(config, profileFor(config));
      currentKey = key;
    }
  }
  return current!;
}
