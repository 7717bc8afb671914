/**
 * merge-grades: shard outputs (`grade --shard i/n`, e.g. one per CI matrix job) joined into one
 * class summary, the way vitest's and Playwright's --merge-reports join sharded runs. A roster
 * row graded by two shards, or by none (when the shards recorded the roster), is reported.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { ParticipantOutcome } from './outcome.js';
import { readManifest, readRecord, RECORD_FILE, type Manifest } from './record.js';
import { writeSummaries } from './summary.js';

export class MergeInputError extends Error {}

interface Shard {
  dir: string;
  manifest?: Manifest;
  outcomes: ParticipantOutcome[];
}

function readShard(dir: string): Shard {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new MergeInputError(`${dir}: not a directory`);
  const manifest = readManifest(dir);
  const outcomes: ParticipantOutcome[] = [];
  for (const name of readdirSync(dir)) {
    if (name.startsWith('.') || !existsSync(join(dir, name, RECORD_FILE))) continue;
    const o = readRecord(join(dir, name));
    if (o) outcomes.push(o);
  }
  for (const row of manifest?.rows ?? []) if (row.error) outcomes.push({ line: row.line, nickname: row.nickname, state: 'error', error: row.error });
  if (!manifest && outcomes.length === 0) throw new MergeInputError(`${dir}: no grading here (no ${'grading.json'} and no participant with ${RECORD_FILE})`);
  return { dir, ...(manifest ? { manifest } : {}), outcomes };
}

const who = (o: { nickname: string; line: number }) => `${o.nickname || '(no nickname)'} (roster line ${o.line})`;

export interface MergeResult {
  outcomes: ParticipantOutcome[];
  problems: string[];
}

export function mergeShards(out: string, shardDirs: string[]): MergeResult {
  const shards = shardDirs.map((d) => readShard(resolve(d)));
  const problems: string[] = [];
  const rosters = new Set(shards.flatMap((s) => (s.manifest ? [s.manifest.rosterSha256] : [])));
  if (rosters.size > 1) problems.push(`the shards were graded from ${rosters.size} different rosters: ${shards.map((s) => `${basename(s.dir)}: ${s.manifest?.roster ?? '?'}`).join(', ')}`);
  const byLine = new Map<number, { outcome: ParticipantOutcome; shard: string }>();
  for (const s of shards) {
    for (const o of s.outcomes) {
      const first = byLine.get(o.line);
      if (first) {
        problems.push(`${who(o)} is in two shards: ${first.shard} and ${basename(s.dir)}; kept ${first.shard}`);
        continue;
      }
      byLine.set(o.line, { outcome: o, shard: basename(s.dir) });
    }
    // rows a shard owned but did not finish (interrupted, crashed)
    for (const row of s.manifest?.rows ?? []) {
      if (!s.outcomes.some((o) => o.line === row.line)) problems.push(`${who(row)} was not finished in ${basename(s.dir)} (run it again with --resume)`);
    }
  }
  const rosterRows = new Map<number, { line: number; nickname: string }>();
  for (const s of shards) for (const r of s.manifest?.rosterRows ?? []) rosterRows.set(r.line, r);
  for (const r of rosterRows.values()) {
    if (!byLine.has(r.line) && !shards.some((s) => s.manifest?.rows.some((x) => x.line === r.line))) problems.push(`${who(r)} is in no shard`);
  }
  mkdirSync(out, { recursive: true });
  for (const { outcome, shard } of byLine.values()) {
    const from = join(shards.find((s) => basename(s.dir) === shard)!.dir, outcome.nickname);
    // the summary links DIR/<nickname>/report.html: the reports come along
    if (outcome.nickname && existsSync(join(from, RECORD_FILE))) cpSync(from, join(out, outcome.nickname), { recursive: true });
  }
  const outcomes = [...byLine.values()].map((v) => v.outcome);
  const first = shards.find((s) => s.manifest)?.manifest;
  writeSummaries(out, outcomes, {
    target: first?.target ?? 'unknown',
    roster: first?.roster ?? 'unknown',
    shard: `merged from ${shards.length} shard${shards.length === 1 ? '' : 's'}`,
    startedAt: shards.map((s) => s.manifest?.startedAt ?? '').filter(Boolean).sort()[0] ?? new Date().toISOString(),
    durationMs: 0,
    problems,
  });
  return { outcomes, problems };
}
