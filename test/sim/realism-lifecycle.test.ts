/**
 * A deleted service's life: ACTIVE → DRAINING → INACTIVE once its tasks stopped, then (with
 * purgeInactiveAfterS) purged — DescribeServices failure MISSING, ListTasks --service-name
 * ServiceNotFoundException — while its stopped tasks stay findable by family, startedBy and
 * DescribeTasks; they expire after an hour (simulated).
 */
import {
  CreateServiceCommand,
  DeleteServiceCommand,
  DescribeServicesCommand,
  DescribeTasksCommand,
  type ECSClient,
  ListTasksCommand,
  type Service,
  type Task,
} from '@aws-sdk/client-ecs';
import { afterEach, describe, expect, it } from 'vitest';
import { startSim, type RunningSim, type SimOptions } from '../../sim/index.js';
import { DEFAULT_PURGE_INACTIVE_AFTER_S, STOPPED_TASK_RETENTION_MS } from '../../sim/realism/lifecycle.js';
import { until } from './ecs-helpers.js';
import { ecsClient } from './ecs-world.js';
import { CLUSTER, tasksOf } from './realism-helpers.js';

const PURGE_AFTER_S = 20;

let sim: RunningSim | undefined;
let ecs: ECSClient | undefined;
afterEach(async () => {
  ecs?.destroy();
  await sim?.close();
});

async function describeService(name: string): Promise<{ service?: Service; failure?: string }> {
  const out = await ecs!.send(new DescribeServicesCommand({ cluster: CLUSTER, services: [name] }));
  return { service: out.services![0], failure: out.failures![0]?.reason };
}

const listTasks = (input: { serviceName?: string; family?: string; startedBy?: string }) =>
  ecs!.send(new ListTasksCommand({ cluster: CLUSTER, desiredStatus: 'STOPPED', ...input })).then((o) => o.taskArns!, (e: Error) => e.name);

/** A one-task service, deleted with force; resolves with the task once it has stopped. */
async function deletedService(options: SimOptions, name = 'short_lived'): Promise<Task> {
  sim = await startSim(options);
  ecs = ecsClient(sim);
  await ecs.send(new CreateServiceCommand({ cluster: CLUSTER, serviceName: name, taskDefinition: 'nick_app_service', desiredCount: 1 }));
  const [task] = await until(async () => {
    const running = await tasksOf(ecs!, name);
    return running.length === 1 && running[0]!.lastStatus === 'RUNNING' ? running : undefined;
  });
  await ecs.send(new DeleteServiceCommand({ cluster: CLUSTER, service: name, force: true }));
  // At the smallest time scales the task is stopped (and a purge-at-once done) before this read.
  if ((options.timeScale ?? 0.05) >= 0.05) expect((await describeService(name)).service?.status).toBe('DRAINING');
  await until(async () => {
    const { service, failure } = await describeService(name);
    return service?.status === 'INACTIVE' || failure === 'MISSING';
  });
  const stopped = (await ecs.send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: [task!.taskArn!] }))).tasks![0]!;
  expect(stopped.lastStatus).toBe('STOPPED');
  return stopped;
}

describe('service lifecycle and purge', () => {
  it('purges an INACTIVE service after purgeInactiveAfterS; its stopped tasks stay findable', async () => {
    const task = await deletedService({ purgeInactiveAfterS: PURGE_AFTER_S });
    expect(task.group).toBe('service:short_lived');
    expect(task.startedBy).toMatch(/^ecs-svc\/\d{19}$/);
    expect(await listTasks({ serviceName: 'short_lived' })).toEqual([task.taskArn]);

    await until(async () => (await describeService('short_lived')).failure === 'MISSING');
    expect(await listTasks({ serviceName: 'short_lived' })).toBe('ServiceNotFoundException');
    expect(await listTasks({ family: 'nick_app_service' })).toContain(task.taskArn);
    expect(await listTasks({ startedBy: task.startedBy! })).toEqual([task.taskArn]);
    const again = (await ecs!.send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: [task.taskArn!] }))).tasks!;
    expect(again.map((t) => t.lastStatus)).toEqual(['STOPPED']);
  });

  it('purges at once with 0, and forgets stopped tasks after an hour', async () => {
    // Time scale 0.001: the hour is 3.6 s.
    const task = await deletedService({ purgeInactiveAfterS: 0, timeScale: 0.001 });
    expect((await describeService('short_lived')).failure).toBe('MISSING');
    await until(async () => (await ecs!.send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: [task.taskArn!] }))).failures!.length === 1, STOPPED_TASK_RETENTION_MS * 0.001 + 10_000);
    expect(await listTasks({ family: 'nick_app_service' })).not.toContain(task.taskArn);
  });

  it('without the option nothing is purged and an unknown service name lists no tasks', async () => {
    const task = await deletedService({ timeScale: 0.001 });
    const stillThere = await new Promise((r) => setTimeout(r, STOPPED_TASK_RETENTION_MS * 0.001 + 1_000)).then(() => describeService('short_lived'));
    expect(stillThere.service?.status).toBe('INACTIVE');
    expect(await listTasks({ family: 'nick_app_service' })).toContain(task.taskArn);
    expect(await listTasks({ serviceName: 'never_was' })).toEqual([]);
  });

  it('--realism aws purges after an hour unless told otherwise', async () => {
    sim = await startSim({ scenario: 'empty', realism: 'aws' });
    expect(sim.ctx.purgeInactiveAfterS).toBe(DEFAULT_PURGE_INACTIVE_AFTER_S);
    await sim.close();
    sim = await startSim({ scenario: 'empty', realism: 'aws', purgeInactiveAfterS: 5 });
    expect(sim.ctx.purgeInactiveAfterS).toBe(5);
  });
});
