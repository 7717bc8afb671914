/**
 * The SDK clients every target shares, with a recorded call log and, in verify mode, a
 * guard that refuses anything but Describe*, List* and Get* before it leaves the process.
 */
import { EC2, ECS, ELBv2, STS } from './sdk.js';
import type { Mode } from '../core/config.js';
import { waitFor, type WaitRecord } from '../core/waits.js';
import type { TargetProfile } from '../targets/profile.js';
import { throttled } from './errors.js';

const { EC2Client } = EC2;
const { ECSClient } = ECS;
const { ElasticLoadBalancingV2Client } = ELBv2;
const { STSClient } = STS;

export interface ApiCall {
  service: string;
  action: string;
  ms: number;
  error?: string;
}

export class ReadOnlyViolation extends Error {
  constructor(
    readonly service: string,
    readonly action: string,
  ) {
    super(`verify mode is read-only: refused ${service}:${action} (only Describe*, List* and Get* are allowed)`);
    this.name = 'ReadOnlyViolation';
  }
}

export const READ_ONLY_ACTION = /^(Describe|List|Get)[A-Z]/;

export interface Clients {
  ecs: InstanceType<typeof ECSClient>;
  elb: InstanceType<typeof ElasticLoadBalancingV2Client>;
  ec2: InstanceType<typeof EC2Client>;
  sts: InstanceType<typeof STSClient>;
  calls: ApiCall[];
  destroy(): void;
}

const SERVICE_OF: Record<string, string> = {
  ECSClient: 'ecs',
  ElasticLoadBalancingV2Client: 'elasticloadbalancing',
  EC2Client: 'ec2',
  STSClient: 'sts',
  CloudFormationClient: 'cloudformation',
};

type AnyClient = { middlewareStack: { add: (mw: any, opts: any) => void } };

/**
 * How long one call may go on being throttled after the SDK's own attempts before it fails
 * (then named: "timed out after … waiting for <service>:<action> to be answered (throttled)").
 * Buckets refill within seconds; an account throttled for two minutes is saturated.
 */
export const THROTTLE_PATIENCE_MS = 120_000;

export interface InstrumentOptions {
  readOnly: boolean;
  calls: ApiCall[];
  /** A call still throttled after the SDK's attempts is asked again later; each such wait goes here (the waits' timeline). */
  onThrottledWait?: (record: WaitRecord) => void;
  throttlePatienceMs?: number;
}

/**
 * Adds the call log, (when readOnly) the guard, and patience with throttling to any SDK v3
 * client: a call the SDK's own retries could not get past throttling is asked again later
 * through waitFor (backoff doubling from 1 s to 5 s, bounded by throttlePatienceMs, recorded),
 * so a throttled read is never a check's verdict — also where no wait surrounds it (discovery).
 */
export function instrument(client: AnyClient, opts: InstrumentOptions): void {
  client.middlewareStack.add(
    (next: (a: unknown) => Promise<unknown>, context: { clientName?: string; commandName?: string }) =>
      async (args: unknown) => {
        const service = SERVICE_OF[context.clientName ?? ''] ?? context.clientName ?? 'unknown';
        const action = (context.commandName ?? 'Unknown').replace(/Command$/, '');
        const started = performance.now();
        const record = (error?: string) => {
          const call: ApiCall = { service, action, ms: Math.round(performance.now() - started), ...(error ? { error } : {}) };
          opts.calls.push(call);
        };
        if (opts.readOnly && !READ_ONLY_ACTION.test(action)) {
          // refused before it leaves the process, and still shown in the log: an attempted write is news
          record('ReadOnlyViolation');
          throw new ReadOnlyViolation(service, action);
        }
        const once = async () => {
          try {
            const out = await next(args);
            record();
            return out;
          } catch (err) {
            record((err as { name?: string }).name ?? 'Error');
            throw err;
          }
        };
        try {
          return await once();
        } catch (err) {
          if (!throttled(err)) throw err;
          const { value } = await waitFor(`${service}:${action} to be answered (throttled)`, async () => ({ done: true, state: 'answered', value: await once() }), {
            pollMs: 1_000,
            timeoutMs: opts.throttlePatienceMs ?? THROTTLE_PATIENCE_MS,
            transient: throttled,
            progress: () => {},
            onRecord: opts.onThrottledWait,
          });
          return value;
        }
      },
    { step: 'initialize', name: 'e2eCallLog', priority: 'high' },
  );
}

/**
 * Attempts per SDK call (the first and up to 4 retries). Throttling that outlasts them reaches
 * the waits, which poll again later with their own backoff (helpers/core/waits.ts).
 */
export const SDK_MAX_ATTEMPTS = 5;

/**
 * The SDK's adaptive retry: the standard strategy (exponential backoff with jitter, throttling
 * codes retried) plus a client-side rate limiter that slows the client's sending rate once it
 * is throttled — "Retry behavior", AWS SDKs and Tools Reference Guide
 * (https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html: adaptive "is
 * useful for … clients that are sensitive to throttling"). Many graders in one account share its
 * buckets, so one that backs off helps all of them.
 */
export function sdkConfig(profile: TargetProfile) {
  return {
    region: profile.region,
    ...(profile.endpoint ? { endpoint: profile.endpoint } : {}),
    ...(profile.credentials ? { credentials: profile.credentials } : {}),
    // the SDK's `profile` option: the default chain reads that profile (and skips environment keys)
    ...(profile.awsProfile && !profile.credentials ? { profile: profile.awsProfile } : {}),
    maxAttempts: SDK_MAX_ATTEMPTS,
    retryMode: 'adaptive',
    requestHandler: { connectionTimeout: 3_000, requestTimeout: 30_000 },
  };
}

export function createClients(profile: TargetProfile, mode: Mode, calls: ApiCall[] = [], onThrottledWait?: (record: WaitRecord) => void): Clients {
  const cfg = sdkConfig(profile);
  const clients = {
    ecs: new ECSClient(cfg),
    elb: new ElasticLoadBalancingV2Client(cfg),
    ec2: new EC2Client(cfg),
    sts: new STSClient(cfg),
  };
  for (const c of Object.values(clients)) instrument(c, { readOnly: mode === 'verify', calls, onThrottledWait });
  return {
    ...clients,
    calls,
    destroy() {
      for (const c of Object.values(clients)) c.destroy();
    },
  };
}
