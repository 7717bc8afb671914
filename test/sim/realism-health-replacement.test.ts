/**
 * realism.healthReplacement: a service task whose target turns unhealthy is stopped with ECS's
 * reason and replaced by the scheduler — once the health-check grace period has passed.
 */
import { DescribeServicesCommand, type ECSClient, type Task } from '@aws-sdk/client-ecs';
import { afterEach, describe, expect, it } from 'vitest';
import { startSim, type RunningSim } from '../../sim/index.js';
import type { TargetGroup } from '../../sim/world.js';
import { until } from './ecs-helpers.js';
import { ecsClient } from './ecs-world.js';
import { CLUSTER, describeTask, serviceBehindAlb, tasksOf } from './realism-helpers.js';

let sim: RunningSim | undefined;
let ecs: ECSClient | undefined;
afterEach(async () => {
  ecs?.destroy();
  await sim?.close();
});

/** Two tasks behind the ALB; one of them starts answering 500. */
async function oneTaskFailsChecks(healthReplacement: boolean, gracePeriodS = 0): Promise<{ tg: TargetGroup; sick: Task }> {
  sim = await startSim({ behaviours: { healthReplacement } });
  ecs = ecsClient(sim);
  const { tg, tasks } = await serviceBehindAlb(sim, ecs, 'checked', { desiredCount: 2, deregistrationDelayS: 5, gracePeriodS });
  const sick = tasks[0]!;
  sim.ctx.world.faults.taskMode.set(sick.taskArn!, 'error500');
  return { tg, sick };
}

/** The sick task's target has failed two more checks after turning unhealthy. */
function wellPastUnhealthy(tg: TargetGroup): () => boolean {
  return () => [...tg.targets.values()].some((t) => t.state === 'unhealthy' && t.consecutiveFail >= tg.healthCheck.unhealthyThresholdCount + 2);
}

describe('tasks failing ELB health checks (realism.healthReplacement)', () => {
  it('are stopped with ECS\'s reason and replaced', async () => {
    const { tg, sick } = await oneTaskFailsChecks(true);
    const stopped = await until(async () => {
      const t = await describeTask(ecs!, sick.taskArn!);
      return t.desiredStatus === 'STOPPED' ? t : undefined;
    });
    expect(stopped.stoppedReason).toBe(`Task failed ELB health checks in (target-group ${tg.arn})`);
    expect(stopped.stopCode).toBe('ServiceSchedulerInitiated');
    const running = await until(async () => {
      const now = await tasksOf(ecs!, 'checked');
      return now.length === 2 && now.every((t) => t.lastStatus === 'RUNNING') ? now : undefined;
    });
    expect(running.map((t) => t.taskArn)).not.toContain(sick.taskArn);
    const events = (await ecs!.send(new DescribeServicesCommand({ cluster: CLUSTER, services: ['checked'] }))).services![0]!.events!.map((e) => e.message);
    expect(events).toContainEqual(expect.stringMatching(/^\(service checked\) \(port \d+\) is unhealthy in \(target-group .+\) due to \(reason Health checks failed with these codes: \[500\]\)\.$/));
  });

  it('are left alone during the health-check grace period', async () => {
    const { tg, sick } = await oneTaskFailsChecks(true, 3_600);
    await until(wellPastUnhealthy(tg));
    expect((await describeTask(ecs!, sick.taskArn!)).desiredStatus).toBe('RUNNING');
  });

  it('are left alone without the switch', async () => {
    const { tg, sick } = await oneTaskFailsChecks(false);
    await until(wellPastUnhealthy(tg));
    expect((await describeTask(ecs!, sick.taskArn!)).desiredStatus).toBe('RUNNING');
  });
});
