/**
 * A participant controls their app: through the simulator's answer switch (/_sim/faults
 * {taskArn, answer}) one task answers a 256 MiB body, a trickle, or a redirect. Reading is
 * bounded in bytes and time, and a redirect is an answer, never followed.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_BODY_BYTES, probeDirect, sampleThroughAlb } from '../../helpers/traffic/http.js';
import { startSim, type RunningSim } from '../../sim/index.js';

let sim: RunningSim;
let task: { arn: string; ip: string; port: number; hostname: string };

async function answerWith(answer: Record<string, unknown>) {
  const r = await fetch(`${sim.endpoint}/_sim/faults`, { method: 'POST', body: JSON.stringify({ taskArn: task.arn, answer }) });
  expect(r.status, await r.clone().text()).toBe(200);
}

const direct = () => ({ origin: `http://${task.ip}:${task.port}`, host: `${task.ip}:${task.port}`, pathPrefix: '' });

beforeAll(async () => {
  sim = await startSim({ nicknames: ['hos'], timeScale: 0.05 });
  // an old-service task of the baseline: its instances are still open to the world (module 03)
  for (let i = 0; i < 400 && ![...sim.ctx.world.tasks.values()].some((t) => t.lastStatus === 'RUNNING'); i++) await new Promise((r) => setTimeout(r, 50));
  const t = [...sim.ctx.world.tasks.values()].find((x) => x.lastStatus === 'RUNNING')!;
  const ci = sim.ctx.world.containerInstances.get(t.containerInstanceArn)!;
  const ip = sim.ctx.world.instances.get(ci.ec2InstanceId)!.publicIpAddress;
  const c = t.containers[0]!;
  task = { arn: t.arn, ip, port: c.networkBindings[0]!.hostPort, hostname: c.runtimeId.slice(0, 12) };
}, 60_000);

afterAll(async () => {
  await sim?.close();
});

describe('hostile answers (the simulator\'s answer switch)', () => {
  it('the switch refuses a malformed answer', async () => {
    const r = await fetch(`${sim.endpoint}/_sim/faults`, { method: 'POST', body: JSON.stringify({ taskArn: task.arn, answer: { status: 99, body: 'x' } }) });
    expect(r.status).toBe(400);
    expect(await r.text()).toMatch(/status must be/);
  });

  it('a 256 MiB body is read up to 64 KiB: fast, in bounded memory, still attributed', async () => {
    await answerWith({ status: 200, body: `Hello from ${task.hostname}! <img src=x onerror=alert(1)> `, bodyBytes: 256 * 1024 * 1024 });
    const before = process.memoryUsage().rss;
    const t0 = performance.now();
    const sample = await sampleThroughAlb(direct(), { maxRequests: 3, timeoutMs: 5_000 });
    const ms = performance.now() - t0;
    expect(sample.answers.map((a) => a.status)).toEqual([200, 200, 200]);
    expect(sample.answers.map((a) => a.id)).toEqual([task.hostname, task.hostname, task.hostname]);
    expect(ms).toBeLessThan(3_000);
    // reading 3 × 256 MiB as text would take gigabytes
    expect(process.memoryUsage().rss - before).toBeLessThan(128 * 1024 * 1024);
    const probe = await probeDirect(task.ip, task.port, 2_000);
    expect(probe).toMatchObject({ outcome: 'answered', status: 200, id: task.hostname });
    expect(MAX_BODY_BYTES).toBe(64 * 1024);
  }, 30_000);

  it('a trickle holds a request no longer than its timeout', async () => {
    await answerWith({ status: 200, body: 'Hello from nobody! ', bodyBytes: 1_000_000, bytesPerSecond: 50 });
    const t0 = performance.now();
    const sample = await sampleThroughAlb(direct(), { maxRequests: 2, timeoutMs: 600 });
    const ms = performance.now() - t0;
    expect(sample.answers.map((a) => a.error)).toEqual(['no answer within 600 ms', 'no answer within 600 ms']);
    expect(ms).toBeLessThan(2 * 600 + 800);
    const p0 = performance.now();
    const probe = await probeDirect(task.ip, task.port, 600);
    expect(probe.outcome).toBe('timeout');
    expect(performance.now() - p0).toBeLessThan(1_400);
  }, 30_000);

  it('a redirect is an answer, never followed', async () => {
    let followed = 0;
    const elsewhere = createServer((_req, res) => {
      followed++;
      res.end('Hello from 0123456789ab!');
    });
    await new Promise<void>((r) => elsewhere.listen(0, '127.0.0.1', () => r()));
    const to = `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}/`;
    await answerWith({ status: 302, body: 'moved', headers: { Location: to } });
    const sample = await sampleThroughAlb(direct(), { maxRequests: 2, timeoutMs: 2_000 });
    expect(sample.answers.map((a) => a.status)).toEqual([302, 302]);
    expect(sample.errors).toBe(0);
    expect(followed).toBe(0);
    elsewhere.close();
    await fetch(`${sim.endpoint}/_sim/faults`, { method: 'DELETE' });
  });
});
