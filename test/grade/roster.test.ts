import { describe, expect, it } from 'vitest';
import { limitConcurrency, mapWithConcurrency } from '../../helpers/core/concurrency.js';
import { parseRoster, parseShard, RosterFormatError, shard, ShardError, splitCsvLine } from '../../helpers/grade/roster.js';

describe('roster CSV', () => {
  it('reads the required and optional columns, in any order, skipping blank lines', () => {
    const roster = parseRoster(
      [
        'region,nickname,role_arn,external_id,profile',
        'us-east-1,ann,arn:aws:iam::123456789012:role/grader-readonly,ext-ann-1,',
        '',
        '   ',
        'eu-west-1,bob,,,workshop-bob',
        'us-west-2,cyd,,,',
        '',
      ].join('\n'),
    );
    expect(roster.errors).toEqual([]);
    expect(roster.entries).toEqual([
      { line: 2, nickname: 'ann', region: 'us-east-1', roleArn: 'arn:aws:iam::123456789012:role/grader-readonly', externalId: 'ext-ann-1' },
      { line: 5, nickname: 'bob', region: 'eu-west-1', profile: 'workshop-bob' },
      { line: 6, nickname: 'cyd', region: 'us-west-2' },
    ]);
  });

  it('accepts CRLF, a byte-order mark, header case and spaces around fields', () => {
    const roster = parseRoster('\uFEFFNickname , Region\r\n ann , us-east-1 \r\n');
    expect(roster.entries).toEqual([{ line: 2, nickname: 'ann', region: 'us-east-1' }]);
  });

  it('handles quoted fields with commas and doubled quotes', () => {
    expect(splitCsvLine('"a,b","say ""hi""",plain, "spaced" ,')).toEqual(['a,b', 'say "hi"', 'plain', 'spaced', '']);
    const roster = parseRoster('nickname,region,external_id,seat\n"ann","us-east-1",,"row 3, seat ""B"""\n');
    expect(roster.entries).toEqual([{ line: 2, nickname: 'ann', region: 'us-east-1' }]);
    expect(roster.ignoredColumns).toEqual(['seat']);
  });

  it('reports each malformed row with its line number and still returns the others', () => {
    const roster = parseRoster(
      [
        'nickname,region,profile',
        'ann,us-east-1,',
        '"bob,us-east-1,', // quote never closed
        'cyd,us-east-1', // too few fields
        'dan,us-east-1,,extra', // too many fields
        'e v,us-east-1,', // nickname the suite rejects
        'fay,moon-1,', // not a region
        ',us-east-1,', // empty nickname
        'gus,us-east-1,my profile', // profile with a space
        'ANN,eu-west-1,', // duplicate nickname (output folders would collide)
        'hal,"us-east-1"x,', // text after a closing quote
        'ivy,eu-central-1,ivy-profile',
      ].join('\n'),
    );
    expect(roster.entries.map((e) => [e.line, e.nickname])).toEqual([
      [2, 'ann'],
      [12, 'ivy'],
    ]);
    const byLine = Object.fromEntries(roster.errors.map((e) => [e.line, e.message]));
    expect(Object.keys(byLine).map(Number)).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(byLine[3]).toMatch(/quoted field is not closed/);
    expect(byLine[4]).toBe('2 fields, the header has 3');
    expect(byLine[5]).toBe('4 fields, the header has 3');
    expect(byLine[6]).toMatch(/^nickname: 'e v' is not allowed/);
    expect(byLine[7]).toMatch(/^region: 'moon-1' is not a region name/);
    expect(byLine[8]).toBe('nickname is empty');
    expect(byLine[9]).toMatch(/profile 'my profile'/);
    expect(byLine[10]).toBe("nickname 'ANN' is already on line 2");
    expect(byLine[11]).toMatch(/unexpected text after a closing quote/);
    expect(roster.errors.find((e) => e.line === 6)?.nickname).toBe('e v');
    for (const e of roster.errors) expect(e.message).not.toContain('\n');
  });

  it('checks role_arn and external_id', () => {
    const roster = parseRoster(
      [
        'nickname,region,role_arn,external_id,profile',
        'ann,us-east-1,arn:aws:iam::12345:role/x,,',
        'bob,us-east-1,,secret-1,',
        'cyd,us-east-1,arn:aws:iam::123456789012:role/r,x,',
        'dan,us-east-1,arn:aws:iam::123456789012:role/r,ok-id,dan-profile',
        'eve,us-gov-west-1,arn:aws-us-gov:iam::123456789012:role/path/r,ok-id,',
      ].join('\n'),
    );
    expect(roster.errors.map((e) => [e.line, e.message.split(' ')[0]])).toEqual([
      [2, 'role_arn'],
      [3, 'external_id'],
      [4, 'external_id'],
      [5, 'set'],
    ]);
    expect(roster.entries.map((e) => e.nickname)).toEqual(['eve']);
  });

  it('refuses a file without a usable header as a whole', () => {
    expect(() => parseRoster('')).toThrow(RosterFormatError);
    expect(() => parseRoster('\n\n')).toThrow(/empty/);
    expect(() => parseRoster('nickname,profile\nann,p\n')).toThrow(/line 1 \(header\): missing column region/);
    expect(() => parseRoster('\nnickname,region,region\n')).toThrow(/line 2 \(header\): column 'region' appears twice/);
  });
});

describe('shard', () => {
  const rows = Array.from({ length: 23 }, (_, i) => `row-${i}`);

  it('puts every row in exactly one of n shards, with sizes differing by at most one', () => {
    for (const n of [1, 2, 3, 5, 7, 23, 40]) {
      const shards = Array.from({ length: n }, (_, i) => shard(rows, `${i + 1}/${n}`));
      expect(shards.flat().sort()).toEqual([...rows].sort());
      const sizes = shards.map((s) => s.length);
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    }
  });

  it('is deterministic: the same roster gives the same split every time', () => {
    expect(shard(rows, '2/3')).toEqual(shard([...rows], '2/3'));
    expect(shard(rows, '2/3')).toEqual(['row-1', 'row-4', 'row-7', 'row-10', 'row-13', 'row-16', 'row-19', 'row-22']);
    expect(shard(rows, ' 1 / 1 ')).toEqual(rows);
  });

  it('refuses a bad i/n with one line', () => {
    for (const bad of ['3/2', '0/2', '1/0', '0/0', '-1/2', '1', 'a/b', '1/2/3', '', '1.5/3']) {
      expect(() => parseShard(bad), bad).toThrow(ShardError);
      try {
        parseShard(bad);
      } catch (err) {
        expect((err as Error).message).not.toContain('\n');
        expect((err as Error).message).toMatch(/^--shard: /);
      }
    }
    expect(() => parseShard('3/2')).toThrow('1 ≤ i ≤ n');
    expect(parseShard('2/3')).toEqual({ index: 2, count: 3 });
  });
});

describe('concurrency bound', () => {
  it('never runs more than N at once, runs all, and keeps the results in order', async () => {
    for (const bound of [1, 2, 4]) {
      let active = 0;
      let peak = 0;
      const started: number[] = [];
      const results = await mapWithConcurrency(Array.from({ length: 12 }, (_, i) => i), bound, async (i) => {
        active++;
        peak = Math.max(peak, active);
        started.push(i);
        await new Promise((r) => setTimeout(r, 2 + ((i * 7) % 5)));
        active--;
        return i * 10;
      });
      expect(peak).toBe(bound);
      expect(results).toEqual(Array.from({ length: 12 }, (_, i) => i * 10));
      expect(started).toEqual(Array.from({ length: 12 }, (_, i) => i));
    }
  });

  it('frees the slot of a task that fails or throws synchronously', async () => {
    const limit = limitConcurrency(1);
    await expect(limit(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(
      limit(() => {
        throw new Error('sync');
      }),
    ).rejects.toThrow('sync');
    await expect(limit(async () => 'still runs')).resolves.toBe('still runs');
  });

  it('refuses a bound below 1', () => {
    expect(() => limitConcurrency(0)).toThrow(RangeError);
    expect(() => limitConcurrency(1.5)).toThrow(RangeError);
  });
});
