/**
 * What a grading leaves on disk so it can be resumed and merged: DIR/grading.json (the roster
 * rows this run — or shard — owns) and per participant DIR/<nickname>/grade.json, written last
 * and atomically: a participant with a grade.json finished; one without did not.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Report } from '../report/report.js';
import type { ParticipantOutcome } from './outcome.js';

export const RECORD_FILE = 'grade.json';
export const MANIFEST_FILE = 'grading.json';

export interface Manifest {
  /** sha256 of the roster file's text: --resume only continues the same roster. */
  rosterSha256: string;
  roster: string;
  shard?: string;
  /** Every roster line this grading owns (malformed ones too, with why), for merge-grades. */
  rows: ManifestRow[];
  /** Every row of the roster, whichever shard owns it: merge-grades names rows no shard brought. */
  rosterRows: Array<{ line: number; nickname: string }>;
  target: string;
  startedAt: string;
}

export interface ManifestRow {
  line: number;
  nickname: string;
  /** A malformed roster line: why (it has no participant directory). */
  error?: string;
}

export function rosterDigest(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function writeJsonAtomic(file: string, value: unknown): void {
  writeFileSync(`${file}.tmp`, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}

function readJson<T>(file: string): T | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

export const writeManifest = (out: string, m: Manifest) => writeJsonAtomic(join(out, MANIFEST_FILE), m);
export const readManifest = (out: string) => readJson<Manifest>(join(out, MANIFEST_FILE));

/** The outcome without its report (the report is report.json beside it). */
export function writeRecord(dir: string, o: ParticipantOutcome): void {
  const { report: _report, ...record } = o;
  writeJsonAtomic(join(dir, RECORD_FILE), record);
}

/** A finished participant's outcome, report included; undefined when it did not finish. */
export function readRecord(dir: string): ParticipantOutcome | undefined {
  const record = readJson<Omit<ParticipantOutcome, 'report'>>(join(dir, RECORD_FILE));
  if (!record) return undefined;
  const report = readJson<Report>(join(dir, 'report.json'));
  if (record.state !== 'error' && !report) return undefined;
  return { ...record, ...(report ? { report } : {}) };
}
