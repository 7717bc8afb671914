/** Real AWS: the default credential chain; nothing to start. */
import type { Config } from '../core/config.js';
import type { Target, TargetProfile } from './profile.js';

export const awsTarget: Target = {
  name: 'aws',
  deploysBaseline: true,
  async preflight() {
    const { defaultProvider } = await import('@aws-sdk/credential-provider-node');
    try {
      await defaultProvider()();
      return null;
    } catch (err) {
      return `E2E_TARGET=aws: no AWS credentials in the default chain (env, profile, SSO, instance role): ${(err as Error).message.split('\n')[0]}`;
    }
  },
  async start() {
    return { endpoint: undefined, stop: async () => {} };
  },
  profile(config: Config): TargetProfile {
    return {
      name: 'aws',
      region: config.region,
      capabilities: {},
      timing: { pollMs: 1_000, waitTimeoutMs: 900_000, directProbeTimeoutMs: 5_000, directProbeFloorMs: 5_000, requestTimeoutMs: 10_000, settleMs: 60_000 },
      taskHost: (instancePublicIp) => instancePublicIp,
      albAddress: (dns, port) => ({ origin: `http://${dns}:${port}`, host: port === 80 ? dns : `${dns}:${port}`, pathPrefix: '' }),
    };
  },
};
