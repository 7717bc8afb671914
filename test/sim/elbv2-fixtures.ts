/**
 * Test-only world building for the ELBv2/ALB tests: a VPC with three subnets, security
 * groups, instances, and small HTTP servers standing in for tasks. The servers enforce the
 * instance's security groups on every new connection, the way the simulator's task servers do.
 * (EC2 and the scenario are written elsewhere; these tests must not depend on them.)
 */
import { createServer as createHttpServer } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { request } from 'undici';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { SimContext } from '../../sim/context.js';
import { holdSilently } from '../../sim/dataplane/network.js';
import type { RunningSim } from '../../sim/index.js';
import { hex } from '../../sim/ids.js';
import type { Instance, SecurityGroup, SgRule, Subnet, Vpc } from '../../sim/world.js';

export function elbClient(sim: RunningSim): ElasticLoadBalancingV2Client {
  return new ElasticLoadBalancingV2Client({
    endpoint: sim.endpoint,
    region: sim.region,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
}

export interface FakeNetwork {
  vpc: Vpc;
  subnets: Subnet[];
  defaultSg: SecurityGroup;
}

let seq = 0;
const id = (prefix: string) => `${prefix}-${hex(17)}`;

export function addVpc(ctx: SimContext, cidr = '10.0.0.0/16'): FakeNetwork {
  const vpc: Vpc = { vpcId: id('vpc'), cidrBlock: cidr, isDefault: false, tags: new Map() };
  ctx.world.vpcs.set(vpc.vpcId, vpc);
  const subnets = ['a', 'b', 'c'].map((z, i): Subnet => {
    const s: Subnet = {
      subnetId: id('subnet'),
      vpcId: vpc.vpcId,
      cidrBlock: `10.0.${i}.0/24`,
      availabilityZone: `${ctx.world.region}${z}`,
      availabilityZoneId: `use1-az${i + 1}`,
      mapPublicIpOnLaunch: true,
      tags: new Map(),
    };
    ctx.world.subnets.set(s.subnetId, s);
    return s;
  });
  const defaultSg = addSecurityGroup(ctx, vpc.vpcId, 'default');
  return { vpc, subnets, defaultSg };
}

export function addSecurityGroup(ctx: SimContext, vpcId: string, name = `sg-${++seq}`): SecurityGroup {
  const sg: SecurityGroup = {
    groupId: id('sg'),
    groupName: name,
    description: name,
    vpcId,
    ownerId: ctx.world.accountId,
    rules: [],
    tags: new Map(),
  };
  ctx.world.securityGroups.set(sg.groupId, sg);
  return sg;
}

/** An inbound TCP rule from a CIDR or from another security group; returns it for later removal. */
export function allowIngress(
  sg: SecurityGroup,
  from: { cidr: string } | { groupId: string },
  fromPort: number,
  toPort = fromPort,
): SgRule {
  const rule: SgRule = {
    ruleId: id('sgr'),
    groupId: sg.groupId,
    isEgress: false,
    ipProtocol: 'tcp',
    fromPort,
    toPort,
    cidrIpv4: 'cidr' in from ? from.cidr : undefined,
    referencedGroupId: 'groupId' in from ? from.groupId : undefined,
    tags: new Map(),
  };
  sg.rules.push(rule);
  return rule;
}

export function revoke(sg: SecurityGroup, rule: SgRule): void {
  sg.rules = sg.rules.filter((r) => r !== rule);
}

export function addInstance(ctx: SimContext, net: FakeNetwork, zoneIndex: number, securityGroupIds: string[]): Instance {
  const subnet = net.subnets[zoneIndex % net.subnets.length]!;
  const instance: Instance = {
    instanceId: id('i'),
    instanceType: 't3.medium',
    subnetId: subnet.subnetId,
    vpcId: net.vpc.vpcId,
    availabilityZone: subnet.availabilityZone,
    privateIpAddress: `10.0.${zoneIndex}.${10 + ++seq}`,
    publicIpAddress: ctx.network.instanceAddress(),
    securityGroupIds,
    state: 'running',
    launchTime: new Date(),
    tags: new Map(),
  };
  ctx.world.instances.set(instance.instanceId, instance);
  return instance;
}

/** A stand-in for a task: answers `Hello from <12 hex>!`, admits connections per the instance's security groups. */
export interface FakeTask {
  containerId: string;
  instance: Instance;
  port: number;
  /** status for the health-check path (default 200) */
  healthStatus: number;
  /** every request's headers, for assertions on X-Forwarded-* */
  seen: Record<string, string | string[] | undefined>[];
  close(): Promise<void>;
}

export async function startFakeTask(ctx: SimContext, instance: Instance, healthPath = '/health'): Promise<FakeTask> {
  const task: FakeTask = {
    containerId: hex(12),
    instance,
    port: 0,
    healthStatus: 200,
    seen: [],
    close: async () => {},
  };
  const app = createHttpServer((req, res) => {
    task.seen.push(req.headers);
    if (req.url === healthPath) {
      res.writeHead(task.healthStatus, { 'content-type': 'text/plain' });
      res.end('health\n');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`Hello from ${task.containerId}!`);
  });
  // The check must come before the HTTP server sees the socket: its parser reads the handle
  // directly, so pausing an already-attached socket would not hold it.
  const sockets = new Set<Socket>();
  const server = createNetServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    const src = ctx.network.sourceOf(socket, ctx.clientIp);
    if (!ctx.network.admits(instance.securityGroupIds, src, task.port)) return holdSilently(socket);
    app.emit('connection', socket);
  });
  await new Promise<void>((resolve) => server.listen(0, instance.publicIpAddress, resolve));
  task.port = (server.address() as AddressInfo).port;
  task.close = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
  return task;
}

export interface AlbAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A request to the ALB through the sim's gateway, addressed by Host; rejects when no answer comes in time. */
export async function callAlb(sim: RunningSim, host: string, path = '/', timeoutMs = 5_000): Promise<AlbAnswer> {
  // An abort signal rather than undici's headersTimeout, whose coarse timers double short timeouts.
  const res = await request(`${sim.endpoint}${path}`, { headers: { host }, signal: AbortSignal.timeout(timeoutMs) });
  return { status: res.statusCode, headers: res.headers, body: await res.body.text() };
}

/** True when the ALB gives no answer within timeoutMs (a dropped connection, as on AWS). */
export async function albTimesOut(sim: RunningSim, host: string, timeoutMs = 500): Promise<boolean> {
  try {
    await callAlb(sim, host, '/', timeoutMs);
    return false;
  } catch (err) {
    return (err as Error).name === 'TimeoutError';
  }
}

export async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs = 10_000, everyMs = 25): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
