/** Summaries of repeated measurements: medians and quantiles (simple-statistics), rounded for reading. */
import { max, median, min, quantile } from 'simple-statistics';

export interface Summary {
  median: number;
  p90: number;
  min: number;
  max: number;
  runs: number[];
}

const round = (n: number, digits = 0): number => Number(n.toFixed(digits));

export function summarize(runs: number[], digits = 0): Summary {
  if (runs.length === 0) throw new Error('summarize: no runs');
  return {
    median: round(median(runs), digits),
    p90: round(quantile(runs, 0.9), digits),
    min: round(min(runs), digits),
    max: round(max(runs), digits),
    runs: runs.map((r) => round(r, digits)),
  };
}

/** p50/p99 of latencies (ms, one decimal). */
export function latencyQuantiles(ms: number[]): { p50: number; p99: number } {
  return { p50: round(quantile(ms, 0.5), 1), p99: round(quantile(ms, 0.99), 1) };
}

export { median, round };
