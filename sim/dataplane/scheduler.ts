// In progress (helper C): the ECS scheduler and task servers.
import type { Scheduler, SimContext } from '../context.js';
import type { Service, Task } from '../world.js';
export class EcsScheduler implements Scheduler {
  constructor(private readonly ctx: SimContext) {}
  reconcile(_service: Service): void {}
  stopTask(_task: Task, _reason: string): void {}
  async close(): Promise<void> {}
}
