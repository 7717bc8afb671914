/** After a provision run: delete what carries this run's tag, unless E2E_KEEP=1. */
import { createClients } from '../cloud/clients.js';
import type { Config } from '../core/config.js';
import { sweepTagged, type SweepResult } from '../cloud/sweep.js';
import { profileFor } from '../targets/index.js';

export async function teardownRun(config: Config, log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Promise<SweepResult | undefined> {
  if (config.mode !== 'provision') return undefined;
  if (config.keep) {
    log(`E2E_KEEP=1: leaving what run ${config.runId} created (npm run sweep -- --run-id ${config.runId} removes it)`);
    return undefined;
  }
  const profile = profileFor(config);
  const clients = createClients(profile, 'provision');
  try {
    // AWS makes teardown wait (a deleted ALB's interfaces hold its group for minutes): as long as any wait may take there
    const result = await sweepTagged(clients, { runId: config.runId, clusters: [config.names.cluster] }, { timeoutMs: profile.timing.waitTimeoutMs });
    if (result.failed.length) {
      log(`teardown of run ${config.runId}: could not delete ${result.failed.map((f) => `${f.resource} (${f.error})`).join('; ')}`);
    }
    return result;
  } finally {
    clients.destroy();
  }
}
