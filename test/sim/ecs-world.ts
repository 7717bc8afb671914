/**
 * Test-only: ELB objects put straight into the world, so the ECS tests do not depend on the
 * ELBv2 API. A target group becomes "associated with a load balancer" through a listener.
 */
import { ECSClient } from '@aws-sdk/client-ecs';
import type { SimContext } from '../../sim/context.js';
import { hex } from '../../sim/ids.js';
import type { RunningSim } from '../../sim/index.js';
import type { LoadBalancer, TargetGroup } from '../../sim/world.js';

export function ecsClient(sim: RunningSim): ECSClient {
  return new ECSClient({ endpoint: sim.endpoint, region: sim.region, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
}

export function putTargetGroup(
  ctx: SimContext,
  name: string,
  opts: { targetType?: TargetGroup['targetType']; vpcId?: string; deregistrationDelayS?: number } = {},
): TargetGroup {
  const arn = ctx.world.arn('elasticloadbalancing', `targetgroup/${name}/${hex(16)}`);
  const tg: TargetGroup = {
    arn,
    name,
    protocol: 'HTTP',
    port: 8080,
    vpcId: opts.vpcId ?? 'vpc-test',
    targetType: opts.targetType ?? 'instance',
    protocolVersion: 'HTTP1',
    ipAddressType: 'ipv4',
    healthCheck: {
      protocol: 'HTTP',
      port: 'traffic-port',
      path: '/',
      enabled: true,
      intervalSeconds: 6,
      timeoutSeconds: 5,
      healthyThresholdCount: 3,
      unhealthyThresholdCount: 2,
      matcher: '200',
    },
    attributes: new Map([['deregistration_delay.timeout_seconds', String(opts.deregistrationDelayS ?? 300)]]),
    targets: new Map(),
    tags: new Map(),
    createdAt: new Date(),
  };
  ctx.world.targetGroups.set(arn, tg);
  return tg;
}

/** An ALB with one listener on port 80 forwarding to the target group. */
export function putLoadBalancerFor(ctx: SimContext, tg: TargetGroup, name: string): LoadBalancer {
  const arn = ctx.world.arn('elasticloadbalancing', `loadbalancer/app/${name}/${hex(16)}`);
  const lb: LoadBalancer = {
    arn,
    name,
    dnsName: `${name}-${hex(8)}.${ctx.world.region}.elb.amazonaws.com`,
    canonicalHostedZoneId: 'Z35SXDOTRQ7X7K',
    scheme: 'internet-facing',
    type: 'application',
    vpcId: tg.vpcId,
    subnetIds: [],
    securityGroupIds: [],
    ipAddressType: 'ipv4',
    state: 'active',
    createdAt: new Date(),
    attributes: new Map(),
    sourceAddress: ctx.network.albAddress(arn),
    tags: new Map(),
  };
  ctx.world.loadBalancers.set(arn, lb);
  const listenerArn = ctx.world.arn('elasticloadbalancing', `listener/app/${name}/${hex(16)}/${hex(16)}`);
  ctx.world.listeners.set(listenerArn, {
    arn: listenerArn,
    loadBalancerArn: arn,
    port: 80,
    protocol: 'HTTP',
    defaultActions: [{ Type: 'forward', TargetGroupArn: tg.arn }],
    tags: new Map(),
  });
  return lb;
}
