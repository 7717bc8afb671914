// Before Module 04: the target answers and the end state of modules 01–03 is there.
import { expect } from 'vitest';
import { step } from '../helpers/suite/step.js';

const s = step('00-preflight');

s.check('preflight.target-reachable', 'the target answers and says who we are', async (ctx) => {
  const where = `target ${ctx.profile.name} (${ctx.profile.endpoint ?? `AWS ${ctx.profile.region}`})`;
  const id = await ctx.callerIdentity().catch((err: Error) => err);
  expect(id instanceof Error ? `${id.name}: ${id.message.split('\n')[0]}` : 'answered', `${where}: STS GetCallerIdentity`).toBe('answered');
  const { Account, Arn } = id as Exclude<typeof id, Error>;
  expect(Account, `${where}: caller identity account`).toMatch(/^\d{12}$/);
  return { evidence: { target: ctx.profile.name, account: Account, arn: Arn } };
});

const baseline = s.given('preflight.cluster', 'the cluster, its container instances and their shared security group are found', async (ctx) => {
  const b = await ctx.baseline();
  return {
    value: b,
    evidence: {
      cluster: b.cluster.clusterName,
      containerInstances: b.containerInstances.length,
      instances: b.instances.map((i) => i.InstanceId),
      instanceSecurityGroup: `${b.instanceGroup.GroupId} (${b.instanceGroup.GroupName})`,
    },
  };
});

s.check('preflight.availability-zones', 'container instances run in at least 3 availability zones', async () => {
  const b = await baseline.get();
  expect(b.availabilityZones.length, `cluster ${b.cluster.clusterName}: availability zones of its container instances ${b.availabilityZones.join(', ')}`).toBeGreaterThanOrEqual(3);
  return { evidence: { availabilityZones: b.availabilityZones } };
});

const container = s.given('preflight.container-name', 'the container that maps port 8080 is read from the task definition', async () => {
  const b = await baseline.get();
  const td = `${b.taskDefinition.family}:${b.taskDefinition.revision}`;
  const seen = b.portMappings.map((m) => `${m.name} ${m.hostPort}→${m.containerPort}`).join(', ') || 'no port mappings';
  expect(b.container.name, `task definition ${td}: a container mapping container port 8080; mappings seen: ${seen}`).not.toBe('');
  return { value: b.container, evidence: { taskDefinition: td, containerName: b.container.name } };
});

s.check('preflight.dynamic-port', 'the latest task definition maps a dynamic host port to container port 8080', async () => {
  const b = await baseline.get();
  const c = await container.get();
  expect(c.hostPort, `task definition ${b.taskDefinition.family}:${b.taskDefinition.revision}: host port for container port 8080 (0 = dynamic)`).toBe(0);
  return { evidence: { taskDefinition: `${b.taskDefinition.family}:${b.taskDefinition.revision}`, hostPort: c.hostPort, containerPort: 8080 } };
});

s.check(
  'preflight.old-service',
  'the old service runs, without a load balancer',
  async (ctx) => {
    await baseline.get();
    const old = await ctx.serviceNow(ctx.config.names.oldService);
    expect(old?.status, `service ${ctx.config.names.oldService} in ${ctx.config.names.cluster}: status`).toBe('ACTIVE');
    expect(old?.loadBalancers ?? [], `service ${ctx.config.names.oldService}: load balancers`).toEqual([]);
    return { evidence: { service: old?.serviceName, desiredCount: old?.desiredCount, runningCount: old?.runningCount } };
  },
  { skipIf: (ctx) => (ctx.provisioning ? undefined : 'verify mode: by now the old service should be gone; 05-old-service checks that') },
);
