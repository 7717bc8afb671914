/**
 * Application load balancers: create (provisioning → active after a simulated minute),
 * describe, delete, security groups and attributes.
 */
import type { SimContext, ServiceHandlers } from '../../context.js';
import { AwsError } from '../../errors.js';
import { list, str, type QueryValue } from '../../protocol/query.js';
import { syncTargetUsage } from '../../dataplane/health.js';
import { createLoadBalancerInterfaces, releaseLoadBalancerInterfaces } from '../ec2/load-balancer-interfaces.js';
import type { LoadBalancer } from '../../world.js';
import { isLocalstack, localstackAlbDnsName } from '../../personas/localstack.js';
import {
  attributeList,
  attributesFrom,
  HOSTED_ZONE_BY_REGION,
  loadBalancerByArn,
  newLoadBalancerArn,
  paginate,
  required,
  tagsFrom,
  validateLoadBalancerName,
  validationError,
} from './common.js';

type Params = Record<string, QueryValue>;

/** How long a new ALB stays `provisioning`, in simulated time. */
export const PROVISIONING_MS = 60_000;

export const LOAD_BALANCER_ATTRIBUTE_DEFAULTS: ReadonlyMap<string, string> = new Map([
  ['access_logs.s3.enabled', 'false'],
  ['access_logs.s3.bucket', ''],
  ['access_logs.s3.prefix', ''],
  ['connection_logs.s3.enabled', 'false'],
  ['connection_logs.s3.bucket', ''],
  ['connection_logs.s3.prefix', ''],
  ['idle_timeout.timeout_seconds', '60'],
  ['client_keep_alive.seconds', '3600'],
  ['deletion_protection.enabled', 'false'],
  ['load_balancing.cross_zone.enabled', 'true'],
  ['routing.http2.enabled', 'true'],
  ['routing.http.drop_invalid_header_fields.enabled', 'false'],
  ['routing.http.desync_mitigation_mode', 'defensive'],
  ['routing.http.preserve_host_header.enabled', 'false'],
  ['routing.http.x_amzn_tls_version_and_cipher_suite.enabled', 'false'],
  ['routing.http.xff_client_port.enabled', 'false'],
  ['routing.http.xff_header_processing.mode', 'append'],
  ['waf.fail_open.enabled', 'false'],
  ['zonal_shift.config.enabled', 'false'],
]);

export function loadBalancerView(ctx: SimContext, lb: LoadBalancer) {
  return {
    LoadBalancerArn: lb.arn,
    DNSName: lb.dnsName,
    CanonicalHostedZoneId: lb.canonicalHostedZoneId,
    CreatedTime: lb.createdAt,
    LoadBalancerName: lb.name,
    Scheme: lb.scheme,
    VpcId: lb.vpcId,
    State: { Code: lb.state },
    Type: lb.type,
    AvailabilityZones: lb.subnetIds.map((id) => ({
      ZoneName: ctx.world.subnets.get(id)?.availabilityZone,
      SubnetId: id,
      LoadBalancerAddresses: [],
    })),
    SecurityGroups: lb.securityGroupIds,
    IpAddressType: lb.ipAddressType,
  };
}

function subnetIdsFrom(params: Params): string[] {
  const fromMappings = list<Params>(params.SubnetMappings).map((m) => str(m.SubnetId) ?? '');
  return [...list<string>(params.Subnets), ...fromMappings];
}

/** ALBs need subnets in at least two AZs, one subnet per AZ, all in one VPC. */
function checkSubnets(ctx: SimContext, subnetIds: string[]): string {
  for (const id of subnetIds) {
    if (!ctx.world.subnets.has(id)) throw new AwsError('SubnetNotFound', `The subnet ID '${id}' is not valid`);
  }
  const subnets = subnetIds.map((id) => ctx.world.subnets.get(id)!);
  const vpcs = new Set(subnets.map((s) => s.vpcId));
  if (vpcs.size > 1) throw new AwsError('InvalidSubnet', 'The specified subnets belong to different VPCs');
  const zones = subnets.map((s) => s.availabilityZone);
  if (new Set(zones).size < 2) {
    throw validationError('At least two subnets in two different Availability Zones must be specified');
  }
  if (new Set(zones).size !== zones.length) {
    throw new AwsError('InvalidConfigurationRequest', 'A load balancer cannot be attached to multiple subnets in the same Availability Zone');
  }
  return subnets[0]!.vpcId;
}

function checkSecurityGroups(ctx: SimContext, groupIds: string[], vpcId: string): void {
  for (const id of groupIds) {
    const sg = ctx.world.securityGroups.get(id);
    if (!sg) throw new AwsError('InvalidSecurityGroup', `Security group '${id}' does not exist`);
    if (sg.vpcId !== vpcId) throw new AwsError('InvalidSecurityGroup', `Security group '${id}' does not belong to VPC '${vpcId}'`);
  }
}

function dnsNameFor(ctx: SimContext, name: string, scheme: LoadBalancer['scheme']): string {
  if (isLocalstack(ctx)) return localstackAlbDnsName(name);
  const digits = String(1_000_000_000 + Math.floor(Math.random() * 9_000_000_000));
  const prefix = scheme === 'internal' ? 'internal-' : '';
  return `${prefix}${name}-${digits}.${ctx.world.region}.elb.amazonaws.com`;
}

const sameSettings = (lb: LoadBalancer, scheme: string, type: string, subnetIds: string[]): boolean =>
  lb.scheme === scheme && lb.type === type && [...lb.subnetIds].sort().join() === [...subnetIds].sort().join();

function createLoadBalancer(params: Params, ctx: SimContext) {
  const name = required(params, 'Name');
  validateLoadBalancerName(name);
  const type = str(params.Type) ?? 'application';
  if (!['application', 'network', 'gateway'].includes(type)) throw validationError(`Load balancer type '${type}' is not valid`);
  // A network load balancer exists in the control plane only (no traffic reaches it here);
  // gateway load balancers are not simulated.
  if (type === 'gateway') throw validationError(`Load balancer type '${type}' is not supported by this simulator`);
  const scheme = (str(params.Scheme) ?? 'internet-facing') as LoadBalancer['scheme'];
  if (scheme !== 'internet-facing' && scheme !== 'internal') throw validationError(`Scheme '${scheme}' is not valid`);
  const ipAddressType = str(params.IpAddressType) ?? 'ipv4';
  if (!['ipv4', 'dualstack', 'dualstack-without-public-ipv4'].includes(ipAddressType)) {
    throw validationError(`IP address type '${ipAddressType}' is not valid`);
  }
  const subnetIds = subnetIdsFrom(params);
  if (subnetIds.length === 0) throw validationError('At least two subnets in two different Availability Zones must be specified');
  const vpcId = checkSubnets(ctx, subnetIds);

  const existing = [...ctx.world.loadBalancers.values()].find((l) => l.name.toLowerCase() === name.toLowerCase());
  if (existing) {
    // CreateLoadBalancer is idempotent for identical settings.
    if (sameSettings(existing, scheme, type, subnetIds)) return { LoadBalancers: [loadBalancerView(ctx, existing)] };
    throw new AwsError('DuplicateLoadBalancerName', `A load balancer with the same name '${name}' exists, but with different settings`);
  }

  let securityGroupIds = list<string>(params.SecurityGroups);
  if (securityGroupIds.length === 0) {
    const vpcDefault = [...ctx.world.securityGroups.values()].find((g) => g.vpcId === vpcId && g.groupName === 'default');
    securityGroupIds = vpcDefault ? [vpcDefault.groupId] : [];
  }
  checkSecurityGroups(ctx, securityGroupIds, vpcId);

  const arn = newLoadBalancerArn(ctx, name);
  const lb: LoadBalancer = {
    arn,
    name,
    dnsName: dnsNameFor(ctx, name, scheme),
    canonicalHostedZoneId: HOSTED_ZONE_BY_REGION[ctx.world.region] ?? 'Z35SXDOTRQ7X7K',
    scheme,
    type: type as LoadBalancer['type'],
    vpcId,
    subnetIds,
    securityGroupIds,
    ipAddressType,
    state: 'provisioning',
    createdAt: new Date(),
    attributes: new Map(LOAD_BALANCER_ATTRIBUTE_DEFAULTS),
    sourceAddress: ctx.network.albAddress(arn),
    tags: tagsFrom(params.Tags),
  };
  ctx.world.loadBalancers.set(arn, lb);
  createLoadBalancerInterfaces(ctx, lb);
  ctx.consistency.created(arn);
  ctx.clock.after(
    PROVISIONING_MS,
    () => {
      if (ctx.world.loadBalancers.get(arn) !== lb) return;
      lb.state = 'active';
      ctx.alb.refresh();
    },
    'provisioning',
  );
  return { LoadBalancers: [loadBalancerView(ctx, lb)] };
}

function describeLoadBalancers(params: Params, ctx: SimContext) {
  const arns = list<string>(params.LoadBalancerArns);
  const names = list<string>(params.Names);
  if (arns.length && names.length) throw validationError('Load balancer names and load balancer ARNs cannot be specified at the same time');
  // Eventual consistency (realism): fresh load balancers are not seen yet, deleted ones still are.
  const ghosts = ctx.consistency.ghostsOf<LoadBalancer>('load-balancer');
  let lbs = [...[...ctx.world.loadBalancers.values()].filter((l) => ctx.consistency.visible(l.arn)), ...ghosts.values()];
  if (arns.length) lbs = arns.map((arn) => ghosts.get(arn) ?? visibleOrNotFound(ctx, loadBalancerByArn(ctx, arn)));
  if (names.length) {
    const missing = names.filter((n) => !lbs.some((l) => l.name === n));
    if (missing.length) throw new AwsError('LoadBalancerNotFound', `Load balancers '${JSON.stringify(missing)}' not found`);
    lbs = names.map((n) => lbs.find((l) => l.name === n)!);
  }
  const { page, NextMarker } = paginate(lbs, params);
  return { LoadBalancers: page.map((lb) => loadBalancerView(ctx, lb)), NextMarker };
}

function visibleOrNotFound(ctx: SimContext, lb: LoadBalancer): LoadBalancer {
  if (!ctx.consistency.visible(lb.arn)) throw new AwsError('LoadBalancerNotFound', 'One or more load balancers not found');
  return lb;
}

function deleteLoadBalancer(params: Params, ctx: SimContext) {
  const arn = required(params, 'LoadBalancerArn');
  const lb = ctx.world.loadBalancers.get(arn);
  // Deleting a load balancer that does not exist (or no longer exists) succeeds, as on AWS.
  if (!lb) return {};
  if (lb.attributes.get('deletion_protection.enabled') === 'true') {
    throw new AwsError('OperationNotPermitted', `Load balancer '${arn}' cannot be deleted because deletion protection is enabled`);
  }
  for (const [listenerArn, l] of ctx.world.listeners) {
    if (l.loadBalancerArn === arn) ctx.world.listeners.delete(listenerArn);
  }
  ctx.world.loadBalancers.delete(arn);
  releaseLoadBalancerInterfaces(ctx, lb);
  ctx.consistency.deleted('load-balancer', arn, lb);
  ctx.world.faults.albSkips.delete(arn);
  syncTargetUsage(ctx);
  ctx.alb.refresh();
  return {};
}

function setSecurityGroups(params: Params, ctx: SimContext) {
  const lb = loadBalancerByArn(ctx, required(params, 'LoadBalancerArn'));
  const groupIds = list<string>(params.SecurityGroups);
  if (groupIds.length === 0) throw validationError('At least one security group must be specified for an Application Load Balancer');
  checkSecurityGroups(ctx, groupIds, lb.vpcId);
  lb.securityGroupIds = [...new Set(groupIds)];
  return { SecurityGroupIds: lb.securityGroupIds };
}

function describeLoadBalancerAttributes(params: Params, ctx: SimContext) {
  const lb = loadBalancerByArn(ctx, required(params, 'LoadBalancerArn'));
  return { Attributes: attributeList(lb.attributes) };
}

function modifyLoadBalancerAttributes(params: Params, ctx: SimContext) {
  const lb = loadBalancerByArn(ctx, required(params, 'LoadBalancerArn'));
  const pairs = attributesFrom(params.Attributes, lb.attributes, 'Load balancer');
  for (const [key, value] of pairs) validateLoadBalancerAttribute(key, value);
  for (const [key, value] of pairs) lb.attributes.set(key, value);
  return { Attributes: attributeList(lb.attributes) };
}

function validateLoadBalancerAttribute(key: string, value: string): void {
  if (key.endsWith('.enabled') && value !== 'true' && value !== 'false') {
    throw validationError(`'${value}' is not a valid value for load balancer attribute '${key}'. Valid values: true, false`);
  }
  if (key === 'idle_timeout.timeout_seconds') {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1 || n > 4000) {
      throw validationError(`'${value}' is not a valid value for load balancer attribute '${key}'. It must be an integer between 1 and 4000`);
    }
  }
}

export const loadBalancerHandlers: ServiceHandlers = {
  CreateLoadBalancer: createLoadBalancer,
  DescribeLoadBalancers: describeLoadBalancers,
  DeleteLoadBalancer: deleteLoadBalancer,
  SetSecurityGroups: setSecurityGroups,
  DescribeLoadBalancerAttributes: describeLoadBalancerAttributes,
  ModifyLoadBalancerAttributes: modifyLoadBalancerAttributes,
};
