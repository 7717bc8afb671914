/**
 * Teardown proof: a provision run removes what it created — after it fails at each spec in
 * turn, and after Ctrl-C in the middle. Each run first shows it did create something (so an
 * empty account afterwards means something), then that nothing tagged with its run id is left.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type RunningSim } from '../../sim/index.js';
import { runSuiteChild } from '../support/run-suite.js';
import { clearSimCalls, simCalls, taggedWith } from '../support/sim-admin.js';

const SPECS = ['00-preflight', '01-target-group', '02-load-balancer', '03-service', '04-distribution', '05-old-service', '06-lockdown'];
const TIME_SCALE = '0.02';
let sim: RunningSim;

beforeAll(async () => {
  sim = await startSim({ timeScale: Number(TIME_SCALE), nicknames: [...SPECS.map((_, i) => `t${i}`), 'tint', 'thup'] });
});
afterAll(async () => sim?.close());

const writes = (calls: { action: string }[]) => calls.filter((c) => /^(Create|Authorize|Register)/.test(c.action)).map((c) => c.action);

describe('teardown after a failing provision run', () => {
  SPECS.forEach((spec, i) => {
    it(`fails at ${spec}: nothing tagged with the run is left`, async () => {
      const runId = `teardown-${i}`;
      await clearSimCalls(sim.endpoint);
      const run = await runSuiteChild({
        E2E_ENDPOINT: sim.endpoint,
        E2E_NICKNAME: `t${i}`,
        E2E_RUN_ID: runId,
        E2E_SIM_TIME_SCALE: TIME_SCALE,
        E2E_TEST_FAIL_AT: spec,
        E2E_BAIL: '1',
      });
      expect(run.exitCode, run.stderr.slice(-400)).toBe(1);
      expect(run.status(`${spec}.injected-failure`)).toBe('failed');
      const created = writes(await simCalls(sim.endpoint));
      // specs from 01 on create resources before (or in) the failing spec
      if (i >= 2) expect(created, 'the run created something before failing').toContain('CreateTargetGroup');
      expect(await taggedWith(sim.endpoint, runId), `left behind by run ${runId}`).toEqual([]);
    });
  });
});

describe('teardown after Ctrl-C', () => {
  // SIGHUP: a closed terminal or CloudShell tab, handled as Ctrl-C is
  for (const signal of ['SIGINT', 'SIGHUP'] as const) {
    it(`${signal} while the ALB provisions: exit 130, nothing tagged with the run is left`, async () => {
      const runId = `teardown-${signal.toLowerCase()}`;
      let sawAlb = false;
      const run = await runSuiteChild(
        { E2E_ENDPOINT: sim.endpoint, E2E_NICKNAME: signal === 'SIGINT' ? 'tint' : 'thup', E2E_RUN_ID: runId, E2E_SIM_TIME_SCALE: TIME_SCALE },
        {
          onStart: (child) => {
            const poll = setInterval(async () => {
              const tagged = await taggedWith(sim.endpoint, runId).catch(() => []);
              if (tagged.some((r) => r.type === 'load-balancer')) {
                sawAlb = true;
                clearInterval(poll);
                child.kill(signal);
              }
            }, 25);
            child.on('close', () => clearInterval(poll));
          },
        },
      );
      expect(sawAlb, 'the run got as far as creating the ALB before the interrupt').toBe(true);
      expect(run.exitCode, run.stderr.slice(-400)).toBe(130);
      expect(run.stderr).toContain(`${signal}: stopping the run and removing what it created`);
      expect(await taggedWith(sim.endpoint, runId), `left behind by run ${runId}`).toEqual([]);
    });
  }
});
