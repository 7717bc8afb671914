/**
 * What the main process decides once and provides to the spec worker (vitest provide/inject):
 * the run's configuration, with the started target's endpoint. Nothing travels through process.env.
 */
import type { Config } from '../core/config.js';

export const RUN_CONFIG = 'e2eRunConfig';

declare module 'vitest' {
  export interface ProvidedContext {
    [RUN_CONFIG]: Config;
  }
}
