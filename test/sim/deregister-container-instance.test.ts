/** DeregisterContainerInstance: refused with running tasks unless forced; forced, the service moves its tasks. */
import { DeregisterContainerInstanceCommand, DescribeContainerInstancesCommand, DescribeServicesCommand, DescribeTasksCommand, ECSClient, ListContainerInstancesCommand, ListTasksCommand } from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type RunningSim } from '../../sim/index.js';

let sim: RunningSim;
let ecs: ECSClient;
const cluster = 'dci_ecs_cluster';

beforeAll(async () => {
  sim = await startSim({ nicknames: ['dci'], timeScale: 0.01 });
  ecs = new ECSClient({ endpoint: sim.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
});
afterAll(async () => {
  ecs?.destroy();
  await sim?.close();
});

describe('DeregisterContainerInstance', () => {
  it('needs force while tasks run; forced, the instance goes INACTIVE and the service replaces its task elsewhere', async () => {
    const arns = (await ecs.send(new ListContainerInstancesCommand({ cluster }))).containerInstanceArns!;
    const tasks = (await ecs.send(new DescribeTasksCommand({ cluster, tasks: (await ecs.send(new ListTasksCommand({ cluster }))).taskArns! }))).tasks!;
    const busy = tasks[0]!.containerInstanceArn!;
    const refused = await ecs.send(new DeregisterContainerInstanceCommand({ cluster, containerInstance: busy })).catch((e: Error) => e);
    expect((refused as Error).name).toBe('InvalidParameterException');
    expect((refused as Error).message).toBe('Found running tasks on the instance.');

    const out = await ecs.send(new DeregisterContainerInstanceCommand({ cluster, containerInstance: busy, force: true }));
    expect(out.containerInstance?.status).toBe('INACTIVE');
    expect((await ecs.send(new ListContainerInstancesCommand({ cluster }))).containerInstanceArns).toHaveLength(arns.length - 1);
    const described = await ecs.send(new DescribeContainerInstancesCommand({ cluster, containerInstances: [busy] }));
    expect(described.containerInstances?.[0]?.status).toBe('INACTIVE');

    await expect
      .poll(async () => {
        const running = (await ecs.send(new DescribeTasksCommand({ cluster, tasks: (await ecs.send(new ListTasksCommand({ cluster }))).taskArns! }))).tasks!;
        const svc = (await ecs.send(new DescribeServicesCommand({ cluster, services: ['dci_app_service'] }))).services![0]!;
        return { runningCount: svc.runningCount, onDeregistered: running.filter((t) => t.containerInstanceArn === busy && t.lastStatus === 'RUNNING').length };
      }, { timeout: 10_000, interval: 50 })
      .toEqual({ runningCount: 4, onDeregistered: 0 });
  });
});
