/**
 * The EC2 query API: the network the scenario built (VPCs, subnets, zones, instances),
 * security groups and their rules, and tags. Split by concern under ./ec2/.
 */
import type { Handler, ServiceHandlers } from '../context.js';
import { AwsError } from '../errors.js';
import { bool } from '../protocol/query.js';
import { instanceAttributeHandlers } from './ec2/instance-attributes.js';
import { networkHandlers } from './ec2/network.js';
import { networkInterfaceHandlers } from './ec2/network-interfaces.js';
import { ruleHandlers } from './ec2/rule-actions.js';
import { securityGroupHandlers } from './ec2/security-groups.js';
import { tagHandlers } from './ec2/tags.js';

/** DryRun=true answers as EC2 does for a caller allowed to act: an error saying it would have worked. */
function honouringDryRun(handler: Handler): Handler {
  return (params, ctx) => {
    if (bool(params?.DryRun) === true) {
      throw new AwsError('DryRunOperation', 'Request would have succeeded, but DryRun flag is set.', 412);
    }
    return handler(params, ctx);
  };
}

const all: ServiceHandlers = { ...networkHandlers, ...networkInterfaceHandlers, ...instanceAttributeHandlers, ...securityGroupHandlers, ...ruleHandlers, ...tagHandlers };

export const ec2Handlers: ServiceHandlers = Object.fromEntries(
  Object.entries(all).map(([action, handler]) => [action, honouringDryRun(handler)]),
);
