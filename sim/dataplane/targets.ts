/**
 * Target registration, shared by RegisterTargets/DeregisterTargets and the ECS scheduler.
 * Health transitions belong to the health checker; this file only adds, drains and removes.
 */
import type { SimContext } from '../context.js';
import type { TargetGroup } from '../world.js';

export const targetKey = (id: string, port: number): string => `${id}:${port}`;

/** Load balancers whose listeners forward to this target group. */
export function loadBalancersOf(ctx: SimContext, tg: TargetGroup): string[] {
  const arns = new Set<string>();
  for (const l of ctx.world.listeners.values()) {
    for (const a of l.defaultActions) {
      const tgs = [a.TargetGroupArn, ...(a.ForwardConfig?.TargetGroups ?? []).map((t) => t.TargetGroupArn)];
      if (tgs.includes(tg.arn)) arns.add(l.loadBalancerArn);
    }
  }
  return [...arns];
}

export function registerTarget(ctx: SimContext, tg: TargetGroup, id: string, port: number): void {
  const key = targetKey(id, port);
  const existing = tg.targets.get(key);
  if (existing && existing.state !== 'draining') return;
  if (existing?.drainTimer) ctx.clock.cancel(existing.drainTimer);
  const az = ctx.world.instances.get(id)?.availabilityZone;
  const inUse = loadBalancersOf(ctx, tg).length > 0;
  tg.targets.set(key, {
    id,
    port,
    availabilityZone: az,
    state: inUse ? 'initial' : 'unused',
    reason: inUse ? 'Elb.RegistrationInProgress' : 'Target.NotInUse',
    description: inUse ? 'Target registration is in progress' : 'Target group is not configured to receive traffic from the load balancer',
    consecutiveOk: 0,
    consecutiveFail: 0,
  });
  ctx.alb.refresh();
}

/**
 * Routing stops at once; the target shows `draining` for the deregistration delay
 * (attribute deregistration_delay.timeout_seconds, default 300 s), then disappears.
 * Resolves when the target is gone.
 */
export function deregisterTarget(ctx: SimContext, tg: TargetGroup, id: string, port: number): Promise<void> {
  const key = targetKey(id, port);
  const t = tg.targets.get(key);
  if (!t) return Promise.resolve();
  if (t.state === 'unused') {
    tg.targets.delete(key);
    return Promise.resolve();
  }
  const delayS = Number(tg.attributes.get('deregistration_delay.timeout_seconds') ?? '300');
  t.state = 'draining';
  t.reason = 'Target.DeregistrationInProgress';
  t.description = 'Target deregistration is in progress';
  return new Promise((resolve) => {
    if (t.drainTimer) ctx.clock.cancel(t.drainTimer);
    t.drainTimer = ctx.clock.after(
      delayS * 1000,
      () => {
        if (tg.targets.get(key) === t) tg.targets.delete(key);
        ctx.alb.refresh();
        resolve();
      },
      'deregistration',
    );
  });
}
