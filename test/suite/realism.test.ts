/**
 * The suite under the simulator at its hardest (`--realism aws`: eventual consistency,
 * throttling, ALB keep-alive 502s, deregistration and stop timeouts, health replacement,
 * lingering ALB interfaces, purges, start jitter): a provision run passes with nothing skipped and
 * leaves nothing tagged with its run id — teardown sits out what AWS makes it wait for.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startSim, type RunningSim } from '../../sim/index.js';
import { notPassing, runSuiteChild } from '../support/run-suite.js';

const TIME_SCALE = '0.02';
let sim: RunningSim;
beforeAll(async () => {
  sim = await startSim({ timeScale: Number(TIME_SCALE), nicknames: ['real1'], realism: 'aws' });
});
afterAll(async () => sim?.close());

it('a provision run on AWS at its hardest passes, nothing skipped, and leaves nothing tagged', async () => {
  const runId = 'realism-run-1';
  const run = await runSuiteChild({ E2E_ENDPOINT: sim.endpoint, E2E_NICKNAME: 'real1', E2E_SIM_TIME_SCALE: TIME_SCALE, E2E_RUN_ID: runId });
  const bad = (run.report?.checks ?? []).filter((c) => c.status !== 'passed');
  expect(bad.map((c) => `${c.status} ${c.id}`), notPassing(run)).toEqual([]);
  expect(run.exitCode, notPassing(run)).toBe(0);
  const resources = (await (await fetch(`${sim.endpoint}/_sim/resources`)).json()) as { type: string; id: string; tags: Record<string, string> }[];
  // an INACTIVE service keeps its tags until AWS purges it; everything else must be gone
  const left = resources.filter((r) => r.tags?.['e2e:run'] === runId && r.type !== 'service');
  expect(left.map((r) => `${r.type} ${r.id}`), run.stderr.slice(-2000)).toEqual([]);
  const calls = (await (await fetch(`${sim.endpoint}/_sim/calls`)).json()) as { action: string; error?: string }[];
  // teardown met what AWS makes it wait for: the deleted ALB's interfaces held its group (DependencyViolation), and it waited them out
  const deletes = calls.filter((c) => c.action === 'DeleteSecurityGroup');
  expect(deletes.some((c) => c.error === 'DependencyViolation'), 'DeleteSecurityGroup answered DependencyViolation at first').toBe(true);
  expect(deletes.at(-1)?.error, 'the last DeleteSecurityGroup succeeded').toBeUndefined();
}, 300_000);
