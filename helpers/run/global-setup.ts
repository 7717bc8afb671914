/**
 * The e2e config's global setup, for running the specs with vitest directly
 * (`npx vitest run --config vitest.e2e.config.ts`): starts the target when it is ours to
 * start and removes what the run created on the way out. Under `ecs-alb-e2e run` the CLI
 * owns that lifecycle (it also survives Ctrl-C there) and this does nothing — loading the
 * SDK through vitest's module runner in the main process costs seconds.
 */
export default async function setup(): Promise<(() => Promise<void>) | void> {
  if (process.env.E2E_LIFECYCLE === 'cli') return;
  const { parseConfig } = await import('../core/config.js');
  const { startRunTarget } = await import('./lifecycle.js');
  const run = await startRunTarget(parseConfig(process.env));
  return () => run.finish();
}
