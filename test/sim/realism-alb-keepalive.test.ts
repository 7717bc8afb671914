/**
 * realism.albKeepAlive: the ALB keeps an idle upstream connection for its idle timeout, the
 * task's Node server closes it after 5 s (simulated), and the next request the ALB writes on it
 * is answered 502 by the ALB — not retried. The next one, on a fresh connection, succeeds.
 */
import type { ECSClient } from '@aws-sdk/client-ecs';
import { afterEach, describe, expect, it } from 'vitest';
import { startSim, type RunningSim } from '../../sim/index.js';
import { ecsClient } from './ecs-world.js';
import { callAlbFresh, serviceBehindAlb, sleep } from './realism-helpers.js';

const TIME_SCALE = 0.05;
/** Node's keep-alive timeout is 5 s simulated = 250 ms here, and Node 20 closes about 1 s after it: 3 s is well past. */
const PAST_TARGET_KEEP_ALIVE_MS = 3_000;

let sim: RunningSim | undefined;
let ecs: ECSClient | undefined;
afterEach(async () => {
  ecs?.destroy();
  await sim?.close();
});

async function firstThenAfterIdle(albKeepAlive: boolean): Promise<number[]> {
  sim = await startSim({ timeScale: TIME_SCALE, behaviours: { albKeepAlive } });
  ecs = ecsClient(sim);
  const { lb } = await serviceBehindAlb(sim, ecs, 'keepalive');
  // The ALB would otherwise keep its pooled connection 60 s (3 s real): make that a margin too.
  lb.attributes.set('idle_timeout.timeout_seconds', '4000');
  const statuses = [(await callAlbFresh(sim, lb)).status];
  await sleep(PAST_TARGET_KEEP_ALIVE_MS);
  const second = await callAlbFresh(sim, lb);
  statuses.push(second.status);
  if (second.status === 502) expect(second.server).toBe('awselb/2.0');
  statuses.push((await callAlbFresh(sim, lb)).status);
  return statuses;
}

describe('ALB keep-alive race (realism.albKeepAlive)', () => {
  it('answers 502 when it reuses a connection the target has closed, then recovers on a fresh one', async () => {
    expect(await firstThenAfterIdle(true)).toEqual([200, 502, 200]);
  });

  it('without the switch the ALB never hands the client a 502 for it', async () => {
    expect(await firstThenAfterIdle(false)).toEqual([200, 200, 200]);
  });
});
