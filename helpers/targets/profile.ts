/**
 * A target is a profile: where the AWS APIs are, how an ALB DNS name is reached, what the
 * target can prove, and how long things take there — and a module that starts it and checks
 * what it needs before anything is touched. One module per target (sim.ts, localstack.ts,
 * aws.ts); index.ts is the only place that lists them.
 */
import type { Config, TargetName } from '../core/config.js';

/** Where to send a request meant for http://<dns>:<port>/: connect to `origin`, say `host`. */
export interface AlbAddress {
  origin: string;
  host: string;
  /** A path prefix the target needs in front of the request path ('' normally). */
  pathPrefix: string;
}

export interface Capabilities {
  /** undefined when the target enforces security groups on traffic; else why it does not. */
  noSgEnforcement?: string;
  /** undefined when target-health transitions can be trusted; else why not. */
  unreliableHealth?: string;
  /**
   * undefined when the cluster's EC2 instances register as container instances; else why not
   * (the instances are then found by the ECS console's Name tag, and tasks carry no container instance).
   */
  noContainerInstances?: string;
}

export interface Timing {
  /** How often waits poll (fast enough to notice a change within 250 ms on the sim). */
  pollMs: number;
  /** Upper bound for any one wait (ALB provisioning, tasks starting, draining). */
  waitTimeoutMs: number;
  /**
   * How long a direct probe waits for an answer: the positive control's whole budget, and the
   * most a negative probe ("no answer") ever waits.
   */
  directProbeTimeoutMs: number;
  /**
   * The least a negative probe waits before "no answer" counts, however fast the positive
   * control answered (helpers/traffic/http.ts negativeProbeTimeoutMs). Real networks get the
   * whole directProbeTimeoutMs (floor = ceiling): a derived timeout is for loopback targets only.
   */
  directProbeFloorMs: number;
  /** Per-request timeout for traffic through the ALB. */
  requestTimeoutMs: number;
  /** Verify mode: how long a transitional state may take to settle before it is the verdict. */
  settleMs: number;
}

export interface TargetProfile {
  name: TargetName;
  region: string;
  /** The API endpoint; undefined on real AWS (the SDK's own). */
  endpoint?: string;
  /** Static credentials (emulators' test keys, a graded participant's assumed role); undefined means the default credential chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** A named profile of the shared AWS config files for the default chain (a graded participant's roster `profile`). */
  awsProfile?: string;
  capabilities: Capabilities;
  timing: Timing;
  albAddress(dnsName: string, port: number, loadBalancerArn?: string): AlbAddress;
  /**
   * The host a task is reached on directly: its instance's public IP where tasks run on
   * container instances; elsewhere (LocalStack) the Docker host that publishes its host port.
   */
  taskHost(instancePublicIp: string): string;
}

export const EMULATOR_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

export interface StartedTarget {
  endpoint?: string;
  /** host:port of an egress canary the target offers (the simulator's "outside world"). */
  egressCanary?: string;
  /**
   * Resolves when the target's start state is in place, where start() returned before that (the
   * simulator answers while it seeds: requests wait at the target meanwhile); rejects if it failed.
   */
  ready?: Promise<void>;
  stop(): Promise<void>;
}

export interface Target {
  name: TargetName;
  /** What is known wrong before touching anything: one line (exit 2), or null. */
  preflight(config: Config): Promise<string | null>;
  /** Starts the target when it is ours to start (a simulator, a container); else returns the endpoint. */
  start(config: Config): Promise<StartedTarget>;
  profile(config: Config, endpoint?: string): TargetProfile;
  /** Provision mode must first deploy the module 01–03 state (the simulator comes seeded with it). */
  deploysBaseline: boolean;
}
