/**
 * Every delay of the simulated cloud passes through here, multiplied by the time scale,
 * so a 300 s deregistration delay takes 15 s at scale 0.05. Timers are tracked so that
 * close() leaves nothing behind.
 */
const IMPOSED_LOG_MAX = 10_000;

export class SimClock {
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Sum of the scaled delays the simulator imposed, per kind (for the benchmark's critical path). */
  readonly imposed = new Map<string, number>();
  /**
   * Each delay of a kind, as it was imposed: when it started and how long it runs (real ms, on
   * performance.now()) — so a benchmark can tell which part of a wait the simulated cloud made.
   * Bounded: the oldest entries go first.
   */
  readonly imposedLog: { kind: string; startMs: number; ms: number }[] = [];

  private readonly startedAt = performance.now();

  constructor(readonly timeScale: number) {}

  /** Simulated milliseconds since the clock started (real time divided by the time scale). */
  now(): number {
    return (performance.now() - this.startedAt) / this.timeScale;
  }

  scaled(cloudMs: number): number {
    return Math.max(0, Math.round(cloudMs * this.timeScale));
  }

  /** Runs fn after a simulated delay of cloudMs. */
  after(cloudMs: number, fn: () => void, kind?: string): NodeJS.Timeout {
    const ms = this.scaled(cloudMs);
    if (kind) {
      this.imposed.set(kind, (this.imposed.get(kind) ?? 0) + ms);
      this.imposedLog.push({ kind, startMs: performance.now(), ms });
      if (this.imposedLog.length > IMPOSED_LOG_MAX) this.imposedLog.splice(0, this.imposedLog.length - IMPOSED_LOG_MAX);
    }
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
    return t;
  }

  /** Runs fn every cloudMs of simulated time. */
  every(cloudMs: number, fn: () => void): NodeJS.Timeout {
    const t = setInterval(fn, Math.max(1, this.scaled(cloudMs)));
    this.timers.add(t);
    return t;
  }

  sleep(cloudMs: number, kind?: string): Promise<void> {
    return new Promise((resolve) => this.after(cloudMs, resolve, kind));
  }

  cancel(t: NodeJS.Timeout | undefined): void {
    if (!t) return;
    clearTimeout(t);
    clearInterval(t);
    this.timers.delete(t);
  }

  close(): void {
    for (const t of this.timers) {
      clearTimeout(t);
      clearInterval(t);
    }
    this.timers.clear();
  }
}
