/**
 * The simulator's only source of chance (consistency windows, start-time jitter, how long a
 * deleted ALB's interfaces linger): seeded, so a run with the same `seed` repeats itself.
 * Each behaviour draws from its own named stream, so turning one behaviour on does not shift
 * the numbers another one sees.
 */
export class SeededRandom {
  private readonly streams = new Map<string, () => number>();

  constructor(readonly seed: number) {}

  /** A number in [0, 1) from the named stream. */
  next(stream: string): number {
    let gen = this.streams.get(stream);
    if (!gen) {
      gen = mulberry32(hash32(`${this.seed}:${stream}`));
      this.streams.set(stream, gen);
    }
    return gen();
  }

  /** A number in [min, max) from the named stream. */
  between(stream: string, min: number, max: number): number {
    return min + (max - min) * this.next(stream);
  }
}

/** The seed used when none is given: runs are reproducible by default. */
export const DEFAULT_SEED = 20_240_404;

function hash32(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return h >>> 0;
}

/** mulberry32: a small, well-distributed 32-bit generator (public domain). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
