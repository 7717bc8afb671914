/**
 * The layer map of the README, checked: dependency-cruiser with the rules in
 * .dependency-cruiser.cjs (no import circle, no layer importing one above it, specs never
 * write, the simulator stands alone), plus the one rule it cannot express: only the
 * configuration module reads process.env in helpers/ and specs/.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { cruise } from 'dependency-cruiser';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..', '..');
const rules = createRequire(import.meta.url)(join(root, '.dependency-cruiser.cjs'));

async function violations(extraForbidden: unknown[] = []) {
  const result = await cruise(['helpers', 'specs', 'cli', 'sim', 'fixtures'], {
    ...rules.options,
    baseDir: root,
    ruleSet: { forbidden: [...rules.forbidden, ...extraForbidden] },
    validate: true,
  });
  const output = result.output as { summary: { violations: { rule: { name: string }; from: string; to: string; cycle?: { name: string }[] }[] } };
  return output.summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}${v.cycle ? ` (${v.cycle.map((c) => c.name).join(' → ')})` : ''}`);
}

describe('architecture', () => {
  it('no import circle, no upward import, specs never write, the simulator stands alone', async () => {
    expect(await violations()).toEqual([]);
  }, 60_000);

  it('the rules can fail: a rule forbidding what specs really import is reported', async () => {
    const found = await violations([{ name: 'probe', severity: 'error', from: { path: '^specs/' }, to: { path: '^helpers/suite/step' } }]);
    expect(found.some((v) => v.startsWith('probe: specs/'))).toBe(true);
  }, 60_000);

  it('only helpers/core/config.ts (and the vitest global setup, through it) reads process.env in helpers/ and specs/', () => {
    const readers: string[] = [];
    for (const dir of ['helpers', 'specs']) {
      for (const file of readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' })) {
        if (!file.endsWith('.ts')) continue;
        const code = readFileSync(join(root, dir, file), 'utf8').replace(/^\s*(\/\/|\*|\/\*).*$/gm, '');
        if (/process\.env\b/.test(code)) readers.push(`${dir}/${file}`);
      }
    }
    expect(readers).toEqual(['helpers/core/config.ts']);
  });
});
