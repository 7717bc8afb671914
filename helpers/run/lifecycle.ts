/**
 * A run's outer lifecycle: start the target (if it is ours to start), share its endpoint and
 * run id with the spec workers through the environment, and at the end remove what the run
 * created and stop the target — once, whichever way the run ends.
 */
import { mkdirSync } from 'node:fs';
import type { Config } from '../core/config.js';
import { startTarget } from '../targets/start.js';
import type { EnsuredBaseline } from '../cloud/provision.js';

export interface RunTarget {
  endpoint?: string;
  finish(): Promise<void>;
}

export async function startRunTarget(config: Config): Promise<RunTarget> {
  mkdirSync(config.reportDir, { recursive: true });
  process.env.E2E_RUN_ID = config.runId;
  // The SDK (for teardown) loads while the run goes on, not before it starts.
  const teardown = import('./teardown.js');
  teardown.catch(() => undefined);
  const started = await startTarget(config);
  if (started.endpoint) process.env.E2E_ENDPOINT = started.endpoint;
  let baseline: EnsuredBaseline | undefined;
  let finishing: Promise<void> | undefined;
  const finish = () =>
    (finishing ??= (async () => {
      try {
        await (await teardown).teardownRun({ ...config, endpoint: started.endpoint });
        if (!config.keep) await baseline?.remove();
      } finally {
        await started.stop();
      }
    })());
  if (config.mode === 'provision' && config.target !== 'sim') {
    try {
      baseline = await provisionBaseline({ ...config, endpoint: started.endpoint });
    } catch (err) {
      await finish();
      throw err;
    }
  }
  return { endpoint: started.endpoint, finish };
}

/** LocalStack and AWS come without the module 01–03 state: deploy it (the app image answers `Hostname: <id>`). */
async function provisionBaseline(config: Config): Promise<EnsuredBaseline> {
  const [{ APP_IMAGE_ATTRIBUTION_PATTERN }, { createClients, sdkConfig }, { ensureBaseline }, { profileFor }] = await Promise.all([
    import('../../fixtures/images.js'),
    import('../cloud/clients.js'),
    import('../cloud/provision.js'),
    import('../targets/profile.js'),
  ]);
  const profile = profileFor(config);
  const clients = createClients(profile, 'provision', process.env.E2E_CALL_LOG);
  try {
    const b = await ensureBaseline(clients, sdkConfig(profile), {
      nickname: config.nickname,
      cluster: config.names.cluster,
      runId: config.runId,
      appImage: process.env.E2E_APP_IMAGE || undefined,
      amiParameter: process.env.E2E_AMI_PARAMETER || undefined,
    });
    if (b.stackName) process.env.E2E_ATTRIBUTION_PATTERN ??= APP_IMAGE_ATTRIBUTION_PATTERN;
    return b;
  } finally {
    clients.destroy();
  }
}
