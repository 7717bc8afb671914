/**
 * The ALB data plane: requests that reach the gateway with an ALB's DNS name as Host.
 *
 * Like AWS, an ALB that is not reachable (still provisioning, internal, no listener on the
 * port, or its security groups do not admit the client) gives no answer at all: the client
 * times out. Otherwise the listener's default action runs; `forward` picks a target per
 * request, round robin over the healthy targets (all registered ones when none is healthy:
 * fail open), and proxies over a real connection FROM the ALB's own loopback address, so the
 * instance's security groups see the ALB as the source.
 *
 * Connections to targets are kept alive per ALB, as a real ALB does, but idle ones live
 * only about a simulated second (between 50 ms and 1 s of real time): every new connection
 * is judged by the instance's security groups, so a rule change takes effect within that.
 */
import { Agent, request, type ClientRequest, type ClientRequestArgs, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import { createConnection, type NetConnectOpts, type Socket } from 'node:net';
import type { AlbPlane, SimContext } from '../context.js';
import { hex } from '../ids.js';
import type { Listener, ListenerAction, LoadBalancer, Target, TargetGroup } from '../world.js';
import { isIPv4 } from 'node:net';
import { HealthChecker } from './health.js';
import { isLocalstack } from '../personas/localstack.js';
import { holdSilently } from './network.js';
import { targetKey } from './targets.js';

/** AWS: an ALB gives up connecting to a target after 10 s and answers 504. */
const TARGET_CONNECT_TIMEOUT_MS = 10_000;
/**
 * On loopback a connect completes or is refused at once (a denied connection is accepted,
 * then held), so the connect timer only fires when the event loop itself stalls; a floor
 * keeps a busy test machine from turning that into a 504.
 */
const MIN_CONNECT_TIMEOUT_MS = 1_000;
/** Scaled timeouts below this would measure the test machine, not the target. */
const MIN_TIMEOUT_MS = 200;

const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'upgrade', 'transfer-encoding'];

const STATUS_TEXT: Record<number, string> = {
  502: '502 Bad Gateway',
  503: '503 Service Temporarily Unavailable',
  504: '504 Gateway Time-out',
};

export class AlbDataPlane implements AlbPlane {
  private readonly health: HealthChecker;
  private readonly agents = new Map<string, Agent>();
  /** `${lb arn} ${tg arn}` (or `${lb arn} ${listener arn}` for weighted groups) → requests routed so far */
  private readonly cursors = new Map<string, number>();
  private readonly inFlight = new Set<ClientRequest>();
  private readonly notedSockets = new WeakSet<Socket>();
  private closed = false;

  constructor(private readonly ctx: SimContext) {
    this.health = new HealthChecker(ctx);
  }

  handle(req: IncomingMessage, res: ServerResponse, lb: LoadBalancer, port: number): void {
    const listener = [...this.ctx.world.listeners.values()].find((l) => l.loadBalancerArn === lb.arn && l.port === port);
    const reachable =
      !this.closed &&
      lb.state === 'active' &&
      lb.type === 'application' && // network load balancers exist in the control plane only
      lb.scheme === 'internet-facing' &&
      listener !== undefined &&
      // LocalStack stores security groups but does not enforce them on traffic (localstack/localstack#6116).
      (isLocalstack(this.ctx) || this.ctx.network.admits(lb.securityGroupIds, { kind: 'outside', ip: this.ctx.clientIp }, port));
    if (!reachable) {
      holdSilently(req.socket);
      return;
    }
    const action = listener.defaultActions.find((a) => ['forward', 'fixed-response', 'redirect'].includes(a.Type));
    switch (action?.Type) {
      case 'forward':
        return this.forward(req, res, lb, listener, action);
      case 'fixed-response':
        return fixedResponse(req, res, action);
      case 'redirect':
        return redirect(req, res, listener, action);
      default:
        return errorPage(req, res, 503);
    }
  }

  refresh(): void {
    if (this.closed) return;
    this.health.refresh();
    for (const [arn, agent] of this.agents) {
      if (!this.ctx.world.loadBalancers.has(arn)) {
        agent.destroy();
        this.agents.delete(arn);
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.health.close();
    for (const r of this.inFlight) r.destroy();
    this.inFlight.clear();
    for (const agent of this.agents.values()) agent.destroy();
    this.agents.clear();
  }

  private forward(req: IncomingMessage, res: ServerResponse, lb: LoadBalancer, listener: Listener, action: ListenerAction): void {
    const tg = this.pickTargetGroup(lb, listener, action);
    const target = tg && this.pickTarget(lb, tg);
    const address = target && this.addressOf(target);
    // no registered target: 503 ("HTTP 503: Service unavailable — the target groups for the load balancer have no registered
    // targets", Troubleshoot your Application Load Balancers; re:Post knowledge center "alb-troubleshoot-503-errors")
    if (!target || !address) return errorPage(req, res, 503);
    this.proxy(req, res, lb, listener, address, target, true);
  }

  /**
   * Where a target is reached: an instance at its (loopback) public address. With the LocalStack
   * persona a service's tasks are registered by the Docker host's IP (see personas/localstack.ts),
   * which is dialled as it is.
   */
  private addressOf(target: Target): string | undefined {
    const instance = this.ctx.world.instances.get(target.id);
    if (instance) return instance.publicIpAddress;
    return isLocalstack(this.ctx) && isIPv4(target.id) ? target.id : undefined;
  }

  /** Weighted round robin over the forward action's target groups (usually just one). */
  private pickTargetGroup(lb: LoadBalancer, listener: Listener, action: ListenerAction): TargetGroup | undefined {
    const groups = (action.ForwardConfig?.TargetGroups ?? (action.TargetGroupArn ? [{ TargetGroupArn: action.TargetGroupArn, Weight: 1 }] : []))
      .filter((g) => (g.Weight ?? 1) > 0);
    if (groups.length <= 1) return groups[0] && this.ctx.world.targetGroups.get(groups[0].TargetGroupArn);
    const total = groups.reduce((s, g) => s + (g.Weight ?? 1), 0);
    let slot = this.next(`${lb.arn} ${listener.arn}`) % total;
    for (const g of groups) {
      slot -= g.Weight ?? 1;
      if (slot < 0) return this.ctx.world.targetGroups.get(g.TargetGroupArn);
    }
    return undefined;
  }

  /** Exact per-request round robin over healthy targets; all non-draining ones when none is healthy. */
  private pickTarget(lb: LoadBalancer, tg: TargetGroup): Target | undefined {
    const skipped = this.ctx.world.faults.albSkips.get(lb.arn);
    const candidates = [...tg.targets.values()].filter((t) => !skipped?.has(targetKey(t.id, t.port)));
    let pool = candidates.filter((t) => t.state === 'healthy');
    if (pool.length === 0) pool = candidates.filter((t) => t.state === 'initial' || t.state === 'unhealthy' || t.state === 'unavailable');
    if (pool.length === 0) return undefined;
    return pool[this.next(`${lb.arn} ${tg.arn}`) % pool.length];
  }

  private next(key: string): number {
    const n = this.cursors.get(key) ?? 0;
    this.cursors.set(key, n + 1);
    return n;
  }

  private agentFor(lb: LoadBalancer): Agent {
    let agent = this.agents.get(lb.arn);
    if (!agent && this.ctx.realism.albKeepAlive) {
      agent = new StaleConnectionAgent(() => this.scaled(Number(lb.attributes.get('idle_timeout.timeout_seconds') ?? '60') * 1000));
      this.agents.set(lb.arn, agent);
    }
    if (!agent) {
      const idleMs = Math.min(1000, Math.max(50, this.ctx.clock.scaled(1000)));
      // Not the Agent's `timeout` option: that also runs while a new socket connects and
      // would turn a busy event loop into a 504. Only free sockets get the short idle life;
      // the Agent destroys a free socket whose timeout fires.
      agent = new Agent({ keepAlive: true, keepAliveMsecs: idleMs, maxSockets: 256, maxFreeSockets: 32 });
      agent.on('free', (socket: Socket) => socket.setTimeout(idleMs));
      this.agents.set(lb.arn, agent);
    }
    return agent;
  }

  private proxy(
    req: IncomingMessage,
    res: ServerResponse,
    lb: LoadBalancer,
    listener: Listener,
    address: string,
    target: Target,
    mayRetry: boolean,
  ): void {
    const upstream = request({
      host: address,
      port: target.port,
      method: req.method,
      path: req.url,
      headers: forwardedHeaders(req, listener, this.ctx.clientIp),
      agent: this.agentFor(lb),
      localAddress: lb.sourceAddress,
    });
    this.inFlight.add(upstream);

    let settled = false;
    let connectTimer: NodeJS.Timeout | undefined;
    const settle = () => {
      settled = true;
      clearTimeout(connectTimer);
      this.inFlight.delete(upstream);
    };
    const fail = (status: 502 | 504) => {
      if (settled) return;
      settle();
      upstream.destroy();
      if (res.headersSent) res.destroy();
      else errorPage(req, res, status);
    };

    upstream.on('socket', (socket) => {
      // realism.albKeepAlive: the target closed this pooled connection while it sat idle. The
      // request now written on it meets the target's reset (on loopback Node would not report
      // a reset that arrives after the peer's FIN until a later write, so it is decided here).
      if (this.ctx.realism.albKeepAlive && upstream.reusedSocket && socket.readableEnded) {
        socket.destroy();
        return fail(502);
      }
      const note = () => {
        if (this.notedSockets.has(socket)) return;
        this.notedSockets.add(socket);
        this.ctx.network.noteAlbSocket(lb.arn, socket);
      };
      if (!socket.connecting) return note();
      connectTimer = setTimeout(() => fail(504), Math.max(MIN_CONNECT_TIMEOUT_MS, this.ctx.clock.scaled(TARGET_CONNECT_TIMEOUT_MS)));
      socket.once('connect', () => {
        clearTimeout(connectTimer);
        note();
      });
    });
    // The ALB's idle timeout: a target that accepts but stays silent gets a 504.
    const idleSeconds = Number(lb.attributes.get('idle_timeout.timeout_seconds') ?? '60');
    upstream.setTimeout(this.scaled(idleSeconds * 1000), () => fail(504));

    upstream.on('response', (answer) => {
      if (settled) return answer.resume();
      settle();
      res.writeHead(answer.statusCode ?? 502, answer.statusMessage, withoutHopByHop(answer.headers));
      answer.pipe(res);
      answer.on('error', () => res.destroy());
      answer.on('aborted', () => res.destroy());
    });
    upstream.on('error', (err: NodeJS.ErrnoException) => {
      if (settled) return;
      // A kept-alive connection the target closed just as it was reused: retry once on a new one.
      const bodyless = req.method === 'GET' || req.method === 'HEAD';
      // realism.albKeepAlive: the ALB does not retry; the client gets the 502.
      if (mayRetry && bodyless && upstream.reusedSocket && err.code === 'ECONNRESET' && !this.ctx.realism.albKeepAlive) {
        settle();
        return this.proxy(req, res, lb, listener, address, target, false);
      }
      fail(502);
    });
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });

    if (req.readableEnded) upstream.end();
    else req.pipe(upstream);
  }

  private scaled(cloudMs: number): number {
    return Math.max(MIN_TIMEOUT_MS, this.ctx.clock.scaled(cloudMs));
  }
}

/**
 * realism.albKeepAlive: the ALB's pool as AWS runs it. Idle connections to a target are kept
 * for the load balancer's idle timeout (attribute idle_timeout.timeout_seconds, 60 s by
 * default), whatever the target's `Keep-Alive: timeout=` hint says; and a close by the target
 * (FIN) on an idle pooled connection goes unnoticed (half-open sockets) until the ALB writes
 * the next request on it and gets a reset — answered to the client as a 502, not retried:
 * "The target closed the connection with a TCP RST or a TCP FIN while the load balancer had an
 * outstanding request to the target", HTTP 502 in "Troubleshoot your Application Load
 * Balancers", https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-troubleshooting.html;
 * idle timeout: https://docs.aws.amazon.com/elasticloadbalancing/latest/application/edit-load-balancer-attributes.html#connection-idle-timeout.
 * This is the race at its worst: every reuse of a connection the target has closed is a 502
 * (on AWS only the ones that cross the FIN in flight are).
 */
class StaleConnectionAgent extends Agent {
  constructor(private readonly idleMs: () => number) {
    super({ keepAlive: true, maxSockets: 256, maxFreeSockets: 32 });
  }

  // The Agent hands the new socket to the request itself when this returns one.
  override createConnection(options: ClientRequestArgs): Socket {
    return createConnection({ ...(options as NetConnectOpts), allowHalfOpen: true });
  }

  override keepSocketAlive(socket: Socket): boolean {
    socket.setKeepAlive(true, 1000);
    socket.unref();
    socket.setTimeout(this.idleMs());
    return true;
  }
}

function forwardedHeaders(req: IncomingMessage, listener: Listener, clientIp: string): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = withoutHopByHop(req.headers);
  const xff = req.headers['x-forwarded-for'];
  headers['x-forwarded-for'] = xff ? `${xff}, ${clientIp}` : clientIp;
  headers['x-forwarded-proto'] = listener.protocol.toLowerCase();
  headers['x-forwarded-port'] = String(listener.port);
  headers['x-amzn-trace-id'] = `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${hex(24)}`;
  return headers;
}

function withoutHopByHop(headers: IncomingMessage['headers']): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(headers)) {
    if (v !== undefined && !HOP_BY_HOP.includes(k)) out[k] = v;
  }
  return out;
}

/** The ALB's own answers carry `server: awselb/2.0` and its nginx-style HTML. */
function errorPage(req: IncomingMessage, res: ServerResponse, status: 502 | 503 | 504): void {
  req.resume();
  const text = STATUS_TEXT[status]!;
  const body = `<html>\r\n<head><title>${text}</title></head>\r\n<body>\r\n<center><h1>${text}</h1></center>\r\n</body>\r\n</html>\r\n`;
  res.writeHead(status, { server: 'awselb/2.0', 'content-type': 'text/html', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function fixedResponse(req: IncomingMessage, res: ServerResponse, action: ListenerAction): void {
  req.resume();
  const c = action.FixedResponseConfig!;
  const body = c.MessageBody ?? '';
  res.writeHead(Number(c.StatusCode), {
    server: 'awselb/2.0',
    'content-type': `${c.ContentType ?? 'text/plain'}; charset=utf-8`,
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

function redirect(req: IncomingMessage, res: ServerResponse, listener: Listener, action: ListenerAction): void {
  req.resume();
  const c = action.RedirectConfig!;
  const url = new URL(req.url ?? '/', 'http://placeholder');
  const hostName = (req.headers.host ?? '').replace(/:\d+$/, '');
  const fill = (template: string) =>
    template
      .replaceAll('#{protocol}', listener.protocol)
      .replaceAll('#{host}', hostName)
      .replaceAll('#{port}', String(listener.port))
      .replaceAll('#{path}', url.pathname.slice(1))
      .replaceAll('#{query}', url.search.slice(1));
  const protocol = fill(c.Protocol ?? '#{protocol}').toLowerCase();
  const port = fill(c.Port ?? '#{port}');
  const defaultPort = (protocol === 'https' && port === '443') || (protocol === 'http' && port === '80');
  const query = fill(c.Query ?? '#{query}');
  const location = `${protocol}://${fill(c.Host ?? '#{host}')}${defaultPort ? '' : `:${port}`}${fill(c.Path ?? '/#{path}')}${query ? `?${query}` : ''}`;
  res.writeHead(c.StatusCode === 'HTTP_301' ? 301 : 302, { server: 'awselb/2.0', location, 'content-length': 0 });
  res.end();
}
