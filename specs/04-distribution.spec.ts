// Module 04, step 2 (the proof): refreshing the ALB's DNS name shows different containers —
// every answer is 200, comes from a task of the new service, all 3 tasks answer, evenly.
import { expect } from 'vitest';
import { need, recordDistribution, step } from '../helpers/suite/step.js';
import { sampleAcrossTasks } from '../helpers/traffic/distribution.js';
import { untilReadyByTraffic } from '../helpers/traffic/readiness.js';

const s = step('04-distribution');

const sample = s.given('distribution.reachable', 'the ALB DNS name answers', async (ctx) => {
  const svc = await need('service.found', ctx.newService());
  const { loadBalancer } = await need('load-balancer.found', ctx.alb());
  await untilReadyByTraffic(ctx, loadBalancer, svc.value.serviceName!);
  const result = await sampleAcrossTasks(ctx, loadBalancer, svc.value.serviceName!);
  // a request that timed out is not an answer: only an HTTP status proves the name answers
  const answered = result.sample.answers.filter((a) => a.status > 0).length;
  const first = result.sample.answers[0];
  expect(answered, `${result.url}: HTTP answers out of ${result.sample.total} requests (first: ${first?.error ?? `HTTP ${first?.status}`})`).toBeGreaterThan(0);
  return { value: result, evidence: { url: result.url, requests: result.sample.total, answered, retriedOnce: result.sample.retries, elapsedMs: result.sample.elapsedMs } };
});

s.check('distribution.all-ok', 'every answer is 200', async () => {
  const { sample: smp, url } = await sample.get();
  const bad = smp.answers.filter((a) => a.status !== 200);
  const seen = bad.slice(0, 5).map((a) => a.error ?? `HTTP ${a.status}`).join(', ');
  expect(bad.length, `${url}: answers other than 200 out of ${smp.total} (first: ${seen})`).toBe(0);
  return { evidence: { requests: smp.total, non200: bad.length, retriedOnce: smp.retries } };
});

s.check('distribution.attributed', 'every answer comes from a task of the new service', async () => {
  const { sample: smp, url, tasks, unattributed, foreign } = await sample.get();
  expect(unattributed, `${url}: answers that name no container (first body: ${smp.answers.find((a) => !a.id)?.bodySnippet ?? '-'})`).toBe(0);
  expect(foreign, `${url}: answers from containers that are not tasks of the new service (its tasks: ${tasks.map((t) => t.runtimeId.slice(0, 12)).join(', ')})`).toEqual([]);
  return { evidence: { tasks: tasks.map((t) => t.taskId) } };
});

s.check('distribution.all-tasks', 'all 3 tasks answer', async (_ctx, test) => {
  const { distribution, url, verdict } = await sample.get();
  recordDistribution(test, distribution);
  const silent = Object.entries(distribution).filter(([, n]) => n === 0).map(([id]) => id);
  expect(Object.keys(distribution).length, `${url}: tasks of the new service`).toBe(3);
  expect(silent, `${url}: tasks that never answered in ${verdict.total} requests (${verdict.reason})`).toEqual([]);
  return { evidence: { distribution } };
});

s.check('distribution.even', 'the spread is even (chi-square does not reject)', async (_ctx, test) => {
  const { distribution, url, verdict } = await sample.get();
  recordDistribution(test, distribution);
  expect(verdict.decided, `${url}: spread over the tasks ${JSON.stringify(distribution)} — ${verdict.reason}`).toBe('even');
  return { evidence: { distribution, pValue: verdict.chi?.pValue, decidedAfter: verdict.total } };
});
