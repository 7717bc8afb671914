/**
 * The LocalStack persona (`startSim({ persona: 'localstack' })`): account 000000000000, ALB DNS
 * names under elb.localhost.localstack.cloud, ALB traffic routed by Host (or /_aws/elb/<name>/)
 * and by the port it arrives on, ECS tasks as containers on the Docker host (127.0.0.1) with no
 * container instances, security groups stored but never enforced, targets healthy at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { request } from 'undici';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  DescribeInstancesCommand,
  DescribeSecurityGroupRulesCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  EC2Client,
  RevokeSecurityGroupIngressCommand,
} from '@aws-sdk/client-ec2';
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  DescribeLoadBalancersCommand,
  DescribeTargetHealthCommand,
  type ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  CreateServiceCommand,
  DescribeClustersCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  type ECSClient,
  ListContainerInstancesCommand,
  ListTasksCommand,
  type Task,
} from '@aws-sdk/client-ecs';
import { startSim, type RunningSim } from '../../sim/index.js';
import { elbClient } from './elbv2-fixtures.js';
import { ecsClient } from './ecs-world.js';
import { until } from './ecs-helpers.js';

const NICK = 'ls';
const CLUSTER = `${NICK}_ecs_cluster`;
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const root = resolve(import.meta.dirname, '..', '..');

interface Answer {
  status: number;
  body: string;
}

/** One request to a gateway port with a Host header of our choice, on a fresh connection. */
async function get(endpoint: string, host: string, path = '/'): Promise<Answer> {
  const res = await request(`${endpoint}${path}`, { headers: { host, connection: 'close' }, signal: AbortSignal.timeout(5_000) });
  return { status: res.statusCode, body: await res.body.text() };
}

const hello = (runtimeId: string) => `Hello from ${runtimeId.slice(0, 12)}!`;

describe('the LocalStack persona', () => {
  let sim: RunningSim;
  let ec2: EC2Client;
  let elb: ElasticLoadBalancingV2Client;
  let ecs: ECSClient;
  /** gateway endpoints by the port LocalStack sees (4566, 80, 8080) */
  const gateway = new Map<number, string>();

  beforeAll(async () => {
    sim = await startSim({
      persona: 'localstack',
      nicknames: [NICK],
      timeScale: 0.01,
      // Ports 80 and 8080 as LocalStack sees them, published on free host ports (tests may not bind 80).
      gatewayListen: [
        { port: 80, hostPort: 0 },
        { port: 8080, hostPort: 0 },
      ],
    });
    for (const g of sim.gatewayPorts) gateway.set(g.port, g.endpoint);
    ec2 = new EC2Client({ endpoint: sim.endpoint, region: sim.region, credentials });
    elb = elbClient(sim);
    ecs = ecsClient(sim);
  }, 60_000);

  afterAll(async () => {
    await sim?.close();
  });

  async function tasksOf(service: string): Promise<Task[]> {
    const { taskArns = [] } = await ecs.send(new ListTasksCommand({ cluster: CLUSTER, serviceName: service }));
    if (taskArns.length === 0) return [];
    const { tasks = [] } = await ecs.send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: taskArns }));
    return tasks;
  }

  it('listens on 4566 as LocalStack sees it, plus the GATEWAY_LISTEN ports, each on its own host port', () => {
    expect(sim.gatewayPorts.map((g) => g.port)).toEqual([4566, 80, 8080]);
    expect(sim.gatewayPorts[0]!.endpoint).toBe(sim.endpoint);
    const hostPorts = sim.gatewayPorts.map((g) => g.hostPort);
    expect(new Set(hostPorts).size).toBe(3);
    expect(hostPorts).not.toContain(80);
  });

  it('says which persona it plays in /_sim/health', async () => {
    const res = await request(`${sim.endpoint}/_sim/health`);
    expect(await res.body.json()).toMatchObject({ ok: true, persona: 'localstack', accountId: '000000000000' });
  });

  it('answers GetCallerIdentity and forms ARNs with account 000000000000', async () => {
    const sts = new STSClient({ endpoint: sim.endpoint, region: sim.region, credentials });
    const me = await sts.send(new GetCallerIdentityCommand({}));
    expect(me).toMatchObject({ Account: '000000000000', Arn: 'arn:aws:iam::000000000000:root', UserId: 'AKIAIOSFODNN7EXAMPLE' });
    const { clusters = [] } = await ecs.send(new DescribeClustersCommand({ clusters: [CLUSTER] }));
    expect(clusters[0]?.clusterArn).toBe(`arn:aws:ecs:us-east-1:000000000000:cluster/${CLUSTER}`);
  });

  it('seeds the baseline as it can exist on LocalStack: mocked instances, no container instances, the old service on the Docker host', async () => {
    const { Vpcs = [] } = await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'tag:Name', Values: [`${NICK}-workshop-vpc`] }] }));
    expect(Vpcs).toHaveLength(1);
    const vpcId = Vpcs[0]!.VpcId!;
    const { Subnets = [] } = await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] }));
    expect(new Set(Subnets.map((s) => s.AvailabilityZone)).size).toBe(3);

    const { Reservations = [] } = await ec2.send(
      new DescribeInstancesCommand({ Filters: [{ Name: 'tag:Name', Values: [`ECS Instance - ${CLUSTER}`] }] }),
    );
    const instances = Reservations.flatMap((r) => r.Instances ?? []);
    expect(instances).toHaveLength(4);
    const groupId = instances[0]!.SecurityGroups![0]!.GroupId!;
    const { SecurityGroupRules = [] } = await ec2.send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'group-id', Values: [groupId] }] }));
    expect(SecurityGroupRules.filter((r) => !r.IsEgress)).toMatchObject([{ IpProtocol: 'tcp', FromPort: 0, ToPort: 65535, CidrIpv4: '0.0.0.0/0' }]);

    const { containerInstanceArns } = await ecs.send(new ListContainerInstancesCommand({ cluster: CLUSTER }));
    expect(containerInstanceArns).toEqual([]);
    const { clusters = [] } = await ecs.send(new DescribeClustersCommand({ clusters: [CLUSTER] }));
    expect(clusters[0]).toMatchObject({ registeredContainerInstancesCount: 0, runningTasksCount: 4, activeServicesCount: 1 });

    for (const revision of [1, 2, 3]) {
      const { taskDefinition } = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: `${NICK}_app_service:${revision}` }));
      expect(taskDefinition?.containerDefinitions?.[0]?.portMappings?.[0]).toMatchObject({ containerPort: 8080, hostPort: revision === 3 ? 0 : 80 });
    }
    const { services = [] } = await ecs.send(new DescribeServicesCommand({ cluster: CLUSTER, services: [`${NICK}_app_service`] }));
    expect(services[0]).toMatchObject({ status: 'ACTIVE', desiredCount: 4, runningCount: 4, createdBy: 'arn:aws:iam::000000000000:user/test' });
  });

  it('describes tasks as containers on the Docker host: no container instance, a published host port, a UUID task id', async () => {
    const tasks = await tasksOf(`${NICK}_app_service`);
    expect(tasks).toHaveLength(4);
    for (const t of tasks) {
      expect(t.containerInstanceArn).toBeUndefined();
      expect(t.launchType).toBe('EC2');
      expect(t.taskArn).toMatch(/^arn:aws:ecs:us-east-1:000000000000:task\/ls_ecs_cluster\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      const [container] = t.containers!;
      expect(container!.runtimeId).toMatch(/^[0-9a-f]{64}$/);
      expect(container!.networkBindings).toEqual([{ bindIP: '0.0.0.0', containerPort: 8080, hostPort: expect.any(Number), protocol: 'tcp' }]);
    }
  });

  it('serves each task on 127.0.0.1:<published port>, answering with its runtimeId\'s first 12 hex', async () => {
    for (const t of await tasksOf(`${NICK}_app_service`)) {
      const [container] = t.containers!;
      const answer = await get(`http://127.0.0.1:${container!.networkBindings![0]!.hostPort}`, '127.0.0.1');
      expect(answer).toEqual({ status: 200, body: hello(container!.runtimeId!) });
    }
  });

  it('stores security groups but never enforces them: a task still answers after every inbound rule is revoked', async () => {
    const [task] = await tasksOf(`${NICK}_app_service`);
    const { Reservations = [] } = await ec2.send(
      new DescribeInstancesCommand({ Filters: [{ Name: 'tag:Name', Values: [`ECS Instance - ${CLUSTER}`] }] }),
    );
    const groupId = Reservations[0]!.Instances![0]!.SecurityGroups![0]!.GroupId!;
    const rules = await ec2.send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'group-id', Values: [groupId] }] }));
    const inbound = rules.SecurityGroupRules!.filter((r) => !r.IsEgress).map((r) => r.SecurityGroupRuleId!);
    await ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: groupId, SecurityGroupRuleIds: inbound }));
    const after = await ec2.send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'group-id', Values: [groupId] }] }));
    expect(after.SecurityGroupRules!.filter((r) => !r.IsEgress)).toEqual([]);

    const [container] = task!.containers!;
    const answer = await get(`http://127.0.0.1:${container!.networkBindings![0]!.hostPort}`, '127.0.0.1');
    expect(answer).toEqual({ status: 200, body: hello(container!.runtimeId!) });
  });

  describe('an ALB in front of a service (Module 04)', () => {
    const name = `${NICK}-ecs-alb`;
    let dnsName: string;
    let lbArn: string;
    let targetGroupArn: string;
    let runtimeIds: string[];
    let hostPorts: number[];

    beforeAll(async () => {
      const { Vpcs = [] } = await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'tag:Name', Values: [`${NICK}-workshop-vpc`] }] }));
      const vpcId = Vpcs[0]!.VpcId!;
      const { Subnets = [] } = await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] }));
      // The ALB's group admits nothing: on AWS no request could reach it; LocalStack does not enforce it.
      const { GroupId: albGroupId } = await ec2.send(new CreateSecurityGroupCommand({ GroupName: `${NICK}-ecs-alb-sg`, Description: 'ALB', VpcId: vpcId }));
      const tg = await elb.send(
        new CreateTargetGroupCommand({ Name: `${NICK}-ecs-tg`, TargetType: 'instance', Protocol: 'HTTP', Port: 8080, VpcId: vpcId, HealthyThresholdCount: 3, HealthCheckIntervalSeconds: 6 }),
      );
      targetGroupArn = tg.TargetGroups![0]!.TargetGroupArn!;
      const lb = await elb.send(
        new CreateLoadBalancerCommand({ Name: name, Subnets: Subnets.map((s) => s.SubnetId!), SecurityGroups: [albGroupId!], Scheme: 'internet-facing', Type: 'application' }),
      );
      lbArn = lb.LoadBalancers![0]!.LoadBalancerArn!;
      dnsName = lb.LoadBalancers![0]!.DNSName!;
      await elb.send(new CreateListenerCommand({ LoadBalancerArn: lbArn, Protocol: 'HTTP', Port: 80, DefaultActions: [{ Type: 'forward', TargetGroupArn: targetGroupArn }] }));
      await until(async () => {
        const { LoadBalancers = [] } = await elb.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [lbArn] }));
        return LoadBalancers[0]?.State?.Code === 'active';
      });
      await ecs.send(
        new CreateServiceCommand({
          cluster: CLUSTER,
          serviceName: `${NICK}-ecs-app-alb`,
          taskDefinition: `${NICK}_app_service:3`,
          desiredCount: 3,
          launchType: 'EC2',
          loadBalancers: [{ targetGroupArn, containerName: 'app', containerPort: 8080 }],
        }),
      );
      const tasks = await until(async () => {
        const running = (await tasksOf(`${NICK}-ecs-app-alb`)).filter((t) => t.lastStatus === 'RUNNING');
        return running.length === 3 ? running : undefined;
      });
      runtimeIds = tasks.map((t) => t.containers![0]!.runtimeId!);
      hostPorts = tasks.map((t) => t.containers![0]!.networkBindings![0]!.hostPort!);
    }, 60_000);

    it('has the DNS name LocalStack gives it: <name>.elb.localhost.localstack.cloud', () => {
      expect(dnsName).toBe(`${name}.elb.localhost.localstack.cloud`);
      expect(lbArn).toMatch(/^arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer\/app\/ls-ecs-alb\//);
    });

    it('registers the service\'s tasks by the Docker host\'s address and published port, healthy at once', async () => {
      const { TargetHealthDescriptions = [] } = await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn }));
      expect(TargetHealthDescriptions.map((d) => d.Target!.Port).sort()).toEqual([...hostPorts].sort());
      for (const d of TargetHealthDescriptions) {
        expect(d.Target).toMatchObject({ Id: '127.0.0.1', AvailabilityZone: 'all' });
        expect(d.TargetHealth).toEqual({ State: 'healthy' });
      }
    });

    it('on the gateway port (4566), routes by Host to the only listener (port 80) although 4566 is not its port', async () => {
      const seen = new Set<string>();
      for (let i = 0; i < 6; i++) {
        const answer = await get(gateway.get(4566)!, `${dnsName}:4566`);
        expect(answer.status).toBe(200);
        seen.add(answer.body);
      }
      expect([...seen].sort()).toEqual(runtimeIds.map(hello).sort());
    });

    it('on a GATEWAY_LISTEN port, picks the listener of that port', async () => {
      const answer = await get(gateway.get(80)!, dnsName);
      expect(runtimeIds.map(hello)).toContain(answer.body);
    });

    it('answers 400 "No ELB listener was found" on a GATEWAY_LISTEN port the ALB has no listener on', async () => {
      const answer = await get(gateway.get(8080)!, `${dnsName}:8080`);
      expect(answer.status).toBe(400);
      expect(answer.body).toMatch(/No ELB listener was found/);
    });

    it('reaches the ALB through /_aws/elb/<name>/<path> on localhost.localstack.cloud:4566, and 404s an unknown name', async () => {
      const answer = await get(gateway.get(4566)!, 'localhost.localstack.cloud:4566', `/_aws/elb/${name}/`);
      expect(runtimeIds.map(hello)).toContain(answer.body);
      const missing = await get(gateway.get(4566)!, 'localhost.localstack.cloud:4566', '/_aws/elb/no-such-alb/');
      expect(missing.status).toBe(404);
      const path = await get(gateway.get(4566)!, 'localhost.localstack.cloud:4566', `/_aws/elb/${name}/no/such/page`);
      expect(path.status, 'the prefix is removed: the app sees /no/such/page').toBe(404);
      expect(path.body).toContain('Cannot GET /no/such/page');
    });

    it('with a second listener, each GATEWAY_LISTEN port reaches its own, and 4566 still falls back to the first', async () => {
      await elb.send(
        new CreateListenerCommand({
          LoadBalancerArn: lbArn,
          Protocol: 'HTTP',
          Port: 8080,
          DefaultActions: [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '200', ContentType: 'text/plain', MessageBody: 'listener 8080' } }],
        }),
      );
      expect(await get(gateway.get(8080)!, dnsName)).toEqual({ status: 200, body: 'listener 8080' });
      expect(runtimeIds.map(hello)).toContain((await get(gateway.get(80)!, dnsName)).body);
      expect(runtimeIds.map(hello)).toContain((await get(gateway.get(4566)!, dnsName)).body);
    });

    it('admits a client the ALB\'s and the instances\' rules deny (security groups not enforced)', async () => {
      const { Reservations = [] } = await ec2.send(
        new DescribeInstancesCommand({ Filters: [{ Name: 'tag:Name', Values: [`ECS Instance - ${CLUSTER}`] }] }),
      );
      const instanceGroup = Reservations[0]!.Instances![0]!.SecurityGroups![0]!.GroupId!;
      const rules = await ec2.send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'group-id', Values: [instanceGroup] }] }));
      expect(rules.SecurityGroupRules!.filter((r) => !r.IsEgress), 'the instances admit nobody').toEqual([]);
      const { LoadBalancers = [] } = await elb.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [lbArn] }));
      const albRules = await ec2.send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'group-id', Values: LoadBalancers[0]!.SecurityGroups! }] }));
      expect(albRules.SecurityGroupRules!.filter((r) => !r.IsEgress), 'the ALB admits nobody').toEqual([]);
      expect((await get(gateway.get(4566)!, dnsName)).status).toBe(200);
      // The lockdown of Module 04 changes nothing either: the task's direct URL still answers.
      await ec2.send(
        new AuthorizeSecurityGroupIngressCommand({ GroupId: instanceGroup, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 0, ToPort: 65535, UserIdGroupPairs: [{ GroupId: LoadBalancers[0]!.SecurityGroups![0]! }] }] }),
      );
      expect(await get(`http://127.0.0.1:${hostPorts[0]}`, '127.0.0.1')).toEqual({ status: 200, body: hello(runtimeIds[0]!) });
    });

    it('answers 400 for an ALB that has no listener at all', async () => {
      const { Vpcs = [] } = await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'tag:Name', Values: [`${NICK}-workshop-vpc`] }] }));
      const { Subnets = [] } = await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [Vpcs[0]!.VpcId!] }] }));
      const bare = await elb.send(new CreateLoadBalancerCommand({ Name: `${NICK}-bare`, Subnets: Subnets.map((s) => s.SubnetId!) }));
      await until(async () => {
        const { LoadBalancers = [] } = await elb.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [bare.LoadBalancers![0]!.LoadBalancerArn!] }));
        return LoadBalancers[0]?.State?.Code === 'active';
      });
      const answer = await get(gateway.get(4566)!, bare.LoadBalancers![0]!.DNSName!);
      expect(answer.status).toBe(400);
    });
  });
});

describe('npm run sim flags of the persona', () => {
  const run = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'sim/cli.ts', ...args], { cwd: root, encoding: 'utf8', timeout: 30_000 });

  it.each([
    [['--persona', 'azure']],
    [['--gateway-listen', '80']],
    [['--persona', 'localstack', '--gateway-listen', '80,x']],
    [['--persona', 'localstack', '--gateway-listen', '0']],
  ])('%j: one line on stderr, exit 2', (args) => {
    const r = run(...args);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});
