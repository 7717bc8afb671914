/**
 * The egress canary (a listener outside the account answering `ok\n`) and the firewalled runner
 * (`outsideEgressAllow`): connections from the outside world to a port not listed — into a task or into
 * the canary — get no answer, while the gateway port (API calls, ALB traffic) always works.
 */
import { connect } from 'node:net';
import { CreateServiceCommand, DescribeTasksCommand, ListTasksCommand, RegisterTaskDefinitionCommand, type ECSClient } from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type RunningSim } from '../../sim/index.js';
import { httpGet, until } from './ecs-helpers.js';
import { ecsClient } from './ecs-world.js';

const PROBE_MS = 600;
const cluster = 'nick_ecs_cluster';

/** What a fresh TCP connection to host:port hears within PROBE_MS: its first bytes, or 'silent'. */
function hear(address: string): Promise<string> {
  const [host, port] = [address.slice(0, address.lastIndexOf(':')), Number(address.slice(address.lastIndexOf(':') + 1))];
  return new Promise((resolve) => {
    const socket = connect(port, host);
    let heard = '';
    const timer = setTimeout(() => (socket.destroy(), resolve(heard || 'silent')), PROBE_MS);
    socket.on('data', (d: Buffer) => (heard += d.toString('utf8')));
    socket.on('end', () => (clearTimeout(timer), socket.destroy(), resolve(heard || 'closed')));
    socket.on('error', () => (clearTimeout(timer), resolve('error')));
  });
}

async function taskAddresses(sim: RunningSim, ecs: ECSClient, serviceName: string): Promise<string[]> {
  const arns = (await ecs.send(new ListTasksCommand({ cluster, serviceName }))).taskArns!;
  const tasks = (await ecs.send(new DescribeTasksCommand({ cluster, tasks: arns }))).tasks!;
  return tasks.map((t) => {
    const ip = sim.ctx.world.instances.get(sim.ctx.world.tasks.get(t.taskArn!)!.ec2InstanceId)!.publicIpAddress;
    return `${ip}:${t.containers![0]!.networkBindings![0]!.hostPort}`;
  });
}

describe('the egress canary of an unfiltered runner', () => {
  let sim: RunningSim;
  beforeAll(async () => {
    sim = await startSim({ scenario: 'empty' });
  });
  afterAll(() => sim?.close());

  it('listens on a high port of its own loopback address and answers ok', async () => {
    const [host, port] = sim.egressCanary.split(':');
    expect(Number(port)).toBeGreaterThanOrEqual(32768);
    expect(Number(port)).toBeLessThanOrEqual(60999);
    expect(host).toBe(sim.ctx.network.distinctAddresses ? '127.0.250.1' : '127.0.0.1');
    expect(await hear(sim.egressCanary)).toBe('ok\n');
  });

  it('is announced by GET /_sim/health', async () => {
    const health = (await (await fetch(`${sim.endpoint}/_sim/health`)).json()) as { egressCanary?: string };
    expect(health.egressCanary).toBe(sim.egressCanary);
  });

  it('stops listening when the simulator closes', async () => {
    const other = await startSim({ scenario: 'empty' });
    const address = other.egressCanary;
    await other.close();
    expect(await hear(address)).toBe('error');
  });
});

describe('a runner whose network lets out only some ports (outsideEgressAllow)', () => {
  let sim: RunningSim;
  let ecs: ECSClient;
  const STATIC_PORT = 45123;

  beforeAll(async () => {
    sim = await startSim({ nicknames: ['nick'], outsideEgressAllow: [80, 443, STATIC_PORT] });
    ecs = ecsClient(sim);
  });
  afterAll(async () => {
    ecs?.destroy();
    await sim?.close();
  });

  it('gets no answer from the canary on its unlisted high port', async () => {
    expect(await hear(sim.egressCanary)).toBe('silent');
  });

  it('gets no answer from a task on an unlisted port, although its security group admits everyone', async () => {
    const [address] = await taskAddresses(sim, ecs, 'nick_app_service');
    expect(await httpGet(`http://${address}/`, PROBE_MS).catch((e: Error) => e.message)).toBe('timeout');
  });

  it('reaches a task on a listed port', async () => {
    await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'static_high',
        containerDefinitions: [{ name: 'app', image: 'app', memory: 64, portMappings: [{ containerPort: 8080, hostPort: STATIC_PORT }] }],
      }),
    );
    await ecs.send(new CreateServiceCommand({ cluster, serviceName: 'static_high', taskDefinition: 'static_high', desiredCount: 1, launchType: 'EC2' }));
    const [address] = await until(async () => {
      const arns = (await ecs.send(new ListTasksCommand({ cluster, serviceName: 'static_high' }))).taskArns!;
      if (arns.length === 0) return undefined;
      const task = (await ecs.send(new DescribeTasksCommand({ cluster, tasks: arns }))).tasks![0]!;
      return task.lastStatus === 'RUNNING' && (await taskAddresses(sim, ecs, 'static_high'));
    });
    expect(address).toMatch(new RegExp(`:${STATIC_PORT}$`));
    const answer = await httpGet(`http://${address}/`, 2_000);
    expect(answer.body).toMatch(/^Hello from [0-9a-f]{12}!$/);
  });

  it('still reaches the gateway port: API calls and the admin path answer', async () => {
    const health = await httpGet(`${sim.endpoint}/_sim/health`, 2_000);
    expect(JSON.parse(health.body)).toMatchObject({ ok: true, egressCanary: sim.egressCanary });
  });
});
