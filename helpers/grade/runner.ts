/**
 * Grading a roster: every participant verified read-only, each in a child process of its own
 * (a run sets process-wide state: vitest, signal handlers), a few at a time. Per participant
 * DIR/<nickname>/ gets the run's reports and run.log; DIR gets summary.csv and summary.html.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, createWriteStream, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import { score, writeSummaries, type ParticipantOutcome } from './summary.js';
import type { Report } from '../report/report.js';
import { summarize } from '../report/report.js';
import { parseRoster, shard, type RosterEntry, type RosterError, type ShardSpec } from './roster.js';
import { mapWithConcurrency } from '../core/concurrency.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const REPORT_FILES = ['report.json', 'report.md', 'report.html', 'junit.xml'];
// A grader's own E2E_* settings (names, mode, keep) must not leak into a participant's run;
// only settings that describe the grader's setup rather than a participant pass through.
const PASS_THROUGH_E2E = new Set(['E2E_ATTRIBUTION_PATTERN', 'E2E_EGRESS_CANARY']);
const AWS_CREDENTIAL_VARIABLES = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_DEFAULT_PROFILE'];

export interface GradeOptions {
  roster: string;
  out: string;
  target: 'sim' | 'aws';
  endpoint?: string;
  concurrency: number;
  shard?: ShardSpec & { text: string };
  timeScale?: number;
  /** host:port: the positive control of the direct-access check (E2E_EGRESS_CANARY of each run). */
  egressCanary?: string;
  timeoutMs: number;
}

export interface TemporaryCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
}

export interface AssumeRoleRequest {
  roleArn: string;
  externalId?: string;
  region: string;
  sessionName: string;
}

export interface ChildRun {
  env: NodeJS.ProcessEnv;
  logFile: string;
  timeoutMs: number;
}

export interface ChildResult {
  exitCode: number | null;
  timedOut: boolean;
  /** The last line the run wrote on stderr, to say why it left no report. */
  lastErrorLine?: string;
}

export interface GradeDeps {
  assumeRole(request: AssumeRoleRequest): Promise<TemporaryCredentials>;
  runChild(run: ChildRun): Promise<ChildResult>;
  log(line: string): void;
  /** The grader's own environment, filtered for each child (only the CLI reads process.env). */
  env?: NodeJS.ProcessEnv;
}

export async function assumeRoleWithSts(request: AssumeRoleRequest): Promise<TemporaryCredentials> {
  const { STSClient, AssumeRoleCommand } = await import('@aws-sdk/client-sts');
  const sts = new STSClient({ region: request.region });
  try {
    const out = await sts.send(
      new AssumeRoleCommand({
        RoleArn: request.roleArn,
        RoleSessionName: request.sessionName,
        ...(request.externalId ? { ExternalId: request.externalId } : {}),
        DurationSeconds: 3600,
      }),
    );
    const c = out.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken) throw new Error('AssumeRole returned no credentials');
    return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken };
  } finally {
    sts.destroy();
  }
}

function tsxCli(): string {
  const pkg = createRequire(import.meta.url).resolve('tsx/package.json');
  return join(dirname(pkg), 'dist', 'cli.mjs');
}

/** `tsx cli/main.ts run` in a child; its output goes to the participant's run.log. */
export function runChildSuite(run: ChildRun): Promise<ChildResult> {
  return new Promise((resolvePromise, reject) => {
    const log = createWriteStream(run.logFile);
    const child = spawn(process.execPath, [tsxCli(), join(ROOT, 'cli', 'main.ts'), 'run'], {
      cwd: ROOT,
      env: run.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let lastErrorLine: string | undefined;
    child.stdout.pipe(log, { end: false });
    child.stderr.on('data', (chunk: Buffer) => {
      log.write(chunk);
      const lines = chunk.toString('utf8').split('\n').map((l) => l.trim()).filter(Boolean);
      if (lines.length) lastErrorLine = lines[lines.length - 1];
    });
    let timedOut = false;
    let killTimer: NodeJS.Timeout | undefined;
    // SIGTERM first: the run stops vitest and writes what it has; SIGKILL if it does not end.
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    }, run.timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      log.end();
      reject(err);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (killTimer) clearTimeout(killTimer);
      log.end(() => resolvePromise({ exitCode: code ?? (signal ? 128 : null), timedOut, lastErrorLine }));
    });
  });
}

export function childEnv(entry: RosterEntry, options: GradeOptions, reportDir: string, credentials: TemporaryCredentials | undefined, base: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(base)) {
    if (k.startsWith('E2E_') && !PASS_THROUGH_E2E.has(k)) continue;
    // a grader running inside vitest must not make the child's vitest think it is a worker
    if (k.startsWith('VITEST') || k === 'TEST' || k === 'NODE_ENV') continue;
    env[k] = v;
  }
  Object.assign(env, {
    E2E_TARGET: options.target,
    E2E_MODE: 'verify',
    E2E_NICKNAME: entry.nickname,
    E2E_REGION: entry.region,
    E2E_REPORT_DIR: reportDir,
    FORCE_COLOR: '0',
  });
  if (options.endpoint) env.E2E_ENDPOINT = options.endpoint;
  if (options.timeScale !== undefined) env.E2E_SIM_TIME_SCALE = String(options.timeScale);
  if (options.egressCanary) env.E2E_EGRESS_CANARY = options.egressCanary;
  if (options.target === 'aws') {
    // Environment credentials win over a profile in the default chain, so each source
    // removes the others: a participant is graded with their own access and nothing else.
    if (credentials) {
      for (const k of AWS_CREDENTIAL_VARIABLES) delete env[k];
      env.AWS_ACCESS_KEY_ID = credentials.accessKeyId;
      env.AWS_SECRET_ACCESS_KEY = credentials.secretAccessKey;
      env.AWS_SESSION_TOKEN = credentials.sessionToken;
    } else if (entry.profile) {
      for (const k of AWS_CREDENTIAL_VARIABLES) delete env[k];
      env.AWS_PROFILE = entry.profile;
    }
    env.AWS_REGION = entry.region;
  }
  return env;
}

function readReport(dir: string): Report | undefined {
  const file = join(dir, 'report.json');
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Report;
  } catch {
    return undefined;
  }
}

export async function gradeParticipant(entry: RosterEntry, options: GradeOptions, deps: GradeDeps): Promise<ParticipantOutcome> {
  const dir = resolve(options.out, entry.nickname);
  mkdirSync(dir, { recursive: true });
  // a report left by an earlier grading must never be read as this one's
  for (const f of REPORT_FILES) rmSync(join(dir, f), { force: true });
  let credentials: TemporaryCredentials | undefined;
  if (options.target === 'aws' && entry.roleArn) {
    try {
      credentials = await deps.assumeRole({
        roleArn: entry.roleArn,
        externalId: entry.externalId,
        region: entry.region,
        sessionName: `ecs-alb-e2e-grade-${entry.nickname}`.slice(0, 64),
      });
    } catch (err) {
      const e = err as Error;
      return { line: entry.line, nickname: entry.nickname, error: `could not assume ${entry.roleArn}: ${e.name}: ${e.message.split('\n')[0]}` };
    }
  }
  const env = childEnv(entry, options, dir, credentials, deps.env ?? {});
  const result = await deps.runChild({ env, logFile: join(dir, 'run.log'), timeoutMs: options.timeoutMs });
  const report = readReport(dir);
  const why = result.timedOut
    ? `timed out after ${Math.round(options.timeoutMs / 1000)} s`
    : `the run exited with code ${result.exitCode}${result.lastErrorLine ? `: ${result.lastErrorLine}` : ''}`;
  if (!report) return { line: entry.line, nickname: entry.nickname, error: `no report.json (${why}); see ${join(dir, 'run.log')}` };
  return { line: entry.line, nickname: entry.nickname, report, ...(result.timedOut ? { error: `${why}; the report is partial` } : {}) };
}

function malformed(e: RosterError): ParticipantOutcome {
  return { line: e.line, nickname: e.nickname ?? '', error: `roster line ${e.line}: ${e.message}` };
}

export async function grade(options: GradeOptions, deps: GradeDeps): Promise<{ exitCode: number; outcomes: ParticipantOutcome[] }> {
  const started = new Date();
  const roster = parseRoster(readFileSync(options.roster, 'utf8'));
  if (roster.ignoredColumns.length) deps.log(`roster: ignoring column${roster.ignoredColumns.length > 1 ? 's' : ''} ${roster.ignoredColumns.join(', ')}`);
  // Malformed rows take part in the split, so each is reported by exactly one shard.
  const rows = [...roster.entries.map((entry) => ({ line: entry.line, entry })), ...roster.errors.map((error) => ({ line: error.line, error }))].sort((a, b) => a.line - b.line);
  const mine = options.shard ? shard(rows, options.shard) : rows;
  const outcomes: ParticipantOutcome[] = [];
  for (const r of mine) {
    if ('error' in r && r.error) {
      deps.log(`roster line ${r.error.line}: ${r.error.message} — not graded`);
      outcomes.push(malformed(r.error));
    }
  }
  const entries = mine.flatMap((r) => ('entry' in r && r.entry ? [r.entry] : []));
  if (options.target === 'sim' && entries.some((e) => e.profile || e.roleArn)) deps.log('target sim: the roster\'s profile and role_arn columns are not used');
  deps.log(`grading ${entries.length} participant${entries.length === 1 ? '' : 's'}${options.shard ? ` (shard ${options.shard.text} of ${rows.length} roster rows)` : ''}, ${options.concurrency} at a time`);
  mkdirSync(options.out, { recursive: true });
  const graded = await mapWithConcurrency(entries, options.concurrency, async (entry) => {
    const outcome = await gradeParticipant(entry, options, deps);
    if (outcome.report) {
      const s = summarize(outcome.report.checks);
      deps.log(`${entry.nickname}: ${s.passed} passed, ${s.failed} failed, ${s.skipped} skipped — score ${score(outcome.report.checks).toFixed(3)}${outcome.error ? ` (${outcome.error})` : ''}`);
    } else {
      deps.log(`${entry.nickname}: not graded — ${outcome.error}`);
    }
    return outcome;
  });
  outcomes.push(...graded);
  writeSummaries(options.out, outcomes, {
    target: options.target,
    roster: basename(options.roster),
    ...(options.shard ? { shard: options.shard.text } : {}),
    startedAt: started.toISOString(),
    durationMs: Date.now() - started.getTime(),
  });
  deps.log(`summary: ${join(resolve(options.out), 'summary.csv')}, ${join(resolve(options.out), 'summary.html')}`);
  return { exitCode: outcomes.every((o) => o.report && !o.error) ? 0 : 1, outcomes };
}

