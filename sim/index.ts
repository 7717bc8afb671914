/**
 * startSim(): the embedded AWS simulator on a free loopback port, seeded with a scenario.
 * Used by `npm run sim` and by the suite's global setup.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SimClock } from './clock.js';
import type { SimContext } from './context.js';
import { AlbDataPlane } from './dataplane/alb.js';
import { EgressCanary } from './dataplane/egress-canary.js';
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
import { LOCALSTACK_ACCOUNT_ID, LOCALSTACK_GATEWAY_PORT } from './personas/localstack.js';

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
   * Each baseline cluster as today's console makes it: an Auto Scaling group capacity provider as the
   * cluster's default strategy, and the old service created on it (no launch type).
   */
  capacityProvider?: boolean;
  /**
   * The runner's own network lets out only connections to these destination ports: connections from the
   * outside world into instance ports and into the egress canary on any other port are dropped (silent).
   * The gateway port (API calls and ALB traffic) always stays reachable.
   */
  outsideEgressAllow?: number[];
  /**
   * LocalStack persona only: more ports the gateway listens on, as LocalStack's GATEWAY_LISTEN
   * (`:4566,:80`). `port` is the port LocalStack sees a request arrive on (it picks the ALB
   * listener); `hostPort` is where that port is published on this machine, as Docker's
   * `-p hostPort:port` (default: the same port; 0: any free port, for tests). A number is
   * `{ port: n, hostPort: n }`.
   */
  gatewayListen?: (number | GatewayListen)[];
  /**
   * Simulated seconds after which an INACTIVE service is purged (DescribeServices: failure
   * MISSING; ListTasks --service-name: ServiceNotFoundException); 0 = at once. Default: never,
   * or 3600 with realism 'aws' (see sim/realism/lifecycle.ts for why).
   */
  purgeInactiveAfterS?: number;
  /**
   * Resolve as soon as the gateway listens, before the scenario is seeded (the baseline's old
   * service takes its simulated task start, 0.7 s at time scale 0.1): a caller that has its own
   * start-up to do (the suite starting vitest) does it meanwhile. Requests that arrive before the
   * seeding is done wait for it; `seeded` says when. Default false: resolve once seeded.
   */
  answerWhileSeeding?: boolean;
}

export interface GatewayListen {
  port: number;
  hostPort?: number;
}

/** One port the gateway listens on: as the simulated cloud sees it, and where it is on this machine. */
export interface GatewayPort {
  port: number;
  hostPort: number;
  endpoint: string;
}

export interface RunningSim {
  endpoint: string;
  /**
   * Every port the gateway listens on, the main one first. With the LocalStack persona the main
   * one is port 4566 as LocalStack sees it (on whatever host port `endpoint` has), followed by
   * the `gatewayListen` ports.
   */
  gatewayPorts: GatewayPort[];
  region: string;
  /** "host:port" of a listener outside the account answering `ok\n`: the positive control for direct probes. */
  egressCanary: string;
  ctx: SimContext;
  /** Resolves once the scenario is seeded (at once unless `answerWhileSeeding`); rejects if seeding failed. */
  seeded: Promise<void>;
  close(): Promise<void>;
}

export const DEFAULT_TIME_SCALE = 0.05;

export async function startSim(options: SimOptions = {}): Promise<RunningSim> {
  const region = options.region ?? 'us-east-1';
  const persona = options.persona ?? 'aws';
  const extraPorts = gatewayListenOf(options);
  if (extraPorts.length > 0 && persona !== 'localstack') throw new Error('gatewayListen needs the localstack persona');
  const clock = new SimClock(options.timeScale ?? DEFAULT_TIME_SCALE);
  const world = new World(region, clock, persona === 'localstack' ? LOCALSTACK_ACCOUNT_ID : undefined);
  const network = new Network(world, await Network.probeDistinctAddresses(), options.outsideEgressAllow);
  const canary = await EgressCanary.start(network);
  const realism = realismSwitches(options.realism, options.behaviours);
  const random = new SeededRandom(options.seed ?? DEFAULT_SEED);
  const ctx = {
    world,
    clock,
    network,
    clientIp: options.clientIp ?? '203.0.113.10',
    persona,
    realism,
    egressCanary: canary.address,
    random,
    throttle: realism.throttling ? new Throttle(clock) : undefined,
    consistency: new Consistency(realism.eventualConsistency, clock, random),
    purgeInactiveAfterS: options.purgeInactiveAfterS ?? (options.realism === 'aws' ? DEFAULT_PURGE_INACTIVE_AFTER_S : undefined),
  } as SimContext;
  const scheduler = new EcsScheduler(ctx);
  const alb = new AlbDataPlane(ctx);
  ctx.scheduler = scheduler;
  ctx.alb = alb;

  const handlers = { ec2: ec2Handlers, elbv2: elbv2Handlers, sts: stsHandlers, ecs: ecsHandlers };
  const server = createGateway(ctx, handlers);
  const host = options.host ?? '127.0.0.1';
  const port = await listen(server, options.port ?? 0, host);
  const gatewayPorts: GatewayPort[] = [{ port: persona === 'localstack' ? LOCALSTACK_GATEWAY_PORT : port, hostPort: port, endpoint: `http://${host}:${port}` }];
  const extraServers: Server[] = [];
  try {
    for (const extra of extraPorts) {
      const extraServer = createGateway(ctx, handlers, { listenPort: extra.port });
      extraServers.push(extraServer);
      const hostPort = await listen(extraServer, extra.hostPort, host);
      gatewayPorts.push({ port: extra.port, hostPort, endpoint: `http://${host}:${hostPort}` });
    }
  } catch (err) {
    for (const s of [server, ...extraServers]) s.close(() => {});
    clock.close();
    throw err;
  }

  const seeding = (async () => {
    if ((options.scenario ?? 'baseline') === 'baseline') {
      const baseline = { capacityProvider: options.capacityProvider };
      for (const nick of options.nicknames?.length ? options.nicknames : ['nick']) await seedBaseline(ctx, nick, baseline);
    } else {
      seedEmpty(ctx);
    }
  })();
  if (options.answerWhileSeeding) {
    ctx.seeding = seeding;
    // requests after this see the seeded state without waiting; a failed seeding keeps failing them
    seeding.then(() => (ctx.seeding = undefined), () => undefined);
  } else {
    await seeding;
  }

  let closed = false;
  return {
    endpoint: `http://${host}:${port}`,
    gatewayPorts,
    region,
    egressCanary: canary.address,
    ctx,
    seeded: seeding,
    async close() {
      if (closed) return;
      closed = true;
      clock.close();
      await Promise.all([scheduler.close(), alb.close(), canary.close()]);
      await Promise.all(
        [server, ...extraServers].map((s) => {
          s.closeAllConnections();
          return new Promise<void>((resolve) => s.close(() => resolve()));
        }),
      );
    },
  };
}

function gatewayListenOf(options: SimOptions): Required<GatewayListen>[] {
  return (options.gatewayListen ?? []).map((g) => {
    const entry = typeof g === 'number' ? { port: g, hostPort: g } : { port: g.port, hostPort: g.hostPort ?? g.port };
    for (const p of [entry.port, entry.hostPort]) {
      if (!Number.isInteger(p) || p < 0 || p > 65535) throw new Error(`gatewayListen: ${p} is not a port (0–65535)`);
    }
    if (entry.port === 0) throw new Error('gatewayListen: the port LocalStack listens on cannot be 0 (its host port can)');
    return entry;
  });
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}
