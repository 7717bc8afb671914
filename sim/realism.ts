/**
 * Switches that make the simulator behave as AWS or LocalStack do at their hardest. Each is off
 * by default (the simulator is then exactly as it was: kind, immediate, unthrottled) so that the
 * suite's own tests stay deterministic; `--realism aws` turns every AWS behaviour on at once, and
 * each can be switched on alone in a test. The behaviours are implemented where they happen
 * (gateway, services, data plane; the shared parts in sim/realism/); each names its source there
 * and in the README ("--realism aws: AWS at its hardest").
 */
export interface RealismSwitches {
  /** Reads right after a create may miss it; after a delete it may still be listed; fresh rules may not show. */
  eventualConsistency: boolean;
  /** Per-account token buckets per API family, answering AWS's own throttling codes. */
  throttling: boolean;
  /** The ALB keeps idle upstream connections (60 s); the app closes idle ones after 5 s (Node); a reused closed one is a 502. */
  albKeepAlive: boolean;
  /**
   * The drain for the deregistration delay happens in every mode; this adds what follows it on
   * AWS: the stop timeout (30 s) of an app that ignores SIGTERM, and exit code 137.
   */
  deregistrationDelay: boolean;
  /** Tasks failing the ALB's health checks are stopped and replaced by the scheduler. */
  healthReplacement: boolean;
  /** A deleted ALB's network interfaces linger; deleting its security group is a DependencyViolation until they go. */
  eniLinger: boolean;
  /** Image pull and start times vary around a mean instead of being constant. */
  taskStartJitter: boolean;
}

export type Realism = 'off' | 'aws';
export type Persona = 'aws' | 'localstack';

export const NO_REALISM: RealismSwitches = {
  eventualConsistency: false,
  throttling: false,
  albKeepAlive: false,
  deregistrationDelay: false,
  healthReplacement: false,
  eniLinger: false,
  taskStartJitter: false,
};

export function realismSwitches(realism: Realism = 'off', overrides: Partial<RealismSwitches> = {}): RealismSwitches {
  const base = realism === 'aws' ? (Object.fromEntries(Object.keys(NO_REALISM).map((k) => [k, true])) as unknown as RealismSwitches) : NO_REALISM;
  return { ...base, ...overrides };
}
