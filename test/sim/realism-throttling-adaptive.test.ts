/**
 * The suite's own SDK clients (helpers/cloud/clients.ts, adaptive retry) against realism.throttling:
 * a burst on a bucket another client of the account emptied still answers every call, the
 * simulator saw the throttled attempts, and the client's rate limiter has engaged (adaptive mode
 * slows a throttled client's sending rate; standard mode has no limiter).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DescribeVpcsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createClients, instrument, type ApiCall } from '../../helpers/cloud/clients.js';
import { WaitTimeout, type WaitRecord } from '../../helpers/core/waits.js';
import { startSim, type RunningSim } from '../../sim/index.js';
import { profileAt, strategyOf } from '../support/profiles.js';
import { clearSimCalls, simCalls } from '../support/sim-admin.js';

let sim: RunningSim;
// time scale 1: DescribeVpcs' bucket holds 100 and refills 20 per second
beforeAll(async () => {
  sim = await startSim({ timeScale: 1, nicknames: [], scenario: 'empty', behaviours: { throttling: true } });
});
afterAll(async () => sim?.close());

it('a burst on an emptied bucket answers every call; the throttled attempts were retried and the rate limiter engaged', async () => {
  const c = createClients(profileAt(sim.endpoint), 'verify');
  try {
    // another client of the account (no retry) empties the bucket first
    const other = new EC2Client({ endpoint: sim.endpoint, region: sim.region, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
    const drained = await Promise.allSettled(Array.from({ length: 150 }, () => other.send(new DescribeVpcsCommand({}))));
    other.destroy();
    expect(drained.some((r) => r.status === 'rejected'), 'the other client met the empty bucket').toBe(true);
    await clearSimCalls(sim.endpoint);
    const burst = await Promise.allSettled(Array.from({ length: 3 }, () => c.ec2.send(new DescribeVpcsCommand({}))));
    const failed = burst.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason?.name));
    expect(failed, 'calls that failed despite the retries').toEqual([]);
    const throttledAttempts = (await simCalls(sim.endpoint)).filter((x) => x.action === 'DescribeVpcs' && x.error === 'RequestLimitExceeded').length;
    expect(throttledAttempts, 'attempts the simulator throttled').toBeGreaterThan(0);
    // the client's own log shows only the answers it returned: retries happen below it
    expect(c.calls.filter((x) => x.action === 'DescribeVpcs' && !x.error)).toHaveLength(3);
    const limiter = (await strategyOf(c.ec2)).rateLimiter;
    expect(limiter?.enabled, 'adaptive mode: a throttled client limits its own sending rate').toBe(true);
  } finally {
    c.destroy();
  }
}, 60_000);

it('a call still throttled after the SDK\'s attempts is asked again later (bounded, recorded as a wait), not failed', async () => {
  let n = 0;
  const server = createServer((_req, res) => {
    if (++n <= 2) {
      res.writeHead(503, { 'content-type': 'text/xml' }).end('<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error></Errors><RequestID>r</RequestID></Response>');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/xml' }).end('<DescribeVpcsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r</requestId><vpcSet/></DescribeVpcsResponse>');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // no SDK retry at all: what the SDK's attempts could not get past reaches the layer at once
  const client = new EC2Client({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
  const calls: ApiCall[] = [];
  const waits: WaitRecord[] = [];
  instrument(client, { readOnly: true, calls, onThrottledWait: (w) => waits.push(w), throttlePatienceMs: 20_000 });
  try {
    await client.send(new DescribeVpcsCommand({}));
    expect(calls.map((c) => c.error ?? 'ok')).toEqual(['RequestLimitExceeded', 'RequestLimitExceeded', 'ok']);
    expect(waits).toHaveLength(1);
    expect(waits[0]).toMatchObject({ what: 'ec2:DescribeVpcs to be answered (throttled)', ok: true, transient: 1, transientBy: { RequestLimitExceeded: 1 } });
    expect(waits[0]!.backoffMs).toBeGreaterThan(0);
    // bounded: throttled for longer than the patience is a named timeout, not a verdict
    n = -1_000;
    const impatient = new EC2Client({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
    instrument(impatient, { readOnly: true, calls, throttlePatienceMs: 2_500 });
    const err = await impatient.send(new DescribeVpcsCommand({})).catch((e: Error) => e);
    impatient.destroy();
    expect(err).toBeInstanceOf(WaitTimeout);
    expect((err as Error).message).toMatch(/^timed out after \d+\.\d s waiting for ec2:DescribeVpcs to be answered \(throttled\); last state seen: RequestLimitExceeded$/);
  } finally {
    client.destroy();
    server.close();
  }
}, 60_000);
