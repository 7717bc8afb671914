/**
 * One participant's run as a child process: `ecs-alb-e2e run` with an environment that holds
 * only that participant's access (what `grade` did before participants shared its process,
 * helpers/grade/in-process.ts; still there for a library caller), and STS AssumeRole for their
 * grader role.
 */
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import type { RosterEntry } from './roster.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
// A grader's own E2E_* settings (names, mode, keep) must not leak into a participant's run;
// only settings that describe the grader's setup rather than a participant pass through.
const PASS_THROUGH_E2E = new Set(['E2E_ATTRIBUTION_PATTERN', 'E2E_EGRESS_CANARY']);
const AWS_CREDENTIAL_VARIABLES = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_DEFAULT_PROFILE'];
/** After SIGTERM a run stops vitest and writes what it has; SIGKILL when it does not end by then. */
const KILL_AFTER_MS = 15_000;

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
  /** The participant's run settings (E2E_*, and for a child process its whole environment). */
  env: NodeJS.ProcessEnv;
  /**
   * Target aws: the same access as in `env`, as values, for a run that shares the grading process
   * (helpers/grade/in-process.ts): there it goes into the run's configuration, not the environment.
   */
  access?: { credentials?: TemporaryCredentials; profile?: string };
  logFile: string;
  timeoutMs: number;
  /** Aborted on Ctrl-C of the grader: the run is stopped like a timeout. */
  signal?: AbortSignal;
  /** Applied to every line of run.log. */
  redact?: (s: string) => string;
}

export interface ChildResult {
  exitCode: number | null;
  timedOut: boolean;
  interrupted?: boolean;
  /** The last line the run wrote on stderr, to say why it left no report. */
  lastErrorLine?: string;
}

/** Where the child runs and what it gets: the grading options that shape a participant's run. */
export interface ChildSettings {
  target: 'sim' | 'aws';
  endpoint?: string;
  timeScale?: number;
  /** host:port: the positive control of the direct-access check (E2E_EGRESS_CANARY of each run). */
  egressCanary?: string;
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

/** run.log: written whole lines at a time, each redacted (a secret is never split across two writes). */
export function runLog(logFile: string, redact: (s: string) => string = (s) => s): { write(chunk: Buffer | string): void; end(): Promise<void> } {
  const file = createWriteStream(logFile);
  let pending = '';
  const writeLines = (chunk: Buffer | string, final = false) => {
    pending += chunk.toString();
    const cut = final ? pending.length : pending.lastIndexOf('\n') + 1;
    if (cut > 0) file.write(redact(pending.slice(0, cut)));
    pending = pending.slice(cut);
  };
  return {
    write: (chunk) => writeLines(chunk),
    end: () =>
      new Promise<void>((done) => {
        writeLines('', true);
        file.end(() => done());
      }),
  };
}

/** `tsx cli/main.ts run` in a child; its output goes to the participant's run.log, redacted. */
export function runChildSuite(run: ChildRun): Promise<ChildResult> {
  return new Promise((resolvePromise, reject) => {
    const log = runLog(run.logFile, run.redact);
    const redact = run.redact ?? ((s: string) => s);
    const writeLines = (chunk: Buffer) => log.write(chunk);
    const child = spawn(process.execPath, [tsxCli(), join(ROOT, 'cli', 'main.ts'), 'run'], { cwd: ROOT, env: run.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let lastErrorLine: string | undefined;
    child.stdout.on('data', (chunk: Buffer) => writeLines(chunk));
    child.stderr.on('data', (chunk: Buffer) => {
      writeLines(chunk);
      const lines = chunk.toString('utf8').split('\n').map((l) => l.trim()).filter(Boolean);
      if (lines.length) lastErrorLine = redact(lines[lines.length - 1]!);
    });
    let timedOut = false;
    let interrupted = false;
    let killTimer: NodeJS.Timeout | undefined;
    const stop = () => {
      child.kill('SIGTERM');
      killTimer ??= setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_MS);
    };
    const timer = setTimeout(() => {
      timedOut = true;
      stop();
    }, run.timeoutMs);
    const onAbort = () => {
      interrupted = true;
      stop();
    };
    if (run.signal?.aborted) onAbort();
    run.signal?.addEventListener('abort', onAbort, { once: true });
    const done = () => {
      clearTimeout(timer);
      if (killTimer) clearTimeout(killTimer);
      run.signal?.removeEventListener('abort', onAbort);
    };
    child.once('error', (err) => {
      done();
      void log.end();
      reject(err);
    });
    child.once('close', (code, signal) => {
      done();
      void log.end().then(() => resolvePromise({ exitCode: code ?? (signal ? 128 : null), timedOut, ...(interrupted ? { interrupted } : {}), lastErrorLine }));
    });
  });
}

export function childEnv(entry: RosterEntry, options: ChildSettings, reportDir: string, credentials: TemporaryCredentials | undefined, base: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(base)) {
    if (k.startsWith('E2E_') && !PASS_THROUGH_E2E.has(k)) continue;
    // a grader running inside vitest must not make the child's vitest think it is a worker
    if (k.startsWith('VITEST') || k === 'TEST' || k === 'NODE_ENV') continue;
    // under GitHub Actions a participant's run must not append its report to the grader's job
    // summary or annotate the grader's workflow with the participant's failures
    if (k === 'GITHUB_ACTIONS' || k === 'GITHUB_STEP_SUMMARY') continue;
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
