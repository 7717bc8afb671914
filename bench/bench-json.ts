/**
 * reports/bench.json is one object every benchmark adds to: each writes its own top-level keys
 * and keeps the others' (`npm run bench` and `npm run bench:grade` run apart).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export function mergeBenchJson(file: string, figures: Record<string, unknown>): Record<string, unknown> {
  let earlier: Record<string, unknown> = {};
  if (existsSync(file)) {
    try {
      const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) earlier = parsed as Record<string, unknown>;
    } catch {
      // an unreadable file is replaced, not merged
    }
  }
  const merged = { ...earlier, ...figures };
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(merged, null, 2)}\n`);
  return merged;
}
