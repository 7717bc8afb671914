/**
 * The LocalStack target runs Module 04 end to end on the simulator's LocalStack persona
 * (provision mode, from the persona's seeded module 01–03 baseline): no check fails, and every
 * skip names a LocalStack limit. The ALB the suite built answers through both LocalStack
 * addressing forms on the persona's gateway, and told faults LocalStack can express still
 * fail there (verify mode, built by hand as a participant would).
 */
import { DescribeLoadBalancersCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localstackAlbAddress, localstackAlbFallback } from '../../helpers/targets/localstack.js';
import { sampleThroughAlb } from '../../helpers/traffic/http.js';
import { startSim, type RunningSim } from '../../sim/index.js';
import { corpus, VERIFY_MODE_SKIPS } from '../faults/corpus.js';
import { buildModule04, sdkClients } from '../support/participant.js';
import { notPassing, runSuiteChild, type SuiteRun } from '../support/run-suite.js';

const TIME_SCALE = '0.02';
/** Each LocalStack limit a skip may name (the profile's capability reasons). */
const LOCALSTACK_LIMIT = /^LocalStack (does not enforce security groups|target-health transitions are unreliable|runs ECS tasks as local Docker containers)/;
// two-tasks also fails there, but only after the LocalStack profile's unscaled 120 s settle time: left to the corpus on the simulator
const FAULTS = ['tg-port-80', 'tg-threshold-5', 'listener-8080'];
const faults = corpus.filter((f) => FAULTS.includes(f.slug));

let sim: RunningSim;
beforeAll(async () => {
  sim = await startSim({ persona: 'localstack', timeScale: Number(TIME_SCALE), nicknames: ['ls1', 'lsaddr', ...faults.map((f) => `lsf-${f.slug}`)] });
});
afterAll(async () => sim?.close());

function run(nickname: string, extra: Record<string, string> = {}): Promise<SuiteRun> {
  return runSuiteChild({ E2E_TARGET: 'localstack', E2E_ENDPOINT: sim.endpoint, E2E_NICKNAME: nickname, E2E_SIM_TIME_SCALE: TIME_SCALE, ...extra });
}

const skippedForOtherReasons = (r: SuiteRun, allowed: string[] = []) =>
  (r.report?.checks ?? [])
    .filter((c) => c.status === 'skipped' && !LOCALSTACK_LIMIT.test(c.reason ?? '') && !allowed.includes(c.id) && !/^depends on /.test(c.reason ?? ''))
    .map((c) => `${c.id}: ${c.reason}`);

describe('E2E_TARGET=localstack on the LocalStack persona', () => {
  it('provision run: 0 failed, every skip names a LocalStack limit', async () => {
    const r = await run('ls1');
    const checks = r.report?.checks ?? [];
    expect(checks.filter((c) => c.status === 'failed').map((c) => `${c.id}: ${c.reason ?? ''}`), notPassing(r)).toEqual([]);
    const skips = checks.filter((c) => c.status === 'skipped');
    expect(skips.filter((c) => !LOCALSTACK_LIMIT.test(c.reason ?? '')).map((c) => `${c.id}: ${c.reason}`), notPassing(r)).toEqual([]);
    expect(skips.map((c) => c.id).sort()).toEqual(['lockdown.direct-access-blocked', 'lockdown.direct-reachable-before', 'service.targets-healthy']);
    expect(r.exitCode, notPassing(r)).toBe(0);
    expect(checks.length).toBeGreaterThanOrEqual(40);
    expect(Object.values(r.report!.distribution ?? {})).toHaveLength(3);
  }, 240_000);

  it('an ALB on the persona has a LocalStack DNS name and answers by Host on the gateway port and by /_aws/elb/ path', async () => {
    // the provision run tears its ALB down: this one is built by hand
    const built = await buildModule04(sim.endpoint, 'lsaddr');
    const { elb } = sdkClients(sim.endpoint);
    const lb = (await elb.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [built.loadBalancerArn] }))).LoadBalancers![0]!;
    expect(lb.DNSName).toBe('lsaddr-ecs-alb.elb.localhost.localstack.cloud');
    expect(new URL(sim.endpoint).port, 'the gateway is on a port of its own, as testcontainers maps it').not.toBe('4566');
    for (const address of [localstackAlbAddress(sim.endpoint, lb.DNSName!, 80, lb.LoadBalancerArn), localstackAlbFallback(sim.endpoint, lb.LoadBalancerArn!)]) {
      const sample = await sampleThroughAlb(address, { maxRequests: 3, timeoutMs: 5_000 });
      expect(sample.answers.map((a) => a.status), JSON.stringify(address)).toEqual([200, 200, 200]);
      expect(sample.answers.every((a) => !!a.id), 'answers name their container').toBe(true);
    }
  }, 60_000);
});

describe('told faults LocalStack can express still fail on the persona (verify mode)', () => {
  for (const fault of faults) {
    it(`${fault.mistake} → ${fault.mustFail.join(', ')}`, async () => {
      const nickname = `lsf-${fault.slug}`;
      await buildModule04(sim.endpoint, nickname, fault.build ?? {});
      const r = await run(nickname, { E2E_MODE: 'verify' });
      expect(r.exitCode, notPassing(r)).toBe(1);
      for (const id of fault.mustFail) expect(r.status(id), `${id} must fail; not passing:\n${notPassing(r)}`).toBe('failed');
      for (const word of fault.messageContains) expect(r.reason(fault.mustFail[0]!)).toContain(word);
      const allowed = new Set([...fault.mustFail, ...(fault.mayFail ?? [])]);
      const unexpected = (r.report?.checks ?? []).filter((c) => c.status === 'failed' && !allowed.has(c.id)).map((c) => `${c.id}: ${c.reason?.split('\n')[0]}`);
      expect(unexpected, 'failures this mistake does not explain').toEqual([]);
      expect(skippedForOtherReasons(r, VERIFY_MODE_SKIPS), 'skips that name no LocalStack limit').toEqual([]);
    }, 240_000);
  }
});
