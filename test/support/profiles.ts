/** A target profile for tests that build the suite's own SDK clients against an endpoint. */
import type { TargetProfile } from '../../helpers/targets/profile.js';

export const profileAt = (endpoint: string): TargetProfile => ({
  name: 'sim',
  region: 'us-east-1',
  endpoint,
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  capabilities: {},
  timing: { pollMs: 10, waitTimeoutMs: 100, directProbeTimeoutMs: 100, directProbeFloorMs: 100, requestTimeoutMs: 100, settleMs: 100 },
  albAddress: () => ({ origin: '', host: '', pathPrefix: '' }),
  taskHost: (ip) => ip,
});

export interface RetryStrategyView {
  mode: string;
  maxAttemptsProvider?: () => Promise<number>;
  rateLimiter?: { enabled?: boolean; fillRate?: number };
}

/** The retry strategy an SDK client resolved (its `mode` is 'standard' or 'adaptive'). */
export const strategyOf = async (client: { config: { retryStrategy: () => Promise<unknown> } }) => (await client.config.retryStrategy()) as RetryStrategyView;
