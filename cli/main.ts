/**
 * ecs-alb-e2e — the command line. Flags map onto the E2E_* variables (DESIGN.md), so
 * `run --target aws --mode verify` and `E2E_TARGET=aws E2E_MODE=verify run` are the same.
 * Bad flags and bad values: one line, exit 2.
 */
import { Command, CommanderError } from 'commander';
import { simCommand } from '../sim/cli.js';
import { checkCommand } from './check.js';
import { gradeCommand } from './grade.js';
import { mergeGradesCommand } from './merge-grades.js';
import { runSuite } from '../helpers/run/run-suite.js';
import { sweepCommand } from './sweep.js';

const FLAG_TO_ENV: Record<string, string> = {
  target: 'E2E_TARGET',
  mode: 'E2E_MODE',
  endpoint: 'E2E_ENDPOINT',
  nickname: 'E2E_NICKNAME',
  region: 'E2E_REGION',
  reportDir: 'E2E_REPORT_DIR',
  runId: 'E2E_RUN_ID',
  timeScale: 'E2E_SIM_TIME_SCALE',
  egressCanary: 'E2E_EGRESS_CANARY',
  realism: 'E2E_SIM_REALISM',
};

/** The exit codes are a contract (CI steps and the grader act on them); README "Exit codes". */
export const RUN_EXIT_CODES = `
Exit codes:
  0    every check passed
  1    a check failed (or the run produced no report)
  2    bad input: a flag, an E2E_* value, credentials — one line on stderr, before anything is touched
  130  interrupted (Ctrl-C, SIGTERM), after removing what the run created`;

function runCommand(): Command {
  return new Command('run')
    .description('run the Module 04 specs against a target (default: the embedded simulator)')
    .option('--target <target>', 'sim | localstack | aws (E2E_TARGET)')
    .option('--mode <mode>', 'provision | verify (E2E_MODE)')
    .option('--endpoint <url>', 'a running simulator or LocalStack (E2E_ENDPOINT)')
    .option('--nickname <nick>', "the participant's nickname (E2E_NICKNAME)")
    .option('--region <region>', 'AWS region (E2E_REGION)')
    .option('--report-dir <dir>', 'where the reports go (E2E_REPORT_DIR)')
    .option('--run-id <id>', 'tag value for what this run creates (E2E_RUN_ID)')
    .option('--time-scale <factor>', 'simulator time scale (E2E_SIM_TIME_SCALE)')
    .option('--egress-canary <host:port>', 'a listener outside the account this runner should reach on a high port: the positive control of the direct-access check in verify mode (E2E_EGRESS_CANARY)')
    .option('--realism <level>', 'off | aws: the embedded simulator plays AWS at its hardest (E2E_SIM_REALISM)')
    .option('--keep', 'keep what the run created (E2E_KEEP=1)')
    .addHelpText('after', RUN_EXIT_CODES)
    .action(async (opts: Record<string, string | boolean | undefined>) => {
      const env = { ...process.env };
      for (const [flag, variable] of Object.entries(FLAG_TO_ENV)) {
        if (typeof opts[flag] === 'string') env[variable] = opts[flag] as string;
      }
      if (opts.keep) env.E2E_KEEP = '1';
      const { exitCode } = await runSuite(env);
      process.exit(exitCode);
    });
}

export function program(): Command {
  const p = new Command('ecs-alb-e2e')
    .description('End-to-end verification of an ECS service behind an Application Load Balancer (ECS workshop Module 04)')
    .addCommand(runCommand())
    .addCommand(checkCommand())
    .addCommand(gradeCommand())
    .addCommand(mergeGradesCommand())
    .addCommand(simCommand())
    .addCommand(sweepCommand())
    .addHelpText('after', `${RUN_EXIT_CODES.replace('Exit codes:', 'Exit codes of run:')}
grade and sweep: 0 done, 1 some participant could not be graded / some resource not deleted, 2 bad input.`);
  const exitOnError = (cmd: Command) => {
    cmd.exitOverride((err: CommanderError) => {
      throw err;
    });
    cmd.configureOutput({ writeErr: (s) => process.stderr.write(s.split('\n').filter(Boolean)[0] + '\n') });
    cmd.commands.forEach(exitOnError);
  };
  exitOnError(p);
  return p;
}

async function main(argv: string[]): Promise<void> {
  // The locked SDK supports Node 20 (engines: >=20.18.1); its notice that releases after
  // January 2027 need Node 22 is in the README, not in every run's output.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  try {
    await program().parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exit(err.exitCode === 0 ? 0 : 2);
    }
    throw err;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  void main(process.argv.slice(2));
}

export { main };
