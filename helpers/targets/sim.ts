/** The embedded simulator: started in-process (or given by E2E_ENDPOINT), seeded with the module 01–03 state. */
import type { Config } from '../core/config.js';
import { EMULATOR_CREDENTIALS, type Target, type TargetProfile } from './profile.js';

export const simTarget: Target = {
  name: 'sim',
  deploysBaseline: false,
  async preflight() {
    return null;
  },
  async start(config: Config) {
    if (config.endpoint) return { endpoint: config.endpoint, egressCanary: await canaryOf(config.endpoint), stop: async () => {} };
    const { startSim } = await import('../../sim/index.js');
    // the run's vitest starts while the baseline seeds (its first API call waits for the seeding)
    const sim = await startSim({ timeScale: config.simTimeScale, nicknames: [config.nickname], region: config.region, realism: config.simRealism, answerWhileSeeding: true });
    return { endpoint: sim.endpoint, egressCanary: sim.egressCanary, ready: sim.seeded, stop: () => sim.close() };
  },
  profile(config: Config, endpoint = config.endpoint): TargetProfile {
    if (!endpoint) throw new Error('the sim target needs its endpoint (E2E_ENDPOINT); start it first');
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
        // loopback: a task answers a direct probe in a few ms; see negativeProbeTimeoutMs for the factor
        directProbeFloorMs: 200,
        requestTimeoutMs: Math.max(2_000, 20_000 * scale),
        settleMs: Math.max(3_000, 60_000 * scale),
      },
      taskHost: (instancePublicIp) => instancePublicIp,
      albAddress: (dns, port) => ({ origin: endpoint, host: port === 80 ? dns : `${dns}:${port}`, pathPrefix: '' }),
    };
  },
};

/** A running simulator says where its egress canary listens (GET /_sim/health). */
async function canaryOf(endpoint: string): Promise<string | undefined> {
  try {
    const r = await fetch(new URL('/_sim/health', endpoint), { signal: AbortSignal.timeout(3_000) });
    const body = (await r.json()) as { egressCanary?: string };
    return typeof body.egressCanary === 'string' ? body.egressCanary : undefined;
  } catch {
    return undefined; // an older simulator, or not a simulator: no canary
  }
}
