/**
 * "Real accounts" with the AWS CLI against `npm run sim -- --capacity-provider --outside-egress-allow …`:
 * the CLI (botocore parses every answer on its own) drives capacity providers, a cluster's strategy and
 * an instance's several security groups; the flags take effect, and a bad flag value exits 2 with one line.
 */
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const hasAws = spawnSync('aws', ['--version']).status === 0;
if (!hasAws) console.warn('aws-cli-accounts.test: skipped — the AWS CLI (`aws`) is not on PATH');

const root = resolve(import.meta.dirname, '..', '..');
const execFileAsync = promisify(execFile);
const SIM = [resolve(root, 'node_modules', '.bin', 'tsx'), resolve(root, 'sim', 'cli.ts')];

function startSimProcess(args: string[]): Promise<{ endpoint: string; child: ChildProcess }> {
  const child = spawn(SIM[0]!, [SIM[1]!, '--port', '0', '--time-scale', '0.02', ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((ready, fail) => {
    const timer = setTimeout(() => fail(new Error(`no ready line in 30 s:\n${out}`)), 30_000);
    child.stderr!.on('data', (d: Buffer) => (out += d));
    child.stdout!.on('data', (d: Buffer) => {
      out += d;
      const m = /^ready (\S+)$/m.exec(out);
      if (m) {
        clearTimeout(timer);
        ready({ endpoint: m[1]!, child });
      }
    });
    child.once('exit', (code) => fail(new Error(`the simulator exited (${code}) before it was ready:\n${out}`)));
  });
}

function awsCli(endpoint: string) {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('AWS_')) env[k] = v;
  Object.assign(env, {
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_PAGER: '',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_EC2_METADATA_DISABLED: 'true',
  });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the CLI's JSON is whatever the service says
  const run = async (...args: string[]): Promise<any> => {
    const { stdout } = await execFileAsync('aws', ['--endpoint-url', endpoint, '--region', 'us-east-1', '--output', 'json', ...args], { env });
    return stdout.trim() ? JSON.parse(stdout) : {};
  };
  /** The CLI's error line for a call that must fail. */
  const fails = async (...args: string[]): Promise<string> => {
    try {
      await run(...args);
    } catch (e) {
      return String((e as { stderr?: string }).stderr ?? e).trim();
    }
    throw new Error(`aws ${args.join(' ')} succeeded`);
  };
  return Object.assign(run, { fails });
}

function silentWithin(address: string, ms: number): Promise<boolean> {
  const i = address.lastIndexOf(':');
  return new Promise((done) => {
    const socket = connect(Number(address.slice(i + 1)), address.slice(0, i));
    const timer = setTimeout(() => (socket.destroy(), done(true)), ms);
    socket.once('data', () => (clearTimeout(timer), socket.destroy(), done(false)));
    socket.once('error', () => (clearTimeout(timer), done(false)));
  });
}

describe.skipIf(!hasAws)('capacity providers and several security groups with the AWS CLI', () => {
  let sim: { endpoint: string; child: ChildProcess };
  let aws: ReturnType<typeof awsCli>;
  const cluster = 'nick_ecs_cluster';
  const asgArn = 'arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:0b7c1e2d-3f40-4a51-8b62-7c83d94e05f6:autoScalingGroupName/cli-asg';

  beforeAll(async () => {
    sim = await startSimProcess(['--capacity-provider', '--outside-egress-allow', '80,443,4566']);
    aws = awsCli(sim.endpoint);
  }, 60_000);
  afterAll(async () => {
    if (sim?.child.exitCode === null) {
      const exited = new Promise((r) => sim.child.once('exit', r));
      sim.child.kill('SIGTERM');
      await exited;
    }
  });

  it('--capacity-provider: the old service is on the cluster default strategy, with no launch type', async () => {
    const { clusters } = await aws('ecs', 'describe-clusters', '--clusters', cluster);
    const provider = clusters[0].defaultCapacityProviderStrategy[0].capacityProvider;
    expect(provider).toMatch(/^Infra-ECS-Cluster-nick_ecs_cluster-[0-9a-f]{8}-AsgCapacityProvider-[A-Za-z0-9]{12}$/);
    const { services } = await aws('ecs', 'describe-services', '--cluster', cluster, '--services', 'nick_app_service');
    expect(services[0].launchType).toBeUndefined();
    expect(services[0].capacityProviderStrategy).toEqual([{ capacityProvider: provider, weight: 1, base: 0 }]);
    const { capacityProviders } = await aws('ecs', 'describe-capacity-providers');
    expect(capacityProviders.map((c: { name: string }) => c.name)).toEqual(['FARGATE', 'FARGATE_SPOT', provider]);
  });

  it('create-capacity-provider and put-cluster-capacity-providers, with their errors', async () => {
    const created = await aws(
      'ecs', 'create-capacity-provider', '--name', 'cli-cp',
      '--auto-scaling-group-provider', `autoScalingGroupArn=${asgArn},managedScaling={status=ENABLED,targetCapacity=80},managedTerminationProtection=DISABLED`,
    );
    expect(created.capacityProvider).toMatchObject({ name: 'cli-cp', status: 'ACTIVE', autoScalingGroupProvider: { managedScaling: { status: 'ENABLED', targetCapacity: 80 } } });
    expect(await aws.fails('ecs', 'create-capacity-provider', '--name', 'ecs-cli', '--auto-scaling-group-provider', `autoScalingGroupArn=${asgArn}-2`)).toContain(
      '(ClientException) when calling the CreateCapacityProvider operation: The specified capacity provider name is invalid.',
    );

    await aws('ecs', 'create-cluster', '--cluster-name', 'cli_cluster');
    expect(
      await aws.fails('ecs', 'put-cluster-capacity-providers', '--cluster', 'cli_cluster', '--capacity-providers', 'cli-cp', '--default-capacity-provider-strategy', 'capacityProvider=FARGATE,weight=1'),
    ).toContain('(InvalidParameterException) when calling the PutClusterCapacityProviders operation: The specified capacity provider strategy cannot contain a capacity provider that is not associated with the cluster.');
    const put = await aws(
      'ecs', 'put-cluster-capacity-providers', '--cluster', 'cli_cluster', '--capacity-providers', 'cli-cp', 'FARGATE',
      '--default-capacity-provider-strategy', 'capacityProvider=cli-cp,weight=1,base=1',
    );
    expect(put.cluster.capacityProviders).toEqual(['cli-cp', 'FARGATE']);
    expect(put.cluster.defaultCapacityProviderStrategy).toEqual([{ capacityProvider: 'cli-cp', weight: 1, base: 1 }]);

    expect(
      await aws.fails('ecs', 'create-service', '--cluster', cluster, '--service-name', 'both', '--task-definition', 'nick_app_service', '--desired-count', '1',
        '--launch-type', 'EC2', '--capacity-provider-strategy', 'capacityProvider=FARGATE,weight=1'),
    ).toContain('Specifying both a launch type and capacity provider strategy is not supported. Remove one and try again.');
  });

  it('ec2 modify-instance-attribute --groups gives an instance several groups; describe-instance-attribute shows them', async () => {
    const { containerInstanceArns } = await aws('ecs', 'list-container-instances', '--cluster', cluster);
    const { containerInstances } = await aws('ecs', 'describe-container-instances', '--cluster', cluster, '--container-instances', containerInstanceArns[0]);
    const instanceId: string = containerInstances[0].ec2InstanceId;
    const { Reservations } = await aws('ec2', 'describe-instances', '--instance-ids', instanceId);
    const instance = Reservations[0].Instances[0];
    const original: string = instance.SecurityGroups[0].GroupId;
    const extra = (await aws('ec2', 'create-security-group', '--group-name', 'cli-extra', '--description', 'extra', '--vpc-id', instance.VpcId)).GroupId;

    expect(await aws('ec2', 'modify-instance-attribute', '--instance-id', instanceId, '--groups', original, extra)).toEqual({});
    const attr = await aws('ec2', 'describe-instance-attribute', '--instance-id', instanceId, '--attribute', 'groupSet');
    expect(attr.Groups.map((g: { GroupId: string }) => g.GroupId)).toEqual([original, extra]);
    const again = (await aws('ec2', 'describe-instances', '--instance-ids', instanceId)).Reservations[0].Instances[0];
    expect(again.SecurityGroups.map((g: { GroupId: string }) => g.GroupId)).toEqual([original, extra]);
    expect(await aws.fails('ec2', 'modify-instance-attribute', '--instance-id', instanceId, '--groups', 'sg-0123456789abcdef0')).toContain('(InvalidGroup.NotFound)');
  });

  it('--outside-egress-allow: the canary (in /_sim/health) is silent on its unlisted high port', async () => {
    const health = (await (await fetch(`${sim.endpoint}/_sim/health`)).json()) as { egressCanary: string };
    expect(health.egressCanary).toMatch(/^127\.\d+\.\d+\.\d+:\d{5}$/);
    expect(await silentWithin(health.egressCanary, 600)).toBe(true);
  });
});

describe('bad values of the new flags', () => {
  it('exits 2 with one line on stderr for a bad --outside-egress-allow', () => {
    for (const bad of ['80,x', '0', '65536', '']) {
      const r = spawnSync(SIM[0]!, [SIM[1]!, '--port', '0', '--outside-egress-allow', bad], { cwd: root, encoding: 'utf8', timeout: 30_000 });
      expect(r.status, bad).toBe(2);
      expect(r.stderr.trim().split('\n'), bad).toHaveLength(1);
      expect(r.stdout, bad).not.toMatch(/ready/);
    }
  });
});
