// Module 04, step 2: service on the EC2 launch type, latest revision, 3 tasks behind the ALB,
// container port 8080 → the target group; its tasks are exactly the group's healthy targets.
import { expect } from 'vitest';
import { need, step } from '../helpers/suite/step.js';

const s = step('03-service');

const service = s.given('service.found', 'the new service exists', async (ctx) => {
  const found = await ctx.newService();
  return { value: found.value, evidence: { name: found.value.serviceName, arn: found.value.serviceArn, foundBy: found.via } };
});

s.check('service.launch-type', 'it runs on EC2 container instances (the EC2 launch type, or an Auto Scaling group capacity provider)', async (ctx) => {
  const svc = await service.get();
  const placement = await ctx.placementOf(svc);
  expect(placement.onEc2 ? 'EC2' : placement.how, `service ${svc.serviceName}: launch type or capacity provider`).toBe('EC2');
  return { evidence: { placement: placement.how } };
});

s.check('service.task-definition', 'it runs the latest task-definition revision', async (ctx) => {
  const svc = await service.get();
  const b = await need('preflight.cluster', ctx.baseline());
  expect(svc.taskDefinition, `service ${svc.serviceName}: task definition (latest is ${b.taskDefinition.family}:${b.taskDefinition.revision})`).toBe(b.taskDefinition.taskDefinitionArn);
  return { evidence: { taskDefinition: svc.taskDefinition } };
});

s.check('service.load-balancer', 'its load balancer maps container port 8080 to the target group', async (ctx) => {
  const svc = await service.get();
  const [tg, b] = await Promise.all([need('target-group.found', ctx.targetGroup()), need('preflight.cluster', ctx.baseline())]);
  const lbs = svc.loadBalancers ?? [];
  expect(lbs.length, `service ${svc.serviceName}: load balancers`).toBeGreaterThan(0);
  const entry = lbs.find((l) => l.targetGroupArn === tg.value.TargetGroupArn);
  expect(entry, `service ${svc.serviceName}: a load balancer entry for target group ${tg.value.TargetGroupName}; seen ${lbs.map((l) => l.targetGroupArn).join(', ')}`).toBeDefined();
  expect(entry!.containerName, `service ${svc.serviceName}: container name (the task definition's is ${b.container.name})`).toBe(b.container.name);
  expect(entry!.containerPort, `service ${svc.serviceName}: container port`).toBe(8080);
  return { evidence: { loadBalancers: lbs } };
});

s.check('service.tasks', 'desired 3 = running 3, one deployment', async (ctx) => {
  const svc = await service.get();
  const { value } = await ctx.wait(`service ${svc.serviceName} to run 3 tasks`, async () => {
    const now = await ctx.serviceNow(svc.serviceName!);
    const state = `desired ${now?.desiredCount}, running ${now?.runningCount}, pending ${now?.pendingCount}, deployments ${now?.deployments?.length}`;
    return { done: now?.runningCount === 3 && now.pendingCount === 0 && now.desiredCount === 3 && now.deployments?.length === 1, state, value: now };
  }).catch((err) => ({ value: undefined, err }));
  const now = value ?? (await ctx.serviceNow(svc.serviceName!));
  expect(now?.desiredCount, `service ${svc.serviceName}: desired count`).toBe(3);
  expect(now?.runningCount, `service ${svc.serviceName}: running count`).toBe(3);
  expect(now?.deployments?.length, `service ${svc.serviceName}: deployments (a rollout still in progress?)`).toBe(1);
  return { evidence: { desiredCount: now?.desiredCount, runningCount: now?.runningCount, deployments: now?.deployments?.length } };
});

s.check(
  'service.targets-healthy',
  "its 3 tasks are exactly the target group's healthy targets",
  async (ctx) => {
    const svc = await service.get();
    const tg = await need('target-group.found', ctx.targetGroup());
    const key = (id: string, port: number) => `${id}:${port}`;
    let tasks: string[] = [];
    let healthy: string[] = [];
    let seen = '';
    await ctx
      .wait(`the tasks of ${svc.serviceName} to be the healthy targets of ${tg.value.TargetGroupName}`, async () => {
        const endpoints = await ctx.taskEndpoints(svc.serviceName!);
        const health = await ctx.targetHealth();
        tasks = endpoints.map((e) => key(e.instanceId, e.hostPort)).sort();
        healthy = health.filter((h) => h.TargetHealth?.State === 'healthy').map((h) => key(h.Target!.Id!, h.Target!.Port!)).sort();
        seen = health.map((h) => `${h.Target?.Id}:${h.Target?.Port} ${h.TargetHealth?.State}${h.TargetHealth?.Reason ? ` (${h.TargetHealth.Reason})` : ''}`).join(', ') || 'no targets';
        return { done: tasks.length === 3 && JSON.stringify(tasks) === JSON.stringify(healthy), state: seen };
      })
      .catch(() => undefined);
    // On AWS a task whose target fails the health checks is stopped and replaced: a service whose targets are
    // all unhealthy churns (targets draining, new ones initial, maybe no RUNNING task). Its events say why.
    let why = '';
    if (tasks.length !== 3 || JSON.stringify(tasks) !== JSON.stringify(healthy)) {
      const events = (await ctx.serviceNow(svc.serviceName!))?.events ?? [];
      const event = events.find((e) => /is unhealthy in|failed ELB health checks/.test(e.message ?? ''))?.message;
      if (event) why = `; the service's latest health event: ${event}`;
    }
    expect(healthy, `target group ${tg.value.TargetGroupName}: healthy targets should be the service's tasks ${tasks.join(', ')}; targets seen: ${seen}${why}`).toEqual(tasks);
    expect(tasks.length, `service ${svc.serviceName}: RUNNING tasks with a host port (target group ${tg.value.TargetGroupName}: targets seen: ${seen}${why})`).toBe(3);
    return { evidence: { healthyTargets: healthy, targets: seen } };
  },
  { skipIf: (ctx) => ctx.profile.capabilities.unreliableHealth },
);
