/**
 * The grading roster: CSV with a header row. Required columns `nickname,region`; optional
 * `profile`, `role_arn`, `external_id`; other columns (an e-mail, a seat number) are ignored
 * and named so a misspelt one is noticed. One participant per line: a quoted field may hold
 * commas and doubled quotes ("") but not a line break, so one bad line never swallows the rest.
 * A malformed row becomes an error with its line number; every other row is still returned.
 */
import { ConfigError, parseConfig } from '../core/config.js';

export interface RosterEntry {
  /** 1-based line in the file, for messages a grader can act on. */
  line: number;
  nickname: string;
  region: string;
  profile?: string;
  roleArn?: string;
  externalId?: string;
}

export interface RosterError {
  line: number;
  /** The nickname field as written, when the row had one. */
  nickname?: string;
  message: string;
}

export interface Roster {
  entries: RosterEntry[];
  errors: RosterError[];
  /** Header columns that are not roster columns. */
  ignoredColumns: string[];
}

/** The file as a whole is unusable (no header, a required column missing). */
export class RosterFormatError extends Error {
  override name = 'RosterFormatError';
}

const REQUIRED = ['nickname', 'region'] as const;
const OPTIONAL = ['profile', 'role_arn', 'external_id'] as const;
const KNOWN: readonly string[] = [...REQUIRED, ...OPTIONAL];
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
// IAM's own rule for sts:ExternalId
const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;
// AWS named profiles: no whitespace, no brackets (they would break the config file)
const PROFILE = /^[^\s[\]]{1,128}$/;

/** Splits one CSV line into fields; throws a one-line message when the quoting is broken. */
export function splitCsvLine(text: string): string[] {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    while (text[i] === ' ' || text[i] === '\t') i++;
    if (text[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        if (i >= text.length) throw new Error('a quoted field is not closed on this line');
        if (text[i] === '"') {
          if (text[i + 1] === '"') {
            value += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += text[i++];
      }
      while (text[i] === ' ' || text[i] === '\t') i++;
      if (i < text.length && text[i] !== ',') throw new Error(`unexpected text after a closing quote at column ${i + 1}`);
      fields.push(value);
    } else {
      const end = text.indexOf(',', i);
      const raw = end === -1 ? text.slice(i) : text.slice(i, end);
      if (raw.includes('"')) throw new Error(`a quote inside an unquoted field at column ${i + raw.indexOf('"') + 1}; quote the whole field and double the inner quotes`);
      fields.push(raw.trim());
      i = end === -1 ? text.length : end;
    }
    if (i >= text.length) return fields;
    i++; // the comma
  }
}

/** The suite's own rules for a nickname and a region (config.ts), so the roster cannot drift from them. */
function suiteRuleViolation(nickname: string, region: string): string | undefined {
  try {
    parseConfig({ E2E_NICKNAME: nickname, E2E_REGION: region, E2E_RUN_ID: 'roster-check' });
    return undefined;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const field = err.variable === 'E2E_NICKNAME' ? 'nickname' : 'region';
    return `${field}: ${err.message.slice(err.variable.length + 2)}`;
  }
}

function entryOf(line: number, row: Record<string, string>): RosterEntry | string {
  const { nickname = '', region = '', profile = '', role_arn: roleArn = '', external_id: externalId = '' } = row;
  if (!nickname) return 'nickname is empty';
  if (!region) return 'region is empty';
  const violation = suiteRuleViolation(nickname, region);
  if (violation) return violation;
  if (profile && !PROFILE.test(profile)) return `profile '${profile}' is not a profile name (no spaces or brackets)`;
  if (roleArn && !ROLE_ARN.test(roleArn)) return `role_arn '${roleArn}' is not a role ARN like arn:aws:iam::123456789012:role/grader-readonly`;
  if (externalId && !EXTERNAL_ID.test(externalId)) return `external_id must be 2–1224 characters of letters, digits and +=,.@:/-`;
  if (externalId && !roleArn) return 'external_id is set but role_arn is empty; the external id is only used to assume a role';
  if (profile && roleArn) return 'set profile or role_arn, not both';
  return {
    line,
    nickname,
    region,
    ...(profile ? { profile } : {}),
    ...(roleArn ? { roleArn } : {}),
    ...(externalId ? { externalId } : {}),
  };
}

export function parseRoster(text: string): Roster {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const headerIndex = lines.findIndex((l) => l.trim() !== '');
  if (headerIndex === -1) throw new RosterFormatError('the roster is empty; it needs a header row like nickname,region');
  let header: string[];
  try {
    header = splitCsvLine(lines[headerIndex]!).map((h) => h.trim().toLowerCase());
  } catch (err) {
    throw new RosterFormatError(`line ${headerIndex + 1} (header): ${(err as Error).message}`);
  }
  const missing = REQUIRED.filter((c) => !header.includes(c));
  if (missing.length) {
    throw new RosterFormatError(`line ${headerIndex + 1} (header): missing column ${missing.join(', ')}; the header needs nickname,region and may add ${OPTIONAL.join(', ')}`);
  }
  const duplicate = header.find((h, i) => header.indexOf(h) !== i);
  if (duplicate !== undefined) throw new RosterFormatError(`line ${headerIndex + 1} (header): column '${duplicate}' appears twice`);

  const entries: RosterEntry[] = [];
  const errors: RosterError[] = [];
  const seen = new Map<string, number>();
  for (let i = headerIndex + 1; i < lines.length; i++) {
    const text = lines[i]!;
    if (text.trim() === '') continue;
    const line = i + 1;
    let fields: string[];
    try {
      fields = splitCsvLine(text);
    } catch (err) {
      errors.push({ line, message: (err as Error).message });
      continue;
    }
    const row = Object.fromEntries(header.map((h, k) => [h, fields[k] ?? '']));
    const nickname = row.nickname || undefined;
    if (fields.length !== header.length) {
      errors.push({ line, nickname, message: `${fields.length} fields, the header has ${header.length}` });
      continue;
    }
    const entry = entryOf(line, row);
    if (typeof entry === 'string') {
      errors.push({ line, nickname, message: entry });
      continue;
    }
    // Reports go to DIR/<nickname>/; two rows for one nickname (in any letter case) would overwrite each other.
    const key = entry.nickname.toLowerCase();
    const first = seen.get(key);
    if (first !== undefined) {
      errors.push({ line, nickname, message: `nickname '${entry.nickname}' is already on line ${first}` });
      continue;
    }
    seen.set(key, line);
    entries.push(entry);
  }
  return { entries, errors, ignoredColumns: header.filter((h) => !KNOWN.includes(h)) };
}

export interface ShardSpec {
  index: number;
  count: number;
}

export class ShardError extends Error {
  override name = 'ShardError';
}

export function parseShard(spec: string): ShardSpec {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(spec);
  if (!m) throw new ShardError(`--shard: '${spec}' is not i/n like 1/3`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1) throw new ShardError(`--shard: '${spec}' has n = ${count}; n must be at least 1`);
  if (index < 1 || index > count) throw new ShardError(`--shard: '${spec}' needs 1 ≤ i ≤ n, i.e. i in 1..${count}`);
  return { index, count };
}

/**
 * Shard i of n, dealt round-robin by position: row k (0-based) belongs to shard (k mod n) + 1.
 * The same roster gives every CI job the same split, each row lands in exactly one shard, and
 * shard sizes differ by at most one.
 */
export function shard<T>(rows: readonly T[], spec: string | ShardSpec): T[] {
  const { index, count } = typeof spec === 'string' ? parseShard(spec) : spec;
  return rows.filter((_, k) => k % count === index - 1);
}
