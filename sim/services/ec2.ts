// In progress (helper A): the EC2 query actions.
import type { ServiceHandlers } from '../context.js';
export const ec2Handlers: ServiceHandlers = {};
