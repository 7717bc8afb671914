/**
 * The whole of Module 04 done by hand with the AWS CLI against `npm run sim`, the way a
 * participant without the suite would do it — then graded by the suite in verify mode.
 *
 * The simulator runs as its own process, started and stopped as a user does (npm run sim,
 * Ctrl-C). The CLI is the second client family the simulator must satisfy (botocore parses
 * every response on its own; a response it cannot parse is a simulator bug). A second
 * participant picks names of their own; the suite, told only the defaults, must still find
 * everything through the links between resources.
 */
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workshopNames, type Names } from '../../helpers/core/config.js';
import { notPassing, runSuiteChild, type SuiteRun } from '../support/run-suite.js';

const hasAws = spawnSync('aws', ['--version']).status === 0;
if (!hasAws) console.warn('aws-cli-module04.test: skipped — the AWS CLI (`aws`) is not on PATH, so Module 04 cannot be done by hand with it');

const root = resolve(import.meta.dirname, '..', '..');
const execFileAsync = promisify(execFile);
const TIME_SCALE = '0.02';

/** `npm run sim` in its own process group, as a terminal runs a foreground job. */
interface SimProcess {
  endpoint: string;
  child: ChildProcess;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function startSimProcess(nicknames: string[]): Promise<SimProcess> {
  const child = spawn('npm', ['run', 'sim', '--', '--port', '0', '--time-scale', TIME_SCALE, '--nickname', nicknames.join(',')], {
    cwd: root,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    // npm runs the script through the script shell and exits with that shell's status. dash
    // (/bin/sh here) kills itself on Ctrl-C whatever its child returns, which would hide the
    // simulator's own exit code; bash passes it on.
    env: { ...process.env, ...(existsSync('/bin/bash') ? { npm_config_script_shell: '/bin/bash' } : {}) },
  });
  let stdout = '';
  let stderr = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.on('exit', (code, signal) => done({ code, signal })),
  );
  return new Promise((ready, fail) => {
    const timer = setTimeout(() => fail(new Error(`npm run sim printed no ready line in 30 s:\n${stdout}\n${stderr}`)), 30_000);
    child.stderr!.on('data', (d: Buffer) => (stderr += d));
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d;
      const m = /^ready (\S+)$/m.exec(stdout);
      if (m) {
        clearTimeout(timer);
        ready({ endpoint: m[1]!, child, stderr: () => stderr, exited });
      }
    });
    void exited.then((e) => fail(new Error(`npm run sim exited before it was ready (${JSON.stringify(e)}):\n${stdout}\n${stderr}`)));
  });
}

function processGroupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

function portAccepts(endpoint: string): Promise<boolean> {
  const { hostname, port } = new URL(endpoint);
  return new Promise((done) => {
    const socket = connect(Number(port), hostname);
    socket.once('connect', () => (socket.destroy(), done(true)));
    socket.once('error', () => done(false));
  });
}

/** The AWS CLI against the simulator, isolated from the developer's own AWS configuration. */
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
  return async (...args: string[]): Promise<any> => {
    const full = ['--endpoint-url', endpoint, '--region', 'us-east-1', '--output', 'json', ...args];
    let stdout: string;
    try {
      ({ stdout } = await execFileAsync('aws', full, { env, maxBuffer: 16 * 1024 * 1024 }));
    } catch (e) {
      const err = e as { stderr?: string; code?: number };
      throw new Error(`aws ${args.join(' ')} failed (exit ${err.code}):\n${err.stderr ?? e}`);
    }
    if (!stdout.trim()) return {};
    try {
      return JSON.parse(stdout);
    } catch {
      throw new Error(`aws ${args.join(' ')} printed output that is not JSON:\n${stdout.slice(0, 2000)}`);
    }
  };
}
type Cli = ReturnType<typeof awsCli>;

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

interface ByHand {
  targetGroupArn: string;
  loadBalancerArn: string;
  albGroupId: string;
  instanceGroupId: string;
}

/** What the participant looks up first: the cluster's instances, their VPC, subnets and security group. */
async function lookUpTheCluster(aws: Cli, cluster: string) {
  const { containerInstanceArns } = await aws('ecs', 'list-container-instances', '--cluster', cluster);
  expect(containerInstanceArns.length).toBeGreaterThanOrEqual(3);
  const { containerInstances } = await aws('ecs', 'describe-container-instances', '--cluster', cluster, '--container-instances', ...containerInstanceArns);
  const instanceIds: string[] = containerInstances.map((c: { ec2InstanceId: string }) => c.ec2InstanceId);
  const { Reservations } = await aws('ec2', 'describe-instances', '--instance-ids', ...instanceIds);
  const instances = Reservations.flatMap((r: { Instances: unknown[] }) => r.Instances) as {
    VpcId: string;
    SubnetId: string;
    Placement: { AvailabilityZone: string };
    SecurityGroups: { GroupId: string }[];
  }[];
  expect(instances).toHaveLength(instanceIds.length);
  const vpcIds = [...new Set(instances.map((i) => i.VpcId))];
  expect(vpcIds).toHaveLength(1);
  const subnetByZone = new Map(instances.map((i) => [i.Placement.AvailabilityZone, i.SubnetId]));
  expect(subnetByZone.size).toBe(3);
  const groupIds = [...new Set(instances.flatMap((i) => i.SecurityGroups.map((g) => g.GroupId)))];
  expect(groupIds).toHaveLength(1);
  return { vpcId: vpcIds[0]!, subnetIds: [...subnetByZone.values()], instanceGroupId: groupIds[0]! };
}

async function doModule04ByHand(aws: Cli, nickname: string, names: Names): Promise<ByHand> {
  const defaults = workshopNames(nickname);
  const { vpcId, subnetIds, instanceGroupId } = await lookUpTheCluster(aws, defaults.cluster);

  const tg = await aws(
    'elbv2', 'create-target-group', '--name', names.targetGroup, '--target-type', 'instance', '--protocol', 'HTTP', '--port', '8080',
    '--vpc-id', vpcId, '--healthy-threshold-count', '3', '--health-check-interval-seconds', '6',
  );
  const targetGroupArn: string = tg.TargetGroups[0].TargetGroupArn;
  expect(tg.TargetGroups[0]).toMatchObject({ TargetGroupName: names.targetGroup, Port: 8080, HealthyThresholdCount: 3, HealthCheckIntervalSeconds: 6 });

  const sg = await aws('ec2', 'create-security-group', '--group-name', names.albSecurityGroup, '--description', 'ALB for Module 04', '--vpc-id', vpcId);
  const albGroupId: string = sg.GroupId;
  expect(albGroupId).toMatch(/^sg-[0-9a-f]+$/);
  const http80 = [{ IpProtocol: 'tcp', FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: '0.0.0.0/0' }], Ipv6Ranges: [{ CidrIpv6: '::/0' }] }];
  const opened = await aws('ec2', 'authorize-security-group-ingress', '--group-id', albGroupId, '--ip-permissions', JSON.stringify(http80));
  expect(opened.Return).toBe(true);
  expect(opened.SecurityGroupRules.map((r: { CidrIpv4?: string; CidrIpv6?: string }) => r.CidrIpv4 ?? r.CidrIpv6).sort()).toEqual(['0.0.0.0/0', '::/0']);

  const lb = await aws(
    'elbv2', 'create-load-balancer', '--name', names.loadBalancer, '--subnets', ...subnetIds, '--security-groups', albGroupId,
    '--scheme', 'internet-facing', '--type', 'application',
  );
  const loadBalancerArn: string = lb.LoadBalancers[0].LoadBalancerArn;
  expect(lb.LoadBalancers[0].AvailabilityZones).toHaveLength(3);
  const listener = await aws(
    'elbv2', 'create-listener', '--load-balancer-arn', loadBalancerArn, '--protocol', 'HTTP', '--port', '80',
    '--default-actions', `Type=forward,TargetGroupArn=${targetGroupArn}`,
  );
  expect(listener.Listeners[0]).toMatchObject({ Port: 80, Protocol: 'HTTP' });
  await until('the ALB to be active', async () => {
    const { LoadBalancers } = await aws('elbv2', 'describe-load-balancers', '--load-balancer-arns', loadBalancerArn);
    return LoadBalancers[0].State.Code === 'active' ? true : undefined;
  });

  const { taskDefinition } = await aws('ecs', 'describe-task-definition', '--task-definition', defaults.family);
  const container = taskDefinition.containerDefinitions.find((c: { portMappings?: { containerPort: number }[] }) =>
    c.portMappings?.some((p) => p.containerPort === 8080),
  );
  expect(container, 'a container of the task definition maps port 8080').toBeDefined();
  const created = await aws(
    'ecs', 'create-service', '--cluster', defaults.cluster, '--service-name', names.service, '--task-definition', taskDefinition.taskDefinitionArn,
    '--desired-count', '3', '--launch-type', 'EC2',
    '--load-balancers', `targetGroupArn=${targetGroupArn},containerName=${container.name},containerPort=8080`,
  );
  expect(created.service.loadBalancers).toEqual([{ targetGroupArn, containerName: container.name, containerPort: 8080 }]);
  await until(`${names.service} to run 3 tasks`, async () => {
    const { services } = await aws('ecs', 'describe-services', '--cluster', defaults.cluster, '--services', names.service);
    return services[0].runningCount === 3 && services[0].pendingCount === 0 ? true : undefined;
  });

  await aws('ecs', 'update-service', '--cluster', defaults.cluster, '--service', defaults.oldService, '--desired-count', '0');
  await until(`${defaults.oldService} to run no task`, async () => {
    const { taskArns } = await aws('ecs', 'list-tasks', '--cluster', defaults.cluster, '--service-name', defaults.oldService);
    const { services } = await aws('ecs', 'describe-services', '--cluster', defaults.cluster, '--services', defaults.oldService);
    return taskArns.length === 0 && services[0].runningCount === 0 && services[0].pendingCount === 0 ? true : undefined;
  });
  const deleted = await aws('ecs', 'delete-service', '--cluster', defaults.cluster, '--service', defaults.oldService);
  expect(['DRAINING', 'INACTIVE']).toContain(deleted.service.status);

  const { SecurityGroupRules } = await aws('ec2', 'describe-security-group-rules', '--filters', `Name=group-id,Values=${instanceGroupId}`);
  const inbound: string[] = SecurityGroupRules.filter((r: { IsEgress: boolean }) => !r.IsEgress).map((r: { SecurityGroupRuleId: string }) => r.SecurityGroupRuleId);
  expect(inbound.length).toBeGreaterThan(0);
  const revoked = await aws('ec2', 'revoke-security-group-ingress', '--group-id', instanceGroupId, '--security-group-rule-ids', ...inbound);
  expect(revoked.Return).toBe(true);
  const allTcpFromAlb = [{ IpProtocol: 'tcp', FromPort: 0, ToPort: 65535, UserIdGroupPairs: [{ GroupId: albGroupId }] }];
  const locked = await aws('ec2', 'authorize-security-group-ingress', '--group-id', instanceGroupId, '--ip-permissions', JSON.stringify(allTcpFromAlb));
  expect(locked.SecurityGroupRules[0]).toMatchObject({ IpProtocol: 'tcp', FromPort: 0, ToPort: 65535, ReferencedGroupInfo: { GroupId: albGroupId } });

  return { targetGroupArn, loadBalancerArn, albGroupId, instanceGroupId };
}

function expectReadOnlyPass(run: SuiteRun) {
  expect(run.exitCode, notPassing(run)).toBe(0);
  const checks = run.report?.checks ?? [];
  expect(checks.length, notPassing(run)).toBeGreaterThan(30);
  const bad = checks.filter((c) => c.status === 'failed' || (c.status === 'skipped' && !c.reason));
  expect(bad, notPassing(run)).toEqual([]);
  const writes = (run.report?.apiCalls ?? []).filter((c) => !/^(Describe|List|Get)/.test(c.action)).map((c) => `${c.service}:${c.action}`);
  expect(writes, 'verify mode made only read calls').toEqual([]);
  expect(run.report!.mode).toBe('verify');
}

function verify(endpoint: string, nickname: string): Promise<SuiteRun> {
  return runSuiteChild({ E2E_ENDPOINT: endpoint, E2E_MODE: 'verify', E2E_NICKNAME: nickname, E2E_SIM_TIME_SCALE: TIME_SCALE });
}

describe.skipIf(!hasAws)('Module 04 by hand with the AWS CLI against `npm run sim`', () => {
  let sim: SimProcess;
  let aws: Cli;

  beforeAll(async () => {
    sim = await startSimProcess(['clia', 'clib']);
    aws = awsCli(sim.endpoint);
  }, 60_000);

  afterAll(async () => {
    if (!sim) return;
    process.kill(-sim.child.pid!, 'SIGINT');
    const exit = await sim.exited;
    await until('the simulator process group to end', async () => (processGroupAlive(sim.child.pid!) ? undefined : true), 10_000);
    expect(exit, `npm run sim after Ctrl-C; stderr:\n${sim.stderr()}`).toEqual({ code: 0, signal: null });
    expect(await portAccepts(sim.endpoint), 'the gateway port is closed').toBe(false);
  }, 30_000);

  it('clia does every step with the workshop names', async () => {
    const built = await doModule04ByHand(aws, 'clia', workshopNames('clia'));
    const { TargetHealthDescriptions } = await aws('elbv2', 'describe-target-health', '--target-group-arn', built.targetGroupArn);
    expect(TargetHealthDescriptions).toHaveLength(3);
  }, 120_000);

  it('the suite in verify mode passes clia, read-only', async () => {
    const run = await verify(sim.endpoint, 'clia');
    expectReadOnlyPass(run);
    expect(run.report!.checks.find((c) => c.id === 'target-group.found')?.evidence?.foundBy).toBe('name clia-ecs-tg');
  }, 240_000);

  it('clib does every step with names of their own choice', async () => {
    const own: Names = { ...workshopNames('clib'), targetGroup: 'clib-web-tg', loadBalancer: 'clib-front', albSecurityGroup: 'clib-front-sg', service: 'clib-web' };
    await doModule04ByHand(aws, 'clib', own);
  }, 120_000);

  it('the suite, told only the default names, finds clib\'s resources by their links and passes', async () => {
    const run = await verify(sim.endpoint, 'clib');
    expectReadOnlyPass(run);
    const found = (id: string) => run.report!.checks.find((c) => c.id === id)?.evidence as { name?: string; foundBy?: string } | undefined;
    expect(found('target-group.found')).toMatchObject({ name: 'clib-web-tg', foundBy: expect.stringMatching(/^link/) });
    expect(found('load-balancer.found')).toMatchObject({ name: 'clib-front', foundBy: expect.stringMatching(/^link/) });
    expect(found('service.found')).toMatchObject({ name: 'clib-web', foundBy: expect.stringMatching(/^link/) });
  }, 240_000);
});
