/**
 * One container port of a running task: the workshop's Express app on a real socket bound to
 * its instance's address. Every new connection is checked against the instance's security
 * groups as they are at that moment; a denied one is held silently, as a dropped packet is.
 */
import { createHash } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type Server, type Socket } from 'node:net';
import type { SimContext } from '../context.js';
import type { TaskAnswer } from '../world.js';
import { holdSilently } from './network.js';

export const DYNAMIC_PORT_MIN = 32768;
export const DYNAMIC_PORT_MAX = 60999;
const MAX_BIND_ATTEMPTS = 100;
const NODE_KEEP_ALIVE_TIMEOUT_MS = 5_000;

export interface TaskServerSpec {
  taskArn: string;
  ec2InstanceId: string;
  /** The address to bind: the instance's public IP (a loopback address here). */
  address: string;
  /** 0 picks a free port from the ephemeral range. */
  hostPort: number;
  /** What the app answers with: the container's short id. */
  hostname: string;
  /**
   * false with the LocalStack persona: a task is a Docker container on the host, with no EC2
   * instance around it, and LocalStack does not enforce security groups (localstack/localstack#6116).
   */
  enforceSecurityGroups?: boolean;
}

export class TaskServer {
  private readonly sockets = new Set<Socket>();
  private readonly server: Server;
  private boundPort = 0;

  private constructor(
    private readonly ctx: SimContext,
    private readonly spec: TaskServerSpec,
  ) {
    const app = createHttpServer((req, res) => answer(ctx, spec, req, res));
    // Node's default, 5 s (https://nodejs.org/api/http.html#serverkeepalivetimeout): the
    // workshop's Express app does not change it. With realism.albKeepAlive it is simulated time,
    // so it runs out well before the ALB's 60 s idle timeout, as it does on AWS.
    app.keepAliveTimeout = ctx.realism.albKeepAlive ? Math.max(1, ctx.clock.scaled(NODE_KEEP_ALIVE_TIMEOUT_MS)) : NODE_KEEP_ALIVE_TIMEOUT_MS;
    this.server = createNetServer((socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
      socket.on('error', () => {});
      if (!this.admits(socket)) return holdSilently(socket);
      app.emit('connection', socket);
    });
  }

  static async start(ctx: SimContext, spec: TaskServerSpec): Promise<TaskServer> {
    const ts = new TaskServer(ctx, spec);
    ts.boundPort = await listen(ts.server, spec.address, spec.hostPort);
    return ts;
  }

  get port(): number {
    return this.boundPort;
  }

  /** Rules change at run time: read the instance's groups afresh for every connection. */
  private admits(socket: Socket): boolean {
    if (this.spec.enforceSecurityGroups === false) return true;
    const instance = this.ctx.world.instances.get(this.spec.ec2InstanceId);
    if (!instance || instance.state !== 'running') return false;
    const source = this.ctx.network.sourceOf(socket, this.ctx.clientIp);
    // The outside world is the runner: a port its own network does not let out is never reached.
    if (source.kind === 'outside' && !this.ctx.network.outsideMayReach(this.boundPort)) return false;
    return this.ctx.network.admits(instance.securityGroupIds, source, this.boundPort);
  }

  /** Stops at once: no new connections, every open one destroyed. */
  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** Binds `hostPort`, or with 0 a free port of the ephemeral range 32768–60999. */
export async function listen(server: Server, address: string, hostPort: number): Promise<number> {
  if (hostPort !== 0) {
    await listenOnce(server, address, hostPort);
    return hostPort;
  }
  for (let attempt = 1; ; attempt++) {
    const port = DYNAMIC_PORT_MIN + Math.floor(Math.random() * (DYNAMIC_PORT_MAX - DYNAMIC_PORT_MIN + 1));
    try {
      await listenOnce(server, address, port);
      return port;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= MAX_BIND_ATTEMPTS) throw err;
    }
  }
}

function listenOnce(server: Server, address: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen(port, address, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

function answer(ctx: SimContext, spec: TaskServerSpec, req: IncomingMessage, res: ServerResponse): void {
  const hostile = ctx.world.faults.taskAnswer.get(spec.taskArn);
  if (hostile) return sendTaskAnswer(res, hostile, req.method ?? 'GET');
  const mode = ctx.world.faults.taskMode.get(spec.taskArn) ?? 'ok';
  if (mode === 'silent') return;
  const method = req.method ?? 'GET';
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  if (mode === 'error500') return sendHtml(res, 500, errorPage('Internal Server Error'), method);
  if ((method === 'GET' || method === 'HEAD') && path === '/') {
    return sendHtml(res, 200, `Hello from ${spec.hostname}!`, method, true);
  }
  return sendHtml(res, 404, errorPage(`Cannot ${escapeHtml(method)} ${escapeHtml(path)}`), method);
}

/** Headers as Express sends them: res.send() adds an ETag; its final handler adds CSP and nosniff. */
function sendHtml(res: ServerResponse, status: number, body: string, method: string, withEtag = false): void {
  const buf = Buffer.from(body, 'utf8');
  const headers: Record<string, string | number> = {
    'X-Powered-By': 'Express',
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': buf.length,
  };
  if (withEtag) headers.ETag = weakEtag(buf);
  else {
    headers['Content-Security-Policy'] = "default-src 'none'";
    headers['X-Content-Type-Options'] = 'nosniff';
  }
  res.writeHead(status, headers);
  res.end(method === 'HEAD' ? undefined : buf);
}

function weakEtag(buf: Buffer): string {
  const hash = createHash('sha1').update(buf).digest('base64').slice(0, 27);
  return `W/"${buf.length.toString(16)}-${hash}"`;
}

function errorPage(text: string): string {
  return `<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>Error</title>\n</head>\n<body>\n<pre>${text}</pre>\n</body>\n</html>\n`;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const CHUNK_BYTES = 64 * 1024;

/** A participant's own app answer (admin switch): the body repeated up to bodyBytes, at bytesPerSecond when given. */
function sendTaskAnswer(res: ServerResponse, a: TaskAnswer, method: string): void {
  const unit = Buffer.from(a.body, 'utf8');
  const total = a.bodyBytes ?? unit.length;
  res.writeHead(a.status, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': total, ...a.headers });
  if (method === 'HEAD' || total === 0) return void res.end();
  // one block holding the unit repeated past a chunk, so any chunk is a slice of it
  const block = Buffer.alloc(CHUNK_BYTES + unit.length, unit);
  const perTick = a.bytesPerSecond ? Math.max(1, Math.round(a.bytesPerSecond / 10)) : CHUNK_BYTES;
  let sent = 0;
  let closed = false;
  res.once('close', () => (closed = true));
  const piece = () => {
    const size = Math.min(perTick, CHUNK_BYTES, total - sent);
    const at = sent % unit.length;
    sent += size;
    return block.subarray(at, at + size);
  };
  const pump = () => {
    while (!closed && sent < total) {
      const more = res.write(piece());
      if (a.bytesPerSecond) return void setTimeout(pump, 100);
      if (!more) return void res.once('drain', pump);
    }
    if (!closed) res.end();
  };
  pump();
}
