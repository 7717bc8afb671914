/**
 * startSim(): the embedded AWS simulator on a free loopback port, seeded with a scenario.
 * Used by `npm run sim` and by the suite's global setup.
 */
import type { AddressInfo } from 'node:net';
import { SimClock } from './clock.js';
import type { SimContext } from './context.js';
import { AlbDataPlane } from './dataplane/alb.js';
import { Network } from './dataplane/network.js';
import { EcsScheduler } from './dataplane/scheduler.js';
import { createGateway } from './gateway.js';
import { seedBaseline, seedEmpty } from './scenario.js';
import { ec2Handlers } from './services/ec2.js';
import { ecsHandlers } from './services/ecs.js';
import { elbv2Handlers } from './services/elbv2.js';
import { stsHandlers } from './services/sts.js';
import { realismSwitches, type Persona, type Realism, type RealismSwitches } from './realism.js';
import { DEFAULT_SEED, SeededRandom } from './random.js';
import { Consistency } from './realism/consistency.js';
import { DEFAULT_PURGE_INACTIVE_AFTER_S } from './realism/lifecycle.js';
import { Throttle } from './realism/throttling.js';
import { World } from './world.js';

export type Scenario = 'baseline' | 'empty';

export interface SimOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  scenario?: Scenario;
  /** Each nickname gets its own module 01–03 baseline (scenario baseline). */
  nicknames?: string[];
  /** Every simulated delay is multiplied by this (default 0.05). */
  timeScale?: number;
  region?: string;
  /** The outside world's address as security groups see it (default 203.0.113.10, TEST-NET-3). */
  clientIp?: string;
  /** Which cloud the simulator plays (default aws). */
  persona?: Persona;
  /** 'aws' turns every AWS-at-its-hardest behaviour on (default off). */
  realism?: Realism;
  /** Each realism behaviour on or off by itself (wins over `realism`). */
  behaviours?: Partial<RealismSwitches>;
  /** Seed of the simulator's random choices (jitter, consistency windows), for reproducible runs. */
  seed?: number;
  /**
   * Simulated seconds after which an INACTIVE service is purged (DescribeServices: failure
   * MISSING; ListTasks --service-name: ServiceNotFoundException); 0 = at once. Default: never,
   * or 3600 with realism 'aws' (see sim/realism/lifecycle.ts for why).
   */
  purgeInactiveAfterS?: number;
}

export interface RunningSim {
  endpoint: string;
  region: string;
  ctx: SimContext;
  close(): Promise<void>;
}

export const DEFAULT_TIME_SCALE = 0.05;

export async function startSim(options: SimOptions = {}): Promise<RunningSim> {
  const region = options.region ?? 'us-east-1';
  const clock = new SimClock(options.timeScale ?? DEFAULT_TIME_SCALE);
  const world = new World(region, clock);
  const network = new Network(world, await Network.probeDistinctAddresses());
  const realism = realismSwitches(options.realism, options.behaviours);
  const random = new SeededRandom(options.seed ?? DEFAULT_SEED);
  const ctx = {
    world,
    clock,
    network,
    clientIp: options.clientIp ?? '203.0.113.10',
    persona: options.persona ?? 'aws',
    realism,
    random,
    throttle: realism.throttling ? new Throttle(clock) : undefined,
    consistency: new Consistency(realism.eventualConsistency, clock, random),
    purgeInactiveAfterS: options.purgeInactiveAfterS ?? (options.realism === 'aws' ? DEFAULT_PURGE_INACTIVE_AFTER_S : undefined),
  } as SimContext;
  const scheduler = new EcsScheduler(ctx);
  const alb = new AlbDataPlane(ctx);
  ctx.scheduler = scheduler;
  ctx.alb = alb;

  const server = createGateway(ctx, { ec2: ec2Handlers, elbv2: elbv2Handlers, sts: stsHandlers, ecs: ecsHandlers });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  if ((options.scenario ?? 'baseline') === 'baseline') {
    for (const nick of options.nicknames?.length ? options.nicknames : ['nick']) await seedBaseline(ctx, nick);
  } else {
    seedEmpty(ctx);
  }

  let closed = false;
  return {
    endpoint: `http://${host}:${port}`,
    region,
    ctx,
    async close() {
      if (closed) return;
      closed = true;
      clock.close();
      await Promise.all([scheduler.close(), alb.close()]);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
