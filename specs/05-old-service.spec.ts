// Module 04, step 3: the old service is scaled to 0, runs no task, and is deleted — and users
// of the ALB see no error while that happens.
import { expect } from 'vitest';
import { backgroundProbe } from '../helpers/traffic/distribution.js';
import { need, step } from '../helpers/suite/step.js';

const s = step('05-old-service');
let probe: ReturnType<typeof backgroundProbe> | undefined;

// The old service is found by name or by links (it runs the module's family without a load
// balancer): "not found under that name" never passes while such a service still runs.
const scaled = s.given('old-service.scaled-to-zero', 'the old service is scaled to 0', async (ctx) => {
  const { cluster } = ctx.config.names;
  if (ctx.provisioning) {
    const { loadBalancer } = await need('load-balancer.found', ctx.alb());
    probe = backgroundProbe(ctx, loadBalancer, ctx.profile.timing.waitTimeoutMs);
    await ctx.scaleOldServiceToZero();
  }
  const { service: svc, name, via } = await ctx.oldService();
  const state = svc ? `${svc.status}, desired ${svc.desiredCount}` : 'gone';
  expect(svc === undefined || svc.status !== 'ACTIVE' || svc.desiredCount === 0, `service ${name} in ${cluster}: desired count 0 or deleted; seen ${state}`).toBe(true);
  return { value: true, evidence: { service: name, state, foundBy: via } };
});

s.check('old-service.no-tasks', 'it runs no task', async (ctx) => {
  await scaled.get();
  const { name } = await ctx.oldService();
  const { value } = await ctx
    .wait(`service ${name} to run no task`, async () => {
      const tasks = await ctx.oldServiceTasksStillRunning();
      return { done: tasks.length === 0, state: `${tasks.length} tasks (${tasks.map((t) => t.lastStatus).join(', ')})`, value: tasks };
    })
    .catch(async () => ({ value: await ctx.oldServiceTasksStillRunning() }));
  expect(value?.map((t) => `${t.taskArn?.split('/').pop()} ${t.lastStatus}`), `service ${name}: tasks not yet STOPPED`).toEqual([]);
  return { evidence: { tasks: 0 } };
});

s.check('old-service.deleted', 'it is deleted (INACTIVE or gone)', async (ctx) => {
  await scaled.get();
  const { cluster } = ctx.config.names;
  await ctx.deleteOldService();
  const status = async () => {
    const { service, name, via } = await ctx.oldService();
    return { status: service?.status ?? 'gone', name, via };
  };
  const { value } = await ctx
    .wait('the old service to be INACTIVE or gone', async () => {
      const now = await status();
      return { done: now.status === 'INACTIVE' || now.status === 'gone', state: now.status, value: now };
    })
    .catch(async () => ({ value: await status() }));
  expect(['INACTIVE', 'gone'], `service ${value!.name} in ${cluster}: status ${value!.status}`).toContain(value!.status);
  return { evidence: { status: value!.status, foundBy: value!.via } };
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
    return { evidence: { requests: sample.total, non200: bad.length, retriedOnce: sample.retries, elapsedMs: sample.elapsedMs } };
  },
  { skipIf: (ctx) => (ctx.provisioning ? undefined : 'verify mode: the drain happened before this run, so there was nothing to watch') },
);
