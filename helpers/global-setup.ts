/**
 * The e2e project's global setup: starts the target when it is ours to start (the embedded
 * simulator, LocalStack), shares its endpoint with the spec workers through the environment,
 * and on the way out removes what the run created (unless E2E_KEEP=1) — this runs after a
 * failing spec too, and when the CLI closes vitest on Ctrl-C.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig } from './config.js';
import { teardownRun } from './teardown.js';
import { startTarget } from './start-target.js';

export default async function setup(): Promise<() => Promise<void>> {
  const config = parseConfig(process.env);
  process.env.E2E_RUN_ID = config.runId;
  mkdirSync(config.reportDir, { recursive: true });
  process.env.E2E_CALL_LOG ??= join(config.reportDir, '.calls.jsonl');
  const started = await startTarget(config);
  process.env.E2E_ENDPOINT = started.endpoint ?? '';
  if (!started.endpoint) delete process.env.E2E_ENDPOINT;
  return async () => {
    try {
      await teardownRun({ ...config, endpoint: started.endpoint });
    } finally {
      await started.stop();
    }
  };
}
