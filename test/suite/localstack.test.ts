/**
 * The LocalStack target runs Module 04 end to end on the simulator's LocalStack persona
 * (provision mode, from the persona's seeded module 01–03 baseline): no check fails, and every
 * skip names a LocalStack limit. Told faults LocalStack can express still fail there.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type RunningSim } from '../../sim/index.js';
import { notPassing, runSuiteChild } from '../support/run-suite.js';

const TIME_SCALE = '0.02';
const LOCALSTACK_LIMIT = /LocalStack/;

let sim: RunningSim;
beforeAll(async () => {
  sim = await startSim({ persona: 'localstack', timeScale: Number(TIME_SCALE), nicknames: ['ls1'] });
});
afterAll(async () => sim?.close());

function run(nickname: string, extra: Record<string, string> = {}) {
  return runSuiteChild({ E2E_TARGET: 'localstack', E2E_ENDPOINT: sim.endpoint, E2E_NICKNAME: nickname, E2E_SIM_TIME_SCALE: TIME_SCALE, ...extra });
}

describe('E2E_TARGET=localstack on the LocalStack persona', () => {
  it('provision run: 0 failed, every skip names a LocalStack limit', async () => {
    const r = await run('ls1');
    const checks = r.report?.checks ?? [];
    expect(checks.filter((c) => c.status === 'failed').map((c) => `${c.id}: ${c.reason ?? ''}`), notPassing(r)).toEqual([]);
    const badSkips = checks.filter((c) => c.status === 'skipped' && !LOCALSTACK_LIMIT.test(c.reason ?? ''));
    expect(badSkips.map((c) => `${c.id}: ${c.reason}`), notPassing(r)).toEqual([]);
    expect(r.exitCode, notPassing(r)).toBe(0);
    expect(checks.filter((c) => c.status === 'passed').length).toBeGreaterThanOrEqual(25);
  }, 240_000);
});
