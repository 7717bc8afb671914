/**
 * A target is a profile: where the AWS APIs are, how an ALB DNS name is reached, what the
 * target can prove, and how long things take there. Pure: starting a target (a simulator,
 * a LocalStack container) is helpers/start-target.ts's job.
 */
import type { Config, TargetName } from '../core/config.js';
import { localstackAlbAddress } from './localstack.js';

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
}

export interface Timing {
  /** How often waits poll (fast enough to notice a change within 250 ms on the sim). */
  pollMs: number;
  /** Upper bound for any one wait (ALB provisioning, tasks starting, draining). */
  waitTimeoutMs: number;
  /** How long a direct probe waits for an answer before calling it "no answer". */
  directProbeTimeoutMs: number;
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
  /** Static test credentials for emulators; undefined means the default credential chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  capabilities: Capabilities;
  timing: Timing;
  albAddress(dnsName: string, port: number, loadBalancerArn?: string): AlbAddress;
}

const EMULATOR_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

export function profileFor(config: Config, endpoint = config.endpoint): TargetProfile {
  switch (config.target) {
    case 'sim': {
      if (!endpoint) throw new Error('the sim target needs its endpoint (E2E_ENDPOINT); start it with startTarget()');
      const scale = config.simTimeScale;
      return {
        name: 'sim',
        region: config.region,
        endpoint,
        credentials: EMULATOR_CREDENTIALS,
        capabilities: {},
        timing: {
          pollMs: 50,
          // the slowest simulated path (300 s deregistration delay) plus slack, scaled
          waitTimeoutMs: Math.max(10_000, 600_000 * scale),
          directProbeTimeoutMs: 1_000,
          requestTimeoutMs: Math.max(2_000, 20_000 * scale),
          settleMs: Math.max(3_000, 60_000 * scale),
        },
        albAddress: (dns, port) => ({ origin: endpoint, host: port === 80 ? dns : `${dns}:${port}`, pathPrefix: '' }),
      };
    }
    case 'localstack': {
      if (!endpoint) throw new Error('the localstack target needs its endpoint (E2E_ENDPOINT); start it with startTarget()');
      return {
        name: 'localstack',
        region: config.region,
        endpoint,
        credentials: EMULATOR_CREDENTIALS,
        capabilities: {
          noSgEnforcement: 'LocalStack does not enforce security groups on traffic, so a blocked path cannot be observed there',
          unreliableHealth: 'LocalStack target-health transitions are unreliable; readiness is judged by traffic',
        },
        timing: { pollMs: 500, waitTimeoutMs: 600_000, directProbeTimeoutMs: 3_000, requestTimeoutMs: 10_000, settleMs: 120_000 },
        albAddress: (dns, port, arn) => localstackAlbAddress(endpoint, dns, port, arn),
      };
    }
    case 'aws':
      return {
        name: 'aws',
        region: config.region,
        capabilities: {},
        timing: { pollMs: 1_000, waitTimeoutMs: 900_000, directProbeTimeoutMs: 5_000, requestTimeoutMs: 10_000, settleMs: 60_000 },
        albAddress: (dns, port) => ({ origin: `http://${dns}:${port}`, host: port === 80 ? dns : `${dns}:${port}`, pathPrefix: '' }),
      };
  }
}
