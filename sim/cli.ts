/**
 * npm run sim -- [--port 4566] [--scenario baseline|empty] [--nickname nick[,other]] [--time-scale 0.05]
 *                [--realism off|aws] [--purge-inactive-after <simulated seconds>] [--seed <integer>]
 * Runs in the foreground; prints `ready <endpoint>` once requests are accepted.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_TIME_SCALE, startSim, type Scenario } from './index.js';
import type { Realism } from './realism.js';

const positiveNumber = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive number`);
  return n;
};
const nonNegativeNumber = (name: string) => (v: string) => {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`${name} must be a number of simulated seconds, 0 or more`);
  return n;
};
const integer = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new InvalidArgumentError(`${name} must be an integer`);
  return n;
};
const port = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('--port must be 0–65535');
  return n;
};

export function simCommand(): Command {
  return new Command('sim')
    .description('run the embedded AWS simulator in the foreground')
    .option('--port <port>', 'gateway port (0 = any free port)', port, 4566)
    .option('--host <address>', 'loopback address to listen on', '127.0.0.1')
    .addOption(new Option('--scenario <name>', 'starting state').choices(['baseline', 'empty']).default('baseline'))
    .option('--nickname <names>', 'comma-separated participant nicknames (baseline per nickname)', 'nick')
    .option('--time-scale <factor>', 'multiplies every simulated delay', positiveNumber('--time-scale'), DEFAULT_TIME_SCALE)
    .option('--region <region>', 'the region the simulator answers for', 'us-east-1')
    .addOption(new Option('--realism <level>', 'aws: AWS at its hardest (eventual consistency, throttling, …)').choices(['off', 'aws']).default('off'))
    .option(
      '--purge-inactive-after <seconds>',
      'purge INACTIVE services after this many simulated seconds (0 = at once; default never, 3600 with --realism aws)',
      nonNegativeNumber('--purge-inactive-after'),
    )
    .option('--seed <integer>', 'seed of the simulator\'s random choices (jitter, consistency windows)', integer('--seed'))
    .action(async (o: {
      port: number;
      host: string;
      scenario: Scenario;
      nickname: string;
      timeScale: number;
      region: string;
      realism: Realism;
      purgeInactiveAfter?: number;
      seed?: number;
    }) => {
      if (!o.host.startsWith('127.') && o.host !== 'localhost') {
        console.error(`--host must be a loopback address (127.0.0.0/8), got ${o.host}`);
        process.exit(2);
      }
      const sim = await startSim({
        port: o.port,
        host: o.host,
        scenario: o.scenario,
        nicknames: o.nickname.split(',').map((s) => s.trim()).filter(Boolean),
        timeScale: o.timeScale,
        region: o.region,
        realism: o.realism,
        purgeInactiveAfterS: o.purgeInactiveAfter,
        seed: o.seed,
      });
      console.log(`ready ${sim.endpoint}`);
      const stop = async () => {
        await sim.close();
        process.exit(0);
      };
      // `on`, not `once`: tsx re-sends a signal the process has not acknowledged within 30 ms (often,
      // on a loaded machine), and a second SIGINT with no listener left killed the simulator mid-close.
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  simCommand()
    .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2))
    .parseAsync(['node', 'sim', ...process.argv.slice(2)]);
}
