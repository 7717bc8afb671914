/** Real AWS: the default credential chain; nothing to start. */
import type { Config } from '../core/config.js';
import type { Target, TargetProfile } from './profile.js';

export const awsTarget: Target = {
  name: 'aws',
  deploysBaseline: true,
  async preflight(config: Config) {
    // a participant's assumed-role credentials were just issued by STS: nothing to look for
    if (config.awsCredentials) return null;
    const { defaultProvider } = await import('@aws-sdk/credential-provider-node');
    try {
      await defaultProvider(config.awsProfile ? { profile: config.awsProfile } : {})();
      return null;
    } catch (err) {
      const where = config.awsProfile ? `for profile ${config.awsProfile} (the roster's profile column) in the shared AWS config files` : 'in the default chain (env, profile, SSO, instance role)';
      return `E2E_TARGET=aws: no AWS credentials ${where}: ${(err as Error).message.split('\n')[0]}`;
    }
  },
  async start() {
    return { endpoint: undefined, stop: async () => {} };
  },
  profile(config: Config): TargetProfile {
    return {
      name: 'aws',
      region: config.region,
      ...(config.awsCredentials ? { credentials: config.awsCredentials } : {}),
      ...(config.awsProfile ? { awsProfile: config.awsProfile } : {}),
      capabilities: {},
      timing: { pollMs: 1_000, waitTimeoutMs: 900_000, directProbeTimeoutMs: 5_000, directProbeFloorMs: 5_000, requestTimeoutMs: 10_000, settleMs: 60_000 },
      taskHost: (instancePublicIp) => instancePublicIp,
      albAddress: (dns, port) => ({ origin: `http://${dns}:${port}`, host: port === 80 ? dns : `${dns}:${port}`, pathPrefix: '' }),
    };
  },
};
