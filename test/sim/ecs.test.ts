import {
  CreateClusterCommand,
  CreateServiceCommand,
  DeleteClusterCommand,
  DeleteServiceCommand,
  DeregisterTaskDefinitionCommand,
  DescribeClustersCommand,
  DescribeContainerInstancesCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  ListClustersCommand,
  ListContainerInstancesCommand,
  ListServicesCommand,
  ListTagsForResourceCommand,
  ListTaskDefinitionFamiliesCommand,
  ListTaskDefinitionsCommand,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  StopTaskCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type RunningSim } from '../../sim/index.js';
import { until } from './ecs-helpers.js';
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

/** The AWS error a call fails with (name and message). */
async function failure(p: Promise<unknown>): Promise<{ name: string; message: string }> {
  try {
    await p;
  } catch (e) {
    const err = e as Error;
    return { name: err.name, message: err.message };
  }
  throw new Error('expected the call to fail');
}

async function registerApp(family: string, hostPort = 0, extra: Record<string, unknown> = {}) {
  const out = await ecs.send(
    new RegisterTaskDefinitionCommand({
      family,
      containerDefinitions: [{ name: 'app', image: 'app:latest', memory: 128, portMappings: [{ containerPort: 8080, hostPort }] }],
      ...extra,
    }),
  );
  return out.taskDefinition!;
}

describe('clusters', () => {
  it('creates idempotently, describes with counts and reports missing clusters', async () => {
    const created = (await ecs.send(new CreateClusterCommand({ clusterName: 'scratch', tags: [{ key: 'team', value: 'a' }] }))).cluster!;
    expect(created).toMatchObject({ clusterName: 'scratch', status: 'ACTIVE', clusterArn: 'arn:aws:ecs:us-east-1:123456789012:cluster/scratch' });
    const again = (await ecs.send(new CreateClusterCommand({ clusterName: 'scratch' }))).cluster!;
    expect(again.clusterArn).toBe(created.clusterArn);

    const out = await ecs.send(new DescribeClustersCommand({ clusters: [cluster, 'nope'] }));
    expect(out.clusters![0]).toMatchObject({
      clusterName: cluster,
      registeredContainerInstancesCount: 4,
      runningTasksCount: 4,
      activeServicesCount: 1,
    });
    expect(out.failures).toEqual([{ arn: 'arn:aws:ecs:us-east-1:123456789012:cluster/nope', reason: 'MISSING' }]);
  });

  it('pages ListClusters', async () => {
    const first = await ecs.send(new ListClustersCommand({ maxResults: 1 }));
    expect(first.clusterArns).toHaveLength(1);
    expect(first.nextToken).toBeTruthy();
    const rest = await ecs.send(new ListClustersCommand({ nextToken: first.nextToken }));
    expect([...first.clusterArns!, ...rest.clusterArns!].map((a) => a.split('/')[1]).sort()).toEqual(['nick_ecs_cluster', 'scratch']);
    expect(rest.nextToken).toBeUndefined();
  });

  it('answers ClusterNotFoundException for an unknown cluster and for the missing default cluster', async () => {
    expect(await failure(ecs.send(new ListServicesCommand({ cluster: 'nope' })))).toEqual({
      name: 'ClusterNotFoundException',
      message: 'Cluster not found.',
    });
    expect((await failure(ecs.send(new ListServicesCommand({})))).name).toBe('ClusterNotFoundException');
  });

  it('refuses to delete a cluster with services and deletes an empty one', async () => {
    expect((await failure(ecs.send(new DeleteClusterCommand({ cluster })))).name).toBe('ClusterContainsServicesException');
    const deleted = (await ecs.send(new DeleteClusterCommand({ cluster: 'scratch' }))).cluster!;
    expect(deleted.status).toBe('INACTIVE');
    const described = await ecs.send(new DescribeClustersCommand({ clusters: ['scratch'] }));
    expect(described.clusters![0]!.status).toBe('INACTIVE');
  });
});

describe('task definitions', () => {
  it('numbers revisions per family, defaults to bridge mode and describes by family, family:revision and ARN', async () => {
    const r1 = await registerApp('td_family');
    const r2 = await registerApp('td_family', 80);
    expect([r1.revision, r2.revision]).toEqual([1, 2]);
    expect(r1.networkMode).toBe('bridge');
    expect(r1.status).toBe('ACTIVE');
    expect(r2.containerDefinitions![0]!.portMappings).toEqual([{ containerPort: 8080, hostPort: 80, protocol: 'tcp' }]);
    const byFamily = (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'td_family' }))).taskDefinition!;
    expect(byFamily.revision).toBe(2);
    const byRevision = (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'td_family:1' }))).taskDefinition!;
    expect(byRevision.taskDefinitionArn).toBe(r1.taskDefinitionArn);
    const byArn = (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: r2.taskDefinitionArn }))).taskDefinition!;
    expect(byArn.revision).toBe(2);
  });

  it('deregisters to INACTIVE; the family then resolves to the latest ACTIVE revision', async () => {
    const r3 = await registerApp('td_family');
    const out = await ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: 'td_family:3' }));
    expect(out.taskDefinition!.status).toBe('INACTIVE');
    expect((await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'td_family' }))).taskDefinition!.revision).toBe(2);
    const inactive = await ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: 'td_family', status: 'INACTIVE' }));
    expect(inactive.taskDefinitionArns).toEqual([r3.taskDefinitionArn]);
  });

  it('answers ClientException for a missing task definition or a container without memory', async () => {
    expect(await failure(ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'no_such_family' })))).toEqual({
      name: 'ClientException',
      message: 'Unable to describe task definition.',
    });
    const noMemory = await failure(
      ecs.send(new RegisterTaskDefinitionCommand({ family: 'x', containerDefinitions: [{ name: 'app', image: 'app' }] })),
    );
    expect(noMemory.name).toBe('ClientException');
    expect(noMemory.message).toContain("At least one of 'memory' or 'memoryReservation' must be specified.");
  });

  it('lists with family filter, sort order and paging; lists families', async () => {
    const asc = await ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: 'nick_app_service' }));
    expect(asc.taskDefinitionArns!.map((a) => a.split(':').pop())).toEqual(['1', '2', '3']);
    const desc = await ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: 'nick_app_service', sort: 'DESC', maxResults: 2 }));
    expect(desc.taskDefinitionArns!.map((a) => a.split(':').pop())).toEqual(['3', '2']);
    const next = await ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: 'nick_app_service', sort: 'DESC', nextToken: desc.nextToken }));
    expect(next.taskDefinitionArns!.map((a) => a.split(':').pop())).toEqual(['1']);
    const families = await ecs.send(new ListTaskDefinitionFamiliesCommand({ familyPrefix: 'nick' }));
    expect(families.families).toEqual(['nick_app_service']);
  });
});

describe('services', () => {
  it('rejects a second ACTIVE service of the same name as not idempotent', async () => {
    const err = await failure(
      ecs.send(new CreateServiceCommand({ cluster, serviceName: 'nick_app_service', taskDefinition: 'nick_app_service', desiredCount: 1 })),
    );
    expect(err).toEqual({ name: 'InvalidParameterException', message: 'Creation of service was not idempotent.' });
  });

  it('validates load balancers like ECS: container name, container port, target type, unknown and unattached groups', async () => {
    const tg = putTargetGroup(sim.ctx, 'nick-ecs-tg');
    putLoadBalancerFor(sim.ctx, tg, 'nick-ecs-alb');
    const create = (lb: { targetGroupArn: string; containerName: string; containerPort: number }) =>
      failure(
        ecs.send(
          new CreateServiceCommand({
            cluster,
            serviceName: 'lb_checks',
            taskDefinition: 'nick_app_service',
            desiredCount: 1,
            launchType: 'EC2',
            loadBalancers: [lb],
          }),
        ),
      );
    expect(await create({ targetGroupArn: tg.arn, containerName: 'web', containerPort: 8080 })).toEqual({
      name: 'InvalidParameterException',
      message: 'The container web does not exist in the task definition.',
    });
    expect(await create({ targetGroupArn: tg.arn, containerName: 'app', containerPort: 80 })).toEqual({
      name: 'InvalidParameterException',
      message: 'The container app did not have a container port 80 defined.',
    });

    const ipTg = putTargetGroup(sim.ctx, 'nick-ip-tg', { targetType: 'ip' });
    putLoadBalancerFor(sim.ctx, ipTg, 'nick-ip-alb');
    expect(await create({ targetGroupArn: ipTg.arn, containerName: 'app', containerPort: 8080 })).toEqual({
      name: 'InvalidParameterException',
      message: `The provided target group ${ipTg.arn} has target type ip, which is incompatible with the bridge network mode specified in the task definition.`,
    });

    const lonely = putTargetGroup(sim.ctx, 'nick-lonely-tg');
    expect(await create({ targetGroupArn: lonely.arn, containerName: 'app', containerPort: 8080 })).toEqual({
      name: 'InvalidParameterException',
      message: `The target group with targetGroupArn ${lonely.arn} does not have an associated load balancer.`,
    });
    const unknown = await create({
      targetGroupArn: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/nope/0123456789abcdef',
      containerName: 'app',
      containerPort: 8080,
    });
    expect(unknown.name).toBe('InvalidParameterException');
    expect(unknown.message).toContain('targetGroupArn');
  });

  it('answers ClusterNotFoundException when creating in an unknown cluster', async () => {
    const err = await failure(
      ecs.send(new CreateServiceCommand({ cluster: 'nope', serviceName: 's', taskDefinition: 'nick_app_service', desiredCount: 1 })),
    );
    expect(err.name).toBe('ClusterNotFoundException');
  });

  it('creates a service with a PRIMARY deployment on the latest ACTIVE revision and describes it', async () => {
    const out = await ecs.send(
      new CreateServiceCommand({
        cluster,
        serviceName: 'described',
        taskDefinition: 'nick_app_service',
        desiredCount: 0,
        launchType: 'EC2',
        tags: [{ key: 'e2e:run', value: 'r1' }],
      }),
    );
    const svc = out.service!;
    expect(svc.serviceArn).toBe('arn:aws:ecs:us-east-1:123456789012:service/nick_ecs_cluster/described');
    expect(svc.taskDefinition).toMatch(/nick_app_service:3$/);
    expect(svc.deployments).toHaveLength(1);
    expect(svc.deployments![0]).toMatchObject({ status: 'PRIMARY', desiredCount: 0, launchType: 'EC2' });
    expect(svc.deployments![0]!.id).toMatch(/^ecs-svc\/\d{19}$/);
    expect(svc.createdAt).toBeInstanceOf(Date);

    const described = await ecs.send(
      new DescribeServicesCommand({ cluster, services: ['described', 'ghost'], include: ['TAGS'] }),
    );
    expect(described.services![0]!.tags).toEqual([{ key: 'e2e:run', value: 'r1' }]);
    expect(described.failures).toEqual([{ arn: 'arn:aws:ecs:us-east-1:123456789012:service/nick_ecs_cluster/ghost', reason: 'MISSING' }]);
    await until(async () => {
      const s = (await ecs.send(new DescribeServicesCommand({ cluster, services: ['described'] }))).services![0]!;
      return s.events?.[0]?.message === '(service described) has reached a steady state.';
    });
  });

  it('refuses to delete a service scaled above 0 without force, with the exact message', async () => {
    expect(await failure(ecs.send(new DeleteServiceCommand({ cluster, service: 'nick_app_service' })))).toEqual({
      name: 'InvalidParameterException',
      message: 'The service cannot be stopped while it is scaled above 0.',
    });
  });

  it('answers ServiceNotActiveException for updates to a deleted service; it stays describable', async () => {
    const deleted = (await ecs.send(new DeleteServiceCommand({ cluster, service: 'described' }))).service!;
    expect(deleted.status).toBe('DRAINING');
    expect(await failure(ecs.send(new UpdateServiceCommand({ cluster, service: 'described', desiredCount: 1 })))).toEqual({
      name: 'ServiceNotActiveException',
      message: 'Service was not ACTIVE.',
    });
    const svc = (await ecs.send(new DescribeServicesCommand({ cluster, services: ['described'] }))).services![0]!;
    expect(svc.status).toBe('INACTIVE');
    expect((await failure(ecs.send(new UpdateServiceCommand({ cluster, service: 'ghost', desiredCount: 1 })))).name).toBe(
      'ServiceNotFoundException',
    );
  });

  it('pages ListServices (10 by default)', async () => {
    for (let i = 0; i < 11; i++) {
      await ecs.send(new CreateServiceCommand({ cluster, serviceName: `paged_${i}`, taskDefinition: 'nick_app_service', desiredCount: 0 }));
    }
    const first = await ecs.send(new ListServicesCommand({ cluster }));
    expect(first.serviceArns).toHaveLength(10);
    const second = await ecs.send(new ListServicesCommand({ cluster, nextToken: first.nextToken }));
    expect(second.serviceArns).toHaveLength(2); // 11 paged + the old service
    expect(second.nextToken).toBeUndefined();
    const all = [...first.serviceArns!, ...second.serviceArns!];
    expect(all.some((a) => a.endsWith('/described'))).toBe(false);
  });
});

describe('tasks and container instances', () => {
  it('pages ListTasks and reports missing tasks in DescribeTasks', async () => {
    const first = await ecs.send(new ListTasksCommand({ cluster, serviceName: 'nick_app_service', maxResults: 3 }));
    expect(first.taskArns).toHaveLength(3);
    const rest = await ecs.send(new ListTasksCommand({ cluster, serviceName: 'nick_app_service', nextToken: first.nextToken }));
    expect(rest.taskArns).toHaveLength(1);
    const out = await ecs.send(new DescribeTasksCommand({ cluster, tasks: [first.taskArns![0]!, 'ffffffffffffffffffffffffffffffff'] }));
    expect(out.tasks).toHaveLength(1);
    expect(out.tasks![0]).toMatchObject({ launchType: 'EC2', desiredStatus: 'RUNNING', group: 'service:nick_app_service' });
    expect(out.tasks![0]!.startedBy).toMatch(/^ecs-svc\/\d{19}$/);
    expect(out.tasks![0]!.availabilityZone).toMatch(/^us-east-1[abc]$/);
    expect(out.failures).toEqual([
      { arn: 'arn:aws:ecs:us-east-1:123456789012:task/nick_ecs_cluster/ffffffffffffffffffffffffffffffff', reason: 'MISSING' },
    ]);
  });

  it('shows used host ports and task counts on container instances', async () => {
    const arns = (await ecs.send(new ListContainerInstancesCommand({ cluster }))).containerInstanceArns!;
    const cis = (await ecs.send(new DescribeContainerInstancesCommand({ cluster, containerInstances: arns }))).containerInstances!;
    const taskArns = (await ecs.send(new ListTasksCommand({ cluster }))).taskArns!;
    const tasks = (await ecs.send(new DescribeTasksCommand({ cluster, tasks: taskArns }))).tasks!;
    for (const ci of cis) {
      expect(ci).toMatchObject({ status: 'ACTIVE', agentConnected: true, runningTasksCount: 1 });
      const onIt = tasks.filter((t) => t.containerInstanceArn === ci.containerInstanceArn);
      const ports = ci.remainingResources!.find((r) => r.name === 'PORTS')!.stringSetValue!;
      for (const t of onIt) expect(ports).toContain(String(t.containers![0]!.networkBindings![0]!.hostPort));
      expect(ci.remainingResources!.find((r) => r.name === 'MEMORY')!.integerValue).toBe(982 - 256);
    }
  });

  it('stops a task on request; the service replaces it; the stopped task stays listed as STOPPED', async () => {
    const [victim] = (await ecs.send(new ListTasksCommand({ cluster, serviceName: 'nick_app_service' }))).taskArns!;
    const out = await ecs.send(new StopTaskCommand({ cluster, task: victim! }));
    expect(out.task!.desiredStatus).toBe('STOPPED');
    const stopped = await until(async () => {
      const t = (await ecs.send(new DescribeTasksCommand({ cluster, tasks: [victim!] }))).tasks![0]!;
      return t.lastStatus === 'STOPPED' ? t : undefined;
    });
    expect(stopped.stoppedReason).toBe('Task stopped by user');
    expect(stopped.stoppedAt).toBeInstanceOf(Date);
    const listedStopped = (await ecs.send(new ListTasksCommand({ cluster, desiredStatus: 'STOPPED' }))).taskArns!;
    expect(listedStopped).toContain(victim);
    await until(async () => {
      const s = (await ecs.send(new DescribeServicesCommand({ cluster, services: ['nick_app_service'] }))).services![0]!;
      return s.runningCount === 4 && s.pendingCount === 0;
    });
  });
});

describe('tags', () => {
  it('tags, lists and untags a cluster', async () => {
    const arn = sim.ctx.world.arn('ecs', `cluster/${cluster}`);
    await ecs.send(new TagResourceCommand({ resourceArn: arn, tags: [{ key: 'a', value: '1' }, { key: 'b', value: '2' }] }));
    await ecs.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ['a'] }));
    expect((await ecs.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags).toEqual([{ key: 'b', value: '2' }]);
    const missing = await failure(ecs.send(new ListTagsForResourceCommand({ resourceArn: sim.ctx.world.arn('ecs', 'cluster/ghost') })));
    expect(missing.name).toBe('ResourceNotFoundException');
  });
});
