/**
 * albLoad: 1,000 requests at concurrency 20 through the ALB of a right Module 04 deployment on a
 * `npm run sim` process of its own (so the load client and the simulator do not share one
 * event loop), Host header = the ALB's DNS name. Each answer is attributed to the task that
 * gave it (`Hello from <12 hex>!` → the task's runtimeId).
 */
import { DescribeTasksCommand, ListTasksCommand } from '@aws-sdk/client-ecs';
import { Agent, request } from 'undici';
import { attribute, matchRuntimeId } from '../helpers/traffic/http.js';
import { buildModule04 } from '../test/support/participant.js';
import { latencyQuantiles, round } from './stats.js';
import { startSimChild } from './sim-start.js';

export interface AlbLoad {
  requests: number;
  concurrency: number;
  errors: number;
  /** Answers per task (task id → count). */
  perTask: Record<string, number>;
  /** Largest |share − even share| / even share, in % of the even share. */
  maxShareDeviationPct: number;
  throughputRps: number;
  latencyMs: { p50: number; p99: number };
  elapsedMs: number;
  /** Building the deployment on the simulator at its default time scale (0.05). */
  buildMs: number;
  simPeakRssMb: number | null;
  errorSamples: string[];
}

const NICKNAME = 'bench';

export async function albLoad(root: string, opts = { requests: 1_000, concurrency: 20, timeoutMs: 5_000 }): Promise<AlbLoad> {
  const sim = await startSimChild(root, ['--nickname', NICKNAME]);
  try {
    const buildStarted = performance.now();
    const built = await buildModule04(sim.endpoint, NICKNAME);
    const buildMs = performance.now() - buildStarted;
    const cluster = built.names.cluster;
    const taskArns = (await built.ecs.send(new ListTasksCommand({ cluster, serviceName: built.names.service }))).taskArns ?? [];
    const tasks = (await built.ecs.send(new DescribeTasksCommand({ cluster, tasks: taskArns }))).tasks ?? [];
    const taskByRuntimeId = new Map(tasks.flatMap((t) => (t.containers ?? []).map((c) => [c.runtimeId!, t.taskArn!.split('/').pop()!] as const)));
    const perTask: Record<string, number> = Object.fromEntries([...taskByRuntimeId.values()].map((id) => [id, 0]));
    for (const c of [built.ecs, built.elb, built.ec2]) c.destroy();

    const agent = new Agent({ connections: opts.concurrency, headersTimeout: opts.timeoutMs, bodyTimeout: opts.timeoutMs });
    const latencies: number[] = [];
    const errorSamples: string[] = [];
    let errors = 0;
    let issued = 0;
    const one = async () => {
      const t0 = performance.now();
      try {
        const res = await request(sim.endpoint, { headers: { host: built.dnsName }, dispatcher: agent, signal: AbortSignal.timeout(opts.timeoutMs) });
        const body = await res.body.text();
        latencies.push(performance.now() - t0);
        const runtimeId = matchRuntimeId(attribute(body, res.headers) ?? '', [...taskByRuntimeId.keys()]);
        const task = runtimeId ? taskByRuntimeId.get(runtimeId) : undefined;
        if (res.statusCode !== 200 || !task) {
          errors++;
          if (errorSamples.length < 5) errorSamples.push(`HTTP ${res.statusCode}: ${body.slice(0, 80)}`);
        } else {
          perTask[task]!++;
        }
      } catch (err) {
        errors++;
        if (errorSamples.length < 5) errorSamples.push((err as Error).message);
      }
    };
    const started = performance.now();
    await Promise.all(
      Array.from({ length: opts.concurrency }, async () => {
        while (issued < opts.requests) {
          issued++;
          await one();
        }
      }),
    );
    const elapsedMs = performance.now() - started;
    await agent.close();

    const counts = Object.values(perTask);
    const even = opts.requests / Math.max(1, counts.length);
    const maxShareDeviationPct = counts.length ? Math.max(...counts.map((n) => (Math.abs(n - even) / even) * 100)) : 100;
    const memory = (await sim.stop()).memory;
    return {
      requests: opts.requests,
      concurrency: opts.concurrency,
      errors,
      perTask,
      maxShareDeviationPct: round(maxShareDeviationPct, 2),
      throughputRps: round(opts.requests / (elapsedMs / 1000)),
      latencyMs: latencyQuantiles(latencies),
      elapsedMs: round(elapsedMs),
      buildMs: round(buildMs),
      simPeakRssMb: memory.rootHwmMb,
      errorSamples,
    };
  } finally {
    if (sim.timed.child.exitCode === null) await sim.stop();
  }
}
