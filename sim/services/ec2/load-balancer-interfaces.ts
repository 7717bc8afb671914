/**
 * A load balancer's network interfaces: one per subnet, created with it, requester-managed by
 * `amazon-elb`, described `ELB app/<name>/<id>`, wearing the load balancer's security groups.
 *
 * Without realism they go with the load balancer. With realism.eniLinger they outlive it for
 * a seeded LINGER_MIN_MS–LINGER_MAX_MS of simulated time (status `available`, same groups), and
 * while they remain, DeleteSecurityGroup on any of those groups fails with
 * `DependencyViolation: resource sg-… has a dependent object`. No AWS page gives the time; it
 * is a known behaviour ("When an ELB is destroyed, its network interfaces can take a while to
 * go away (some minutes)", hashicorp/terraform-provider-aws#40, originally
 * hashicorp/terraform#3758; the interface's description and requester as shown in
 * alantech/iasql#654).
 */
import type { SimContext } from '../../context.js';
import { ec2Id } from '../../ids.js';
import type { LoadBalancer, NetworkInterface } from '../../world.js';

export const LINGER_MIN_MS = 120_000;
export const LINGER_MAX_MS = 300_000;

let nextHost = 20;

/** `arn:…:loadbalancer/app/<name>/<id>` → `ELB app/<name>/<id>` */
export const interfaceDescription = (lb: LoadBalancer): string => `ELB ${lb.arn.slice(lb.arn.indexOf(':loadbalancer/') + ':loadbalancer/'.length)}`;

export function createLoadBalancerInterfaces(ctx: SimContext, lb: LoadBalancer): void {
  for (const subnetId of lb.subnetIds) {
    const subnet = ctx.world.subnets.get(subnetId);
    if (!subnet) continue;
    const octets = subnet.cidrBlock.split('/')[0]!.split('.');
    const eni: NetworkInterface = {
      networkInterfaceId: ec2Id('eni'),
      subnetId,
      vpcId: subnet.vpcId,
      availabilityZone: subnet.availabilityZone,
      privateIpAddress: `${octets[0]}.${octets[1]}.${octets[2]}.${(nextHost++ % 230) + 20}`,
      description: interfaceDescription(lb),
      loadBalancerArn: lb.arn,
      status: 'in-use',
      attachedAt: new Date(),
    };
    ctx.world.networkInterfaces.set(eni.networkInterfaceId, eni);
  }
}

/** The load balancer is gone: its interfaces go at once, or linger (realism.eniLinger). */
export function releaseLoadBalancerInterfaces(ctx: SimContext, lb: LoadBalancer): void {
  for (const eni of [...ctx.world.networkInterfaces.values()].filter((e) => e.loadBalancerArn === lb.arn)) {
    if (!ctx.realism.eniLinger) {
      ctx.world.networkInterfaces.delete(eni.networkInterfaceId);
      continue;
    }
    eni.status = 'available';
    eni.lingeringGroupIds = [...lb.securityGroupIds];
    const lingerMs = ctx.random.between('eni-linger', LINGER_MIN_MS, LINGER_MAX_MS);
    ctx.clock.after(lingerMs, () => ctx.world.networkInterfaces.delete(eni.networkInterfaceId), 'eni-linger');
  }
}

export function interfaceGroupIds(ctx: SimContext, eni: NetworkInterface): string[] {
  return ctx.world.loadBalancers.get(eni.loadBalancerArn)?.securityGroupIds ?? eni.lingeringGroupIds ?? [];
}
