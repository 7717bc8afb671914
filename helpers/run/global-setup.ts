/**
 * The e2e config's global setup, for running the specs with vitest directly
 * (`npx vitest run --config vitest.e2e.config.ts`): reads the configuration, starts the target
 * when it is ours to start, provides the run's configuration to the worker, and removes what
 * the run created on the way out. Under `ecs-alb-e2e run` the CLI owns that lifecycle (it
 * also survives Ctrl-C there) and has provided the configuration already: this does nothing.
 */
import type { TestProject } from 'vitest/node';
import { RUN_CONFIG } from '../suite/provided.js';

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | void> {
  if (project.getProvidedContext()[RUN_CONFIG]) return;
  const { parseConfig } = await import('../core/config.js');
  const { startRunTarget } = await import('./lifecycle.js');
  const run = await startRunTarget(parseConfig());
  project.provide(RUN_CONFIG, run.config);
  return () => run.finish();
}
