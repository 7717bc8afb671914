/**
 * Task start times (taskStartJitter). Without the switch a task spends exactly
 * PROVISIONING_MS in PROVISIONING and PENDING_MS in PENDING (image pull and container start).
 * With it, each phase lasts a seeded random between half and one and a half times that mean,
 * so tasks of one deployment come up in a different order and the means — and thus the
 * suite's expected wait — stay what they were. Why these means: AWS publishes no figure; 2 s to
 * place and 5 s to pull a small Node image from a registry and start it are what the simulator
 * already used, a plausible order for a ~50 MB image on a warm container instance.
 */
import type { SimContext } from '../context.js';

export const PROVISIONING_MS = 2_000;
export const PENDING_MS = 5_000;
const SPREAD = 0.5;

function around(ctx: SimContext, meanMs: number, stream: string): number {
  if (!ctx.realism.taskStartJitter) return meanMs;
  return Math.round(meanMs * ctx.random.between(stream, 1 - SPREAD, 1 + SPREAD));
}

export const provisioningMs = (ctx: SimContext): number => around(ctx, PROVISIONING_MS, 'task-provisioning');
export const pendingMs = (ctx: SimContext): number => around(ctx, PENDING_MS, 'task-pending');
