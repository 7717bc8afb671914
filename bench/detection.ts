/**
 * detectionLatencyMs: how soon after a change in the simulated cloud the suite's waits notice
 * it. An in-process simulator; an ALB created through the SDK; its `state` property wrapped so
 * the instant it turns `active` is recorded; and the suite's own waitFor polling
 * DescribeLoadBalancers at the sim profile's pollMs (helpers/target.ts profileFor), through the
 * suite's clients (helpers/aws.ts). Latency = waitFor resolved − state turned active.
 *
 * Each wait starts after a random 0–pollMs pause, so the change falls at a random phase of the
 * poll cycle, as it does for a spec's wait.
 */
import { CreateLoadBalancerCommand, DeleteLoadBalancerCommand, DescribeLoadBalancersCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { createClients } from '../helpers/cloud/clients.js';
import { parseConfig } from '../helpers/core/config.js';
import { profileFor } from '../helpers/targets/index.js';
import { waitFor } from '../helpers/core/waits.js';
import { startSim } from '../sim/index.js';
import type { LoadBalancer } from '../sim/world.js';
import { round } from './stats.js';

/** ALB provisioning is 60 s of cloud time: 0.6 s per trial at this scale. */
const TIME_SCALE = 0.01;

export interface Detection {
  pollMs: number;
  runs: number[];
  polls: number[];
  /** The SDK's own waiter (waitUntilLoadBalancerAvailable) polls at most every minDelay. */
  sdkWaiter: { minDelayMs: number; medianMs: number; p90Ms: number; note: string };
  maxRssMb: number;
}

/** Calls onActive the moment the simulator sets lb.state = 'active'. */
function onStateActive(lb: LoadBalancer, onActive: () => void): void {
  let state = lb.state;
  Object.defineProperty(lb, 'state', {
    configurable: true,
    enumerable: true,
    get: () => state,
    set: (next: LoadBalancer['state']) => {
      if (next === 'active' && state !== 'active') onActive();
      state = next;
    },
  });
}

export async function detectionLatency(trials: number): Promise<Detection> {
  const sim = await startSim({ timeScale: TIME_SCALE });
  const config = parseConfig({ E2E_TARGET: 'sim', E2E_SIM_TIME_SCALE: String(TIME_SCALE) });
  const profile = profileFor(config, sim.endpoint);
  const { pollMs } = profile.timing;
  const clients = createClients(profile, 'provision');
  try {
    const vpc = [...sim.ctx.world.vpcs.values()].find((v) => v.cidrBlock === '50.0.0.0/16')!;
    const subnets = [...sim.ctx.world.subnets.values()].filter((s) => s.vpcId === vpc.vpcId).map((s) => s.subnetId);
    const runs: number[] = [];
    const polls: number[] = [];
    for (let i = 0; i < trials; i++) {
      const created = await clients.elb.send(new CreateLoadBalancerCommand({ Name: `bench-detect-${i}`, Subnets: subnets, Type: 'application' }));
      const arn = created.LoadBalancers![0]!.LoadBalancerArn!;
      const lb = sim.ctx.world.loadBalancers.get(arn)!;
      if (lb.state !== 'provisioning') throw new Error(`detection: ALB ${arn} is already ${lb.state}; raise the time scale`);
      let activeAt: number | undefined;
      onStateActive(lb, () => (activeAt = performance.now()));
      await new Promise((r) => setTimeout(r, Math.random() * pollMs));
      const { record } = await waitFor(
        `load balancer bench-detect-${i} to be active`,
        async () => {
          const r = await clients.elb.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [arn] }));
          const code = r.LoadBalancers![0]!.State?.Code ?? 'unknown';
          return { done: code === 'active', state: code };
        },
        { pollMs, timeoutMs: 30_000, progress: () => undefined },
      );
      const noticedAt = performance.now();
      if (activeAt === undefined) throw new Error('detection: the wait ended before the ALB turned active');
      runs.push(noticedAt - activeAt);
      polls.push(record.polls);
      await clients.elb.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: arn }));
    }
    const minDelayMs = 15_000;
    return {
      pollMs,
      runs: runs.map((r) => round(r, 1)),
      polls,
      // A change at a uniformly random moment between two polls ≥ 15 s apart (the waiter's
      // delay is random in [minDelay, maxDelay] after the first poll, never below minDelay).
      sdkWaiter: {
        minDelayMs,
        medianMs: minDelayMs / 2,
        p90Ms: minDelayMs * 0.9,
        note: 'computed, not run: at best 15 s between polls, so ≥ 7.5 s median and ≥ 13.5 s p90 for a change at a random moment',
      },
      maxRssMb: round(process.resourceUsage().maxRSS / 1024, 1),
    };
  } finally {
    clients.destroy();
    await sim.close();
  }
}
