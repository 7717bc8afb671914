/**
 * Sim-only switches on the gateway's /_sim/ path, for the suite's own tests: only what the
 * AWS API cannot express (a task whose app misbehaves, an ALB that skips a target), plus
 * read-outs (the API call log, the delays the simulator imposed, every tagged resource).
 *
 *   GET    /_sim/health                         → {"ok":true, region, timeScale, egressCanary: "host:port", persona, accountId}
 *   GET    /_sim/calls   DELETE /_sim/calls      → the API call log / clear it
 *   POST   /_sim/faults  {"taskArn","mode":"ok|error500|silent"}
 *                        {"loadBalancerArn","skipTarget":"i-…:port"}
 *                        {"loadBalancerArn","state":"failed|active_impaired|provisioning|active"}
 *                        {"taskArn","answer":{"status","body","bodyBytes"?,"bytesPerSecond"?,"headers"?}}
 *                          → that task answers every request so (body repeated up to bodyBytes, at bytesPerSecond)
 *   DELETE /_sim/faults                          → every fault cleared
 *   GET    /_sim/imposed                         → {kind: scaled ms} delays imposed so far
 *   GET    /_sim/throttling                      → {enabled, refill, buckets: {name: {capacity, refillPerSecond, tokens, throttled}}}
 *   POST   /_sim/throttling  {"refill":"simulated|real"} → buckets refill per simulated (default) or real second
 *                                                  (realism.throttling; throttled calls are also in /_sim/calls with their error code)
 *   GET    /_sim/resources                       → [{type,id,name,tags}] everything that exists
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SimContext } from './context.js';
import type { TaskAnswer, Tags } from './world.js';

export function handleAdmin(ctx: SimContext, req: IncomingMessage, res: ServerResponse, body: string): void {
  const path = (req.url ?? '').split('?')[0];
  const send = (status: number, value: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(value));
  };
  const { world } = ctx;
  switch (`${req.method} ${path}`) {
    case 'GET /_sim/health':
      return send(200, { ok: true, region: world.region, timeScale: ctx.clock.timeScale, egressCanary: ctx.egressCanary, persona: ctx.persona, accountId: world.accountId });
    case 'GET /_sim/calls':
      return send(200, world.calls);
    case 'DELETE /_sim/calls':
      world.calls.length = 0;
      return send(200, { ok: true });
    case 'GET /_sim/throttling':
      return send(200, { enabled: ctx.throttle !== undefined, refill: ctx.throttle?.refill, buckets: ctx.throttle?.readout() ?? {} });
    case 'POST /_sim/throttling': {
      let b: { refill?: unknown };
      try {
        b = JSON.parse(body);
      } catch {
        return send(400, { error: 'body must be JSON' });
      }
      if (!ctx.throttle) return send(409, { error: 'throttling is off (realism.throttling)' });
      if (b.refill !== 'simulated' && b.refill !== 'real') return send(400, { error: `refill must be "simulated" or "real", got ${JSON.stringify(b.refill)}` });
      ctx.throttle.setRefill(b.refill);
      return send(200, { ok: true, refill: b.refill });
    }
    case 'GET /_sim/imposed':
      return send(200, Object.fromEntries(ctx.clock.imposed));
    case 'GET /_sim/resources':
      return send(200, listResources(ctx));
    case 'DELETE /_sim/faults':
      world.faults.taskMode.clear();
      world.faults.albSkips.clear();
      world.faults.taskAnswer.clear();
      return send(200, { ok: true });
    case 'POST /_sim/faults': {
      let f: { taskArn?: string; mode?: string; loadBalancerArn?: string; skipTarget?: string; state?: string; answer?: unknown };
      try {
        f = JSON.parse(body);
      } catch {
        return send(400, { error: 'body must be JSON' });
      }
      if (f.taskArn && f.answer !== undefined) {
        if (!world.tasks.has(f.taskArn)) return send(404, { error: `no task ${f.taskArn}` });
        const answer = taskAnswerOf(f.answer);
        if (typeof answer === 'string') return send(400, { error: `answer: ${answer}` });
        world.faults.taskAnswer.set(f.taskArn, answer);
        return send(200, { ok: true });
      }
      if (f.taskArn && ['ok', 'error500', 'silent'].includes(f.mode ?? '')) {
        if (!world.tasks.has(f.taskArn)) return send(404, { error: `no task ${f.taskArn}` });
        world.faults.taskMode.set(f.taskArn, f.mode as 'ok' | 'error500' | 'silent');
        return send(200, { ok: true });
      }
      if (f.loadBalancerArn && f.skipTarget) {
        if (!world.loadBalancers.has(f.loadBalancerArn)) return send(404, { error: `no load balancer ${f.loadBalancerArn}` });
        const set = world.faults.albSkips.get(f.loadBalancerArn) ?? new Set<string>();
        set.add(f.skipTarget);
        world.faults.albSkips.set(f.loadBalancerArn, set);
        return send(200, { ok: true });
      }
      // a load balancer AWS failed to provision (state "failed"): no API call can ask for that
      if (f.loadBalancerArn && ['failed', 'active_impaired', 'provisioning', 'active'].includes(f.state ?? '')) {
        const lb = world.loadBalancers.get(f.loadBalancerArn);
        if (!lb) return send(404, { error: `no load balancer ${f.loadBalancerArn}` });
        lb.state = f.state as typeof lb.state;
        return send(200, { ok: true });
      }
      return send(400, { error: 'expected {taskArn, mode: ok|error500|silent}, {loadBalancerArn, skipTarget: "i-…:port"} or {loadBalancerArn, state}' });
    }
    default:
      return send(404, { error: `no admin route ${req.method} ${path}` });
  }
}

const MAX_BODY_BYTES = 2 ** 30;

/** A task answer as the admin path accepts it, or what is wrong with it. */
function taskAnswerOf(v: unknown): TaskAnswer | string {
  const a = v as Partial<TaskAnswer> | null;
  if (!a || typeof a !== 'object') return 'expected {status, body, bodyBytes?, bytesPerSecond?, headers?}';
  if (!Number.isInteger(a.status) || a.status! < 200 || a.status! > 599) return 'status must be a whole number from 200 to 599';
  if (typeof a.body !== 'string' || a.body === '') return 'body must be a non-empty string';
  if (a.bodyBytes !== undefined && (!Number.isInteger(a.bodyBytes) || a.bodyBytes < 0 || a.bodyBytes > MAX_BODY_BYTES)) return `bodyBytes must be a whole number from 0 to ${MAX_BODY_BYTES}`;
  if (a.bytesPerSecond !== undefined && (typeof a.bytesPerSecond !== 'number' || !(a.bytesPerSecond > 0))) return 'bytesPerSecond must be a number > 0';
  if (a.headers !== undefined && (typeof a.headers !== 'object' || !a.headers || Object.values(a.headers).some((h) => typeof h !== 'string'))) return 'headers must be an object of strings';
  return { status: a.status!, body: a.body, ...(a.bodyBytes !== undefined ? { bodyBytes: a.bodyBytes } : {}), ...(a.bytesPerSecond ? { bytesPerSecond: a.bytesPerSecond } : {}), ...(a.headers ? { headers: a.headers } : {}) };
}

function listResources(ctx: SimContext) {
  const w = ctx.world;
  const row = (type: string, id: string, name: string, tags: Tags, status?: string) => ({
    type,
    id,
    name,
    status,
    tags: Object.fromEntries(tags),
  });
  return [
    ...[...w.securityGroups.values()].map((x) => row('security-group', x.groupId, x.groupName, x.tags)),
    ...[...w.targetGroups.values()].map((x) => row('target-group', x.arn, x.name, x.tags)),
    ...[...w.loadBalancers.values()].map((x) => row('load-balancer', x.arn, x.name, x.tags, x.state)),
    ...[...w.listeners.values()].map((x) => row('listener', x.arn, String(x.port), x.tags)),
    ...[...w.clusters.values()].map((x) => row('cluster', x.arn, x.name, x.tags, x.status)),
    ...[...w.services.values()].map((x) => row('service', x.arn, x.name, x.tags, x.status)),
    ...[...w.taskDefinitions.values()].map((x) => row('task-definition', x.arn, `${x.family}:${x.revision}`, x.tags, x.status)),
    ...[...w.tasks.values()].map((x) => row('task', x.arn, x.group, x.tags, x.lastStatus)),
  ];
}
