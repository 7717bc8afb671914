/**
 * DescribeNetworkInterfaces, for the interfaces load balancers own (the only ones simulated):
 * by id, with filters and paging, in EC2's shape.
 */
import type { Handler, ServiceHandlers, SimContext } from '../../context.js';
import { AwsError } from '../../errors.js';
import type { NetworkInterface } from '../../world.js';
import { applyFilters, filtersOf, paginate, strings, type Params } from './common.js';
import { interfaceGroupIds } from './load-balancer-interfaces.js';

function interfaceFilterValues(ctx: SimContext, eni: NetworkInterface, name: string): string[] | undefined {
  switch (name) {
    case 'network-interface-id':
      return [eni.networkInterfaceId];
    case 'description':
      return [eni.description];
    case 'group-id':
      return interfaceGroupIds(ctx, eni);
    case 'group-name':
      return interfaceGroupIds(ctx, eni).flatMap((id) => ctx.world.securityGroups.get(id)?.groupName ?? []);
    case 'vpc-id':
      return [eni.vpcId];
    case 'subnet-id':
      return [eni.subnetId];
    case 'availability-zone':
      return [eni.availabilityZone];
    case 'status':
      return [eni.status];
    case 'requester-managed':
      return ['true'];
    case 'requester-id':
      return ['amazon-elb'];
    case 'interface-type':
      return ['interface'];
    case 'owner-id':
      return [ctx.world.accountId];
    case 'private-ip-address':
    case 'addresses.private-ip-address':
      return [eni.privateIpAddress];
    case 'attachment.instance-owner-id':
      return eni.status === 'in-use' ? ['amazon-elb'] : [];
    default:
      return name.startsWith('tag:') || name === 'tag-key' || name === 'tag-value' ? [] : undefined;
  }
}

function interfaceView(ctx: SimContext, eni: NetworkInterface) {
  const privateDnsName = `ip-${eni.privateIpAddress.replaceAll('.', '-')}.ec2.internal`;
  return {
    networkInterfaceId: eni.networkInterfaceId,
    subnetId: eni.subnetId,
    vpcId: eni.vpcId,
    availabilityZone: eni.availabilityZone,
    description: eni.description,
    ownerId: ctx.world.accountId,
    requesterId: 'amazon-elb',
    requesterManaged: true,
    status: eni.status,
    interfaceType: 'interface',
    macAddress: `06:${eni.networkInterfaceId.slice(4, 14).match(/../g)!.join(':')}`,
    privateIpAddress: eni.privateIpAddress,
    privateDnsName,
    sourceDestCheck: true,
    groupSet: interfaceGroupIds(ctx, eni).map((groupId) => ({ groupId, groupName: ctx.world.securityGroups.get(groupId)?.groupName })),
    attachment:
      eni.status === 'in-use'
        ? { attachmentId: `ela-attach-${eni.networkInterfaceId.slice(4, 21)}`, deviceIndex: 1, instanceOwnerId: 'amazon-elb', status: 'attached', attachTime: eni.attachedAt, deleteOnTermination: false }
        : undefined,
    privateIpAddressesSet: [{ privateIpAddress: eni.privateIpAddress, privateDnsName, primary: true }],
    ipv6AddressesSet: [],
    tagSet: [],
  };
}

const describeNetworkInterfaces: Handler = (params: Params, ctx) => {
  const ids = strings(params.NetworkInterfaceId);
  for (const id of ids) {
    if (!/^eni-[0-9a-f]+$/.test(id)) throw new AwsError('InvalidNetworkInterfaceId.Malformed', `Invalid id: "${id}" (expecting "eni-...")`);
    if (!ctx.world.networkInterfaces.has(id)) {
      throw new AwsError('InvalidNetworkInterfaceID.NotFound', `The networkInterface ID '${id}' does not exist`);
    }
  }
  const base = ids.length ? ids.map((id) => ctx.world.networkInterfaces.get(id)!) : [...ctx.world.networkInterfaces.values()];
  const filtered = applyFilters(base, filtersOf(params), (eni, name) => interfaceFilterValues(ctx, eni, name));
  const page = paginate(filtered, params, { min: 5, max: 1000 });
  return { networkInterfaceSet: page.items.map((eni) => interfaceView(ctx, eni)), nextToken: page.nextToken };
};

export const networkInterfaceHandlers: ServiceHandlers = { DescribeNetworkInterfaces: describeNetworkInterfaces };
