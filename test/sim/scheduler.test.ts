import { readFileSync } from 'node:fs';
import {
  CreateServiceCommand,
  DeleteServiceCommand,
  DescribeServicesCommand,
  DescribeTasksCommand,
  ECSClient,
  ListServicesCommand,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
  type Service,
  type Task,
} from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type RunningSim } from '../../sim/index.js';
import { httpGet, until } from './ecs-helpers.js';
import { ecsClient, putLoadBalancerFor, putTargetGroup } from './ecs-world.js';

let sim: RunningSim;
let ecs: ECSClient;
const cluster = 'nick_ecs_cluster';

beforeAll(async () => {
  sim = await startSim({ nicknames: ['nick'] });
  ecs = ecsClient(sim);
});
afterAll(async () => {
  ecs?.destroy();
  await sim?.close();
});

async function describeService(name: string): Promise<Service> {
  return (await ecs.send(new DescribeServicesCommand({ cluster, services: [name] }))).services![0]!;
}

async function tasksOf(name: string, desiredStatus: 'RUNNING' | 'STOPPED' = 'RUNNING'): Promise<Task[]> {
  const arns = (await ecs.send(new ListTasksCommand({ cluster, serviceName: name, desiredStatus }))).taskArns!;
  if (arns.length === 0) return [];
  return (await ecs.send(new DescribeTasksCommand({ cluster, tasks: arns }))).tasks!;
}

async function untilRunning(name: string, count: number): Promise<Task[]> {
  return until(async () => {
    const tasks = await tasksOf(name);
    return tasks.length === count && tasks.every((t) => t.lastStatus === 'RUNNING') ? tasks : undefined;
  });
}

function urlOf(task: Task, path = '/'): string {
  const instanceId = sim.ctx.world.containerInstances.get(task.containerInstanceArn!)!.ec2InstanceId;
  const ip = sim.ctx.world.instances.get(instanceId)!.publicIpAddress;
  return `http://${ip}:${task.containers![0]!.networkBindings![0]!.hostPort}${path}`;
}

async function registerFamily(family: string, hostPort: number, memory = 128): Promise<string> {
  const out = await ecs.send(
    new RegisterTaskDefinitionCommand({
      family,
      containerDefinitions: [{ name: 'app', image: 'app:latest', memory, portMappings: [{ containerPort: 8080, hostPort }] }],
    }),
  );
  return out.taskDefinition!.taskDefinitionArn!;
}

async function removeService(name: string): Promise<void> {
  await ecs.send(new DeleteServiceCommand({ cluster, service: name, force: true }));
  await until(async () => (await describeService(name)).status === 'INACTIVE');
}

/** Binding port 80 needs root or a lowered unprivileged port start. */
function canBindPort80(): boolean {
  if (process.getuid?.() === 0) return true;
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_unprivileged_port_start', 'utf8')) <= 80;
  } catch {
    return false;
  }
}

describe('task server', () => {
  it('answers like the Express app: Hello on /, 404 elsewhere', async () => {
    const [task] = await tasksOf('nick_app_service');
    const hello = await httpGet(urlOf(task!));
    expect(hello).toEqual({ status: 200, body: `Hello from ${task!.containers![0]!.runtimeId!.slice(0, 12)}!` });
    const missing = await httpGet(urlOf(task!, '/x'));
    expect(missing.status).toBe(404);
    expect(missing.body).toContain('<pre>Cannot GET /x</pre>');
  });

  it('drops connections its instance security group does not admit (timeout, not refusal)', async () => {
    const [task] = await tasksOf('nick_app_service');
    const url = urlOf(task!);
    expect((await httpGet(url, 500)).status).toBe(200);
    const instanceId = sim.ctx.world.containerInstances.get(task!.containerInstanceArn!)!.ec2InstanceId;
    const sg = sim.ctx.world.securityGroups.get(sim.ctx.world.instances.get(instanceId)!.securityGroupIds[0]!)!;
    const saved = [...sg.rules];
    sg.rules = sg.rules.filter((r) => r.isEgress);
    try {
      await expect(httpGet(url, 500)).rejects.toThrow('timeout');
    } finally {
      sg.rules = saved;
    }
    expect((await httpGet(url, 500)).status).toBe(200);
  });

  it('misbehaves on the sim-only faults: error500 and silent', async () => {
    const [task] = await tasksOf('nick_app_service');
    sim.ctx.world.faults.taskMode.set(task!.taskArn!, 'error500');
    expect((await httpGet(urlOf(task!))).status).toBe(500);
    sim.ctx.world.faults.taskMode.set(task!.taskArn!, 'silent');
    await expect(httpGet(urlOf(task!), 300)).rejects.toThrow('timeout');
    sim.ctx.world.faults.taskMode.delete(task!.taskArn!);
    expect((await httpGet(urlOf(task!))).status).toBe(200);
  });
});

describe('placement', () => {
  it('spreads a service over availability zones, then over instances', async () => {
    await ecs.send(new CreateServiceCommand({ cluster, serviceName: 'spread', taskDefinition: 'nick_app_service', desiredCount: 3 }));
    const three = await untilRunning('spread', 3);
    expect(new Set(three.map((t) => t.availabilityZone)).size).toBe(3);
    await ecs.send(new UpdateServiceCommand({ cluster, service: 'spread', desiredCount: 4 }));
    const four = await untilRunning('spread', 4);
    expect(new Set(four.map((t) => t.containerInstanceArn)).size).toBe(4);
    await removeService('spread');
  });

  it.skipIf(!canBindPort80())('fits one task per instance on static host port 80; the fifth cannot be placed', async () => {
    await registerFamily('static_app', 80);
    await ecs.send(new CreateServiceCommand({ cluster, serviceName: 'static80', taskDefinition: 'static_app', desiredCount: 5 }));
    const tasks = await untilRunning('static80', 4);
    expect(new Set(tasks.map((t) => t.containerInstanceArn)).size).toBe(4);
    expect(tasks.every((t) => t.containers![0]!.networkBindings![0]!.hostPort === 80)).toBe(true);
    const hello = await httpGet(urlOf(tasks[0]!));
    expect(hello.body).toBe(`Hello from ${tasks[0]!.containers![0]!.runtimeId!.slice(0, 12)}!`);
    const svc = await describeService('static80');
    expect(svc).toMatchObject({ desiredCount: 5, runningCount: 4, pendingCount: 0 });
    expect(svc.events!.map((e) => e.message)).toContainEqual(
      expect.stringMatching(
        /^\(service static80\) was unable to place a task because no container instance met all of its requirements\. The closest matching \(container-instance [0-9a-f]{32}\) is already using a port required by your task\./,
      ),
    );
    await removeService('static80');
  });
});

describe('load balancer registration', () => {
  it('registers running tasks as (instance, host port) targets and drains them before stopping', async () => {
    const tg = putTargetGroup(sim.ctx, 'sched-tg', { deregistrationDelayS: 20 });
    putLoadBalancerFor(sim.ctx, tg, 'sched-alb');
    await ecs.send(
      new CreateServiceCommand({
        cluster,
        serviceName: 'with_lb',
        taskDefinition: 'nick_app_service',
        desiredCount: 2,
        loadBalancers: [{ targetGroupArn: tg.arn, containerName: 'app', containerPort: 8080 }],
        healthCheckGracePeriodSeconds: 0,
      }),
    );
    const tasks = await untilRunning('with_lb', 2);
    const expected = tasks.map((t) => {
      const instanceId = sim.ctx.world.containerInstances.get(t.containerInstanceArn!)!.ec2InstanceId;
      return `${instanceId}:${t.containers![0]!.networkBindings![0]!.hostPort}`;
    });
    expect([...tg.targets.keys()].sort()).toEqual([...expected].sort());
    const svc = await describeService('with_lb');
    expect(svc.events!.filter((e) => e.message === `(service with_lb) registered 1 targets in (target-group ${tg.arn})`)).toHaveLength(2);
    expect(svc.roleArn).toContain('AWSServiceRoleForECS');

    await ecs.send(new UpdateServiceCommand({ cluster, service: 'with_lb', desiredCount: 1 }));
    const draining = await until(async () => (await tasksOf('with_lb', 'STOPPED'))[0]);
    expect(draining.lastStatus).toBe('DEACTIVATING');
    const key = expected[tasks.findIndex((t) => t.taskArn === draining.taskArn)]!;
    expect(tg.targets.get(key)?.state).toBe('draining');
    expect((await httpGet(urlOf(draining))).status).toBe(200);

    const stopped = await until(async () => {
      const t = (await ecs.send(new DescribeTasksCommand({ cluster, tasks: [draining.taskArn!] }))).tasks![0]!;
      return t.lastStatus === 'STOPPED' ? t : undefined;
    });
    expect(tg.targets.has(key)).toBe(false);
    expect(stopped.stoppedReason).toMatch(/^Scaling activity initiated by \(deployment ecs-svc\/\d{19}\)$/);
    await expect(httpGet(urlOf(draining), 500)).rejects.toThrow(/ECONNREFUSED/);
    await removeService('with_lb');
    expect(tg.targets.size).toBe(0);
  });
});

describe('deployments', () => {
  it('rolls a service onto a new task definition revision', async () => {
    const rev1 = await registerFamily('roll_app', 0);
    await ecs.send(new CreateServiceCommand({ cluster, serviceName: 'rolling', taskDefinition: rev1, desiredCount: 2 }));
    await untilRunning('rolling', 2);
    const rev2 = await registerFamily('roll_app', 0);
    const updated = (await ecs.send(new UpdateServiceCommand({ cluster, service: 'rolling', taskDefinition: 'roll_app' }))).service!;
    expect(updated.deployments!.map((d) => [d.status, d.taskDefinition])).toEqual([
      ['PRIMARY', rev2],
      ['ACTIVE', rev1],
    ]);
    const settled = await until(async () => {
      const s = await describeService('rolling');
      return s.deployments!.length === 1 && s.runningCount === 2 && s.pendingCount === 0 ? s : undefined;
    });
    expect(settled.deployments![0]).toMatchObject({ status: 'PRIMARY', taskDefinition: rev2, runningCount: 2 });
    const tasks = await untilRunning('rolling', 2);
    expect(tasks.every((t) => t.taskDefinitionArn === rev2)).toBe(true);
    await removeService('rolling');
  });

  it('puts a running service behind a load balancer with UpdateService (a new deployment registers the new tasks)', async () => {
    const tg = putTargetGroup(sim.ctx, 'late-tg', { deregistrationDelayS: 10 });
    putLoadBalancerFor(sim.ctx, tg, 'late-alb');
    await ecs.send(new CreateServiceCommand({ cluster, serviceName: 'late_lb', taskDefinition: 'nick_app_service', desiredCount: 2 }));
    const before = await untilRunning('late_lb', 2);
    const updated = (
      await ecs.send(
        new UpdateServiceCommand({
          cluster,
          service: 'late_lb',
          loadBalancers: [{ targetGroupArn: tg.arn, containerName: 'app', containerPort: 8080 }],
        }),
      )
    ).service!;
    expect(updated.loadBalancers).toEqual([{ targetGroupArn: tg.arn, containerName: 'app', containerPort: 8080 }]);
    expect(updated.deployments!.map((d) => d.status)).toEqual(['PRIMARY', 'ACTIVE']);
    const after = await until(async () => {
      const s = await describeService('late_lb');
      const tasks = await untilRunning('late_lb', 2);
      return s.deployments!.length === 1 && tasks.every((t) => !before.some((b) => b.taskArn === t.taskArn)) ? tasks : undefined;
    });
    const ports = after.map((t) => t.containers![0]!.networkBindings![0]!.hostPort);
    expect([...tg.targets.values()].map((t) => t.port).sort()).toEqual(ports.sort());
    await removeService('late_lb');
  });
});

describe('scale to 0 and delete (module 04 step 5)', () => {
  it('drains the old service to 0, then DRAINING → INACTIVE; it stays describable', async () => {
    await ecs.send(new UpdateServiceCommand({ cluster, service: 'nick_app_service', desiredCount: 0 }));
    const idle = await until(async () => {
      const s = await describeService('nick_app_service');
      return s.runningCount === 0 && s.pendingCount === 0 && (await tasksOf('nick_app_service')).length === 0 ? s : undefined;
    });
    expect(idle.deployments![0]).toMatchObject({ desiredCount: 0, runningCount: 0 });
    const steady = await until(async () => {
      const s = await describeService('nick_app_service');
      return s.events![0]!.message === '(service nick_app_service) has reached a steady state.' ? s : undefined;
    });
    expect(steady.events!.some((e) => /^\(service nick_app_service\) has stopped 4 running tasks: (\(task [0-9a-f]{32}\) ?){4}\.$/.test(e.message!))).toBe(true);

    const deleted = (await ecs.send(new DeleteServiceCommand({ cluster, service: 'nick_app_service' }))).service!;
    expect(deleted.status).toBe('DRAINING');
    await until(async () => (await describeService('nick_app_service')).status === 'INACTIVE');
    const listed = (await ecs.send(new ListServicesCommand({ cluster }))).serviceArns!;
    expect(listed.some((a) => a.endsWith('/nick_app_service'))).toBe(false);
    const stopped = await tasksOf('nick_app_service', 'STOPPED');
    expect(stopped.filter((t) => t.lastStatus === 'STOPPED').length).toBeGreaterThanOrEqual(4);
  });

  it('deletes with force while tasks run: DRAINING until they stop, then INACTIVE', async () => {
    await ecs.send(new CreateServiceCommand({ cluster, serviceName: 'forced', taskDefinition: 'nick_app_service', desiredCount: 2 }));
    await untilRunning('forced', 2);
    const deleted = (await ecs.send(new DeleteServiceCommand({ cluster, service: 'forced', force: true }))).service!;
    expect(deleted.status).toBe('DRAINING');
    expect((await describeService('forced')).status).toBe('DRAINING');
    await until(async () => (await describeService('forced')).status === 'INACTIVE');
    expect((await tasksOf('forced')).length).toBe(0);
  });
});

describe('close()', () => {
  it('stops every task server at once', async () => {
    const own = await startSim({ nicknames: ['closer'] });
    const task = [...own.ctx.world.tasks.values()][0]!;
    const ip = own.ctx.world.instances.get(task.ec2InstanceId)!.publicIpAddress;
    const url = `http://${ip}:${task.containers[0]!.networkBindings[0]!.hostPort}/`;
    expect((await httpGet(url)).status).toBe(200);
    const started = Date.now();
    await own.close();
    expect(Date.now() - started).toBeLessThan(2_000);
    await expect(httpGet(url, 500)).rejects.toThrow(/ECONNREFUSED/);
  });
});
