/** The tags on everything a provision run creates: what teardown and sweep delete by (never untagged resources). */
export const RUN_TAG = 'e2e:run';
export const CREATED_TAG = 'e2e:created';

export const runTags = (runId: string) => [
  { Key: RUN_TAG, Value: runId },
  { Key: CREATED_TAG, Value: new Date().toISOString() },
];

/** ECS spells tag keys and values in lower case. */
export const ecsTags = (runId: string) => runTags(runId).map((t) => ({ key: t.Key, value: t.Value }));

export interface SweepFilter {
  /** Only this run's resources; undefined = every run's. */
  runId?: string;
  /** Only resources created longer ago than this. */
  olderThanMs?: number;
  /** ECS clusters whose services to look at. */
  clusters: string[];
}

export function tagMatches(tags: { key: string; value?: string }[], f: Pick<SweepFilter, 'runId' | 'olderThanMs'>, now: number): boolean {
  const run = tags.find((t) => t.key === RUN_TAG);
  if (!run || (f.runId && run.value !== f.runId)) return false;
  if (f.olderThanMs === undefined) return true;
  const created = Date.parse(tags.find((t) => t.key === CREATED_TAG)?.value ?? '');
  return Number.isFinite(created) && now - created >= f.olderThanMs;
}
