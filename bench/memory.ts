/**
 * Peak memory of a child process and everything it forked (vitest runs the specs in a forked
 * worker), sampled from /proc. VmHWM is each process's own high-water mark, exact; the tree's
 * sum is sampled, so it is the peak the sampler saw. Linux only: elsewhere the figures are null.
 */
import { readdirSync, readFileSync } from 'node:fs';

const kbOf = (status: string, field: string): number | undefined => {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  return m ? Number(m[1]) : undefined;
};

export function treeOf(pid: number): number[] {
  const out = [pid];
  for (let i = 0; i < out.length; i++) {
    try {
      for (const tid of readdirSync(`/proc/${out[i]}/task`)) {
        const children = readFileSync(`/proc/${out[i]}/task/${tid}/children`, 'utf8').trim();
        if (children) out.push(...children.split(/\s+/).map(Number));
      }
    } catch {
      // the process ended between two reads
    }
  }
  return out;
}

export interface MemoryPeak {
  /** Highest sampled sum of the tree's resident memory (MB). */
  peakTreeRssMb: number | null;
  /** The root process's own high-water mark (MB). */
  rootHwmMb: number | null;
  /** The largest high-water mark among its descendants (MB). */
  largestChildHwmMb: number | null;
}

export function watchMemory(pid: number, everyMs = 50): { stop(): MemoryPeak } {
  let peakTreeKb = 0;
  let rootHwmKb = 0;
  let childHwmKb = 0;
  let seen = false;
  const sample = () => {
    let sum = 0;
    for (const p of treeOf(pid)) {
      let status: string;
      try {
        status = readFileSync(`/proc/${p}/status`, 'utf8');
      } catch {
        continue;
      }
      seen = true;
      sum += kbOf(status, 'VmRSS') ?? 0;
      const hwm = kbOf(status, 'VmHWM') ?? 0;
      if (p === pid) rootHwmKb = Math.max(rootHwmKb, hwm);
      else childHwmKb = Math.max(childHwmKb, hwm);
    }
    peakTreeKb = Math.max(peakTreeKb, sum);
  };
  sample();
  const timer = setInterval(sample, everyMs);
  const mb = (kb: number) => (seen && kb > 0 ? Number((kb / 1024).toFixed(1)) : null);
  return {
    stop() {
      clearInterval(timer);
      return { peakTreeRssMb: mb(peakTreeKb), rootHwmMb: mb(rootHwmKb), largestChildHwmMb: mb(childHwmKb) };
    },
  };
}
