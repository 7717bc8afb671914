/**
 * realism.taskStartJitter: provisioning and pending (pull + start) times vary, seeded, between
 * half and one and a half times their means (2 s, 5 s); without it they are the means exactly.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startSim, type RunningSim } from '../../sim/index.js';
import { PENDING_MS, PROVISIONING_MS, pendingMs, provisioningMs } from '../../sim/realism/jitter.js';

const sims: RunningSim[] = [];
afterEach(async () => {
  await Promise.all(sims.splice(0).map((s) => s.close()));
});

async function draws(taskStartJitter: boolean, seed?: number, n = 400): Promise<{ provisioning: number[]; pending: number[] }> {
  const sim = await startSim({ scenario: 'empty', behaviours: { taskStartJitter }, seed });
  sims.push(sim);
  const provisioning = Array.from({ length: n }, () => provisioningMs(sim.ctx));
  const pending = Array.from({ length: n }, () => pendingMs(sim.ctx));
  return { provisioning, pending };
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('task start times (realism.taskStartJitter)', () => {
  it('vary around the means, within half to one and a half times them', async () => {
    const { provisioning, pending } = await draws(true, 1);
    expect(new Set(pending).size).toBeGreaterThan(100);
    expect(Math.min(...pending)).toBeGreaterThanOrEqual(PENDING_MS * 0.5);
    expect(Math.max(...pending)).toBeLessThanOrEqual(PENDING_MS * 1.5);
    expect(Math.abs(mean(pending) - PENDING_MS)).toBeLessThan(PENDING_MS * 0.05);
    expect(Math.abs(mean(provisioning) - PROVISIONING_MS)).toBeLessThan(PROVISIONING_MS * 0.05);
  });

  it('repeat with the same seed and differ with another', async () => {
    const a = await draws(true, 42, 20);
    const b = await draws(true, 42, 20);
    const c = await draws(true, 43, 20);
    expect(a).toEqual(b);
    expect(a.pending).not.toEqual(c.pending);
  });

  it('are the means exactly without the switch', async () => {
    const { provisioning, pending } = await draws(false, 1, 20);
    expect(new Set(provisioning)).toEqual(new Set([PROVISIONING_MS]));
    expect(new Set(pending)).toEqual(new Set([PENDING_MS]));
  });
});
