/** Starting the targets that are ours to start; real AWS and given endpoints need nothing. */
import type { Config } from '../core/config.js';
import { startLocalstack } from './localstack.js';

export interface StartedTarget {
  endpoint?: string;
  stop(): Promise<void>;
}

export async function startTarget(config: Config): Promise<StartedTarget> {
  if (config.endpoint || config.target === 'aws') return { endpoint: config.endpoint, stop: async () => {} };
  if (config.target === 'localstack') return startLocalstack({ authToken: process.env.LOCALSTACK_AUTH_TOKEN ?? '' });
  const { startSim } = await import('../../sim/index.js');
  const sim = await startSim({ timeScale: config.simTimeScale, nicknames: [config.nickname], region: config.region });
  return { endpoint: sim.endpoint, stop: () => sim.close() };
}
