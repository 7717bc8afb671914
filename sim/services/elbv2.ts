/**
 * Elastic Load Balancing v2 (query protocol, version 2015-12-01): the actions an ECS service
 * behind an Application Load Balancer needs. Each resource kind lives in sim/services/elbv2/.
 */
import type { ServiceHandlers } from '../context.js';
import { listenerHandlers } from './elbv2/listeners.js';
import { loadBalancerHandlers } from './elbv2/load-balancers.js';
import { tagHandlers } from './elbv2/tags.js';
import { targetGroupHandlers } from './elbv2/target-groups.js';

export const elbv2Handlers: ServiceHandlers = {
  ...targetGroupHandlers,
  ...loadBalancerHandlers,
  ...listenerHandlers,
  ...tagHandlers,
};
