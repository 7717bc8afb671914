/**
 * Readiness by traffic: on a target whose target health is unreliable the distribution sample
 * waits until the ALB answers 200 from every task — the 503s while targets register are not
 * the verdict; elsewhere nothing is waited for; when readiness never comes the wait ends.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor, type Poll } from '../../helpers/core/waits.js';
import type { TaskEndpoint } from '../../helpers/traffic/distribution.js';
import { untilReadyByTraffic, type ReadinessContext } from '../../helpers/traffic/readiness.js';

const runtimeIds = ['a'.repeat(64), 'b'.repeat(64), 'c'.repeat(64)];
const tasks: TaskEndpoint[] = runtimeIds.map((runtimeId, i) => ({
  taskArn: `arn:task/${i}`, taskId: `t${i}`, runtimeId, instanceId: '', publicIp: '127.0.0.1', hostPort: 1, lastStatus: 'RUNNING',
}));

let server: Server | undefined;
afterEach(() => server?.close());

/** An "ALB" that answers 503 for its first `unready` requests, then round robin over the tasks. */
async function alb(unready: number) {
  let n = 0;
  server = createServer((_req, res) => {
    const i = n++;
    if (i < unready) return res.writeHead(503).end('Service Unavailable');
    res.writeHead(200, { 'content-type': 'text/plain' }).end(`Hostname: ${runtimeIds[i % 3]!.slice(0, 12)}\n`);
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests: () => n };
}

function ctxFor(origin: string, unreliableHealth: string | undefined, timeoutMs = 5_000) {
  const waits: string[] = [];
  const ctx: ReadinessContext = {
    profile: { capabilities: { unreliableHealth }, timing: { pollMs: 10, waitTimeoutMs: timeoutMs, directProbeTimeoutMs: 100, directProbeFloorMs: 100, requestTimeoutMs: 1_000, settleMs: timeoutMs } },
    config: {},
    taskEndpoints: async () => tasks,
    albAddress: () => ({ origin, host: 'alb.example', pathPrefix: '' }),
    wait: <T>(what: string, poll: Poll<T>) => waitFor(what, poll, { pollMs: 10, timeoutMs, onRecord: (r) => waits.push(`${r.ok} ${r.lastState}`) }),
  };
  return { ctx, waits };
}

const lb = { LoadBalancerName: 'alb', DNSName: 'alb.example' };

describe('untilReadyByTraffic', () => {
  it('waits past the 503s until every task answers 200', async () => {
    const a = await alb(7);
    const { ctx, waits } = ctxFor(a.origin, 'health unreliable');
    await untilReadyByTraffic(ctx, lb, 'svc');
    expect(waits).toEqual(['true 3/3 tasks answered 200']);
    expect(a.requests()).toBe(7 + 3);
  });

  it('does nothing where target health is trusted', async () => {
    const a = await alb(7);
    const { ctx, waits } = ctxFor(a.origin, undefined);
    await untilReadyByTraffic(ctx, lb, 'svc');
    expect(waits).toEqual([]);
    expect(a.requests()).toBe(0);
  });

  it('ends the wait (without throwing) when the ALB never serves every task, leaving the verdict to the sample', async () => {
    const a = await alb(1_000_000);
    const { ctx, waits } = ctxFor(a.origin, 'health unreliable', 300);
    await untilReadyByTraffic(ctx, lb, 'svc');
    expect(waits).toEqual(['false 0/3 tasks answered 200; then HTTP 503']);
  });
});
