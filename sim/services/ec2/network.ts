/**
 * Read-only views of the network the scenario built: VPCs, subnets, availability zones and
 * instances (the ECS container instances), with AWS's response shapes and filters.
 */
import type { Handler, ServiceHandlers } from '../../context.js';
import { AwsError } from '../../errors.js';
import type { Instance, Subnet, Vpc, World } from '../../world.js';
import {
  applyFilters,
  filtersOf,
  instancesOrThrow,
  paginate,
  strings,
  subnetOrThrow,
  tagFilterValues,
  tagSet,
  vpcOrThrow,
  type Params,
} from './common.js';

const DIRECTION_CODES: Record<string, string> = {
  north: 'n',
  south: 's',
  east: 'e',
  west: 'w',
  central: 'c',
  northeast: 'ne',
  northwest: 'nw',
  southeast: 'se',
  southwest: 'sw',
};

export interface AvailabilityZone {
  zoneName: string;
  zoneId: string;
}

/** The region's first three zones, named like AWS: us-east-1a / use1-az1. */
export function availabilityZonesOf(region: string): AvailabilityZone[] {
  const [area = '', direction = '', number = ''] = region.split('-');
  const short = `${area}${DIRECTION_CODES[direction] ?? direction.charAt(0)}${number}`;
  return ['a', 'b', 'c'].map((letter, i) => ({ zoneName: `${region}${letter}`, zoneId: `${short}-az${i + 1}` }));
}

/** The zones, with the ids the world's subnets already carry taking precedence. */
function zonesOf(world: World): AvailabilityZone[] {
  const known = new Map<string, string>();
  for (const s of world.subnets.values()) known.set(s.availabilityZone, s.availabilityZoneId);
  return availabilityZonesOf(world.region).map((z) => ({ ...z, zoneId: known.get(z.zoneName) ?? z.zoneId }));
}

const describeAvailabilityZones: Handler = (params: Params, { world }) => {
  const zones = zonesOf(world);
  const names = strings(params.ZoneName);
  const ids = strings(params.ZoneId);
  for (const name of names) {
    if (!zones.some((z) => z.zoneName === name)) {
      throw new AwsError('InvalidParameterValue', `Invalid availability zone: [${name}]`);
    }
  }
  for (const id of ids) {
    if (!zones.some((z) => z.zoneId === id)) {
      throw new AwsError('InvalidParameterValue', `Invalid availability zone ID: [${id}]`);
    }
  }
  const wanted = zones.filter(
    (z) => (names.length === 0 || names.includes(z.zoneName)) && (ids.length === 0 || ids.includes(z.zoneId)),
  );
  const filtered = applyFilters(wanted, filtersOf(params), (z, name) => {
    switch (name) {
      case 'zone-name':
        return [z.zoneName];
      case 'zone-id':
        return [z.zoneId];
      case 'state':
        return ['available'];
      case 'region-name':
      case 'group-name':
        return [world.region];
      case 'zone-type':
        return ['availability-zone'];
      case 'opt-in-status':
        return ['opt-in-not-required'];
      default:
        return undefined;
    }
  });
  return {
    availabilityZoneInfo: filtered.map((z) => ({
      zoneName: z.zoneName,
      zoneId: z.zoneId,
      zoneState: 'available',
      optInStatus: 'opt-in-not-required',
      messageSet: [],
      regionName: world.region,
      groupName: world.region,
      networkBorderGroup: world.region,
      zoneType: 'availability-zone',
    })),
  };
};

function vpcView(world: World, vpc: Vpc) {
  return {
    vpcId: vpc.vpcId,
    ownerId: world.accountId,
    state: 'available',
    cidrBlock: vpc.cidrBlock,
    cidrBlockAssociationSet: [
      {
        associationId: `vpc-cidr-assoc-${vpc.vpcId.slice(4)}`,
        cidrBlock: vpc.cidrBlock,
        cidrBlockState: { state: 'associated' },
      },
    ],
    dhcpOptionsId: `dopt-${vpc.vpcId.slice(4)}`,
    instanceTenancy: 'default',
    isDefault: vpc.isDefault,
    tagSet: tagSet(vpc.tags),
  };
}

const describeVpcs: Handler = (params: Params, { world }) => {
  const ids = strings(params.VpcId);
  const base = ids.length ? ids.map((id) => vpcOrThrow(world, id)) : [...world.vpcs.values()];
  const filtered = applyFilters(base, filtersOf(params), (vpc, name) => {
    switch (name) {
      case 'vpc-id':
        return [vpc.vpcId];
      case 'is-default':
        return [String(vpc.isDefault)];
      case 'cidr':
      case 'cidr-block-association.cidr-block':
        return [vpc.cidrBlock];
      case 'state':
        return ['available'];
      case 'owner-id':
        return [world.accountId];
      default:
        return tagFilterValues(vpc.tags, name);
    }
  });
  const page = paginate(filtered, params, { min: 5, max: 1000 });
  return { vpcSet: page.items.map((vpc) => vpcView(world, vpc)), nextToken: page.nextToken };
};

/** 2^(32-bits) addresses minus the 5 AWS reserves in every subnet, minus the instances in it. */
function availableIps(world: World, subnet: Subnet): number {
  const bits = Number(subnet.cidrBlock.split('/')[1] ?? 32);
  let used = 0;
  for (const i of world.instances.values()) if (i.subnetId === subnet.subnetId && i.state !== 'terminated') used++;
  return Math.max(0, 2 ** (32 - bits) - 5 - used);
}

function subnetView(world: World, subnet: Subnet) {
  const vpc = world.vpcs.get(subnet.vpcId);
  return {
    subnetId: subnet.subnetId,
    subnetArn: world.arn('ec2', `subnet/${subnet.subnetId}`),
    state: 'available',
    vpcId: subnet.vpcId,
    cidrBlock: subnet.cidrBlock,
    availableIpAddressCount: availableIps(world, subnet),
    availabilityZone: subnet.availabilityZone,
    availabilityZoneId: subnet.availabilityZoneId,
    defaultForAz: vpc?.isDefault ?? false,
    mapPublicIpOnLaunch: subnet.mapPublicIpOnLaunch,
    ownerId: world.accountId,
    assignIpv6AddressOnCreation: false,
    ipv6CidrBlockAssociationSet: [],
    tagSet: tagSet(subnet.tags),
  };
}

const describeSubnets: Handler = (params: Params, { world }) => {
  const ids = strings(params.SubnetId);
  const base = ids.length ? ids.map((id) => subnetOrThrow(world, id)) : [...world.subnets.values()];
  const filtered = applyFilters(base, filtersOf(params), (subnet, name) => {
    switch (name) {
      case 'subnet-id':
        return [subnet.subnetId];
      case 'vpc-id':
        return [subnet.vpcId];
      case 'availability-zone':
      case 'availabilityZone':
        return [subnet.availabilityZone];
      case 'availability-zone-id':
      case 'availabilityZoneId':
        return [subnet.availabilityZoneId];
      case 'cidr':
      case 'cidr-block':
      case 'cidrBlock':
        return [subnet.cidrBlock];
      case 'default-for-az':
      case 'defaultForAz':
        return [String(world.vpcs.get(subnet.vpcId)?.isDefault ?? false)];
      case 'map-public-ip-on-launch':
        return [String(subnet.mapPublicIpOnLaunch)];
      case 'state':
        return ['available'];
      case 'owner-id':
        return [world.accountId];
      default:
        return tagFilterValues(subnet.tags, name);
    }
  });
  const page = paginate(filtered, params, { min: 5, max: 1000 });
  return { subnetSet: page.items.map((s) => subnetView(world, s)), nextToken: page.nextToken };
};

/** An Amazon ECS-optimized Amazon Linux 2 AMI id (the workshop's container instances run it). */
const ECS_OPTIMIZED_AMI = 'ami-0c2b0d3fb02824d92';

const STATE_CODES: Record<string, number> = {
  pending: 0,
  running: 16,
  'shutting-down': 32,
  terminated: 48,
  stopping: 64,
  stopped: 80,
};

function groupIdentifiers(world: World, groupIds: string[]) {
  return groupIds.map((groupId) => ({ groupId, groupName: world.securityGroups.get(groupId)?.groupName ?? '' }));
}

/**
 * A stopped instance keeps its subnet and private address but gives up its public one;
 * a terminated instance keeps neither.
 */
function instanceView(world: World, instance: Instance) {
  const groups = groupIdentifiers(world, instance.securityGroupIds);
  const attached = instance.state !== 'terminated';
  const hasPublicIp = instance.state === 'running' || instance.state === 'pending' || instance.state === 'stopping';
  const privateDns = `ip-${instance.privateIpAddress.replaceAll('.', '-')}.ec2.internal`;
  const zoneId = world.subnets.get(instance.subnetId)?.availabilityZoneId;
  return {
    instanceId: instance.instanceId,
    imageId: ECS_OPTIMIZED_AMI,
    instanceState: { code: STATE_CODES[instance.state] ?? 0, name: instance.state },
    privateDnsName: attached ? privateDns : '',
    dnsName: '',
    reason: '',
    amiLaunchIndex: 0,
    instanceType: instance.instanceType,
    launchTime: instance.launchTime,
    placement: { availabilityZone: instance.availabilityZone, availabilityZoneId: zoneId, groupName: '', tenancy: 'default' },
    monitoring: { state: 'disabled' },
    subnetId: attached ? instance.subnetId : undefined,
    vpcId: attached ? instance.vpcId : undefined,
    privateIpAddress: attached ? instance.privateIpAddress : undefined,
    ipAddress: hasPublicIp ? instance.publicIpAddress : undefined,
    architecture: 'x86_64',
    rootDeviceType: 'ebs',
    rootDeviceName: '/dev/xvda',
    virtualizationType: 'hvm',
    hypervisor: 'xen',
    ebsOptimized: false,
    enaSupport: true,
    sourceDestCheck: true,
    groupSet: groups,
    tagSet: tagSet(instance.tags),
    networkInterfaceSet: attached
      ? [
          {
            networkInterfaceId: `eni-${instance.instanceId.slice(2)}`,
            subnetId: instance.subnetId,
            vpcId: instance.vpcId,
            ownerId: world.accountId,
            status: 'in-use',
            privateIpAddress: instance.privateIpAddress,
            privateDnsName: privateDns,
            sourceDestCheck: true,
            groupSet: groups,
            association: hasPublicIp ? { publicIp: instance.publicIpAddress, ipOwnerId: 'amazon', publicDnsName: '' } : undefined,
            attachment: {
              attachmentId: `eni-attach-${instance.instanceId.slice(2)}`,
              deviceIndex: 0,
              status: 'attached',
              attachTime: instance.launchTime,
              deleteOnTermination: true,
            },
            interfaceType: 'interface',
          },
        ]
      : [],
  };
}

function instanceFilterValues(world: World, i: Instance, name: string): string[] | undefined {
  switch (name) {
    case 'instance-id':
      return [i.instanceId];
    case 'vpc-id':
      return [i.vpcId];
    case 'subnet-id':
      return [i.subnetId];
    case 'instance-state-name':
      return [i.state];
    case 'instance-state-code':
      return [String(STATE_CODES[i.state] ?? 0)];
    case 'availability-zone':
      return [i.availabilityZone];
    case 'instance-type':
      return [i.instanceType];
    case 'private-ip-address':
      return [i.privateIpAddress];
    case 'ip-address':
      return [i.publicIpAddress];
    case 'instance.group-id':
    case 'group-id':
      return i.securityGroupIds;
    case 'instance.group-name':
    case 'group-name':
      return i.securityGroupIds.map((id) => world.securityGroups.get(id)?.groupName ?? '');
    case 'owner-id':
      return [world.accountId];
    case 'reservation-id':
      return [reservationIdOf(i)];
    default:
      return tagFilterValues(i.tags, name);
  }
}

/** Each instance is its own reservation (as an auto-scaling group launches them). */
function reservationIdOf(instance: Instance): string {
  return `r-${instance.instanceId.slice(2)}`;
}

const describeInstances: Handler = (params: Params, { world }) => {
  const ids = strings(params.InstanceId);
  if (ids.length && params.MaxResults !== undefined) {
    throw new AwsError('InvalidParameterCombination', 'The parameter instancesSet cannot be used with the parameter maxResults');
  }
  const base = ids.length ? instancesOrThrow(world, ids) : [...world.instances.values()];
  const filtered = applyFilters(base, filtersOf(params), (i, name) => instanceFilterValues(world, i, name));
  const page = paginate(filtered, params, { min: 5, max: 1000 });
  return {
    reservationSet: page.items.map((instance) => ({
      reservationId: reservationIdOf(instance),
      ownerId: world.accountId,
      groupSet: [],
      instancesSet: [instanceView(world, instance)],
    })),
    nextToken: page.nextToken,
  };
};

export const networkHandlers: ServiceHandlers = {
  DescribeAvailabilityZones: describeAvailabilityZones,
  DescribeVpcs: describeVpcs,
  DescribeSubnets: describeSubnets,
  DescribeInstances: describeInstances,
};
