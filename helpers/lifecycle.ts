/**
 * A run's outer lifecycle: start the target (if it is ours to start), share its endpoint and
 * run id with the spec workers through the environment, and at the end remove what the run
 * created and stop the target — once, whichever way the run ends.
 */
import { mkdirSync } from 'node:fs';
import type { Config } from './config.js';
import { startTarget } from './start-target.js';
import { teardownRun } from './teardown.js';

export interface RunTarget {
  endpoint?: string;
  finish(): Promise<void>;
}

export async function startRunTarget(config: Config): Promise<RunTarget> {
  mkdirSync(config.reportDir, { recursive: true });
  process.env.E2E_RUN_ID = config.runId;
  const started = await startTarget(config);
  if (started.endpoint) process.env.E2E_ENDPOINT = started.endpoint;
  let finishing: Promise<void> | undefined;
  return {
    endpoint: started.endpoint,
    finish: () =>
      (finishing ??= (async () => {
        try {
          await teardownRun({ ...config, endpoint: started.endpoint });
        } finally {
          await started.stop();
        }
      })()),
  };
}
