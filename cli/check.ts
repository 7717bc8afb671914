/**
 * `check`: a participant's self-check — verify mode against their own account (or a
 * simulator), printing which step is done, which is next and what to do. Exit 0 when every
 * step asked for passed, 1 otherwise, 2 on bad input. Works wherever the AWS CLI's
 * credentials do (AWS CloudShell included): the default credential chain.
 */
import { Command, InvalidArgumentError } from 'commander';
import { runSuite } from '../helpers/run/run-suite.js';
import { judgeProgress, LAST_STEP, renderProgress, specsUpTo } from '../helpers/grade/self-check.js';

const stepNumber = (v: string) => {
  if (!/^\s*\d+\s*$/.test(v) || Number(v) > LAST_STEP) throw new InvalidArgumentError(`--step must be a whole number from 0 to ${LAST_STEP}`);
  return Number(v);
};

export function checkCommand(): Command {
  return new Command('check')
    .description('check your own progress on Module 04 (read-only): which step is done, which is next, and what to do')
    .option('--nickname <nick>', 'your nickname (E2E_NICKNAME)')
    .option('--step <n>', `judge only steps 0..n (specs 00..0n), n ≤ ${LAST_STEP}`, stepNumber)
    .option('--target <target>', 'aws (default: your account) | sim | localstack (E2E_TARGET)')
    .option('--endpoint <url>', 'a running simulator or LocalStack (E2E_ENDPOINT)')
    .option('--region <region>', 'AWS region (E2E_REGION)')
    .option('--report-dir <dir>', 'where the reports go (E2E_REPORT_DIR)')
    .action(async (opts: { nickname?: string; step?: number; target?: string; endpoint?: string; region?: string; reportDir?: string }) => {
      const env: Record<string, string | undefined> = { ...process.env, E2E_MODE: 'verify' };
      env.E2E_TARGET = opts.target ?? process.env.E2E_TARGET ?? 'aws';
      if (opts.nickname) env.E2E_NICKNAME = opts.nickname;
      if (opts.endpoint) env.E2E_ENDPOINT = opts.endpoint;
      if (opts.region) env.E2E_REGION = opts.region;
      if (opts.reportDir) env.E2E_REPORT_DIR = opts.reportDir;
      const specs = specsUpTo(opts.step);
      const { exitCode, report } = await runSuite(env, { specs, quiet: true });
      if (!report) process.exit(exitCode === 0 ? 1 : exitCode);
      const progress = judgeProgress(report, specs);
      process.stdout.write(renderProgress(report, progress));
      process.exit(progress.ok ? 0 : 1);
    });
}
