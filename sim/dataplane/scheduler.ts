/**
 * The ECS service scheduler: keeps each service at its desired count, walks tasks through
 * PROVISIONING → PENDING → RUNNING (starting real task servers) and back down through
 * DEACTIVATING → STOPPING → STOPPED, and registers/deregisters targets on the way.
 */
import { randomUUID } from 'node:crypto';
import type { Scheduler, SimContext } from '../context.js';
import { hex } from '../ids.js';
import { pendingMs, provisioningMs } from '../realism/jitter.js';
import { schedulePurge, scheduleStoppedTaskExpiry } from '../realism/lifecycle.js';
import type { Deployment, Service, Target, TargetGroup, Task, TaskDefinition } from '../world.js';
import {
  addServiceEvent,
  clusterNameOf,
  countTasks,
  hostPortOf,
  serviceGroup,
  shortId,
  taskCpu,
  taskMemory,
  tasksOfService,
  wantedTasks,
} from './ecs-state.js';
import { nextProvider, strategyOf } from './capacity-placement.js';
import { placeTask } from './placement.js';
import { deregisterTarget, registerTarget } from './targets.js';
import { TaskServer } from './task-server.js';
import { DOCKER_BIND_IP, DOCKER_HOST_ADDRESS, isLocalstack } from '../personas/localstack.js';
import { dockerHostPlacement, dockerHostTarget, localstackTaskId } from '../personas/localstack-ecs.js';

/** Simulated cloud time (scaled by the clock); PROVISIONING/PENDING times are in realism/jitter.ts. */
const STOPPING_MS = 2_000;
/**
 * realism.deregistrationDelay: after the drain ECS sends SIGTERM and waits the container's stop
 * timeout, 30 s unless set ("stopTimeout … If this parameter isn't specified, the default value
 * of 30 seconds is used", task definition parameters,
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_definition_parameters.html),
 * before SIGKILL. The workshop's app runs `node` as PID 1, which installs no SIGTERM handler
 * ("Node.js was not designed to run as PID 1 … will not respond to SIGINT and similar signals",
 * https://github.com/nodejs/docker-node/blob/main/docs/BestPractices.md#handling-kernel-signals),
 * so it takes the whole timeout and exits 137.
 */
const STOP_TIMEOUT_MS = 30_000;
const SIGKILL_EXIT_CODE = 137;
export const HEALTH_CHECK_STOP_REASON = (tg: TargetGroup) => `Task failed ELB health checks in (target-group ${tg.arn})`;
const PLACEMENT_RETRY_MS = 30_000;

interface Registration {
  tg: TargetGroup;
  instanceId: string;
  port: number;
}

interface TaskRuntime {
  servers: TaskServer[];
  timers: Set<NodeJS.Timeout>;
  registrations: Registration[];
  /** simulated ms (ctx.clock.now()) when the task reached RUNNING */
  runningSince?: number;
  /** realism.deregistrationDelay: the container ignored SIGTERM and was killed */
  killed?: boolean;
}

export const scalingReason = (deployment: Deployment | undefined): string =>
  `Scaling activity initiated by (deployment ${deployment?.id ?? 'unknown'})`;

export class EcsScheduler implements Scheduler {
  private readonly runtimes = new Map<string, TaskRuntime>();
  private readonly retries = new Map<Service, NodeJS.Timeout>();
  private readonly announcedSteady = new WeakSet<Service>();
  private closed = false;

  constructor(private readonly ctx: SimContext) {}

  reconcile(service: Service): void {
    if (this.closed || service.status === 'INACTIVE') return;
    const primary = service.deployments.find((d) => d.status === 'PRIMARY');
    const desired = service.status === 'ACTIVE' ? service.desiredCount : 0;
    if (primary && primary.desiredCount !== desired) {
      primary.desiredCount = desired;
      primary.updatedAt = new Date();
    }
    const wanted = wantedTasks(this.ctx.world, service);
    const current = wanted.filter((t) => primary !== undefined && t.startedBy === primary.id);
    const older = wanted.filter((t) => !current.includes(t));

    if (current.length > desired) {
      const newestFirst = [...current].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
      this.stopForScaling(service, primary, newestFirst.slice(0, current.length - desired));
    } else if (primary && current.length < desired) {
      this.launch(service, primary, desired - current.length);
    }

    // Rolling update with minimumHealthyPercent 100: an old task goes once a new one runs.
    const currentRunning = current.filter((t) => t.lastStatus === 'RUNNING').length;
    const keepOld = Math.max(0, desired - currentRunning);
    if (older.length > keepOld) {
      const notRunningFirst = [...older].sort((a, b) => Number(a.lastStatus === 'RUNNING') - Number(b.lastStatus === 'RUNNING'));
      this.stopForScaling(service, primary, notRunningFirst.slice(0, older.length - keepOld));
    }
    this.retireFinishedDeployments(service);
    this.noteProgress(service);
  }

  stopTask(task: Task, reason: string): void {
    if (this.closed || task.desiredStatus === 'STOPPED' || task.lastStatus === 'STOPPED') return;
    task.desiredStatus = 'STOPPED';
    task.stoppedReason = reason;
    task.stopCode = reason.startsWith('Scaling activity') || reason.startsWith('Task failed ELB') ? 'ServiceSchedulerInitiated' : 'UserInitiated';
    task.stoppingAt = new Date();
    const rt = this.runtime(task);
    for (const t of rt.timers) this.ctx.clock.cancel(t);
    rt.timers.clear();
    if (task.lastStatus !== 'RUNNING') {
      this.after(task, STOPPING_MS / 2, () => void this.finishStop(task), 'task-stop');
    } else if (rt.registrations.length > 0) {
      void this.drainThenStop(task, rt);
    } else {
      task.lastStatus = 'STOPPING';
      void this.closeServers(rt);
      this.after(task, STOPPING_MS, () => void this.finishStop(task), 'task-stop');
    }
  }

  /** Stops every server and timer at once (no draining). */
  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.retries.values()) this.ctx.clock.cancel(t);
    this.retries.clear();
    const closing: Promise<void>[] = [];
    for (const rt of this.runtimes.values()) {
      for (const t of rt.timers) this.ctx.clock.cancel(t);
      closing.push(this.closeServers(rt));
    }
    this.runtimes.clear();
    await Promise.all(closing);
  }

  private launch(service: Service, deployment: Deployment, count: number): void {
    const td = this.ctx.world.taskDefinitions.get(deployment.taskDefinition);
    if (!td) return;
    const started: Task[] = [];
    for (let i = 0; i < count; i++) {
      const placement = this.place(service, td);
      if (!placement.ok) {
        if (service.events[0]?.message !== placement.reason) addServiceEvent(service, placement.reason);
        this.retryLater(service);
        break;
      }
      started.push(this.createTask(service, deployment, td, placement.containerInstanceArn, placement));
    }
    if (started.length > 0) {
      const list = started.map((t) => `(task ${shortId(t.arn)})`).join(' ');
      addServiceEvent(service, `(service ${service.name}) has started ${started.length} tasks: ${list}.`);
    }
  }

  /** AWS: an EC2 container instance with room. LocalStack persona: the Docker host, always. */
  private place(service: Service, td: TaskDefinition) {
    if (isLocalstack(this.ctx)) return dockerHostPlacement(this.ctx.world);
    const placement = placeTask(this.ctx.world, service, td);
    if (!placement.ok) return placement;
    const { containerInstance, instance } = placement;
    return { ok: true as const, containerInstanceArn: containerInstance.arn, instanceId: instance.instanceId, availabilityZone: instance.availabilityZone };
  }

  private createTask(
    service: Service,
    deployment: Deployment,
    td: TaskDefinition,
    containerInstanceArn: string,
    instance: { instanceId: string; availabilityZone: string },
  ): Task {
    const world = this.ctx.world;
    const clusterName = clusterNameOf(service.clusterArn);
    const taskId = isLocalstack(this.ctx) ? localstackTaskId() : hex(32);
    const task: Task = {
      arn: world.arn('ecs', `task/${clusterName}/${taskId}`),
      clusterArn: service.clusterArn,
      taskDefinitionArn: td.arn,
      containerInstanceArn,
      ec2InstanceId: instance.instanceId,
      group: serviceGroup(service),
      startedBy: deployment.id,
      // Tasks placed by an Auto Scaling group capacity provider run on EC2 container instances and say so.
      launchType: 'EC2',
      capacityProviderName: this.providerForNextTask(service),
      availabilityZone: instance.availabilityZone,
      lastStatus: 'PROVISIONING',
      desiredStatus: 'RUNNING',
      containers: td.containerDefinitions.map((cd) => ({
        containerArn: world.arn('ecs', `container/${clusterName}/${taskId}/${randomUUID()}`),
        name: cd.name,
        image: cd.image,
        runtimeId: hex(64),
        lastStatus: 'PENDING',
        networkBindings: [],
      })),
      createdAt: new Date(),
      memory: taskMemory(td),
      cpu: taskCpu(td),
      tags: new Map(),
    };
    world.tasks.set(task.arn, task);
    this.after(
      task,
      provisioningMs(this.ctx),
      () => {
        task.lastStatus = 'PENDING';
        this.after(task, pendingMs(this.ctx), () => void this.run(task), 'task-start');
      },
      'task-start',
    );
    return task;
  }

  private providerForNextTask(service: Service): string | undefined {
    const strategy = strategyOf(service);
    return strategy ? nextProvider(strategy, wantedTasks(this.ctx.world, service)) : undefined;
  }

  private async run(task: Task): Promise<void> {
    const world = this.ctx.world;
    const td = world.taskDefinitions.get(task.taskDefinitionArn);
    const onDockerHost = isLocalstack(this.ctx);
    const instance = world.instances.get(task.ec2InstanceId);
    const rt = this.runtime(task);
    if (!td || (!instance && !onDockerHost)) return this.failStart(task, rt, new Error('container instance is gone'));
    try {
      for (const [i, cd] of td.containerDefinitions.entries()) {
        const container = task.containers[i]!;
        for (const pm of cd.portMappings) {
          const server = await TaskServer.start(this.ctx, {
            taskArn: task.arn,
            ec2InstanceId: task.ec2InstanceId,
            address: instance?.publicIpAddress ?? DOCKER_HOST_ADDRESS,
            hostPort: hostPortOf(td, pm.hostPort, pm.containerPort),
            // The app prints HOSTNAME, which Docker sets to the container id's first 12 hex.
            hostname: container.runtimeId.slice(0, 12),
            enforceSecurityGroups: !onDockerHost,
          });
          rt.servers.push(server);
          container.networkBindings.push({
            bindIP: onDockerHost ? DOCKER_BIND_IP : '0.0.0.0',
            containerPort: pm.containerPort,
            hostPort: server.port,
            protocol: pm.protocol ?? 'tcp',
          });
        }
      }
    } catch (err) {
      return this.failStart(task, rt, err);
    }
    if (this.closed || task.desiredStatus !== 'RUNNING') {
      await this.closeServers(rt);
      return;
    }
    const now = new Date();
    task.lastStatus = 'RUNNING';
    task.startedAt = now;
    rt.runningSince = this.ctx.clock.now();
    for (const c of task.containers) c.lastStatus = 'RUNNING';
    const service = this.serviceOf(task);
    if (service) {
      this.registerTargets(service, task, rt);
      this.reconcile(service);
    }
  }

  private registerTargets(service: Service, task: Task, rt: TaskRuntime): void {
    for (const lb of service.loadBalancers) {
      const tg = this.ctx.world.targetGroups.get(lb.targetGroupArn);
      const binding = task.containers
        .find((c) => c.name === lb.containerName)
        ?.networkBindings.find((b) => b.containerPort === lb.containerPort);
      if (!tg || !binding) continue;
      const target = isLocalstack(this.ctx)
        ? dockerHostTarget(binding.hostPort)
        : { id: task.ec2InstanceId, port: binding.hostPort, availabilityZone: undefined };
      registerTarget(this.ctx, tg, target.id, target.port, target.availabilityZone);
      rt.registrations.push({ tg, instanceId: target.id, port: target.port });
      addServiceEvent(service, `(service ${service.name}) registered 1 targets in (target-group ${tg.arn})`);
    }
  }

  /** ECS waits for the deregistration delay to finish before it stops the container. */
  private async drainThenStop(task: Task, rt: TaskRuntime): Promise<void> {
    task.lastStatus = 'DEACTIVATING';
    const service = this.serviceOf(task);
    if (service) {
      addServiceEvent(service, `(service ${service.name}) has begun draining connections on 1 tasks.`);
      for (const r of rt.registrations) {
        addServiceEvent(service, `(service ${service.name}) deregistered 1 targets in (target-group ${r.tg.arn})`);
      }
    }
    const registrations = rt.registrations.splice(0);
    await Promise.all(registrations.map((r) => deregisterTarget(this.ctx, r.tg, r.instanceId, r.port)));
    if (this.closed) return;
    task.lastStatus = 'STOPPING';
    if (this.ctx.realism.deregistrationDelay) {
      // SIGTERM is ignored: the app keeps its sockets until SIGKILL at the end of the stop timeout.
      rt.killed = true;
      this.after(task, STOP_TIMEOUT_MS, () => void this.finishStop(task), 'task-stop');
      return;
    }
    await this.closeServers(rt);
    this.after(task, STOPPING_MS, () => void this.finishStop(task), 'task-stop');
  }

  /**
   * realism.healthReplacement: the health checker reports a service task's target unhealthy.
   * Once the service's health-check grace period has passed since the task started, ECS stops it
   * and the scheduler starts a replacement ("If a task fails the load balancer health checks,
   * the task is stopped and restarted", health-check grace period in "Use load balancing to
   * distribute Amazon ECS service traffic",
   * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-load-balancing.html; stop
   * reason as listed in "Amazon ECS stopped task error messages",
   * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/stopped-task-error-codes.html).
   */
  targetUnhealthy(tg: TargetGroup, target: Target): void {
    if (this.closed || !this.ctx.realism.healthReplacement) return;
    for (const [arn, rt] of this.runtimes) {
      if (!rt.registrations.some((r) => r.tg === tg && r.instanceId === target.id && r.port === target.port)) continue;
      const task = this.ctx.world.tasks.get(arn);
      const service = task && this.serviceOf(task);
      if (!task || !service || task.desiredStatus !== 'RUNNING' || rt.runningSince === undefined) return;
      const graceMs = (service.healthCheckGracePeriodSeconds ?? 0) * 1000;
      if (this.ctx.clock.now() - rt.runningSince < graceMs) return;
      addServiceEvent(
        service,
        `(service ${service.name}) (port ${target.port}) is unhealthy in (target-group ${tg.arn}) due to (reason ${target.description ?? 'Health checks failed'}).`,
      );
      this.stopTask(task, HEALTH_CHECK_STOP_REASON(tg));
      addServiceEvent(service, `(service ${service.name}) has stopped 1 running tasks: (task ${shortId(task.arn)}).`);
      this.reconcile(service);
      return;
    }
  }

  private async finishStop(task: Task): Promise<void> {
    const rt = this.runtimes.get(task.arn);
    if (rt) {
      for (const t of rt.timers) this.ctx.clock.cancel(t);
      await this.closeServers(rt);
      this.runtimes.delete(task.arn);
    }
    const now = new Date();
    for (const c of task.containers) {
      if (c.lastStatus === 'RUNNING') c.exitCode = rt?.killed ? SIGKILL_EXIT_CODE : 0;
      c.lastStatus = 'STOPPED';
    }
    task.lastStatus = 'STOPPED';
    task.stoppedAt = now;
    scheduleStoppedTaskExpiry(this.ctx, task);
    const service = this.serviceOf(task);
    if (service) this.reconcile(service);
  }

  private async failStart(task: Task, rt: TaskRuntime, err: unknown): Promise<void> {
    await this.closeServers(rt);
    this.runtimes.delete(task.arn);
    const detail = err instanceof Error ? err.message : String(err);
    task.desiredStatus = 'STOPPED';
    task.lastStatus = 'STOPPED';
    task.stopCode = 'TaskFailedToStart';
    task.stoppedReason = `CannotStartContainerError: Error response from daemon: driver failed programming external connectivity: ${detail}`;
    task.stoppingAt = task.stoppedAt = new Date();
    for (const c of task.containers) c.lastStatus = 'STOPPED';
    scheduleStoppedTaskExpiry(this.ctx, task);
    const service = this.serviceOf(task);
    if (service) this.retryLater(service);
  }

  private stopForScaling(service: Service, primary: Deployment | undefined, tasks: Task[]): void {
    if (tasks.length === 0) return;
    const running = tasks.filter((t) => t.lastStatus === 'RUNNING');
    for (const t of tasks) this.stopTask(t, scalingReason(primary));
    if (running.length > 0) {
      const list = running.map((t) => `(task ${shortId(t.arn)})`).join(' ');
      addServiceEvent(service, `(service ${service.name}) has stopped ${running.length} running tasks: ${list}.`);
    }
  }

  private retireFinishedDeployments(service: Service): void {
    const wanted = wantedTasks(this.ctx.world, service);
    const keep = service.deployments.filter((d) => d.status === 'PRIMARY' || wanted.some((t) => t.startedBy === d.id));
    for (const d of service.deployments) {
      if (d.status !== 'PRIMARY') d.desiredCount = wanted.filter((t) => t.startedBy === d.id).length;
    }
    if (keep.length !== service.deployments.length) service.deployments = keep;
  }

  /** DRAINING → INACTIVE once nothing runs; announce a steady state once per change. */
  private noteProgress(service: Service): void {
    const all = tasksOfService(this.ctx.world, service);
    if (service.status === 'DRAINING') {
      if (all.every((t) => t.lastStatus === 'STOPPED')) {
        service.status = 'INACTIVE';
        schedulePurge(this.ctx, service);
        this.ctx.clock.cancel(this.retries.get(service));
        this.retries.delete(service);
      }
      return;
    }
    const { running, pending } = countTasks(all);
    const stopping = all.some((t) => t.desiredStatus === 'STOPPED' && t.lastStatus !== 'STOPPED');
    const primary = service.deployments.find((d) => d.status === 'PRIMARY');
    const settled =
      primary !== undefined && service.deployments.length === 1 && running === service.desiredCount && pending === 0 && !stopping;
    if (!settled) {
      this.announcedSteady.delete(service);
      return;
    }
    if (this.announcedSteady.has(service)) return;
    this.announcedSteady.add(service);
    if (primary.rolloutState !== 'COMPLETED') {
      primary.rolloutState = 'COMPLETED';
      primary.rolloutStateReason = `ECS deployment ${primary.id} completed.`;
      primary.updatedAt = new Date();
    }
    addServiceEvent(service, `(service ${service.name}) has reached a steady state.`);
  }

  private retryLater(service: Service): void {
    if (this.closed || this.retries.has(service)) return;
    const timer = this.ctx.clock.after(
      PLACEMENT_RETRY_MS,
      () => {
        this.retries.delete(service);
        this.reconcile(service);
      },
      'placement-retry',
    );
    this.retries.set(service, timer);
  }

  private serviceOf(task: Task): Service | undefined {
    if (!task.group.startsWith('service:')) return undefined;
    const arn = this.ctx.world.arn('ecs', `service/${clusterNameOf(task.clusterArn)}/${task.group.slice('service:'.length)}`);
    return this.ctx.world.services.get(arn);
  }

  private runtime(task: Task): TaskRuntime {
    let rt = this.runtimes.get(task.arn);
    if (!rt) {
      rt = { servers: [], timers: new Set(), registrations: [] };
      this.runtimes.set(task.arn, rt);
    }
    return rt;
  }

  private after(task: Task, cloudMs: number, fn: () => void, kind: string): void {
    const rt = this.runtime(task);
    const timer = this.ctx.clock.after(
      cloudMs,
      () => {
        rt.timers.delete(timer);
        if (!this.closed) fn();
      },
      kind,
    );
    rt.timers.add(timer);
  }

  private async closeServers(rt: TaskRuntime): Promise<void> {
    await Promise.all(rt.servers.splice(0).map((s) => s.close()));
  }
}
