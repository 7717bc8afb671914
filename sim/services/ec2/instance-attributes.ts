/**
 * An instance's security groups: ModifyInstanceAttribute with GroupId.N replaces them (the AWS CLI's
 * `ec2 modify-instance-attribute --groups sg-1 sg-2` sends exactly that), DescribeInstanceAttribute
 * reads them back (attribute groupSet). The data plane reads Instance.securityGroupIds afresh for every
 * new connection, so a change takes effect on the next connection.
 *
 * Sources: EC2 API Reference, ModifyInstanceAttribute — GroupId.N "Replaces the security groups of the
 * instance with the specified security groups. You must specify at least one security group, even if it's
 * just the default security group for the VPC. You must specify the security group ID, not the security
 * group name." (the replacement semantics confirmed by the EC2 team in aws/aws-tools-for-powershell#198).
 * An unknown group: InvalidGroup.NotFound (EC2 error codes). A group of another VPC: AWS answers
 * InvalidGroup.NotFound "You have specified two resources that belong to different networks." — as it is
 * commonly reported; no page among the sources consulted quotes it, so treat the wording as unverified.
 * More than 5 groups: SecurityGroupsPerInterfaceLimitExceeded (EC2 error codes; 5 is the default quota
 * "Security groups per network interface", VPC User Guide, amazon-vpc-limits).
 * The simulator changes only the security groups; any other attribute is answered UnsupportedOperation.
 */
import type { Handler, ServiceHandlers } from '../../context.js';
import { AwsError } from '../../errors.js';
import { str } from '../../protocol/query.js';
import { groupOrThrow, instancesOrThrow, requireParam, strings, type Params } from './common.js';

const MAX_GROUPS_PER_INTERFACE = 5;

const modifyInstanceAttribute: Handler = (params: Params, { world }) => {
  const [instance] = instancesOrThrow(world, [requireParam(params, 'InstanceId')]);
  const groupIds = [...new Set(strings(params.GroupId))];
  if (groupIds.length === 0) {
    const attribute = str(params.Attribute) ?? Object.keys(params).find((k) => !['Action', 'Version', 'InstanceId', 'DryRun'].includes(k));
    throw new AwsError('UnsupportedOperation', `The simulator can change only the security groups of an instance (GroupId.N), not ${attribute ?? 'nothing'}.`);
  }
  if (groupIds.length > MAX_GROUPS_PER_INTERFACE) {
    throw new AwsError('SecurityGroupsPerInterfaceLimitExceeded', 'You have exceeded the maximum number of security groups allowed per network interface.');
  }
  for (const id of groupIds) {
    const sg = groupOrThrow(world, id);
    if (sg.vpcId !== instance!.vpcId) throw new AwsError('InvalidGroup.NotFound', 'You have specified two resources that belong to different networks.');
  }
  instance!.securityGroupIds = groupIds;
  return { return: true };
};

const describeInstanceAttribute: Handler = (params: Params, { world }) => {
  const [instance] = instancesOrThrow(world, [requireParam(params, 'InstanceId')]);
  const attribute = requireParam(params, 'Attribute');
  const base = { instanceId: instance!.instanceId };
  switch (attribute) {
    case 'groupSet':
      return { ...base, groupSet: instance!.securityGroupIds.map((groupId) => ({ groupId })) };
    case 'instanceType':
      return { ...base, instanceType: { value: instance!.instanceType } };
    case 'sourceDestCheck':
      return { ...base, sourceDestCheck: { value: true } };
    case 'disableApiTermination':
      return { ...base, disableApiTermination: { value: false } };
    default:
      throw new AwsError('InvalidParameterValue', `Value (${attribute}) for parameter attribute is invalid. Unknown attribute.`);
  }
};

export const instanceAttributeHandlers: ServiceHandlers = {
  ModifyInstanceAttribute: modifyInstanceAttribute,
  DescribeInstanceAttribute: describeInstanceAttribute,
};
