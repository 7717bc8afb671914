/**
 * The specs are the module's steps: they run in file-name order (00-…, 01-…), never in
 * vitest's default order (slowest first, by cached durations).
 */
import { BaseSequencer, type TestSpecification } from 'vitest/node';

export class FileOrderSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    return [...files].sort((a, b) => a.moduleId.localeCompare(b.moduleId));
  }
}
