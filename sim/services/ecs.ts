// In progress (helper C): the ECS JSON 1.1 actions.
import type { ServiceHandlers } from '../context.js';
export const ecsHandlers: ServiceHandlers = {};
