/**
 * Shared by the realism tests: a baseline service behind an ALB put straight into the world
 * (reachable from outside on port 80), a plain HTTP call to that ALB over a fresh client
 * connection, and a task's direct URL.
 */
import { request } from 'node:http';
import { CreateServiceCommand, DescribeTasksCommand, ListTasksCommand, type ECSClient, type Task } from '@aws-sdk/client-ecs';
import type { RunningSim } from '../../sim/index.js';
import type { LoadBalancer, TargetGroup } from '../../sim/world.js';
import { until, type Answer } from './ecs-helpers.js';
import { putLoadBalancerFor, putTargetGroup } from './ecs-world.js';
import { addSecurityGroup, allowIngress } from './elbv2-fixtures.js';

export const CLUSTER = 'nick_ecs_cluster';

export interface ServiceBehindAlb {
  tg: TargetGroup;
  lb: LoadBalancer;
  tasks: Task[];
}

export async function serviceBehindAlb(
  sim: RunningSim,
  ecs: ECSClient,
  name: string,
  opts: { desiredCount?: number; deregistrationDelayS?: number; gracePeriodS?: number; tg?: TargetGroup } = {},
): Promise<ServiceBehindAlb> {
  const vpcId = [...sim.ctx.world.vpcs.values()].find((v) => v.tags.get('Name') === 'nick-workshop-vpc')!.vpcId;
  const tg = opts.tg ?? putTargetGroup(sim.ctx, `${name}-tg`, { vpcId, deregistrationDelayS: opts.deregistrationDelayS ?? 10 });
  const lb = putLoadBalancerFor(sim.ctx, tg, `${name}-alb`);
  const albSg = addSecurityGroup(sim.ctx, vpcId, `${name}-alb-sg`);
  allowIngress(albSg, { cidr: '0.0.0.0/0' }, 80);
  lb.securityGroupIds = [albSg.groupId];
  await ecs.send(
    new CreateServiceCommand({
      cluster: CLUSTER,
      serviceName: name,
      taskDefinition: 'nick_app_service',
      desiredCount: opts.desiredCount ?? 1,
      loadBalancers: [{ targetGroupArn: tg.arn, containerName: 'app', containerPort: 8080 }],
      healthCheckGracePeriodSeconds: opts.gracePeriodS ?? 0,
    }),
  );
  const tasks = await until(async () => {
    const running = await tasksOf(ecs, name);
    return running.length === (opts.desiredCount ?? 1) && running.every((t) => t.lastStatus === 'RUNNING') ? running : undefined;
  });
  return { tg, lb, tasks };
}

export async function tasksOf(ecs: ECSClient, service: string, desiredStatus: 'RUNNING' | 'STOPPED' = 'RUNNING'): Promise<Task[]> {
  const arns = (await ecs.send(new ListTasksCommand({ cluster: CLUSTER, serviceName: service, desiredStatus }))).taskArns!;
  if (arns.length === 0) return [];
  return (await ecs.send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: arns }))).tasks!;
}

export async function describeTask(ecs: ECSClient, taskArn: string): Promise<Task> {
  return (await ecs.send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: [taskArn] }))).tasks![0]!;
}

/** GET through the ALB on a fresh client connection (the ALB's own upstream pool is what is tested). */
export function callAlbFresh(sim: RunningSim, lb: LoadBalancer, timeoutMs = 5_000): Promise<Answer & { server?: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${sim.endpoint}/`, { agent: false, headers: { host: lb.dnsName } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), server: res.headers.server as string | undefined }),
      );
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

export function taskUrl(sim: RunningSim, task: Task): string {
  const instanceId = sim.ctx.world.containerInstances.get(task.containerInstanceArn!)!.ec2InstanceId;
  const ip = sim.ctx.world.instances.get(instanceId)!.publicIpAddress;
  return `http://${ip}:${task.containers![0]!.networkBindings![0]!.hostPort}/`;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
