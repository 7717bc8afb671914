/**
 * Traffic through the ALB, attributed to the tasks of a service: each answer names its
 * container (hostname = first 12 hex of the task's runtimeId). Sampling stops as soon as the
 * sequential test's verdict is certain, so a right deployment needs few requests.
 */
import type { LoadBalancer } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { AlbAddress, TargetProfile } from '../targets/index.js';
import { matchRuntimeId, sampleThroughAlb } from './http.js';
import { SequentialSpread, type SpreadVerdict } from './stats.js';

/** A task of the new service with where it can be reached directly. */
export interface TaskEndpoint {
  taskArn: string;
  taskId: string;
  runtimeId: string;
  instanceId: string;
  publicIp: string;
  hostPort: number;
  lastStatus: string;
}

/** What sampling needs of the run: the target's timing and addressing, and the service's tasks. */
export interface TrafficContext {
  profile: Pick<TargetProfile, 'timing'>;
  config: { attributionPattern?: string };
  taskEndpoints(serviceName: string): Promise<TaskEndpoint[]>;
  albAddress(lb: LoadBalancer): AlbAddress;
}

export interface DistributionSample {
  url: string;
  sample: Awaited<ReturnType<typeof sampleThroughAlb>>;
  tasks: TaskEndpoint[];
  /** task id → answers */
  distribution: Record<string, number>;
  unattributed: number;
  /** container ids that answered but belong to no task of the service */
  foreign: string[];
  verdict: SpreadVerdict;
}

export async function sampleAcrossTasks(ctx: TrafficContext, lb: LoadBalancer, serviceName: string, maxRequests = 200): Promise<DistributionSample> {
  const tasks = await ctx.taskEndpoints(serviceName);
  const address = ctx.albAddress(lb);
  const url = `http://${lb.DNSName}/`;
  const byRuntime = new Map(tasks.map((t) => [t.runtimeId, t.taskId]));
  const spread = new SequentialSpread({ taskIds: tasks.map((t) => t.taskId), maxRequests });
  const foreign = new Set<string>();
  let unattributed = 0;
  const pattern = ctx.config.attributionPattern ? new RegExp(ctx.config.attributionPattern) : undefined;
  const sample = await sampleThroughAlb(address, {
    maxRequests,
    concurrency: 1, // the rotation test reads the order of answers
    timeoutMs: ctx.profile.timing.requestTimeoutMs,
    pattern,
    stop: (answer) => {
      if (answer.status !== 200) return true; // one non-200 already fails distribution.all-ok
      const runtimeId = answer.id ? matchRuntimeId(answer.id, [...byRuntime.keys()]) : undefined;
      if (!answer.id) unattributed++;
      else if (!runtimeId) foreign.add(answer.id);
      return spread.add(runtimeId ? byRuntime.get(runtimeId) : undefined).done;
    },
  });
  const verdict = spread.verdict();
  return { url, sample, tasks, distribution: verdict.counts, unattributed, foreign: [...foreign], verdict };
}

/**
 * Requests through the ALB, one after another, until stopped: what a user refreshing the
 * page would see while something changes behind the ALB (the old service draining).
 */
export function backgroundProbe(ctx: Pick<TrafficContext, 'profile' | 'albAddress'>, lb: LoadBalancer, maxMs: number) {
  let stopped = false;
  const started = Date.now();
  const running = sampleThroughAlb(ctx.albAddress(lb), {
    maxRequests: 100_000,
    concurrency: 1,
    timeoutMs: ctx.profile.timing.requestTimeoutMs,
    stop: () => stopped || Date.now() - started > maxMs,
  });
  return {
    async stop() {
      stopped = true;
      return running;
    },
  };
}
