/**
 * The fault corpus (corpus.ts): each participant mistake fails the suite at the right check,
 * with a message that names the resource, the expected and the seen value (run-corpus.ts).
 * Last, every check of the suite must have failed in some case (or be listed with why not).
 *
 * In npm test on the kind simulator. `npm run faults -- --realism aws` runs the same file with
 * E2E_SIM_REALISM=aws: the simulator at AWS's hardest (README, "Fault corpus").
 */
import { corpus, moreCases } from './corpus.js';
import { describeCorpus } from './run-corpus.js';

const realism = process.env.E2E_SIM_REALISM === 'aws' ? 'aws' : 'off';
describeCorpus({
  title: realism === 'aws' ? 'fault corpus (the simulator at AWS\'s hardest)' : 'fault corpus (the simulator)',
  cases: [...corpus, ...moreCases],
  realism,
  timeScale: 0.02,
  everyCheckFails: true,
});
