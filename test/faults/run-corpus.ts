/**
 * Runs fault cases as vitest tests: each participant mistake is built on one simulator (every
 * case's participant side by side), graded by `ecs-alb-e2e run` in a child process, and must
 * fail at the right check, with a message that names the resource, the expected and the seen
 * value; checks before it pass; the rest pass or are skipped for a stated reason. Used by
 * faults.test.ts (the whole corpus, on the kind simulator or — `npm run faults -- --realism
 * aws` — at AWS's hardest) and faults-realism.test.ts (a subset at AWS's hardest, in npm test).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DescribeTasksCommand, ListTasksCommand } from '@aws-sdk/client-ecs';
import { startSim, type RunningSim } from '../../sim/index.js';
import { buildModule04, sdkClients, type Built } from '../support/participant.js';
import { notPassing, runSuiteChild } from '../support/run-suite.js';
import { NOT_SHOWN_TO_FAIL, VERIFY_MODE_SKIPS, type FaultCase, type SimAdmin } from './corpus.js';

export interface CorpusRun {
  title: string;
  cases: FaultCase[];
  realism: 'off' | 'aws';
  timeScale: number;
  /** Last, require every check of the suite to have failed in some case (the whole corpus only). */
  everyCheckFails?: boolean;
}

async function post(endpoint: string, body: object) {
  const r = await fetch(`${endpoint}/_sim/faults`, { method: 'POST', body: JSON.stringify(body) });
  if (!r.ok) throw new Error(`sim admin: ${await r.text()}`);
}

export function describeCorpus(run: CorpusRun): void {
  const { cases } = run;
  const TIME_SCALE = String(run.timeScale);
  let sim: RunningSim;
  let notAws: Server;
  let notAwsEndpoint = '';
  const failedSomewhere = new Set<string>();
  const allCheckIds = new Set<string>();

  const nickOf = (i: number) => `f${String(i + 1).padStart(2, '0')}`;

  const admin = (endpoint: string): SimAdmin => ({
    setTaskMode: (taskArn, mode) => post(endpoint, { taskArn, mode }),
    skipTarget: (loadBalancerArn, target) => post(endpoint, { loadBalancerArn, skipTarget: target }),
    setLoadBalancerState: (loadBalancerArn, state) => post(endpoint, { loadBalancerArn, state }),
    async serviceTasks(built: Built) {
      const cluster = built.names.cluster;
      const arns = (await built.ecs.send(new ListTasksCommand({ cluster, serviceName: built.names.service }))).taskArns ?? [];
      const tasks = (await built.ecs.send(new DescribeTasksCommand({ cluster, tasks: arns }))).tasks ?? [];
      return tasks.map((t) => {
        const instanceId = sim.ctx.world.containerInstances.get(t.containerInstanceArn!)?.ec2InstanceId ?? '';
        return { taskArn: t.taskArn!, instanceId, hostPort: t.containers![0]!.networkBindings![0]!.hostPort! };
      });
    },
  });

  beforeAll(async () => {
    sim = await startSim({ timeScale: run.timeScale, nicknames: cases.map((_, i) => nickOf(i)), realism: run.realism });
    // an HTTP server that is not an AWS API: what a participant gets on a wrong port
    notAws = createServer((_req, res) => res.writeHead(404, { 'content-type': 'text/html' }).end('<h1>Not Found</h1>'));
    await new Promise<void>((r) => notAws.listen(0, '127.0.0.1', () => r()));
    notAwsEndpoint = `http://127.0.0.1:${(notAws.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await sim?.close();
    notAws?.close();
  });

  // Each case is its own participant on the shared simulator, so cases run a few at a time
  // (the suite project's maxConcurrency): a run spends most of its wall time waiting on simulated
  // delays, not on the CPU.
  describe(run.title, () => {
    cases.forEach((fault, i) => {
      it.concurrent(`${fault.mistake} → ${fault.mustFail.join(', ')}`, async ({ expect }) => {
        const nickname = nickOf(i);
        const mode = fault.mode ?? 'verify';
        const aws = run.realism === 'aws' ? fault.realism : undefined;
        if (fault.prepare) await fault.prepare({ nickname, clients: sdkClients(sim.endpoint) });
        if (fault.build) {
          const built = await buildModule04(sim.endpoint, nickname, fault.build);
          await fault.after?.(built);
          await fault.switch?.(built, admin(sim.endpoint));
        }
        const result = await runSuiteChild({
          E2E_ENDPOINT: fault.notAwsEndpoint ? notAwsEndpoint : sim.endpoint,
          E2E_MODE: mode,
          E2E_NICKNAME: fault.gradeNickname ?? nickname,
          E2E_SIM_TIME_SCALE: TIME_SCALE,
        });
        const checks = result.report?.checks ?? [];
        for (const c of checks) {
          allCheckIds.add(c.id);
          if (c.status === 'failed') failedSomewhere.add(c.id);
        }
        const seen = notPassing(result);
        if (aws?.heals) {
          // AWS repairs it (aws.why): the suite must judge the repaired deployment right
          expect(checks.filter((c) => c.status === 'failed').map((c) => c.id), `${aws.why}; not passing:\n${seen}`).toEqual([]);
          expect(result.exitCode, `exit code; not passing:\n${seen}`).toBe(0);
          return;
        }
        expect(result.exitCode, `exit code; not passing:\n${seen}`).toBe(1);

        for (const id of fault.mustFail) expect(result.status(id), `${id} must fail; not passing:\n${seen}`).toBe('failed');
        const message = result.reason(fault.mustFail[0]!);
        for (const word of aws?.messageContains ?? fault.messageContains) expect(message, `message of ${fault.mustFail[0]} must name "${word}"`).toContain(word);
        const mustPass = (fault.mustPass ?? []).filter((id) => !aws?.mayFail?.includes(id));
        for (const id of mustPass) expect(result.status(id), `${id} must pass; not passing:\n${seen}`).toBe('passed');

        const first = checks.findIndex((c) => c.id === fault.mustFail[0]);
        // under realism a consequence (aws.mayFail) may come first: a churning service fails service.tasks before its health
        const before = checks.slice(0, first).filter((c) => c.status === 'failed' && !aws?.mayFail?.includes(c.id)).map((c) => c.id);
        expect(before, `checks before ${fault.mustFail[0]} must not fail`).toEqual([]);
        const allowed = new Set([...fault.mustFail, ...(fault.mayFail ?? []), ...(aws?.mayFail ?? [])]);
        const unexpected = checks.filter((c) => c.status === 'failed' && !allowed.has(c.id)).map((c) => `${c.id}: ${c.reason?.split('\n')[0]}`);
        expect(unexpected, 'failures this mistake does not explain').toEqual([]);
        for (const c of checks.filter((c) => c.status === 'skipped')) {
          const stated = (mode === 'verify' && VERIFY_MODE_SKIPS.includes(c.id)) || /^depends on /.test(c.reason ?? '');
          expect(stated, `${c.id} skipped without a stated dependency: ${c.reason}`).toBe(true);
        }
      });
    });

    if (run.everyCheckFails) {
      it('every check of the suite failed in some case, or is listed with why it cannot be made to fail here', () => {
        const never = [...allCheckIds].filter((id) => !failedSomewhere.has(id) && !(id in NOT_SHOWN_TO_FAIL));
        expect(allCheckIds.size, 'checks seen in the reports').toBeGreaterThanOrEqual(40);
        expect(never, 'checks no fault made fail').toEqual([]);
        const listedButShown = Object.keys(NOT_SHOWN_TO_FAIL).filter((id) => failedSomewhere.has(id));
        expect(listedButShown, 'listed as not shown, yet a case made them fail: take them off the list').toEqual([]);
      });
    }
  });
}
