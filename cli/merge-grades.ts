/**
 * `merge-grades --out DIR SHARD_DIR…`: one class summary from sharded gradings. Exit 0 when
 * every row is graded once, 1 when a row is missing, duplicated or not graded, 2 on bad input.
 */
import { resolve } from 'node:path';
import { Command } from 'commander';
import { mergeShards, MergeInputError } from '../helpers/grade/merge.js';

export function mergeGradesCommand(): Command {
  const cmd = new Command('merge-grades')
    .description('join the outputs of sharded gradings (grade --shard i/n) into one summary.csv and summary.html')
    .requiredOption('--out <dir>', 'where the merged summary.csv, summary.html and DIR/<nickname>/ go')
    .argument('<shard-dirs...>', "the shards' --out directories");
  return cmd.action((shardDirs: string[], opts: { out: string }) => {
    if (shardDirs.some((d) => resolve(d) === resolve(opts.out))) cmd.error('--out must not be one of the shard directories', { exitCode: 2, code: 'merge.invalidInput' });
    let result;
    try {
      result = mergeShards(opts.out, shardDirs);
    } catch (err) {
      if (err instanceof MergeInputError) cmd.error(err.message, { exitCode: 2, code: 'merge.invalidInput' });
      throw err;
    }
    for (const p of result.problems) process.stderr.write(`merge-grades: ${p}\n`);
    process.stderr.write(`merge-grades: ${result.outcomes.length} rows from ${shardDirs.length} shards → ${resolve(opts.out)}/summary.csv, summary.html\n`);
    process.exit(result.problems.length === 0 && result.outcomes.every((o) => o.state === 'graded') ? 0 : 1);
  });
}
