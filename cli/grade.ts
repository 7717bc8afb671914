/**
 * `grade`: verifies every participant of a roster, read-only, each in a run of its own, a few at
 * a time — in this process, on `--concurrency` slots of a suite host (helpers/run/suite-host.ts:
 * a run's configuration and credentials travel with it, never through the environment).
 * Per participant DIR/<nickname>/ gets the run's reports and run.log; DIR gets summary.csv
 * and summary.html. Exit 0 when every roster row was graded, 1 when some could not be
 * (malformed row, no report), 2 on bad flags — one line, before any participant runs.
 */
import { accessSync, constants, mkdirSync, readFileSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import { loadWeights, WeightsError, type Weights } from '../helpers/grade/points.js';
import { readManifest, rosterDigest } from '../helpers/grade/record.js';
import { parseRoster, parseShard, RosterFormatError, ShardError } from '../helpers/grade/roster.js';
import { inProcessRunner, SuiteHost } from '../helpers/grade/in-process.js';
import { assumeRoleWithSts, grade, runChildSuite, type GradeDeps, type GradeOptions } from '../helpers/grade/runner.js';

export { childEnv, grade, type AssumeRoleRequest, type ChildRun, type GradeDeps, type GradeOptions } from '../helpers/grade/runner.js';

const wholeNumber = (flag: string, min: number, max: number) => (v: string) => {
  const n = Number(v);
  if (!/^\s*\d+\s*$/.test(v) || n < min || n > max) throw new InvalidArgumentError(`${flag} must be a whole number from ${min} to ${max}`);
  return n;
};

function bad(message: string): never {
  throw new GradeInputError(message);
}

export class GradeInputError extends Error {}

const canary = (v: string) => (/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.test(v) && Number(v.split(':').pop()) <= 65535 ? v : bad(`--egress-canary: '${v}' is not host:port`));

interface RawOptions {
  roster: string;
  out: string;
  target: 'sim' | 'aws';
  endpoint?: string;
  concurrency: number;
  shard?: string;
  timeScale?: string;
  timeout: number;
  egressCanary?: string;
  weights?: string;
  resume?: boolean;
  onlyFailed?: boolean;
}

/** Every flag checked before any participant runs; a GradeInputError is one line. */
export async function checkGradeOptions(raw: RawOptions): Promise<GradeOptions> {
  try {
    accessSync(raw.roster, constants.R_OK);
  } catch (err) {
    bad(`--roster: cannot read ${raw.roster} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  try {
    parseRoster(readFileSync(raw.roster, 'utf8'));
  } catch (err) {
    if (err instanceof RosterFormatError) bad(`--roster ${raw.roster}: ${err.message}`);
    throw err;
  }
  let weights: Weights;
  try {
    weights = loadWeights(raw.weights);
  } catch (err) {
    if (err instanceof WeightsError) bad(err.message);
    throw err;
  }
  let shardSpec: GradeOptions['shard'];
  if (raw.shard !== undefined) {
    try {
      shardSpec = { ...parseShard(raw.shard), text: raw.shard.trim() };
    } catch (err) {
      if (err instanceof ShardError) bad(err.message);
      throw err;
    }
  }
  let endpoint: string | undefined;
  if (raw.endpoint !== undefined) {
    if (raw.target === 'aws') bad('--endpoint is not used with --target aws; drop it or grade on --target sim');
    let url: URL;
    try {
      url = new URL(raw.endpoint);
    } catch {
      bad(`--endpoint: '${raw.endpoint}' is not a URL like http://127.0.0.1:4566`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') bad(`--endpoint: '${raw.endpoint}' must be http:// or https://`);
    endpoint = url.origin;
    try {
      await fetch(endpoint, { signal: AbortSignal.timeout(3_000) });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const why = cause?.code ?? cause?.message ?? (err as Error).name ?? 'no answer';
      bad(`--endpoint: nothing answers at ${endpoint} (${why}); start the simulator (npm run sim -- --nickname a,b,c)`);
    }
  } else if (raw.target === 'sim') {
    // a simulator of its own would hold only the starting state: nothing a participant built
    bad('--target sim needs --endpoint: the running simulator that holds the participants\' work (npm run sim -- --nickname a,b,c)');
  }
  let timeScale: number | undefined;
  if (raw.timeScale !== undefined) {
    if (raw.target !== 'sim') bad('--time-scale is for --target sim (the simulator\'s time scale)');
    timeScale = Number(raw.timeScale);
    if (!Number.isFinite(timeScale) || timeScale <= 0 || timeScale > 1) bad(`--time-scale: '${raw.timeScale}' is not allowed; use a number in (0, 1]`);
  }
  try {
    mkdirSync(raw.out, { recursive: true });
    accessSync(raw.out, constants.W_OK);
  } catch (err) {
    bad(`--out: cannot write to ${raw.out} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  if (raw.resume || raw.onlyFailed) {
    // continuing another roster's grading would mix two classes in one summary
    const earlier = readManifest(raw.out);
    const flag = raw.onlyFailed ? '--only-failed' : '--resume';
    if (earlier && earlier.rosterSha256 !== rosterDigest(readFileSync(raw.roster, 'utf8'))) bad(`${flag}: ${raw.out} was graded from another roster (${earlier.roster}); use a new --out or the same roster`);
    if (earlier && (earlier.shard ?? '') !== (shardSpec?.text ?? '')) bad(`${flag}: ${raw.out} holds shard ${earlier.shard ?? '(none)'}; give the same --shard`);
  }
  return {
    roster: raw.roster,
    out: raw.out,
    target: raw.target,
    ...(endpoint ? { endpoint } : {}),
    concurrency: raw.concurrency,
    ...(shardSpec ? { shard: shardSpec } : {}),
    ...(timeScale !== undefined ? { timeScale } : {}),
    timeoutMs: raw.timeout * 1000,
    ...(raw.egressCanary !== undefined ? { egressCanary: canary(raw.egressCanary) } : {}),
    weights,
    ...(raw.resume ? { resume: true } : {}),
    ...(raw.onlyFailed ? { onlyFailed: true } : {}),
  };
}

/** A child process per participant (`runChild`); the CLI grades in its own process instead (gradeCommand). */
export const defaultGradeDeps: GradeDeps = {
  assumeRole: assumeRoleWithSts,
  runChild: runChildSuite,
  log: (line) => process.stderr.write(`${line}\n`),
  env: process.env,
};

/**
 * `deps` given: graded with them. Not given: every participant's run in this process, on
 * `--concurrency` slots of a suite host (helpers/run/suite-host.ts) — ≈ 190 MB and a fraction of a
 * CPU-second a participant instead of a process and a vitest of its own.
 */
export function gradeCommand(deps?: GradeDeps): Command {
  const cmd = new Command('grade')
    .description("grade a roster of participants, read-only (verify mode), each in its own run; writes DIR/summary.csv, DIR/summary.html and DIR/<nickname>/ reports")
    .requiredOption('--roster <file>', 'CSV with a header: nickname,region[,profile][,role_arn][,external_id]')
    .requiredOption('--out <dir>', 'where summary.csv, summary.html and DIR/<nickname>/ go')
    .addOption(new Option('--target <target>', 'where the participants built').choices(['sim', 'aws']).default('aws'))
    .option('--endpoint <url>', 'the running simulator holding the participants\' work (--target sim)')
    .option('--concurrency <n>', 'participants graded at once', wholeNumber('--concurrency', 1, 64), 4)
    .option('--shard <i/n>', 'grade only shard i of n (roster rows dealt round-robin), for parallel CI jobs')
    .option('--time-scale <factor>', 'the simulator\'s time scale, so waits match it (--target sim)')
    .option('--timeout <seconds>', 'per participant; a run still going then is stopped', wholeNumber('--timeout', 10, 86_400), 1800)
    .option('--egress-canary <host:port>', 'a listener outside the participants\' accounts this runner should reach on a high port (the direct-access check\'s positive control)')
    .option('--weights <file>', 'JSON {"<check id>": points} laid over fixtures/weights.json')
    .option('--resume', 'same roster, same --out: grade only participants without a finished grading')
    .option('--only-failed', 'same roster, same --out: re-grade only participants below full points');
  return cmd.action(async (raw: RawOptions) => {
    let options: GradeOptions;
    try {
      options = await checkGradeOptions(raw);
    } catch (err) {
      if (err instanceof GradeInputError) cmd.error(err.message, { exitCode: 2, code: 'grade.invalidInput' });
      throw err;
    }
    // Ctrl-C: stop starting participants, stop the running ones, keep every finished one
    const interrupt = new AbortController();
    const log = (deps ?? defaultGradeDeps).log;
    const onSignal = () => {
      log('interrupted: stopping the running participants; finished ones are kept (run again with --resume)');
      interrupt.abort();
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    const host = deps ? undefined : new SuiteHost(options.concurrency, log);
    let graded: Awaited<ReturnType<typeof grade>>;
    try {
      graded = await grade(options, { ...(deps ?? { ...defaultGradeDeps, runChild: inProcessRunner(host!) }), signal: interrupt.signal });
    } finally {
      await host?.close(); // also when the grading threw: the threads stop too
    }
    process.exit(graded.exitCode);
  });
}
