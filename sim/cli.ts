/**
 * npm run sim -- [--port 4566] [--scenario baseline|empty] [--nickname nick[,other]] [--time-scale 0.05]
 *                [--capacity-provider] [--outside-egress-allow 80,443,4566]
 *                [--persona aws|localstack] [--gateway-listen 80,18080:8080]
 *                [--realism off|aws] [--purge-inactive-after <simulated seconds>] [--seed <integer>]
 * Runs in the foreground; prints `listen <port> <endpoint>` for each extra gateway port, then
 * `ready <endpoint>` once requests are accepted.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_TIME_SCALE, startSim, type GatewayListen, type Scenario } from './index.js';
import type { Persona, Realism } from './realism.js';

interface SimFlags {
  port: number;
  host: string;
  scenario: Scenario;
  nickname: string;
  timeScale: number;
  region: string;
  capacityProvider?: boolean;
  outsideEgressAllow?: number[];
  persona: Persona;
  gatewayListen?: GatewayListen[];
  realism: Realism;
  purgeInactiveAfter?: number;
  seed?: number;
}

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

/** "80,443,4566" → [80, 443, 4566]; every entry a TCP port 1–65535. */
export const portList = (v: string): number[] => {
  const ports = v.split(',').map((p) => p.trim());
  if (ports.some((p) => !/^\d+$/.test(p) || Number(p) < 1 || Number(p) > 65535)) {
    throw new InvalidArgumentError('--outside-egress-allow must be a comma-separated list of ports 1–65535, e.g. 80,443,4566');
  }
  return [...new Set(ports.map(Number))];
};
/** `80,18080:8080,0:8081`: a port, or Docker's `HOSTPORT:PORT` (host port 0 = any free one). */
export function parseGatewayListen(v: string): GatewayListen[] {
  return v.split(',').map((entry) => {
    const m = /^\s*(?:(\d+):)?(\d+)\s*$/.exec(entry);
    const port = Number(m?.[2]);
    const hostPort = m?.[1] === undefined ? port : Number(m[1]);
    if (!m || port < 1 || port > 65535 || hostPort > 65535) {
      throw new InvalidArgumentError(`--gateway-listen takes ports 1–65535 or HOSTPORT:PORT, comma-separated; got '${entry}'`);
    }
    return { port, hostPort };
  });
}

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
    .addOption(new Option('--persona <cloud>', 'which cloud to play').choices(['aws', 'localstack']).default('aws'))
    .option('--gateway-listen <ports>', "localstack persona: more gateway ports, as LocalStack's GATEWAY_LISTEN (80,18080:8080)", parseGatewayListen)
    .addOption(new Option('--realism <level>', 'aws: AWS at its hardest (eventual consistency, throttling, …)').choices(['off', 'aws']).default('off'))
    .option(
      '--purge-inactive-after <seconds>',
      'purge INACTIVE services after this many simulated seconds (0 = at once; default never, 3600 with --realism aws)',
      nonNegativeNumber('--purge-inactive-after'),
    )
    .option('--seed <integer>', 'seed of the simulator\'s random choices (jitter, consistency windows)', integer('--seed'))
    .action(async (o: SimFlags) => {
      if (!o.host.startsWith('127.') && o.host !== 'localhost') {
        console.error(`--host must be a loopback address (127.0.0.0/8), got ${o.host}`);
        process.exit(2);
      }
      if (o.gatewayListen && o.persona !== 'localstack') {
        console.error('--gateway-listen needs --persona localstack (it plays LocalStack\'s GATEWAY_LISTEN)');
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
        persona: o.persona,
        gatewayListen: o.gatewayListen,
        realism: o.realism,
        purgeInactiveAfterS: o.purgeInactiveAfter,
        seed: o.seed,
      });
      // The canary's address is read from GET /_sim/health (egressCanary): stdout stays `listen` lines and one `ready` line.
      for (const g of sim.gatewayPorts.slice(1)) console.log(`listen ${g.port} ${g.endpoint}`);
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
