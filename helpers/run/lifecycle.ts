/**
 * A run's outer lifecycle: start the target (if it is ours to start), deploy the module 01–03
 * baseline where the target does not come with one, and at the end remove what the run
 * created and stop the target — once, whichever way the run ends. What the workers need to
 * know comes back as `config` (the endpoint, the attribution pattern): the caller hands it to
 * them; nothing travels through process.env.
 */
import { mkdirSync } from 'node:fs';
import type { Config } from '../core/config.js';
import type { ApiCall } from '../cloud/clients.js';
import type { EnsuredBaseline } from '../cloud/provision.js';
import { targetOf } from '../targets/index.js';

export interface RunTarget {
  /** The run's configuration as the workers must see it: with the started target's endpoint. */
  config: Config;
  /** API calls made here, in the main process (the baseline stack), for the report. */
  calls: ApiCall[];
  /**
   * Resolves when the target's start state is in place. The simulator answers before (requests
   * wait for it), so the caller can start its workers meanwhile; rejects if it could not seed.
   */
  ready: Promise<void>;
  finish(): Promise<void>;
}

export async function startRunTarget(initial: Config): Promise<RunTarget> {
  mkdirSync(initial.reportDir, { recursive: true });
  // The SDK (for teardown) loads while the run goes on, not before it starts. A verify run removes
  // nothing: it never loads it here (the grader's process holds many verify runs: 130 MB saved).
  const teardown = initial.mode === 'provision' ? import('./teardown.js') : undefined;
  teardown?.catch(() => undefined);
  const target = targetOf(initial);
  const started = await target.start(initial);
  const ready = started.ready ?? Promise.resolve();
  ready.catch(() => undefined); // the caller decides what a failed start means; never unhandled
  let config: Config = { ...initial, endpoint: started.endpoint, egressCanary: initial.egressCanary ?? started.egressCanary };
  const calls: ApiCall[] = [];
  let baseline: EnsuredBaseline | undefined;
  let finishing: Promise<void> | undefined;
  const finish = () =>
    (finishing ??= (async () => {
      try {
        if (teardown) await (await teardown).teardownRun(config);
        if (!config.keep) await baseline?.remove();
      } finally {
        await started.stop();
      }
    })());
  if (config.mode === 'provision' && target.deploysBaseline) {
    try {
      const deployed = await provisionBaseline(config, calls);
      baseline = deployed.baseline;
      config = deployed.config;
    } catch (err) {
      await finish();
      throw err;
    }
  }
  return { config, calls, ready, finish };
}

/** LocalStack and AWS come without the module 01–03 state: deploy it (the app image answers `Hostname: <id>`). */
async function provisionBaseline(config: Config, calls: ApiCall[]): Promise<{ baseline: EnsuredBaseline; config: Config }> {
  const [{ APP_IMAGE_ATTRIBUTION_PATTERN }, { createClients, sdkConfig }, { ensureBaseline }, { profileFor }] = await Promise.all([
    import('../../fixtures/images.js'),
    import('../cloud/clients.js'),
    import('../cloud/provision.js'),
    import('../targets/index.js'),
  ]);
  const profile = profileFor(config);
  const clients = createClients(profile, 'provision', calls);
  try {
    const baseline = await ensureBaseline(clients, sdkConfig(profile), {
      nickname: config.nickname,
      cluster: config.names.cluster,
      runId: config.runId,
      appImage: config.appImage,
      amiParameter: config.amiParameter,
    });
    const attributionPattern = baseline.stackName ? (config.attributionPattern ?? APP_IMAGE_ATTRIBUTION_PATTERN) : config.attributionPattern;
    return { baseline, config: { ...config, attributionPattern } };
  } finally {
    clients.destroy();
  }
}
