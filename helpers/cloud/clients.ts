/**
 * The SDK clients every target shares, with a recorded call log and, in verify mode, a
 * guard that refuses anything but Describe*, List* and Get* before it leaves the process.
 */
import { EC2, ECS, ELBv2, STS } from './sdk.js';
import type { Mode } from '../core/config.js';
import type { TargetProfile } from '../targets/profile.js';

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

/** Adds the call log and (when readOnly) the guard to any SDK v3 client. */
export function instrument(client: AnyClient, opts: { readOnly: boolean; calls: ApiCall[] }): void {
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
        try {
          const out = await next(args);
          record();
          return out;
        } catch (err) {
          record((err as { name?: string }).name ?? 'Error');
          throw err;
        }
      },
    { step: 'initialize', name: 'e2eCallLog', priority: 'high' },
  );
}

export function sdkConfig(profile: TargetProfile) {
  return {
    region: profile.region,
    ...(profile.endpoint ? { endpoint: profile.endpoint } : {}),
    ...(profile.credentials ? { credentials: profile.credentials } : {}),
    maxAttempts: 3,
    retryMode: 'standard',
    requestHandler: { connectionTimeout: 3_000, requestTimeout: 30_000 },
  };
}

export function createClients(profile: TargetProfile, mode: Mode, calls: ApiCall[] = []): Clients {
  const cfg = sdkConfig(profile);
  const clients = {
    ecs: new ECSClient(cfg),
    elb: new ElasticLoadBalancingV2Client(cfg),
    ec2: new EC2Client(cfg),
    sts: new STSClient(cfg),
  };
  for (const c of Object.values(clients)) instrument(c, { readOnly: mode === 'verify', calls });
  return {
    ...clients,
    calls,
    destroy() {
      for (const c of Object.values(clients)) c.destroy();
    },
  };
}
