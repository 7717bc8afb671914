/**
 * How LocalStack's gateway hands a request to an ALB, and which listener gets it.
 *
 * - By Host: `<name>.elb.localhost.localstack.cloud[:port]` names the load balancer
 *   (https://docs.localstack.cloud/aws/services/elb/, "Send a request to the load balancer").
 * - By path, on any Host: `/_aws/elb/<elb-id>/<elb-path>`, where the docs' example reaches the
 *   load balancer named `example-lb` at `/_aws/elb/example-lb/test/path`: the id is the name
 *   (same page, "Alternative URL structure"). The prefix is not passed on.
 * - The listener is chosen by the port the request arrived on: "same-scheme ALB listeners are
 *   routed by the request's arrival port", and a listener's port is reachable only if
 *   GATEWAY_LISTEN includes it (localstack/localstack-docs#772, "Multiple Listeners and
 *   Port-Based Routing"; localstack/docs#1697). A request arriving on the shared gateway port
 *   4566 that no listener has falls back "by design" (#772) — the docs' own example reaches a
 *   port-80 listener at `example-lb.elb.localhost.localstack.cloud:4566`. Which listener the
 *   fallback picks when there are several is not stated (#772 recommends a single listener);
 *   the simulator picks the first one created.
 * - No listener for the arrival port (on an extra GATEWAY_LISTEN port), or none at all: LocalStack
 *   answers 400 and logs "No ELB listener was found" (localstack/localstack#13452); the body is
 *   not documented, so this one is the simulator's own.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SimContext } from '../context.js';
import type { Listener, LoadBalancer } from '../world.js';
import { LOCALSTACK_ELB_DOMAIN, LOCALSTACK_GATEWAY_PORT } from './localstack.js';

const PATH_PREFIX = '/_aws/elb/';

export interface ElbRequest {
  lb: LoadBalancer;
  /** The request's URL as the load balancer sees it (the /_aws/elb/<id> prefix removed). */
  url: string;
}

/** The load balancer a request is for, by Host or by the /_aws/elb/ path; undefined if neither names one. */
export function elbRequestOf(ctx: SimContext, hostName: string, url: string): ElbRequest | 'unknown-elb' | undefined {
  if (url.startsWith(PATH_PREFIX)) {
    const rest = url.slice(PATH_PREFIX.length);
    const cut = rest.search(/[/?]/);
    const id = decodeURIComponent(cut < 0 ? rest : rest.slice(0, cut));
    const tail = cut < 0 ? '/' : rest.slice(cut);
    const lb = byName(ctx, id);
    return lb ? { lb, url: tail.startsWith('/') ? tail : `/${tail}` } : 'unknown-elb';
  }
  const suffix = `.${LOCALSTACK_ELB_DOMAIN}`;
  if (!hostName.endsWith(suffix)) return undefined;
  const lb = byName(ctx, hostName.slice(0, -suffix.length));
  return lb ? { lb, url } : undefined;
}

function byName(ctx: SimContext, name: string): LoadBalancer | undefined {
  const wanted = name.toLowerCase();
  return [...ctx.world.loadBalancers.values()].find((lb) => lb.name.toLowerCase() === wanted);
}

/** The listener for a request that arrived on `arrivalPort` (LocalStack's container-side port). */
export function listenerFor(ctx: SimContext, lb: LoadBalancer, arrivalPort: number): Listener | undefined {
  const listeners = [...ctx.world.listeners.values()].filter((l) => l.loadBalancerArn === lb.arn && l.protocol === 'HTTP');
  const byPort = listeners.find((l) => l.port === arrivalPort);
  if (byPort) return byPort;
  return arrivalPort === LOCALSTACK_GATEWAY_PORT ? listeners[0] : undefined;
}

export function noListener(req: IncomingMessage, res: ServerResponse, lb: LoadBalancer, arrivalPort: number): void {
  req.resume();
  const body = `No ELB listener was found for ${lb.name} on port ${arrivalPort}\n`;
  res.writeHead(400, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

export function unknownElb(req: IncomingMessage, res: ServerResponse): void {
  req.resume();
  const body = 'No load balancer of that name (LocalStack /_aws/elb/<elb-id>/ path)\n';
  res.writeHead(404, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
