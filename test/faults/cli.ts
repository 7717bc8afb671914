/**
 * npm run faults [-- --realism aws]: the whole fault corpus (faults.test.ts) on its own, with the
 * simulator kind (default, as in npm test) or at AWS's hardest — E2E_SIM_REALISM=aws for the
 * test file, which starts its simulator with it. Exit code: vitest's.
 */
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { Command } from 'commander';

const root = resolve(import.meta.dirname, '..', '..');
const program = new Command('faults')
  .option('--realism <level>', 'off | aws: the simulator plays AWS at its hardest', process.env.E2E_SIM_REALISM ?? 'off')
  .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2))
  .parse();
const { realism } = program.opts<{ realism: string }>();
if (realism !== 'off' && realism !== 'aws') {
  console.error(`faults: --realism must be off or aws, got ${realism}`);
  process.exit(2);
}
const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs');
const r = spawnSync(process.execPath, [vitest, 'run', '--project', 'suite', 'test/faults/faults.test.ts'], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, E2E_SIM_REALISM: realism },
});
process.exit(r.status ?? 1);
