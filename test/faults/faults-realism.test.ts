/**
 * A subset of the fault corpus with the simulator at AWS's hardest (`realism: 'aws'`), in npm
 * test — the whole corpus under realism is `npm run faults -- --realism aws` (README, "Fault
 * corpus"). Chosen for what realism changes and for cost (≈ 30 s): a task answering 500 is
 * replaced by the scheduler and the deployment heals (health replacement); an instance group
 * still open to the world is still caught although the ALB keeps pooled connections across the
 * rule change (keep-alive); every target failing the health checks makes the service churn and the
 * message names its health event (health replacement, fail open).
 */
import { corpus, moreCases } from './corpus.js';
import { describeCorpus } from './run-corpus.js';

export const REALISM_SUBSET = ['task-500', 'instances-open', 'fail-open'];
const all = [...corpus, ...moreCases];
const cases = REALISM_SUBSET.map((slug) => {
  const c = all.find((x) => x.slug === slug);
  if (!c) throw new Error(`faults-realism: no case ${slug} in the corpus`);
  return c;
});

describeCorpus({ title: "fault corpus subset (the simulator at AWS's hardest)", cases, realism: 'aws', timeScale: 0.02 });
