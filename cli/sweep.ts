/** `sweep`: delete what carries the e2e:run tag (one run's, or every run's older than an age). */
import { Command, InvalidArgumentError } from 'commander';
import { ConfigError, parseConfig } from '../helpers/core/config.js';

export function parseAge(v: string): number {
  const m = /^(\d+(?:\.\d+)?)(s|m|h|d)?$/.exec(v);
  if (!m) throw new InvalidArgumentError(`'${v}' is not an age like 30m, 6h or 2d`);
  const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[(m[2] ?? 's') as 's'];
  return Number(m[1]) * unit;
}

export function sweepCommand(): Command {
  return new Command('sweep')
    .description('delete resources tagged e2e:run (by run id and/or age); never touches untagged resources')
    .option('--target <target>', 'sim | localstack | aws (E2E_TARGET)')
    .option('--endpoint <url>', 'a running simulator or LocalStack (E2E_ENDPOINT)')
    .option('--region <region>', 'AWS region (E2E_REGION)')
    .option('--nickname <nick>', 'whose cluster to look in for tagged services (E2E_NICKNAME)')
    .option('--run-id <id>', 'only this run')
    .option('--older-than <age>', 'only what was created longer ago than this (e.g. 6h)', parseAge)
    .action(async (o: { target?: string; endpoint?: string; region?: string; nickname?: string; runId?: string; olderThan?: number }) => {
      const env: NodeJS.ProcessEnv = { ...process.env, E2E_MODE: 'provision', E2E_ALLOW_PROVISION: '1' };
      if (o.target) env.E2E_TARGET = o.target;
      if (o.endpoint) env.E2E_ENDPOINT = o.endpoint;
      if (o.region) env.E2E_REGION = o.region;
      if (o.nickname) env.E2E_NICKNAME = o.nickname;
      if (o.runId === undefined && o.olderThan === undefined) {
        process.stderr.write('sweep: give --run-id and/or --older-than (refusing to delete every run at once)\n');
        process.exit(2);
      }
      let config;
      try {
        config = parseConfig(env);
      } catch (err) {
        if (err instanceof ConfigError) {
          process.stderr.write(`${err.message}\n`);
          process.exit(2);
        }
        throw err;
      }
      if (config.target !== 'aws' && !config.endpoint) {
        process.stderr.write(`E2E_ENDPOINT: sweep on ${config.target} needs the running target's endpoint\n`);
        process.exit(2);
      }
      // the SDK loads only when a sweep runs (it costs a second at every start of the CLI)
      const [{ createClients, sdkConfig }, { sweepTagged }, { profileFor }] = await Promise.all([
        import('../helpers/cloud/clients.js'),
        import('../helpers/cloud/sweep.js'),
        import('../helpers/targets/index.js'),
      ]);
      const clients = createClients(profileFor(config), 'provision');
      const r = await sweepTagged(clients, { runId: o.runId, olderThanMs: o.olderThan, clusters: [config.names.cluster] });
      if (config.target !== 'sim') {
        // the module 01–03 baseline stacks that provision runs deployed there
        const { CloudFormationClient } = await import('@aws-sdk/client-cloudformation');
        const { deleteStack, findBaselineStacks } = await import('../helpers/cloud/baseline-stack.js');
        const cfn = new CloudFormationClient(sdkConfig(profileFor(config)));
        for (const stack of await findBaselineStacks(cfn, { runId: o.runId, olderThanMs: o.olderThan })) {
          try {
            await deleteStack(cfn, stack.StackName!);
            r.deleted.push(`stack ${stack.StackName}`);
          } catch (err) {
            r.failed.push({ resource: `stack ${stack.StackName}`, error: (err as Error).message });
          }
        }
        cfn.destroy();
      }
      for (const d of r.deleted) console.log(`deleted ${d}`);
      for (const f of r.failed) console.error(`could not delete ${f.resource}: ${f.error}`);
      clients.destroy();
      process.exit(r.failed.length ? 1 : 0);
    });
}
