// Module 04, step 3: the old service is scaled to 0, runs no task, and is deleted — and users
// of the ALB see no error while that happens.
import { expect } from 'vitest';
import { backgroundProbe } from '../helpers/traffic/distribution.js';
import { need, step } from '../helpers/suite/step.js';

const s = step('05-old-service');
let probe: ReturnType<typeof backgroundProbe> | undefined;

const scaled = s.given('old-service.scaled-to-zero', 'the old service is scaled to 0', async (ctx) => {
  const { cluster, oldService } = ctx.config.names;
  if (ctx.provisioning) {
    const { loadBalancer } = await need('load-balancer.found', ctx.alb());
    probe = backgroundProbe(ctx, loadBalancer, ctx.profile.timing.waitTimeoutMs);
    await ctx.scaleOldServiceToZero();
  }
  const svc = await ctx.serviceNow(oldService);
  const state = svc ? `${svc.status}, desired ${svc.desiredCount}` : 'gone';
  expect(svc === undefined || svc.status !== 'ACTIVE' || svc.desiredCount === 0, `service ${oldService} in ${cluster}: desired count 0 or deleted; seen ${state}`).toBe(true);
  return { value: true, evidence: { service: oldService, state } };
});

s.check('old-service.no-tasks', 'it runs no task', async (ctx) => {
  await scaled.get();
  const { oldService } = ctx.config.names;
  const { value } = await ctx
    .wait(`service ${oldService} to run no task`, async () => {
      const tasks = await ctx.tasksStillRunning(oldService);
      return { done: tasks.length === 0, state: `${tasks.length} tasks (${tasks.map((t) => t.lastStatus).join(', ')})`, value: tasks };
    })
    .catch(async () => ({ value: await ctx.tasksStillRunning(oldService) }));
  expect(value?.map((t) => `${t.taskArn?.split('/').pop()} ${t.lastStatus}`), `service ${oldService}: tasks not yet STOPPED`).toEqual([]);
  return { evidence: { tasks: 0 } };
});

s.check('old-service.deleted', 'it is deleted (INACTIVE or gone)', async (ctx) => {
  await scaled.get();
  const { cluster, oldService } = ctx.config.names;
  await ctx.deleteOldService();
  const { value } = await ctx
    .wait(`service ${oldService} to be INACTIVE or gone`, async () => {
      const svc = await ctx.serviceNow(oldService);
      const status = svc?.status ?? 'gone';
      return { done: status === 'INACTIVE' || status === 'gone', state: status, value: status };
    })
    .catch(async () => ({ value: (await ctx.serviceNow(oldService))?.status ?? 'gone' }));
  expect(['INACTIVE', 'gone'], `service ${oldService} in ${cluster}: status ${value}`).toContain(value);
  return { evidence: { status: value } };
});

s.check(
  'old-service.no-errors-during-drain',
  'the ALB answered 200 throughout the drain',
  async (ctx) => {
    await scaled.get();
    expect(probe, 'the drain probe was started with the scale-in').toBeDefined();
    const sample = await probe!.stop();
    const bad = sample.answers.filter((a) => a.status !== 200);
    expect(sample.total, `load balancer ${ctx.config.names.loadBalancer}: requests during the drain`).toBeGreaterThan(0);
    expect(bad.map((a) => a.error ?? `HTTP ${a.status}`), `load balancer ${ctx.config.names.loadBalancer}: answers other than 200 during the drain, of ${sample.total}`).toEqual([]);
    return { evidence: { requests: sample.total, non200: bad.length, elapsedMs: sample.elapsedMs } };
  },
  { skipIf: (ctx) => (ctx.provisioning ? undefined : 'verify mode: the drain happened before this run, so there was nothing to watch') },
);
