/** The ECS JSON 1.1 API: one table of actions, each group in its own file under ecs/. */
import type { ServiceHandlers } from '../context.js';
import { capacityProviderHandlers } from './ecs/capacity-providers.js';
import { clusterHandlers } from './ecs/clusters.js';
import { serviceHandlers } from './ecs/services.js';
import { tagHandlers } from './ecs/tags.js';
import { taskDefinitionHandlers } from './ecs/task-definitions.js';
import { taskHandlers } from './ecs/tasks.js';

export const ecsHandlers: ServiceHandlers = {
  ...clusterHandlers,
  ...capacityProviderHandlers,
  ...taskDefinitionHandlers,
  ...serviceHandlers,
  ...taskHandlers,
  ...tagHandlers,
};
