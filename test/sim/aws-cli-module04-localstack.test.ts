/**
 * Module 04 done by hand with the AWS CLI against `npm run sim -- --persona localstack`, the
 * way a participant on LocalStack would do it (structure copied from aws-cli-module04.test.ts).
 *
 * What differs from AWS, as LocalStack's documentation says: the cluster has no container
 * instances (its instances are Auto Scaling mocks), so the participant finds the instances and
 * their security group by tag; the ALB is reached through the gateway by its
 * `<name>.elb.localhost.localstack.cloud` Host, on 4566 (falling back to the only listener) or on
 * a GATEWAY_LISTEN port 80 (`--gateway-listen 0:80`: published on a free host port); the tasks
 * answer on 127.0.0.1:<published port>, and still do after the lockdown (security groups are
 * not enforced). The suite's own grading of a LocalStack target is not run here.
 */
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workshopNames } from '../../helpers/core/config.js';
import { request } from 'undici';

const hasAws = spawnSync('aws', ['--version']).status === 0;
if (!hasAws) console.warn('aws-cli-module04-localstack.test: skipped — the AWS CLI (`aws`) is not on PATH, so Module 04 cannot be done by hand with it');

const root = resolve(import.meta.dirname, '..', '..');
const execFileAsync = promisify(execFile);
const TIME_SCALE = '0.02';

/** `npm run sim` in its own process group, as a terminal runs a foreground job. */
interface SimProcess {
  endpoint: string;
  /** the GATEWAY_LISTEN ports, by the port LocalStack sees, from the `listen <port> <endpoint>` lines */
  listening: Map<number, string>;
  child: ChildProcess;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function startSimProcess(nicknames: string[]): Promise<SimProcess> {
  const args = ['--persona', 'localstack', '--gateway-listen', '0:80', '--port', '0', '--time-scale', TIME_SCALE, '--nickname', nicknames.join(',')];
  const child = spawn('npm', ['run', 'sim', '--', ...args], {
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
        const listening = new Map([...stdout.matchAll(/^listen (\d+) (\S+)$/gm)].map((l) => [Number(l[1]), l[2]!] as const));
        ready({ endpoint: m[1]!, listening, child, stderr: () => stderr, exited });
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

/** An HTTP GET on a fresh connection, with the Host header of our choice. */
async function get(url: string, host: string): Promise<{ status: number; body: string }> {
  const res = await request(url, { headers: { host, connection: 'close' }, signal: AbortSignal.timeout(5_000) });
  return { status: res.statusCode, body: await res.body.text() };
}

interface ByHand {
  dnsName: string;
  targetGroupArn: string;
  /** the new service's tasks: the hostname each answers with, and its published port on 127.0.0.1 */
  tasks: { hostname: string; hostPort: number }[];
}

/**
 * What the participant looks up first. On LocalStack the cluster lists no container instances
 * (the Auto Scaling group's instances are mocks), so the instances are found by their Name tag.
 */
async function lookUpTheCluster(aws: Cli, cluster: string) {
  const { containerInstanceArns } = await aws('ecs', 'list-container-instances', '--cluster', cluster);
  expect(containerInstanceArns, 'LocalStack: no container instance registers').toEqual([]);
  const { Reservations } = await aws('ec2', 'describe-instances', '--filters', `Name=tag:Name,Values=ECS Instance - ${cluster}`);
  const instances = Reservations.flatMap((r: { Instances: unknown[] }) => r.Instances) as {
    VpcId: string;
    SubnetId: string;
    Placement: { AvailabilityZone: string };
    SecurityGroups: { GroupId: string }[];
  }[];
  expect(instances).toHaveLength(4);
  const vpcIds = [...new Set(instances.map((i) => i.VpcId))];
  expect(vpcIds).toHaveLength(1);
  const subnetByZone = new Map(instances.map((i) => [i.Placement.AvailabilityZone, i.SubnetId]));
  expect(subnetByZone.size).toBe(3);
  const groupIds = [...new Set(instances.flatMap((i) => i.SecurityGroups.map((g) => g.GroupId)))];
  expect(groupIds).toHaveLength(1);
  return { vpcId: vpcIds[0]!, subnetIds: [...subnetByZone.values()], instanceGroupId: groupIds[0]! };
}

async function runningTasks(aws: Cli, cluster: string, service: string) {
  const { taskArns } = await aws('ecs', 'list-tasks', '--cluster', cluster, '--service-name', service);
  if (taskArns.length === 0) return [];
  const { tasks } = await aws('ecs', 'describe-tasks', '--cluster', cluster, '--tasks', ...taskArns);
  return (tasks as { lastStatus: string; containerInstanceArn?: string; containers: { runtimeId: string; networkBindings: { hostPort: number }[] }[] }[])
    .filter((t) => t.lastStatus === 'RUNNING');
}

async function doModule04ByHand(aws: Cli, nickname: string): Promise<ByHand> {
  const names = workshopNames(nickname);
  const { vpcId, subnetIds, instanceGroupId } = await lookUpTheCluster(aws, names.cluster);

  const tg = await aws(
    'elbv2', 'create-target-group', '--name', names.targetGroup, '--target-type', 'instance', '--protocol', 'HTTP', '--port', '8080',
    '--vpc-id', vpcId, '--healthy-threshold-count', '3', '--health-check-interval-seconds', '6',
  );
  const targetGroupArn: string = tg.TargetGroups[0].TargetGroupArn;
  expect(targetGroupArn).toContain(':000000000000:targetgroup/');

  const sg = await aws('ec2', 'create-security-group', '--group-name', names.albSecurityGroup, '--description', 'ALB for Module 04', '--vpc-id', vpcId);
  const albGroupId: string = sg.GroupId;
  const http80 = [{ IpProtocol: 'tcp', FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: '0.0.0.0/0' }], Ipv6Ranges: [{ CidrIpv6: '::/0' }] }];
  const opened = await aws('ec2', 'authorize-security-group-ingress', '--group-id', albGroupId, '--ip-permissions', JSON.stringify(http80));
  expect(opened.Return).toBe(true);

  const lb = await aws(
    'elbv2', 'create-load-balancer', '--name', names.loadBalancer, '--subnets', ...subnetIds, '--security-groups', albGroupId,
    '--scheme', 'internet-facing', '--type', 'application',
  );
  const loadBalancerArn: string = lb.LoadBalancers[0].LoadBalancerArn;
  const dnsName: string = lb.LoadBalancers[0].DNSName;
  expect(dnsName).toBe(`${names.loadBalancer}.elb.localhost.localstack.cloud`);
  const listener = await aws(
    'elbv2', 'create-listener', '--load-balancer-arn', loadBalancerArn, '--protocol', 'HTTP', '--port', '80',
    '--default-actions', `Type=forward,TargetGroupArn=${targetGroupArn}`,
  );
  expect(listener.Listeners[0]).toMatchObject({ Port: 80, Protocol: 'HTTP' });
  await until('the ALB to be active', async () => {
    const { LoadBalancers } = await aws('elbv2', 'describe-load-balancers', '--load-balancer-arns', loadBalancerArn);
    return LoadBalancers[0].State.Code === 'active' ? true : undefined;
  });

  const { taskDefinition } = await aws('ecs', 'describe-task-definition', '--task-definition', names.family);
  const container = taskDefinition.containerDefinitions.find((c: { portMappings?: { containerPort: number }[] }) =>
    c.portMappings?.some((p) => p.containerPort === 8080),
  );
  const created = await aws(
    'ecs', 'create-service', '--cluster', names.cluster, '--service-name', names.service, '--task-definition', taskDefinition.taskDefinitionArn,
    '--desired-count', '3', '--launch-type', 'EC2',
    '--load-balancers', `targetGroupArn=${targetGroupArn},containerName=${container.name},containerPort=8080`,
  );
  expect(created.service.loadBalancers).toEqual([{ targetGroupArn, containerName: container.name, containerPort: 8080 }]);
  const tasks = await until(`${names.service} to run 3 tasks`, async () => {
    const running = await runningTasks(aws, names.cluster, names.service);
    return running.length === 3 ? running : undefined;
  });
  for (const t of tasks) expect(t.containerInstanceArn, 'a task on the Docker host names no container instance').toBeUndefined();

  await aws('ecs', 'update-service', '--cluster', names.cluster, '--service', names.oldService, '--desired-count', '0');
  await until(`${names.oldService} to run no task`, async () => {
    const { taskArns } = await aws('ecs', 'list-tasks', '--cluster', names.cluster, '--service-name', names.oldService);
    const { services } = await aws('ecs', 'describe-services', '--cluster', names.cluster, '--services', names.oldService);
    return taskArns.length === 0 && services[0].runningCount === 0 && services[0].pendingCount === 0 ? true : undefined;
  });
  const deleted = await aws('ecs', 'delete-service', '--cluster', names.cluster, '--service', names.oldService);
  expect(['DRAINING', 'INACTIVE']).toContain(deleted.service.status);

  const { SecurityGroupRules } = await aws('ec2', 'describe-security-group-rules', '--filters', `Name=group-id,Values=${instanceGroupId}`);
  const inbound: string[] = SecurityGroupRules.filter((r: { IsEgress: boolean }) => !r.IsEgress).map((r: { SecurityGroupRuleId: string }) => r.SecurityGroupRuleId);
  const revoked = await aws('ec2', 'revoke-security-group-ingress', '--group-id', instanceGroupId, '--security-group-rule-ids', ...inbound);
  expect(revoked.Return).toBe(true);
  const allTcpFromAlb = [{ IpProtocol: 'tcp', FromPort: 0, ToPort: 65535, UserIdGroupPairs: [{ GroupId: albGroupId }] }];
  const locked = await aws('ec2', 'authorize-security-group-ingress', '--group-id', instanceGroupId, '--ip-permissions', JSON.stringify(allTcpFromAlb));
  expect(locked.SecurityGroupRules[0]).toMatchObject({ IpProtocol: 'tcp', FromPort: 0, ToPort: 65535, ReferencedGroupInfo: { GroupId: albGroupId } });

  return {
    dnsName,
    targetGroupArn,
    tasks: tasks.map((t) => ({ hostname: t.containers[0]!.runtimeId.slice(0, 12), hostPort: t.containers[0]!.networkBindings[0]!.hostPort })),
  };
}

describe.skipIf(!hasAws)('Module 04 by hand with the AWS CLI against `npm run sim -- --persona localstack`', () => {
  let sim: SimProcess;
  let aws: Cli;
  let built: ByHand;

  beforeAll(async () => {
    sim = await startSimProcess(['lsa']);
    aws = awsCli(sim.endpoint);
  }, 60_000);

  afterAll(async () => {
    if (!sim) return;
    process.kill(-sim.child.pid!, 'SIGINT');
    const exit = await sim.exited;
    await until('the simulator process group to end', async () => (processGroupAlive(sim.child.pid!) ? undefined : true), 10_000);
    expect(exit, `npm run sim after Ctrl-C; stderr:\n${sim.stderr()}`).toEqual({ code: 0, signal: null });
    expect(await portAccepts(sim.endpoint), 'the gateway port is closed').toBe(false);
    expect(await portAccepts(sim.listening.get(80)!), 'the GATEWAY_LISTEN port is closed').toBe(false);
  }, 30_000);

  it('prints the GATEWAY_LISTEN port 80 with the host port it is published on', () => {
    expect([...sim.listening.keys()]).toEqual([80]);
    expect(sim.listening.get(80)).not.toBe(sim.endpoint);
  });

  it('lsa does every step with the workshop names', async () => {
    built = await doModule04ByHand(aws, 'lsa');
    const { TargetHealthDescriptions } = await aws('elbv2', 'describe-target-health', '--target-group-arn', built.targetGroupArn);
    expect(TargetHealthDescriptions).toHaveLength(3);
    expect(TargetHealthDescriptions.map((d: { TargetHealth: { State: string } }) => d.TargetHealth.State)).toEqual(['healthy', 'healthy', 'healthy']);
  }, 120_000);

  it('the ALB spreads requests over the 3 tasks, through the gateway port (4566) and through port 80', async () => {
    const expected = built.tasks.map((t) => `Hello from ${t.hostname}!`).sort();
    for (const [endpoint, host] of [
      [sim.endpoint, `${built.dnsName}:4566`],
      [sim.listening.get(80)!, built.dnsName],
    ] as const) {
      const seen = new Set<string>();
      for (let i = 0; i < 6; i++) seen.add((await get(`${endpoint}/`, host)).body);
      expect([...seen].sort(), `via ${endpoint} with Host ${host}`).toEqual(expected);
    }
  });

  it('after the lockdown a task\'s direct URL still answers: LocalStack does not enforce security groups', async () => {
    const [task] = built.tasks;
    expect(await get(`http://127.0.0.1:${task!.hostPort}/`, '127.0.0.1')).toEqual({ status: 200, body: `Hello from ${task!.hostname}!` });
  });
});
