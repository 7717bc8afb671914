/**
 * `ecs-alb-e2e check`, the participant's self-check, against one simulator holding a
 * participant at each step of Module 04: it says which steps are done and what is next, and
 * with --step N judges only steps up to N.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type RunningSim } from '../../sim/index.js';
import { buildModule04, type Mistakes } from '../support/participant.js';

const root = resolve(import.meta.dirname, '..', '..');
let sim: RunningSim;

function check(nickname: string, ...args: string[]): Promise<{ exitCode: number | null; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('E2E_') && !k.startsWith('VITEST')) env[k] = v;
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(root, 'cli', 'main.ts'), 'check', '--target', 'sim', '--endpoint', sim.endpoint, '--nickname', nickname, '--report-dir', mkdtempSync(join(tmpdir(), 'check-')), ...args],
    { cwd: root, env: { ...env, NODE_NO_WARNINGS: '1', FORCE_COLOR: '0', E2E_SIM_TIME_SCALE: '0.05' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d));
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  return new Promise((r) => child.on('close', (exitCode) => r({ exitCode, stdout, stderr })));
}

/** A participant at each point of the module: what they built, the step reached, the next spec. */
const AT: Array<{ nick: string; stopAfter?: Mistakes['stopAfter'] | 'nothing'; step: number; next?: string }> = [
  { nick: 'c0', stopAfter: 'nothing', step: 0, next: '01-target-group — Module 04, step 1 — target group: create the target group c0-ecs-tg' },
  { nick: 'c1', stopAfter: 'target-group', step: 1, next: '02-load-balancer — Module 04, step 1 — load balancer: create the Application Load Balancer c1-ecs-alb' },
  { nick: 'c2', stopAfter: 'load-balancer', step: 2, next: '03-service — Module 04, step 2 — service: create the service c2-ecs-app-alb' },
  { nick: 'c3', stopAfter: 'service', step: 4, next: '05-old-service — Module 04, step 3 — old service: update the old service c3_app_service to 0 desired tasks' },
  { nick: 'c4', stopAfter: 'old-service', step: 5, next: "06-lockdown — Module 04, step 4 — security group: remove every inbound rule of the instances' group and add All TCP from the ALB's group" },
  { nick: 'c5', step: 6 },
];

beforeAll(async () => {
  sim = await startSim({ nicknames: AT.map((a) => a.nick), timeScale: 0.05 });
  // independent participants: built side by side, checked a few at a time (it.concurrent)
  await Promise.all(AT.map((a) => (a.stopAfter === 'nothing' ? undefined : buildModule04(sim.endpoint, a.nick, a.stopAfter ? { stopAfter: a.stopAfter } : {}))));
}, 300_000);

afterAll(async () => {
  await sim?.close();
});

describe('ecs-alb-e2e check at each step of the module', () => {
  for (const a of AT) {
    it.concurrent(`${a.nick}: built up to step ${a.step}`, async ({ expect }) => {
      const all = await check(a.nick);
      const done = all.stdout.split('\n').filter((l) => l.includes('✓ done')).map((l) => l.trim().split(/\s+/)[2]);
      expect(done, all.stdout + all.stderr).toEqual(['00-preflight', '01-target-group', '02-load-balancer', '03-service', '04-distribution', '05-old-service', '06-lockdown'].slice(0, a.step + 1));
      if (a.next) {
        expect(all.exitCode, all.stdout).toBe(1);
        expect(all.stdout).toContain(`next: ${a.next}`);
      } else {
        expect(all.exitCode, all.stdout).toBe(0);
        expect(all.stdout).toContain('every step asked for is done');
      }
      // --step N: only what they have reached is judged
      const reached = await check(a.nick, '--step', String(a.step));
      expect(reached.exitCode, reached.stdout + reached.stderr).toBe(0);
      expect(reached.stdout).toContain('every step asked for is done');
      expect(reached.stdout).not.toContain('✗');
      if (a.step < 6) {
        const ahead = await check(a.nick, '--step', String(a.step + 1));
        expect(ahead.exitCode, ahead.stdout).toBe(1);
        expect(ahead.stdout).toContain(`next: ${a.next!.split(' — ')[0]}`);
      }
    }, 120_000);
  }

  it('refuses a step out of range with one line, exit 2', async () => {
    const r = await check('c0', '--step', '7');
    expect(r.exitCode).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/--step must be a whole number from 0 to 6/);
  });
});
