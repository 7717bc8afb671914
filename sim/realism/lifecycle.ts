/**
 * What ECS forgets, and when. A deleted service goes ACTIVE → DRAINING → INACTIVE once its
 * tasks have stopped (the scheduler does that in every mode); here:
 *
 * - an INACTIVE service is purged after `purgeInactiveAfterS` simulated seconds: DescribeServices
 *   then answers failure MISSING and ListTasks --service-name fails with
 *   ServiceNotFoundException. AWS only says "INACTIVE services may be cleaned up and purged from
 *   Amazon ECS record keeping" (DeleteService,
 *   https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DeleteService.html) and gives
 *   no delay; with `--realism aws` and no flag, DEFAULT_PURGE_INACTIVE_AFTER_S is used: one hour,
 *   borrowed from the one retention period ECS does document (stopped tasks, below) — a choice,
 *   not a documented figure.
 * - stopped tasks stay describable and listable (ListTasks --family/--started-by, DescribeTasks)
 *   for STOPPED_TASK_RETENTION_MS, then disappear: "stopped tasks appear in the returned results
 *   for at least one hour" (ListTasks, AWS CLI reference,
 *   https://awscli.amazonaws.com/v2/documentation/api/2.0.33/reference/ecs/list-tasks.html; the API reference now
 *   says only "Recently stopped tasks might appear").
 *
 * All of it applies only with some realism on or purgeInactiveAfterS set; without, nothing is
 * ever forgotten and ListTasks on an unknown service name answers an empty list, as before.
 */
import type { SimContext } from '../context.js';
import type { Service, Task } from '../world.js';

export const DEFAULT_PURGE_INACTIVE_AFTER_S = 3_600;
export const STOPPED_TASK_RETENTION_MS = 3_600_000;

/** Does ECS forget things here (purges, stopped-task expiry, strict service names)? */
export function ecsForgets(ctx: SimContext): boolean {
  return ctx.purgeInactiveAfterS !== undefined || Object.values(ctx.realism).some(Boolean);
}

/** Call when a service has just become INACTIVE. */
export function schedulePurge(ctx: SimContext, service: Service): void {
  if (ctx.purgeInactiveAfterS === undefined) return;
  const purge = () => {
    if (ctx.world.services.get(service.arn) === service && service.status === 'INACTIVE') ctx.world.services.delete(service.arn);
  };
  if (ctx.purgeInactiveAfterS === 0) return purge();
  ctx.clock.after(ctx.purgeInactiveAfterS * 1000, purge, 'service-purge');
}

/** Call when a task has just reached STOPPED. */
export function scheduleStoppedTaskExpiry(ctx: SimContext, task: Task): void {
  if (!ecsForgets(ctx)) return;
  ctx.clock.after(STOPPED_TASK_RETENTION_MS, () => {
    if (ctx.world.tasks.get(task.arn) === task) ctx.world.tasks.delete(task.arn);
  });
}
