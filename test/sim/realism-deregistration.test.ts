/**
 * Deregistration delay on service deletion (always), and with realism.deregistrationDelay the
 * stop that follows: SIGTERM ignored by the Node app, SIGKILL after the 30 s stop timeout, exit
 * code 137. The delay is the target group's attribute, changed through the API.
 */
import { DeleteServiceCommand, DescribeServicesCommand, type ECSClient } from '@aws-sdk/client-ecs';
import {
  DescribeTargetGroupAttributesCommand,
  DescribeTargetHealthCommand,
  ModifyTargetGroupAttributesCommand,
  type ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { afterEach, describe, expect, it } from 'vitest';
import { startSim, type RunningSim } from '../../sim/index.js';
import { httpGet, until } from './ecs-helpers.js';
import { ecsClient } from './ecs-world.js';
import { elbClient } from './elbv2-fixtures.js';
import { CLUSTER, describeTask, serviceBehindAlb, taskUrl } from './realism-helpers.js';

const TIME_SCALE = 0.05;
const DELAY_S = 20;
const STOP_TIMEOUT_S = 30;

let sim: RunningSim | undefined;
let ecs: ECSClient | undefined;
let elb: ElasticLoadBalancingV2Client | undefined;
afterEach(async () => {
  ecs?.destroy();
  elb?.destroy();
  await sim?.close();
});

async function deleteServiceBehindAlb(deregistrationDelay: boolean) {
  sim = await startSim({ timeScale: TIME_SCALE, behaviours: { deregistrationDelay } });
  ecs = ecsClient(sim);
  elb = elbClient(sim);
  const { tg, tasks } = await serviceBehindAlb(sim, ecs, 'drained', { deregistrationDelayS: 300 });
  await elb.send(new ModifyTargetGroupAttributesCommand({ TargetGroupArn: tg.arn, Attributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: String(DELAY_S) }] }));
  const attrs = (await elb.send(new DescribeTargetGroupAttributesCommand({ TargetGroupArn: tg.arn }))).Attributes!;
  expect(attrs.find((a) => a.Key === 'deregistration_delay.timeout_seconds')?.Value).toBe(String(DELAY_S));

  const task = tasks[0]!;
  const started = Date.now();
  await ecs.send(new DeleteServiceCommand({ cluster: CLUSTER, service: 'drained', force: true }));
  await until(async () => (await describeTask(ecs!, task.taskArn!)).lastStatus === 'DEACTIVATING');
  const health = (await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: tg.arn }))).TargetHealthDescriptions!;
  const serviceWhileDraining = (await ecs.send(new DescribeServicesCommand({ cluster: CLUSTER, services: ['drained'] }))).services![0]!.status;

  await until(async () => (await describeTask(ecs!, task.taskArn!)).lastStatus !== 'DEACTIVATING');
  const answersWhileStopping = await httpGet(taskUrl(sim, task), 1_000).then((a) => a.status, () => 'no answer');
  const stopped = await until(async () => {
    const t = await describeTask(ecs!, task.taskArn!);
    return t.lastStatus === 'STOPPED' ? t : undefined;
  }, 30_000);
  const elapsedMs = Date.now() - started;
  return {
    targetStates: health.map((h) => h.TargetHealth!.State),
    serviceWhileDraining,
    answersWhileStopping,
    exitCode: stopped.containers![0]!.exitCode,
    elapsedMs,
    serviceAfter: await until(async () => {
      const s = (await ecs!.send(new DescribeServicesCommand({ cluster: CLUSTER, services: ['drained'] }))).services![0]!.status;
      return s === 'INACTIVE' ? s : undefined;
    }),
  };
}

describe('deleting a service behind a target group', () => {
  it('drains its target for the delay set through the API, then (realism) waits the stop timeout and kills the app', async () => {
    const out = await deleteServiceBehindAlb(true);
    expect(out.targetStates).toEqual(['draining']);
    expect(out.serviceWhileDraining).toBe('DRAINING');
    expect(out.answersWhileStopping).toBe(200);
    expect(out.exitCode).toBe(137);
    expect(out.serviceAfter).toBe('INACTIVE');
    expect(out.elapsedMs).toBeGreaterThanOrEqual((DELAY_S + STOP_TIMEOUT_S) * 1000 * TIME_SCALE);
  });

  it('without the switch: the same drain, then a clean stop (exit 0, sockets closed at once)', async () => {
    const out = await deleteServiceBehindAlb(false);
    expect(out.targetStates).toEqual(['draining']);
    expect(out.serviceWhileDraining).toBe('DRAINING');
    expect(out.answersWhileStopping).toBe('no answer');
    expect(out.exitCode).toBe(0);
    expect(out.elapsedMs).toBeGreaterThanOrEqual(DELAY_S * 1000 * TIME_SCALE);
  });
});
