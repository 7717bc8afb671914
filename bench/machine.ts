/** What the figures were measured on: the machine line the README quotes. */
import os from 'node:os';

export interface Machine {
  cpuModel: string;
  cores: number;
  totalMemoryGb: number;
  node: string;
  platform: string;
  date: string;
  loadAverageStart: number[];
  loadAverageEnd?: number[];
}

export const loadAverage = (): number[] => os.loadavg().map((n) => Number(n.toFixed(2)));

export function machineAtStart(): Machine {
  return {
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
    cores: os.cpus().length,
    totalMemoryGb: Number((os.totalmem() / 2 ** 30).toFixed(1)),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    date: new Date().toISOString(),
    loadAverageStart: loadAverage(),
  };
}

export function machineLine(m: Machine): string {
  const load = (l?: number[]) => (l ? l.join(' / ') : '?');
  return `${m.cpuModel}, ${m.cores} cores, ${m.totalMemoryGb} GB, Node ${m.node}, ${m.platform}; load average (1/5/15 min) ${load(m.loadAverageStart)} at start, ${load(m.loadAverageEnd)} at end; ${m.date.slice(0, 10)}`;
}
