// In progress (helper B): the ELBv2 query actions.
import type { ServiceHandlers } from '../context.js';
export const elbv2Handlers: ServiceHandlers = {};
