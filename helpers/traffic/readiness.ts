/**
 * Readiness by traffic: where target-health transitions cannot be trusted (LocalStack), "the
 * service is ready behind the ALB" is judged by what a user would see — a round of requests
 * through the ALB that answers 200 from every task of the service. The distribution sample
 * starts only then, so a 503 while targets register is not taken for the verdict.
 */
import type { LoadBalancer } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { Poll } from '../core/waits.js';
import { WaitTimeout } from '../core/waits.js';
import type { TaskEndpoint, TrafficContext } from './distribution.js';
import { matchRuntimeId, sampleThroughAlb } from './http.js';

/** Requests per task in one readiness round: round robin over n tasks shows each within n. */
const REQUESTS_PER_TASK = 4;

export interface ReadinessContext extends TrafficContext {
  profile: TrafficContext['profile'] & { capabilities: { unreliableHealth?: string } };
  wait<T>(what: string, poll: Poll<T>): Promise<unknown>;
}

/** One round: every answer 200 and every task answered. Returns what was seen, in a line. */
export async function servedByAllTasks(ctx: TrafficContext, lb: LoadBalancer, tasks: TaskEndpoint[]): Promise<{ ready: boolean; state: string }> {
  const runtimeIds = tasks.map((t) => t.runtimeId);
  const pattern = ctx.config.attributionPattern ? new RegExp(ctx.config.attributionPattern) : undefined;
  const seen = new Set<string>();
  const sample = await sampleThroughAlb(ctx.albAddress(lb), {
    maxRequests: Math.max(1, tasks.length) * REQUESTS_PER_TASK,
    concurrency: 1,
    timeoutMs: ctx.profile.timing.requestTimeoutMs,
    pattern,
    stop: (answer) => {
      if (answer.status !== 200) return true;
      const id = answer.id ? matchRuntimeId(answer.id, runtimeIds) : undefined;
      if (id) seen.add(id);
      return seen.size === tasks.length;
    },
  });
  const non200 = sample.answers.filter((a) => a.status !== 200).map((a) => a.error ?? `HTTP ${a.status}`);
  const ready = tasks.length > 0 && non200.length === 0 && seen.size === tasks.length;
  return { ready, state: `${seen.size}/${tasks.length} tasks answered 200${non200.length ? `; then ${non200[0]}` : ''}` };
}

/**
 * On a target whose target health is unreliable, waits until the ALB serves every task of the
 * service. When that never happens the wait ends and the sample runs anyway: its answers (the
 * 503s, the silent task) are the evidence the distribution checks fail on.
 */
export async function untilReadyByTraffic(ctx: ReadinessContext, lb: LoadBalancer, serviceName: string): Promise<void> {
  if (!ctx.profile.capabilities.unreliableHealth) return;
  try {
    await ctx.wait(`the ALB ${lb.LoadBalancerName} to answer 200 from every task of ${serviceName} (readiness by traffic)`, async () => {
      const { ready, state } = await servedByAllTasks(ctx, lb, await ctx.taskEndpoints(serviceName));
      return { done: ready, state };
    });
  } catch (err) {
    if (!(err instanceof WaitTimeout)) throw err;
  }
}
