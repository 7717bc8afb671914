/**
 * A run: checks the configuration (exit 2 on bad input, before any AWS call), starts the
 * target, runs the specs with vitest in this process — handing the worker the run's
 * configuration with vitest's provide/inject — writes the reports, and tears down on Ctrl-C too.
 */
import { accessSync, constants, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfigError, parseConfig, type Config } from '../core/config.js';
import { publishToGitHub } from '../report/github.js';
import { E2eReporter, summarize, type Report } from '../report/report.js';
import type { ApiCall } from '../cloud/clients.js';
import { RUN_CONFIG } from '../suite/provided.js';
import { targetOf } from '../targets/index.js';

export class BadInput extends Error {}

type Env = Record<string, string | undefined>;

/**
 * Everything that can be known wrong before touching a cloud. Throws BadInput with one line.
 * `access`: a graded participant's credentials or profile (helpers/run/suite-host.ts).
 */
export async function preflight(env: Env, access: Pick<Config, 'awsCredentials' | 'awsProfile'> = {}): Promise<Config> {
  let config: Config;
  try {
    config = { ...parseConfig(env), ...access };
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
  const problem = await targetOf(config).preflight(config);
  if (problem) throw new BadInput(problem);
  return config;
}

export interface RunOutcome {
  exitCode: number;
  report?: Report;
}

// From the sources: the package root. From the build (scripts/build.js): dist/, where the
// config and the specs are JavaScript and the config is imported as it is, not bundled first.
const PACKAGE_ROOT = resolve(import.meta.dirname, '..', '..');
const COMPILED = import.meta.url.endsWith('.js');

/** The run's own reporter (report.json, .md, .html): the same for a run alone and one hosted among many. */
export function runReporter(config: Config, target: { calls: ApiCall[] }, startedAt: Date, renderHtml: (dir: string, report: Report) => void): E2eReporter {
  return new E2eReporter(
    { target: config.target, mode: config.mode, nickname: config.nickname, region: config.region, startedAt },
    { reportDir: resolve(config.reportDir), mainProcessCalls: target.calls, extra: renderHtml },
  );
}

/**
 * After the specs: the report line, GitHub's conventions (step summary, annotations), and whether
 * the run failed by its report (none, or a failed check). `out.line` for people, `out.command`
 * for the workflow runner.
 */
export function concludeRun(report: Report | undefined, config: Config, out: { line(text: string): void; command(text: string): void }, quiet = false): { failed: boolean } {
  const s = report ? summarize(report.checks) : undefined;
  if (s && !quiet) out.line(`report: ${join(resolve(config.reportDir), 'report.json')} — ${s.passed} passed, ${s.failed} failed, ${s.skipped} skipped`);
  if (config.githubActions) publishToGitHub(report, { stepSummary: config.githubStepSummary, writeCommand: out.command, warn: out.line });
  return { failed: !s || s.failed > 0 };
}

/** What ends a run early, as Ctrl-C does: SIGHUP is a closed terminal or CloudShell tab. */
const INTERRUPTS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

export interface RunSuiteOptions {
  /** Only the spec files whose names start so (the self-check's --step N: 00-… to 0N-…). */
  specs?: string[];
  /** No vitest console output: the caller prints its own (the self-check). */
  quiet?: boolean;
}

export async function runSuite(env: Env, opts: RunSuiteOptions = {}): Promise<RunOutcome> {
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
  const reportDir = resolve(config.reportDir);

  // The target starts while vitest loads: both take about a second.
  const [target, { createVitest }, { renderHtmlReport }] = await Promise.all([
    import('./lifecycle.js').then((m) => m.startRunTarget(config)),
    import('vitest/node'),
    import('../report/html.js'),
  ]);
  // the simulator answers while it seeds the baseline; a seeding that fails fails every call, and says why here
  target.ready.catch((err: unknown) => process.stderr.write(`target: could not set up its start state: ${(err as Error).stack ?? err}\n`));
  const reporter = runReporter(config, target, startedAt, renderHtmlReport);
  const vitest = await createVitest('test', {
    root: PACKAGE_ROOT,
    config: join(PACKAGE_ROOT, COMPILED ? 'vitest.e2e.config.js' : 'vitest.e2e.config.ts'),
    ...(COMPILED ? { configLoader: 'native' as const } : {}),
    watch: false,
    provide: { [RUN_CONFIG]: target.config },
    // E2E_BAIL=1: stop at the first failing check (what was created so far is still removed)
    ...(config.bail ? { bail: 1 } : {}),
    reporters: [...(opts.quiet ? [] : ['default' as const]), ['junit', { outputFile: join(reportDir, 'junit.xml') }], reporter],
  });
  // Ctrl-C / SIGTERM / SIGHUP: stop the specs, then remove what the run created, then exit 130.
  // vitest's own logger exits 1 ms after a signal, which would skip the teardown: ours replaces it.
  for (const signal of INTERRUPTS) process.removeAllListeners(signal);
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = true;
    process.stderr.write(`\n${signal}: stopping the run and removing what it created…\n`);
    // cancel first: close() alone would wait for every remaining spec to run to its end
    void vitest
      .cancelCurrentRun('keyboard-input')
      .catch(() => undefined)
      .then(() => vitest.close())
      .catch(() => undefined)
      .then(() => target.finish())
      .catch((err: unknown) => process.stderr.write(`teardown after ${signal}: ${(err as Error).stack ?? err}\n`))
      .finally(() => process.exit(130));
  };
  // `on`, not `once`: a Ctrl-C may arrive more than once (from the terminal, and forwarded by
  // npx), and a second signal with no listener left would kill the run in the middle of its teardown.
  for (const signal of INTERRUPTS) process.on(signal, onSignal);
  try {
    await vitest.start(opts.specs?.map((spec) => `specs/${spec}`) ?? []);
  } catch (err) {
    process.stderr.write(`vitest: ${(err as Error).message}\n`);
  }
  await vitest.close();
  await target.finish();
  if (!interrupted) for (const signal of INTERRUPTS) process.off(signal, onSignal);
  const report = reporter.report;
  const { failed } = concludeRun(report, config, { line: (text) => process.stderr.write(`${text}\n`), command: (text) => process.stdout.write(`${text}\n`) }, opts.quiet);
  const failedRun = failed || (process.exitCode ?? 0) !== 0;
  // interrupted: the teardown above is the one the signal started (finish() runs once)
  return { exitCode: interrupted ? 130 : failedRun ? 1 : 0, report };
}
