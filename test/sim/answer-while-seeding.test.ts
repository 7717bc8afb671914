/**
 * startSim({ answerWhileSeeding }): the gateway listens before the baseline is seeded (the suite
 * starts vitest meanwhile), and a request that comes early waits for the seeding: it sees the
 * whole start state — the old service's 4 tasks RUNNING — never a half-built one.
 */
import { DescribeServicesCommand, ECSClient } from '@aws-sdk/client-ecs';
import { afterEach, describe, expect, it } from 'vitest';
import { startSim, type RunningSim } from '../../sim/index.js';

let sim: RunningSim | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

describe('startSim answerWhileSeeding', () => {
  it('resolves before the seeding is done; an early request waits for it and sees the seeded state', async () => {
    let seeded = false;
    sim = await startSim({ timeScale: 0.05, answerWhileSeeding: true });
    void sim.seeded.then(() => (seeded = true));
    expect(seeded, 'startSim resolved before the old service had started').toBe(false);
    const ecs = new ECSClient({ endpoint: sim.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    try {
      const { services } = await ecs.send(new DescribeServicesCommand({ cluster: 'nick_ecs_cluster', services: ['nick_app_service'] }));
      expect(seeded, 'the answer came after the seeding').toBe(true);
      expect(services?.[0]).toMatchObject({ serviceName: 'nick_app_service', status: 'ACTIVE', desiredCount: 4, runningCount: 4, pendingCount: 0 });
    } finally {
      ecs.destroy();
    }
  });

  it('without it, startSim resolves once seeded', async () => {
    sim = await startSim({ timeScale: 0.05 });
    let seeded = false;
    void sim.seeded.then(() => (seeded = true));
    await Promise.resolve();
    expect(seeded).toBe(true);
  });
});
