/**
 * The egress canary: a TCP listener outside the participant's account, on a high port of its own
 * loopback address, that answers `ok\n` to anyone who connects. It is the positive control of the
 * suite's negative probe ("a task must NOT answer directly"): a runner that cannot reach the canary
 * cannot see high ports at all, so a silent task proves nothing there (WORKSHOP.md: "A negative
 * network probe proves nothing without a positive control from the same vantage point").
 * With `outsideEgressAllow`, a canary whose port is not allowed is as silent as a dropped SYN.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { Network } from './network.js';
import { holdSilently } from './network.js';
import { listen } from './task-server.js';

export class EgressCanary {
  private readonly sockets = new Set<Socket>();
  private readonly server: Server;
  private boundPort = 0;

  private constructor(
    private readonly network: Network,
    readonly host: string,
  ) {
    this.server = createServer((socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
      socket.on('error', () => {});
      if (!this.network.outsideMayReach(this.boundPort)) return holdSilently(socket);
      socket.end('ok\n');
    });
  }

  static async start(network: Network): Promise<EgressCanary> {
    const canary = new EgressCanary(network, network.canaryAddress());
    canary.boundPort = await listen(canary.server, canary.host, 0);
    return canary;
  }

  /** "host:port" */
  get address(): string {
    return `${this.host}:${this.boundPort}`;
  }

  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
