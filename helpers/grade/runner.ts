/**
 * Grading a roster: every participant verified read-only, each in a run of its own (`runChild`:
 * in the grader's process by default, helpers/grade/in-process.ts; or a child process), a
 * few at a time. A participant is graded into a fresh DIR/.grading-<nickname>/ that replaces
 * DIR/<nickname>/ only when it is done — so Ctrl-C, a crash or a re-grade never leaves a
 * finished participant's reports half-overwritten, and --resume knows who is done (grade.json).
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { renderHtmlReport } from '../report/html.js';
import { renderMarkdown, summarize, type Report } from '../report/report.js';
import { mapWithConcurrency } from '../core/concurrency.js';
import { childEnv, type AssumeRoleRequest, type ChildResult, type ChildRun, type TemporaryCredentials } from './child.js';
import { complete, judge, scoreOf, type ParticipantOutcome } from './outcome.js';
import type { Weights } from './points.js';
import { readRecord, rosterDigest, writeManifest, writeRecord } from './record.js';
import { Redactor } from './redact.js';
import { parseRoster, shard, type RosterEntry, type RosterError, type ShardSpec } from './roster.js';
import { writeSummaries } from './summary.js';

export { assumeRoleWithSts, childEnv, runChildSuite, type AssumeRoleRequest, type ChildResult, type ChildRun, type TemporaryCredentials } from './child.js';

const REPORT_FILES = ['report.json', 'report.md', 'report.html', 'junit.xml'];

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
  weights: Weights;
  /** Grade only participants without a finished grading in `out`. */
  resume?: boolean;
  /** Re-grade only participants below full points (and those not finished). */
  onlyFailed?: boolean;
}

export interface GradeDeps {
  assumeRole(request: AssumeRoleRequest): Promise<TemporaryCredentials>;
  runChild(run: ChildRun): Promise<ChildResult>;
  log(line: string): void;
  /** The grader's own environment, filtered for each child (only the CLI reads process.env). */
  env?: NodeJS.ProcessEnv;
  /** Ctrl-C: no participant starts after it; running ones are stopped and stay unfinished. */
  signal?: AbortSignal;
}

function readReport(dir: string): Report | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as Report;
  } catch {
    return undefined;
  }
}

/** The grader's version of the reports: scored, hints kept, every credential replaced. */
function rewriteReports(dir: string, report: Report, redactor: Redactor): void {
  const clean = JSON.parse(redactor.redact(JSON.stringify(report))) as Report;
  writeFileSync(join(dir, 'report.json'), `${JSON.stringify(clean, null, 2)}\n`);
  writeFileSync(join(dir, 'report.md'), renderMarkdown(clean));
  renderHtmlReport(dir, clean);
  const junit = join(dir, 'junit.xml');
  if (existsSync(junit)) writeFileSync(junit, redactor.redact(readFileSync(junit, 'utf8')));
}

/** Replaces DIR/<nickname> with the finished work directory in two renames. */
function publish(work: string, dir: string): void {
  const old = `${dir}.old-${process.pid}`;
  if (existsSync(dir)) renameSync(dir, old);
  renameSync(work, dir);
  rmSync(old, { recursive: true, force: true });
}

async function credentialsFor(entry: RosterEntry, options: GradeOptions, deps: GradeDeps, redactor: Redactor): Promise<TemporaryCredentials | string | undefined> {
  if (options.target !== 'aws' || !entry.roleArn) return undefined;
  try {
    const c = await deps.assumeRole({ roleArn: entry.roleArn, externalId: entry.externalId, region: entry.region, sessionName: `ecs-alb-e2e-grade-${entry.nickname}`.slice(0, 64) });
    redactor.add(c.accessKeyId, c.secretAccessKey, c.sessionToken);
    return c;
  } catch (err) {
    const e = err as Error;
    return `could not assume ${entry.roleArn}: ${e.name}: ${e.message.split('\n')[0]}`;
  }
}

/** Grades one participant; undefined when Ctrl-C stopped it (nothing is published then). */
export async function gradeParticipant(entry: RosterEntry, options: GradeOptions, deps: GradeDeps, redactor = new Redactor(deps.env)): Promise<ParticipantOutcome | undefined> {
  const dir = resolve(options.out, entry.nickname);
  const work = resolve(options.out, `.grading-${entry.nickname}`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const base = { line: entry.line, nickname: entry.nickname };
  const credentials = await credentialsFor(entry, options, deps, redactor);
  let outcome: ParticipantOutcome;
  if (typeof credentials === 'string') {
    outcome = { ...base, state: 'error', error: redactor.redact(credentials) };
  } else {
    const env = childEnv(entry, options, work, credentials, deps.env ?? {});
    const access = options.target !== 'aws' ? undefined : credentials ? { credentials } : entry.profile ? { profile: entry.profile } : undefined;
    const result = await deps.runChild({ env, ...(access ? { access } : {}), logFile: join(work, 'run.log'), timeoutMs: options.timeoutMs, signal: deps.signal, redact: redactor.redact });
    if (result.interrupted) {
      rmSync(work, { recursive: true, force: true });
      return undefined;
    }
    const why = result.timedOut
      ? `timed out after ${Math.round(options.timeoutMs / 1000)} s`
      : `the run exited with code ${result.exitCode}${result.lastErrorLine ? `: ${result.lastErrorLine}` : ''}`;
    const report = readReport(work);
    outcome = judge(base, report, { timedOut: result.timedOut, why: report ? why : `no report.json (${why}); see ${join(dir, 'run.log')}` }, options.weights);
    outcome = JSON.parse(redactor.redact(JSON.stringify(outcome))) as ParticipantOutcome;
    if (outcome.report) rewriteReports(work, outcome.report, redactor);
    else for (const f of REPORT_FILES) rmSync(join(work, f), { force: true });
  }
  writeRecord(work, outcome);
  publish(work, dir);
  return outcome;
}

function malformed(e: RosterError): ParticipantOutcome {
  return { line: e.line, nickname: e.nickname ?? '', state: 'error', error: `roster line ${e.line}: ${e.message}` };
}

function progressLine(o: ParticipantOutcome): string {
  if (!o.report || o.state === 'error') return `${o.nickname}: not graded (${o.state}) — ${o.error}`;
  const s = summarize(o.report.checks);
  return `${o.nickname}: ${o.state}, ${o.points} of ${o.maxPoints} points (score ${scoreOf(o)?.toFixed(3)}); ${s.passed} passed, ${s.failed} failed, ${s.skipped} skipped${o.error ? ` (${o.error})` : ''}${o.nextStep ? ` — next: ${o.nextStep}` : ''}`;
}

/** A finished grading this run may keep instead of grading again. */
function keep(entry: RosterEntry, options: GradeOptions): ParticipantOutcome | undefined {
  if (!options.resume && !options.onlyFailed) return undefined;
  const prior = readRecord(resolve(options.out, entry.nickname));
  if (!prior || prior.line !== entry.line) return undefined;
  if (options.onlyFailed) return complete(prior) ? prior : undefined;
  return prior.state === 'graded' ? prior : undefined;
}

export async function grade(options: GradeOptions, deps: GradeDeps): Promise<{ exitCode: number; outcomes: ParticipantOutcome[] }> {
  const started = new Date();
  const redactor = new Redactor(deps.env);
  const log = (line: string) => deps.log(redactor.redact(line));
  const rosterText = readFileSync(options.roster, 'utf8');
  const roster = parseRoster(rosterText);
  if (roster.ignoredColumns.length) log(`roster: ignoring column${roster.ignoredColumns.length > 1 ? 's' : ''} ${roster.ignoredColumns.join(', ')}`);
  // Malformed rows take part in the split, so each is reported by exactly one shard.
  const rows = [...roster.entries.map((entry) => ({ line: entry.line, entry })), ...roster.errors.map((error) => ({ line: error.line, error }))].sort((a, b) => a.line - b.line);
  const mine = options.shard ? shard(rows, options.shard) : rows;
  mkdirSync(options.out, { recursive: true });
  writeManifest(options.out, {
    rosterSha256: rosterDigest(rosterText),
    roster: basename(options.roster),
    ...(options.shard ? { shard: options.shard.text } : {}),
    rows: mine.map((r) => ('entry' in r ? { line: r.line, nickname: r.entry.nickname } : { line: r.line, nickname: r.error.nickname ?? '', error: malformed(r.error).error })),
    rosterRows: rows.map((r) => ({ line: r.line, nickname: 'entry' in r ? r.entry.nickname : (r.error.nickname ?? '') })),
    target: options.target,
    startedAt: started.toISOString(),
  });
  const outcomes: ParticipantOutcome[] = [];
  for (const r of mine) {
    if ('error' in r && r.error) {
      log(`roster line ${r.error.line}: ${r.error.message} — not graded`);
      outcomes.push(malformed(r.error));
    }
  }
  const entries = mine.flatMap((r) => ('entry' in r && r.entry ? [r.entry] : []));
  const kept = entries.flatMap((e) => keep(e, options) ?? []);
  outcomes.push(...kept);
  const todo = entries.filter((e) => !kept.some((k) => k.line === e.line));
  if (options.target === 'sim' && entries.some((e) => e.profile || e.roleArn)) log('target sim: the roster\'s profile and role_arn columns are not used');
  const keptNote = kept.length ? `; ${kept.length} kept from the earlier grading (${options.onlyFailed ? '--only-failed: full points' : '--resume: finished'})` : '';
  log(`grading ${todo.length} participant${todo.length === 1 ? '' : 's'}${options.shard ? ` (shard ${options.shard.text} of ${rows.length} roster rows)` : ''}, ${options.concurrency} at a time${keptNote}`);
  const meta = () => ({
    target: options.target,
    roster: basename(options.roster),
    ...(options.shard ? { shard: options.shard.text } : {}),
    startedAt: started.toISOString(),
    durationMs: Date.now() - started.getTime(),
  });
  const summarizeNow = () => writeSummaries(options.out, outcomes, meta());
  summarizeNow();
  let interrupted = 0;
  await mapWithConcurrency(todo, options.concurrency, async (entry) => {
    if (deps.signal?.aborted) {
      interrupted++;
      return;
    }
    const outcome = await gradeParticipant(entry, options, deps, redactor);
    if (!outcome) {
      interrupted++;
      log(`${entry.nickname}: interrupted — not finished (--resume grades it)`);
      return;
    }
    log(progressLine(outcome));
    outcomes.push(outcome);
    // after every participant: an interrupted grading still has a summary of the finished ones
    summarizeNow();
  });
  summarizeNow();
  log(`summary: ${join(resolve(options.out), 'summary.csv')}, ${join(resolve(options.out), 'summary.html')}`);
  if (interrupted) {
    log(`interrupted: ${interrupted} participant${interrupted === 1 ? '' : 's'} not finished; run again with --resume`);
    return { exitCode: 130, outcomes };
  }
  return { exitCode: outcomes.every((o) => o.state === 'graded') ? 0 : 1, outcomes };
}
