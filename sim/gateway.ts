/**
 * The simulator's one port, like LocalStack's 4566: AWS API calls (EC2/ELBv2/STS query,
 * ECS JSON 1.1), ALB traffic (any request whose Host header is an ALB DNS name) and the
 * sim-only admin path /_sim/ share it.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { SimContext, ServiceHandlers } from './context.js';
import { AwsError } from './errors.js';
import { parseQueryParams, xmlError, xmlResponse, type QueryFlavor } from './protocol/query.js';
import { requestId } from './ids.js';
import { handleAdmin } from './admin.js';
import { isLocalstack, LOCALSTACK_GATEWAY_PORT } from './personas/localstack.js';
import { elbRequestOf, listenerFor, noListener, unknownElb } from './personas/localstack-elb.js';

export interface ApiHandlers {
  ec2: ServiceHandlers;
  elbv2: ServiceHandlers;
  sts: ServiceHandlers;
  ecs: ServiceHandlers;
}

const ECS_TARGET_PREFIX = 'AmazonEC2ContainerServiceV20141113.';
const VERSION_TO_FLAVOR: Record<string, QueryFlavor> = {
  '2016-11-15': 'ec2',
  '2015-12-01': 'elbv2',
  '2011-06-15': 'sts',
};
const SCOPE_TO_FLAVOR: Record<string, QueryFlavor> = { ec2: 'ec2', elasticloadbalancing: 'elbv2', sts: 'sts' };

export interface GatewayOptions {
  /**
   * LocalStack persona: the port a request arriving here arrived on, as LocalStack sees it
   * (4566 for the main port; an extra GATEWAY_LISTEN port otherwise), whatever host port it is
   * published on. It picks the ALB listener.
   */
  listenPort?: number;
}

export function createGateway(ctx: SimContext, handlers: ApiHandlers, options: GatewayOptions = {}): Server {
  const server = createServer((req, res) => {
    route(ctx, handlers, req, res, options).catch((err: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'text/plain' });
      }
      res.end(String(err instanceof Error ? err.stack : err));
    });
  });
  // Keep-alive clients (the SDK, undici) must not hold the process open after close().
  server.keepAliveTimeout = 5_000;
  return server;
}

async function route(
  ctx: SimContext,
  handlers: ApiHandlers,
  req: IncomingMessage,
  res: ServerResponse,
  options: GatewayOptions,
): Promise<void> {
  // not the simulated cloud: the simulator's own start-up (SimContext.seeding)
  if (ctx.seeding) await ctx.seeding;
  const url = req.url ?? '/';
  if (url.startsWith('/_sim/')) return handleAdmin(ctx, req, res, await readBody(req));

  const [hostName, hostPort] = splitHost(req.headers.host ?? '');
  if (isLocalstack(ctx)) {
    const elb = elbRequestOf(ctx, hostName, url);
    if (elb === 'unknown-elb') return unknownElb(req, res);
    if (elb) {
      const arrivalPort = options.listenPort ?? LOCALSTACK_GATEWAY_PORT;
      const listener = listenerFor(ctx, elb.lb, arrivalPort);
      if (!listener) return noListener(req, res, elb.lb, arrivalPort);
      req.url = elb.url;
      return ctx.alb.handle(req, res, elb.lb, listener.port);
    }
  } else {
    for (const lb of ctx.world.loadBalancers.values()) {
      if (lb.dnsName.toLowerCase() === hostName) {
        return ctx.alb.handle(req, res, lb, hostPort ?? 80);
      }
    }
  }

  const body = await readBody(req);
  const target = req.headers['x-amz-target'];
  if (typeof target === 'string') {
    return answerJson(ctx, handlers, target, body, res);
  }
  if (req.method === 'POST' || url.includes('Action=')) {
    const params = parseQueryParams(req.method === 'POST' ? body : url.slice(url.indexOf('?') + 1));
    return answerQuery(ctx, handlers, req, params, res);
  }
  res.writeHead(404, { 'content-type': 'text/plain' });
  res.end(`ecs-alb-e2e simulator: no ALB named ${hostName} and no AWS API request\n`);
}

function splitHost(host: string): [string, number | undefined] {
  const m = /^(.*?)(?::(\d+))?$/.exec(host.toLowerCase())!;
  return [m[1]!, m[2] ? Number(m[2]) : undefined];
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function flavorOf(req: IncomingMessage, version: string | undefined): QueryFlavor | undefined {
  const auth = req.headers.authorization ?? '';
  const scope = /Credential=[^/]+\/[^/]+\/[^/]+\/([^/]+)\//.exec(auth)?.[1];
  if (scope && SCOPE_TO_FLAVOR[scope]) return SCOPE_TO_FLAVOR[scope];
  return version ? VERSION_TO_FLAVOR[version] : undefined;
}

async function answerQuery(
  ctx: SimContext,
  handlers: ApiHandlers,
  req: IncomingMessage,
  params: Record<string, unknown>,
  res: ServerResponse,
): Promise<void> {
  const action = typeof params.Action === 'string' ? params.Action : '';
  const flavor = flavorOf(req, typeof params.Version === 'string' ? params.Version : undefined);
  if (!flavor) {
    res.writeHead(400, { 'content-type': 'text/xml' });
    res.end(xmlError('elbv2', 'InvalidClientTokenId', 'Cannot tell which AWS service this request is for'));
    return;
  }
  const handler = handlers[flavor][action];
  const started = Date.now();
  const service = flavor === 'elbv2' ? 'elasticloadbalancing' : flavor;
  try {
    if (!handler) throw new AwsError('InvalidAction', `The action ${action} is not valid for this web service.`);
    if (flavor !== 'sts') ctx.throttle?.admit(flavor, action, params);
    const result = (await handler(params, ctx)) as Record<string, unknown>;
    ctx.world.calls.push({ service, action, at: started, ms: Date.now() - started });
    res.writeHead(200, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId() });
    res.end(xmlResponse(flavor, action, result ?? {}));
  } catch (err) {
    const e = asAwsError(err);
    ctx.world.calls.push({ service, action, at: started, ms: Date.now() - started, error: e.code });
    res.writeHead(e.status, { 'content-type': 'text/xml' });
    res.end(xmlError(flavor, e.code, e.message));
  }
}

async function answerJson(
  ctx: SimContext,
  handlers: ApiHandlers,
  target: string,
  body: string,
  res: ServerResponse,
): Promise<void> {
  const started = Date.now();
  const action = target.startsWith(ECS_TARGET_PREFIX) ? target.slice(ECS_TARGET_PREFIX.length) : '';
  try {
    const handler = handlers.ecs[action];
    if (!handler) throw new AwsError('UnknownOperationException', `Unknown operation ${target}`);
    ctx.throttle?.admit('ecs', action);
    let input: unknown;
    try {
      input = body ? JSON.parse(body) : {};
    } catch {
      throw new AwsError('SerializationException', 'Request body is not valid JSON');
    }
    const result = await handler(input, ctx);
    ctx.world.calls.push({ service: 'ecs', action, at: started, ms: Date.now() - started });
    res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': requestId() });
    res.end(toAwsJson(result ?? {}));
  } catch (err) {
    const e = asAwsError(err);
    ctx.world.calls.push({ service: 'ecs', action, at: started, ms: Date.now() - started, error: e.code });
    res.writeHead(e.status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': e.code });
    res.end(JSON.stringify({ __type: e.code, message: e.message }));
  }
}

function asAwsError(err: unknown): AwsError {
  if (err instanceof AwsError) return err;
  const msg = err instanceof Error ? err.message : String(err);
  return new AwsError('InternalFailure', `simulator: ${msg}`, 500);
}

/** AWS JSON 1.1 sends timestamps as epoch seconds; Date.toJSON runs before a replacer sees the Date. */
export function toAwsJson(value: unknown): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, key: string, v: unknown) {
    const raw = this[key];
    return raw instanceof Date ? raw.getTime() / 1000 : v;
  });
}
