// In progress (helper B): ALB forwarding and health checks.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AlbPlane, SimContext } from '../context.js';
import type { LoadBalancer } from '../world.js';
export class AlbDataPlane implements AlbPlane {
  constructor(private readonly ctx: SimContext) {}
  handle(_req: IncomingMessage, res: ServerResponse, _lb: LoadBalancer, _port: number): void {
    res.writeHead(503);
    res.end();
  }
  refresh(): void {}
  async close(): Promise<void> {}
}
