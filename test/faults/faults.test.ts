/**
 * Each participant mistake fails the suite at the right check, with a message that names the
 * resource, the expected and the seen value; checks before it pass; the rest pass or are
 * skipped for a stated reason. One simulator holds every case's participant side by side.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DescribeTasksCommand, ListTasksCommand } from '@aws-sdk/client-ecs';
import { startSim, type RunningSim } from '../../sim/index.js';
import { buildModule04, type Built } from '../support/participant.js';
import { notPassing, runSuiteChild } from '../support/run-suite.js';
import { corpus, VERIFY_MODE_SKIPS, type SimAdmin } from './corpus.js';

const TIME_SCALE = '0.02';
let sim: RunningSim;

const nickOf = (i: number) => `f${String(i + 1).padStart(2, '0')}`;

const admin = (endpoint: string): SimAdmin => ({
  async setTaskMode(taskArn, mode) {
    const r = await fetch(`${endpoint}/_sim/faults`, { method: 'POST', body: JSON.stringify({ taskArn, mode }) });
    if (!r.ok) throw new Error(`sim admin: ${await r.text()}`);
  },
  async skipTarget(loadBalancerArn, target) {
    const r = await fetch(`${endpoint}/_sim/faults`, { method: 'POST', body: JSON.stringify({ loadBalancerArn, skipTarget: target }) });
    if (!r.ok) throw new Error(`sim admin: ${await r.text()}`);
  },
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
  sim = await startSim({ timeScale: Number(TIME_SCALE), nicknames: corpus.map((_, i) => nickOf(i)) });
});
afterAll(async () => sim?.close());

describe('fault corpus (verify mode on the simulator)', () => {
  corpus.forEach((fault, i) => {
    it(`${fault.mistake} → ${fault.mustFail.join(', ')}`, async () => {
      const nickname = nickOf(i);
      const built = await buildModule04(sim.endpoint, nickname, fault.build);
      await fault.switch?.(built, admin(sim.endpoint));
      const run = await runSuiteChild({ E2E_ENDPOINT: sim.endpoint, E2E_MODE: 'verify', E2E_NICKNAME: nickname, E2E_SIM_TIME_SCALE: TIME_SCALE });
      const checks = run.report?.checks ?? [];
      const seen = notPassing(run);
      expect(run.exitCode, `exit code; not passing:\n${seen}`).toBe(1);

      for (const id of fault.mustFail) expect(run.status(id), `${id} must fail; not passing:\n${seen}`).toBe('failed');
      const message = run.reason(fault.mustFail[0]!);
      for (const word of fault.messageContains) expect(message, `message of ${fault.mustFail[0]} must name "${word}"`).toContain(word);
      for (const id of fault.mustPass ?? []) expect(run.status(id), `${id} must pass; not passing:\n${seen}`).toBe('passed');

      const first = checks.findIndex((c) => c.id === fault.mustFail[0]);
      const before = checks.slice(0, first).filter((c) => c.status === 'failed').map((c) => c.id);
      expect(before, `checks before ${fault.mustFail[0]} must not fail`).toEqual([]);
      const allowed = new Set([...fault.mustFail, ...(fault.mayFail ?? [])]);
      const unexpected = checks.filter((c) => c.status === 'failed' && !allowed.has(c.id)).map((c) => `${c.id}: ${c.reason?.split('\n')[0]}`);
      expect(unexpected, 'failures this mistake does not explain').toEqual([]);
      for (const c of checks.filter((c) => c.status === 'skipped')) {
        const stated = VERIFY_MODE_SKIPS.includes(c.id) || /^depends on /.test(c.reason ?? '');
        expect(stated, `${c.id} skipped without a stated dependency: ${c.reason}`).toBe(true);
      }
    });
  });
});
