/**
 * npm run sim -- [--port 4566] [--scenario baseline|empty] [--nickname nick[,other]] [--time-scale 0.05]
 *                [--capacity-provider] [--outside-egress-allow 80,443,4566]
 * Runs in the foreground; prints `ready <endpoint>` once requests are accepted.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_TIME_SCALE, startSim, type Scenario } from './index.js';

interface SimFlags {
  port: number;
  host: string;
  scenario: Scenario;
  nickname: string;
  timeScale: number;
  region: string;
  capacityProvider?: boolean;
  outsideEgressAllow?: number[];
}

const positiveNumber = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive number`);
  return n;
};
const port = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('--port must be 0–65535');
  return n;
};

/** "80,443,4566" → [80, 443, 4566]; every entry a TCP port 1–65535. */
export const portList = (v: string): number[] => {
  const ports = v.split(',').map((p) => p.trim());
  if (ports.some((p) => !/^\d+$/.test(p) || Number(p) < 1 || Number(p) > 65535)) {
    throw new InvalidArgumentError('--outside-egress-allow must be a comma-separated list of ports 1–65535, e.g. 80,443,4566');
  }
  return [...new Set(ports.map(Number))];
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
    .option('--capacity-provider', "baseline clusters as today's console makes them: an Auto Scaling group capacity provider as default strategy")
    .option('--outside-egress-allow <ports>', "the runner's network lets out only these destination ports (the gateway port always works)", portList)
    .action(async (o: SimFlags) => {
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
        capacityProvider: o.capacityProvider === true,
        outsideEgressAllow: o.outsideEgressAllow,
      });
      // The canary's address is read from GET /_sim/health (egressCanary): stdout stays one `ready` line.
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
