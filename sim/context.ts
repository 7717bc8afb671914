/**
 * What every part of the simulator is handed: the state, the clock, the network, and the
 * data-plane hooks the control plane pokes when something changes.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SimClock } from './clock.js';
import type { Network } from './dataplane/network.js';
import type { Persona, RealismSwitches } from './realism.js';
import type { Consistency } from './realism/consistency.js';
import type { Throttle } from './realism/throttling.js';
import type { SeededRandom } from './random.js';
import type { LoadBalancer, Service, Target, TargetGroup, Task, World } from './world.js';

export interface Scheduler {
  /** Brings a service towards its desired count (start/stop tasks); safe to call often. */
  reconcile(service: Service): void;
  /** Stops one task (StopTask, scale-in, service deletion): deregisters, drains, closes its socket. */
  stopTask(task: Task, reason: string): void;
  /** The health checker found this target unhealthy (again); realism.healthReplacement acts on it. */
  targetUnhealthy(tg: TargetGroup, target: Target): void;
}

export interface AlbPlane {
  /** Handles one HTTP request that arrived at the gateway for this ALB's DNS name on this listener port. */
  handle(req: IncomingMessage, res: ServerResponse, lb: LoadBalancer, port: number): void;
  /** Starts/stops health checking of a target group as listeners and targets change. */
  refresh(): void;
}

export interface SimContext {
  world: World;
  clock: SimClock;
  network: Network;
  scheduler: Scheduler;
  alb: AlbPlane;
  /** The outside world's address, as seen by security groups (a TEST-NET-3 address by default). */
  clientIp: string;
  /** Which cloud is played: AWS, or LocalStack as its documentation describes it. */
  persona: Persona;
  /** Which AWS-at-its-hardest behaviours are on. */
  realism: RealismSwitches;
  /** "host:port" of the egress canary (outside the account; answers `ok\n` when the runner may reach it). */
  egressCanary: string;
  /** Seeded chance (options.seed) for every behaviour that varies. */
  random: SeededRandom;
  /** Token buckets, present only when realism.throttling is on. */
  throttle?: Throttle;
  /** What reads may not see yet (or still see); without realism.eventualConsistency it sees everything at once. */
  consistency: Consistency;
  /** Simulated seconds after which an INACTIVE service is purged; undefined: never. */
  purgeInactiveAfterS?: number;
  /**
   * While the scenario is still being seeded (startSim's `answerWhileSeeding`): every request
   * the gateway receives waits for it first, so nobody sees a half-built start state.
   */
  seeding?: Promise<void>;
}

export type Handler = (params: any, ctx: SimContext) => unknown | Promise<unknown>;
export type ServiceHandlers = Record<string, Handler>;
