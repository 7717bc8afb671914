/**
 * ECS capacity providers: the actions' shapes and errors, a baseline made as today's console makes
 * it (`capacityProvider: true`), services placed by a strategy (no launch type; tasks on the cluster's
 * container instances, reporting launch type EC2 and their provider), and Fargate refused.
 */
import {
  CreateCapacityProviderCommand,
  CreateClusterCommand,
  CreateServiceCommand,
  DeleteCapacityProviderCommand,
  DescribeCapacityProvidersCommand,
  DescribeClustersCommand,
  DescribeContainerInstancesCommand,
  DescribeServicesCommand,
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
  PutClusterCapacityProvidersCommand,
  UpdateServiceCommand,
  type Task,
} from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type RunningSim } from '../../sim/index.js';
import { until } from './ecs-helpers.js';
import { ecsClient } from './ecs-world.js';

let sim: RunningSim;
let ecs: ECSClient;
const cluster = 'nick_ecs_cluster';
const ASG_ARN = (name: string) =>
  `arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:5f0c2d52-1111-4a7a-9d1b-1d2e3f4a5b6c:autoScalingGroupName/${name}`;

beforeAll(async () => {
  sim = await startSim({ nicknames: ['nick'], capacityProvider: true });
  ecs = ecsClient(sim);
});
afterAll(async () => {
  ecs?.destroy();
  await sim?.close();
});

async function failure(p: Promise<unknown>): Promise<{ name: string; message: string }> {
  try {
    await p;
  } catch (e) {
    return { name: (e as Error).name, message: (e as Error).message };
  }
  throw new Error('expected the call to fail');
}

async function tasksOf(serviceName: string): Promise<Task[]> {
  const arns = (await ecs.send(new ListTasksCommand({ cluster, serviceName }))).taskArns ?? [];
  return arns.length ? (await ecs.send(new DescribeTasksCommand({ cluster, tasks: arns }))).tasks! : [];
}

describe('the baseline as the console makes it', () => {
  it('gives the cluster an Auto Scaling group capacity provider named like the console, as its default strategy', async () => {
    const c = (await ecs.send(new DescribeClustersCommand({ clusters: [cluster] }))).clusters![0]!;
    const provider = c.defaultCapacityProviderStrategy![0]!.capacityProvider!;
    expect(provider).toMatch(/^Infra-ECS-Cluster-nick_ecs_cluster-[0-9a-f]{8}-AsgCapacityProvider-[A-Za-z0-9]{12}$/);
    expect(c.defaultCapacityProviderStrategy).toEqual([{ capacityProvider: provider, weight: 1, base: 0 }]);
    expect(c.capacityProviders).toEqual(['FARGATE', 'FARGATE_SPOT', provider]);

    const described = (await ecs.send(new DescribeCapacityProvidersCommand({ capacityProviders: [provider] }))).capacityProviders![0]!;
    expect(described).toMatchObject({ name: provider, status: 'ACTIVE', capacityProviderArn: `arn:aws:ecs:us-east-1:123456789012:capacity-provider/${provider}` });
    expect(described.autoScalingGroupProvider!.autoScalingGroupArn).toMatch(
      /^arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:[0-9a-f-]{36}:autoScalingGroupName\/Infra-ECS-Cluster-nick_ecs_cluster-[0-9a-f]{8}-ECSAutoScalingGroup-[A-Za-z0-9]{12}$/,
    );
    expect(described.autoScalingGroupProvider!.managedScaling).toMatchObject({ status: 'ENABLED', targetCapacity: 100 });
  });

  it('has the old service on that strategy: capacityProviderStrategy and no launchType, in the service and its deployment', async () => {
    const s = (await ecs.send(new DescribeServicesCommand({ cluster, services: ['nick_app_service'] }))).services![0]!;
    expect(s.launchType).toBeUndefined();
    expect(s.capacityProviderStrategy).toHaveLength(1);
    expect(s.deployments![0]!.launchType).toBeUndefined();
    expect(s.deployments![0]!.capacityProviderStrategy).toEqual(s.capacityProviderStrategy);
    const tasks = await tasksOf('nick_app_service');
    expect(tasks).toHaveLength(4);
    for (const t of tasks) {
      expect(t.launchType).toBe('EC2');
      expect(t.capacityProviderName).toBe(s.capacityProviderStrategy![0]!.capacityProvider);
      expect(t.containerInstanceArn).toMatch(/container-instance\/nick_ecs_cluster\//);
    }
  });
});

describe('CreateCapacityProvider', () => {
  it('creates with ECS defaults filled in and refuses a taken name, a reserved prefix and a used Auto Scaling group', async () => {
    const cp = (await ecs.send(new CreateCapacityProviderCommand({ name: 'extra-cp', autoScalingGroupProvider: { autoScalingGroupArn: ASG_ARN('extra') } }))).capacityProvider!;
    expect(cp).toMatchObject({
      name: 'extra-cp',
      status: 'ACTIVE',
      autoScalingGroupProvider: {
        autoScalingGroupArn: ASG_ARN('extra'),
        managedScaling: { status: 'DISABLED', targetCapacity: 100, minimumScalingStepSize: 1, maximumScalingStepSize: 10000, instanceWarmupPeriod: 300 },
        managedTerminationProtection: 'DISABLED',
        managedDraining: 'ENABLED',
      },
    });
    expect(await failure(ecs.send(new CreateCapacityProviderCommand({ name: 'extra-cp', autoScalingGroupProvider: { autoScalingGroupArn: ASG_ARN('other') } })))).toEqual({
      name: 'ClientException',
      message: 'The specified capacity provider already exists. To change the configuration of an existing capacity provider, update the capacity provider.',
    });
    for (const name of ['ecs-cp', 'AWS_cp', 'Fargate2', 'has space']) {
      const err = await failure(ecs.send(new CreateCapacityProviderCommand({ name, autoScalingGroupProvider: { autoScalingGroupArn: ASG_ARN(name) } })));
      expect(err.name, name).toBe('ClientException');
      expect(err.message, name).toContain('The specified capacity provider name is invalid.');
    }
    const reused = await failure(ecs.send(new CreateCapacityProviderCommand({ name: 'second-cp', autoScalingGroupProvider: { autoScalingGroupArn: ASG_ARN('extra') } })));
    expect(reused.message).toContain('already being used by another capacity provider');
  });
});

describe('DescribeCapacityProviders', () => {
  it('lists FARGATE and FARGATE_SPOT with the account own ones, pages by 10 at most, finds by ARN and reports unknown names', async () => {
    const all = (await ecs.send(new DescribeCapacityProvidersCommand({}))).capacityProviders!.map((c) => c.name);
    expect(all.slice(0, 2)).toEqual(['FARGATE', 'FARGATE_SPOT']);
    expect(all).toContain('extra-cp');
    const first = await ecs.send(new DescribeCapacityProvidersCommand({ maxResults: 1 }));
    expect(first.capacityProviders!.map((c) => c.name)).toEqual(['FARGATE']);
    const rest = await ecs.send(new DescribeCapacityProvidersCommand({ nextToken: first.nextToken }));
    expect(rest.capacityProviders!.map((c) => c.name)).toEqual(all.slice(1));
    expect((await failure(ecs.send(new DescribeCapacityProvidersCommand({ maxResults: 11 })))).name).toBe('InvalidParameterException');

    const byArn = await ecs.send(
      new DescribeCapacityProvidersCommand({ capacityProviders: ['arn:aws:ecs:us-east-1:123456789012:capacity-provider/extra-cp', 'FARGATE', 'nope'] }),
    );
    expect(byArn.capacityProviders!.map((c) => c.name)).toEqual(['extra-cp', 'FARGATE']);
    expect(byArn.capacityProviders![1]!.autoScalingGroupProvider).toBeUndefined();
    expect(byArn.failures).toEqual([{ arn: 'arn:aws:ecs:us-east-1:123456789012:capacity-provider/nope', reason: 'MISSING' }]);
  });
});

describe('PutClusterCapacityProviders and CreateCluster', () => {
  it('associates providers with a default strategy and refuses a strategy naming a provider not in the list, or an unknown provider', async () => {
    await ecs.send(new CreateClusterCommand({ clusterName: 'cp_cluster' }));
    const put = (capacityProviders: string[], defaultCapacityProviderStrategy: { capacityProvider: string; weight?: number; base?: number }[]) =>
      ecs.send(new PutClusterCapacityProvidersCommand({ cluster: 'cp_cluster', capacityProviders, defaultCapacityProviderStrategy }));
    expect(await failure(put(['extra-cp'], [{ capacityProvider: 'FARGATE', weight: 1 }]))).toEqual({
      name: 'InvalidParameterException',
      message:
        'The specified capacity provider strategy cannot contain a capacity provider that is not associated with the cluster. Associate the capacity provider with the cluster or specify a valid capacity provider and try again.',
    });
    expect(await failure(put(['no-such-cp'], []))).toEqual({
      name: 'InvalidParameterException',
      message: 'The specified capacity provider was not found. Specify a valid capacity provider and try again.',
    });
    expect((await failure(put(['extra-cp', 'FARGATE'], [{ capacityProvider: 'extra-cp', weight: 1 }, { capacityProvider: 'FARGATE', weight: 1 }]))).message).toContain('mix');
    expect((await failure(put(['extra-cp'], [{ capacityProvider: 'extra-cp', weight: 1001 }]))).name).toBe('InvalidParameterException');

    const out = (await put(['extra-cp'], [{ capacityProvider: 'extra-cp', weight: 2 }])).cluster!;
    expect(out.capacityProviders).toEqual(['extra-cp']);
    expect(out.defaultCapacityProviderStrategy).toEqual([{ capacityProvider: 'extra-cp', weight: 2, base: 0 }]);

    // a provider belongs to one cluster only
    const provider = (await ecs.send(new DescribeClustersCommand({ clusters: [cluster] }))).clusters![0]!.defaultCapacityProviderStrategy![0]!.capacityProvider!;
    expect((await failure(put([provider], []))).name).toBe('InvalidParameterException');
  });

  it('accepts providers in CreateCluster and is idempotent only for the same ones', async () => {
    await ecs.send(new CreateCapacityProviderCommand({ name: 'created-with-cluster', autoScalingGroupProvider: { autoScalingGroupArn: ASG_ARN('cwc') } }));
    const c = (
      await ecs.send(
        new CreateClusterCommand({
          clusterName: 'cp_cluster_2',
          capacityProviders: ['created-with-cluster'],
          defaultCapacityProviderStrategy: [{ capacityProvider: 'created-with-cluster', base: 1, weight: 1 }],
        }),
      )
    ).cluster!;
    expect(c.defaultCapacityProviderStrategy).toEqual([{ capacityProvider: 'created-with-cluster', base: 1, weight: 1 }]);
    expect((await failure(ecs.send(new CreateClusterCommand({ clusterName: 'cp_cluster_2', capacityProviders: ['FARGATE'] })))).message).toBe(
      'Arguments on this idempotent request are inconsistent with arguments used in previous request(s).',
    );
  });
});

describe('CreateService placement', () => {
  it('refuses a launch type together with a strategy, with ECS message', async () => {
    expect(
      await failure(
        ecs.send(
          new CreateServiceCommand({
            cluster,
            serviceName: 'both',
            taskDefinition: 'nick_app_service',
            desiredCount: 1,
            launchType: 'EC2',
            capacityProviderStrategy: [{ capacityProvider: 'FARGATE', weight: 1 }],
          }),
        ),
      ),
    ).toEqual({ name: 'InvalidParameterException', message: 'Specifying both a launch type and capacity provider strategy is not supported. Remove one and try again.' });
  });

  it('refuses FARGATE and FARGATE_SPOT for the bridge-mode task definition', async () => {
    for (const capacityProvider of ['FARGATE', 'FARGATE_SPOT']) {
      const err = await failure(
        ecs.send(new CreateServiceCommand({ cluster, serviceName: 'on_fargate', taskDefinition: 'nick_app_service', desiredCount: 1, capacityProviderStrategy: [{ capacityProvider, weight: 1 }] })),
      );
      expect(err).toEqual({ name: 'InvalidParameterException', message: 'Task definition does not support launch_type FARGATE.' });
    }
  });

  it('places a service with neither on the cluster default strategy; its tasks run on the container instances', async () => {
    const created = (await ecs.send(new CreateServiceCommand({ cluster, serviceName: 'on_default', taskDefinition: 'nick_app_service', desiredCount: 2 }))).service!;
    expect(created.launchType).toBeUndefined();
    const provider = created.capacityProviderStrategy![0]!.capacityProvider!;
    expect(provider).toMatch(/AsgCapacityProvider/);
    const tasks = await until(async () => {
      const t = await tasksOf('on_default');
      return t.length === 2 && t.every((x) => x.lastStatus === 'RUNNING') && t;
    });
    const instances = (await ecs.send(new DescribeContainerInstancesCommand({ cluster, containerInstances: tasks.map((t) => t.containerInstanceArn!) }))).containerInstances!;
    expect(instances.every((ci) => ci.ec2InstanceId?.startsWith('i-'))).toBe(true);
    expect(tasks.map((t) => [t.launchType, t.capacityProviderName])).toEqual([
      ['EC2', provider],
      ['EC2', provider],
    ]);
    expect(tasks[0]!.containers![0]!.networkBindings![0]!.hostPort).toBeGreaterThanOrEqual(32768);
  });

  it('keeps the launch type of a service created with one, without a strategy', async () => {
    const s = (await ecs.send(new CreateServiceCommand({ cluster, serviceName: 'with_ec2', taskDefinition: 'nick_app_service', desiredCount: 0, launchType: 'EC2' }))).service!;
    expect(s.launchType).toBe('EC2');
    expect(s.capacityProviderStrategy).toBeUndefined();
  });
});

describe('DeleteCapacityProvider', () => {
  it('fails to delete a provider in use by a cluster (DELETE_FAILED), refuses to drop it while a service uses it, deletes a free one', async () => {
    const provider = (await ecs.send(new DescribeClustersCommand({ clusters: [cluster] }))).clusters![0]!.defaultCapacityProviderStrategy![0]!.capacityProvider!;
    const failed = (await ecs.send(new DeleteCapacityProviderCommand({ capacityProvider: provider }))).capacityProvider!;
    expect(failed).toMatchObject({ status: 'ACTIVE', updateStatus: 'DELETE_FAILED' });
    expect(failed.updateStatusReason).toBe(
      `The capacity provider cannot be deleted because it is associated with cluster: ${cluster}. Remove the capacity provider from the cluster and try again.`,
    );
    expect(
      await failure(ecs.send(new PutClusterCapacityProvidersCommand({ cluster, capacityProviders: ['FARGATE'], defaultCapacityProviderStrategy: [] }))),
    ).toEqual({ name: 'ResourceInUseException', message: 'The specified capacity provider is in use and cannot be removed.' });

    await ecs.send(new CreateCapacityProviderCommand({ name: 'free-cp', autoScalingGroupProvider: { autoScalingGroupArn: ASG_ARN('free') } }));
    const deleted = (await ecs.send(new DeleteCapacityProviderCommand({ capacityProvider: 'free-cp' }))).capacityProvider!;
    expect(deleted.status).toBe('INACTIVE');
    const listed = (await ecs.send(new DescribeCapacityProvidersCommand({}))).capacityProviders!.map((c) => c.name);
    expect(listed).not.toContain('free-cp');
    expect((await failure(ecs.send(new DeleteCapacityProviderCommand({ capacityProvider: 'FARGATE' })))).name).toBe('ClientException');
  });

  it('lets the old service scale to zero on its strategy, as the workshop does', async () => {
    const s = (await ecs.send(new UpdateServiceCommand({ cluster, service: 'nick_app_service', desiredCount: 0 }))).service!;
    expect(s.launchType).toBeUndefined();
    await until(async () => (await tasksOf('nick_app_service')).length === 0);
  });
});

describe('without capacityProvider', () => {
  it('keeps the baseline as before: EC2 launch type, no providers on the cluster', async () => {
    const plain = await startSim({ nicknames: ['plain'] });
    const client = ecsClient(plain);
    try {
      const c = (await client.send(new DescribeClustersCommand({ clusters: ['plain_ecs_cluster'] }))).clusters![0]!;
      expect([c.capacityProviders, c.defaultCapacityProviderStrategy]).toEqual([[], []]);
      const s = (await client.send(new DescribeServicesCommand({ cluster: 'plain_ecs_cluster', services: ['plain_app_service'] }))).services![0]!;
      expect([s.launchType, s.capacityProviderStrategy]).toEqual(['EC2', undefined]);
      const created = (await client.send(new CreateServiceCommand({ cluster: 'plain_ecs_cluster', serviceName: 'no_default', taskDefinition: 'plain_app_service', desiredCount: 0 }))).service!;
      expect(created.launchType).toBe('EC2');
    } finally {
      client.destroy();
      await plain.close();
    }
  });
});
