/**
 * `run`: checks the configuration (exit 2 on bad input, before any AWS call), then runs the
 * specs with vitest in this process, writes the reports, and tears down on Ctrl-C as well.
 */
import { accessSync, constants, mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfigError, parseConfig, type Config } from '../helpers/core/config.js';
import { localstackPreflight } from '../helpers/targets/localstack.js';
import { E2eReporter, summarize, type Report } from '../helpers/report/report.js';

export class BadInput extends Error {}

/** Everything that can be known wrong before touching a cloud. Throws BadInput with one line. */
export async function preflight(env: NodeJS.ProcessEnv): Promise<Config> {
  let config: Config;
  try {
    config = parseConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) throw new BadInput(err.message);
    throw err;
  }
  try {
    mkdirSync(config.reportDir, { recursive: true });
    accessSync(config.reportDir, constants.W_OK);
  } catch (err) {
    throw new BadInput(`E2E_REPORT_DIR: cannot write reports to ${config.reportDir} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  if (config.endpoint) {
    try {
      await fetch(config.endpoint, { signal: AbortSignal.timeout(3_000) });
    } catch (err) {
      const cause = ((err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name) || 'no answer';
      throw new BadInput(`E2E_ENDPOINT: nothing answers at ${config.endpoint} (${cause}); start it (npm run sim) or unset E2E_ENDPOINT`);
    }
  }
  if (config.target === 'localstack') {
    const problem = await localstackPreflight(env);
    if (problem) throw new BadInput(problem);
  }
  if (config.target === 'aws') {
    const { defaultProvider } = await import('@aws-sdk/credential-provider-node');
    try {
      await defaultProvider()();
    } catch (err) {
      throw new BadInput(`E2E_TARGET=aws: no AWS credentials in the default chain (env, profile, SSO, instance role): ${(err as Error).message.split('\n')[0]}`);
    }
  }
  return config;
}

export interface RunOutcome {
  exitCode: number;
  report?: Report;
}

export async function runSuite(env: NodeJS.ProcessEnv = process.env): Promise<RunOutcome> {
  const startedAt = new Date(); // the report's duration covers target start-up too
  let config: Config;
  try {
    config = await preflight(env);
  } catch (err) {
    if (err instanceof BadInput) {
      process.stderr.write(`${err.message}\n`);
      return { exitCode: 2 };
    }
    throw err;
  }
  // The workers and the global setup read the same variables.
  Object.assign(process.env, env, { E2E_RUN_ID: config.runId });
  const reportDir = resolve(config.reportDir);
  const callLog = join(reportDir, '.calls.jsonl');
  const waitLog = join(reportDir, '.waits.jsonl');
  rmSync(callLog, { force: true });
  rmSync(waitLog, { force: true });
  process.env.E2E_CALL_LOG = callLog;
  process.env.E2E_WAIT_LOG = waitLog;

  // The target starts while vitest loads: both take about a second.
  const [target, { createVitest }, { renderHtmlReport }] = await Promise.all([
    import('../helpers/run/lifecycle.js').then((m) => m.startRunTarget(config)),
    import('vitest/node'),
    import('../helpers/report/html.js'),
  ]);
  process.env.E2E_LIFECYCLE = 'cli';
  const reporter = new E2eReporter(
    { target: config.target, mode: config.mode, nickname: config.nickname, region: config.region, startedAt },
    { reportDir, callLogFile: callLog, waitLogFile: waitLog, extra: renderHtmlReport },
  );
  const root = resolve(import.meta.dirname, '..');
  const vitest = await createVitest('test', {
    root,
    config: join(root, 'vitest.e2e.config.ts'),
    watch: false,
    // E2E_BAIL=1: stop at the first failing check (what was created so far is still removed)
    ...(env.E2E_BAIL === '1' ? { bail: 1 } : {}),
    reporters: ['default', ['junit', { outputFile: join(reportDir, 'junit.xml') }], reporter],
  });
  // Ctrl-C / SIGTERM: stop the specs, then remove what the run created, then exit 130.
  // vitest's own logger exits 1 ms after a signal, which would skip the teardown: ours replaces it.
  process.removeAllListeners('SIGINT');
  process.removeAllListeners('SIGTERM');
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = true;
    process.stderr.write(`\n${signal}: stopping the run and removing what it created…\n`);
    void vitest
      .close()
      .catch(() => undefined)
      .then(() => target.finish())
      .catch((err: unknown) => process.stderr.write(`teardown after ${signal}: ${(err as Error).stack ?? err}\n`))
      .finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await vitest.start([]);
  } catch (err) {
    process.stderr.write(`vitest: ${(err as Error).message}\n`);
  }
  await vitest.close();
  await target.finish();
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  const report = reporter.report;
  const s = report ? summarize(report.checks) : undefined;
  if (s) process.stderr.write(`report: ${join(reportDir, 'report.json')} — ${s.passed} passed, ${s.failed} failed, ${s.skipped} skipped\n`);
  const failedRun = !report || s!.failed > 0 || (process.exitCode ?? 0) !== 0;
  return { exitCode: failedRun ? 1 : 0, report };
}
