/**
 * Target registration, shared by RegisterTargets/DeregisterTargets and the ECS scheduler.
 * Health transitions belong to the health checker; this file only adds, drains and removes.
 */
import type { SimContext } from '../context.js';
import type { Target, TargetGroup } from '../world.js';
import { isLocalstack } from '../personas/localstack.js';

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

export function registerTarget(ctx: SimContext, tg: TargetGroup, id: string, port: number, availabilityZone?: string): void {
  const key = targetKey(id, port);
  const existing = tg.targets.get(key);
  if (existing && existing.state !== 'draining') return;
  if (existing?.drainTimer) ctx.clock.cancel(existing.drainTimer);
  const az = availabilityZone ?? ctx.world.instances.get(id)?.availabilityZone;
  tg.targets.set(key, { id, port, availabilityZone: az, ...initialHealth(ctx, tg), consecutiveOk: 0, consecutiveFail: 0 });
  ctx.alb.refresh();
}

/**
 * AWS: `initial` (or `unused` while no listener uses the group) until health checks decide.
 * LocalStack persona: `healthy` at once and for good, no check ever runs. LocalStack documents
 * no health checking; its ELBv2 control plane is built on moto (localstack/localstack#3614,
 * localstack/moto#73), which reports a registered target healthy at once — a guess, stated in
 * the README.
 */
function initialHealth(ctx: SimContext, tg: TargetGroup): Pick<Target, 'state' | 'reason' | 'description'> {
  if (isLocalstack(ctx)) return { state: 'healthy', reason: undefined, description: undefined };
  const inUse = loadBalancersOf(ctx, tg).length > 0;
  return inUse
    ? { state: 'initial', reason: 'Elb.RegistrationInProgress', description: 'Target registration is in progress' }
    : { state: 'unused', reason: 'Target.NotInUse', description: 'Target group is not configured to receive traffic from the load balancer' };
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
