/**
 * cliScriptMs: the script a user would write instead of the suite (bench/cli-script.sh: the AWS
 * CLI with its waiters, and curl), doing Module 04's steps and checks against the simulator at
 * the e2e figures' time scale, timed from its start to its exit. The simulator is started
 * first and not counted — the e2e wall time does count starting its own, so the ratio
 * e2e / script leans against the suite. Where `aws` (or bash, curl) is missing: skipped, saying why.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { startSim } from '../sim/index.js';
import { cleanEnv, spawnTimed } from './child.js';
import { round } from './stats.js';

export interface CliScriptRun {
  wallMs: number;
  exitCode: number | null;
  /** Each step's line (ms from the script's start: what). */
  steps: string[];
}

export type CliScript = { skipped: string } | { runs: CliScriptRun[] };

export function cliScriptMissing(): string | undefined {
  for (const [tool, args] of [['aws', ['--version']], ['bash', ['--version']], ['curl', ['--version']]] as const) {
    if (spawnSync(tool, [...args], { stdio: 'ignore' }).status !== 0) return `${tool} is not on PATH: the AWS-CLI script cannot run here`;
  }
  return undefined;
}

export async function cliScript(root: string, timeScale: number, runs: number): Promise<CliScript> {
  const missing = cliScriptMissing();
  if (missing) return { skipped: missing };
  const out: CliScriptRun[] = [];
  for (let i = 0; i < runs; i++) {
    const sim = await startSim({ timeScale });
    try {
      const t = spawnTimed('bash', [join(root, 'bench', 'cli-script.sh')], { cwd: root, env: cleanEnv({ ENDPOINT: sim.endpoint, NICK: 'nick' }), markers: {} });
      const exit = await t.exited;
      if (exit.code !== 0) process.stderr.write(`bench: cli-script.sh exited ${exit.code ?? exit.signal}; its output ends:\n${exit.output.slice(-2000)}\n`);
      out.push({ wallMs: round(exit.ms), exitCode: exit.code, steps: exit.output.split('\n').filter((l) => /^\d+ ms: /.test(l)) });
    } finally {
      await sim.close();
    }
  }
  return { runs: out };
}
