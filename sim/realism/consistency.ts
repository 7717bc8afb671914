/**
 * Eventual consistency of the control plane's reads: for a short simulated window after a
 * create, Describe/List calls may not see the new resource (EC2 InvalidGroup.NotFound,
 * ELBv2 TargetGroupNotFound/LoadBalancerNotFound, ECS failure MISSING); for a short window
 * after a delete, lists may still show it; a rule just authorized may not yet appear in
 * DescribeSecurityGroupRules. Writes always see the truth, as AWS's do most of the time.
 *
 * Sources: "Eventual consistency in the Amazon EC2 API",
 * https://docs.aws.amazon.com/ec2/latest/devguide/eventual-consistency.html (names
 * InvalidGroup.NotFound right after CreateSecurityGroup); the ECS API reference, RunTask:
 * "The Amazon ECS API follows an eventual consistency model … the result of an API command …
 * might not be immediately visible to all subsequent commands",
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RunTask.html (Terraform's AWS
 * provider retries ECS reads for it, hashicorp/terraform-provider-aws#11701). For ELBv2 no page
 * says so; it is applied the same way here (an assumption, not a documented behaviour). No source gives window lengths: each create/delete gets a seeded window
 * between MIN_WINDOW_MS and MAX_WINDOW_MS of simulated time, so a client that retries for a
 * few simulated seconds always converges.
 *
 * Without the switch every method is a no-op: everything is visible at once, nothing lingers.
 */
import type { SimClock } from '../clock.js';
import type { SeededRandom } from '../random.js';

export const MIN_WINDOW_MS = 500;
export const MAX_WINDOW_MS = 3_000;

export type GhostKind = 'security-group' | 'target-group' | 'load-balancer';

interface Ghost {
  kind: GhostKind;
  until: number;
  resource: unknown;
}

export class Consistency {
  private readonly visibleAt = new Map<string, number>();
  private readonly ghosts = new Map<string, Ghost>();

  constructor(
    private readonly enabled: boolean,
    private readonly clock: SimClock,
    private readonly random: SeededRandom,
  ) {}

  /** A resource (or rule) was just created: reads may miss it for a while. */
  created(id: string): void {
    if (!this.enabled) return;
    this.visibleAt.set(id, this.clock.now() + this.window());
  }

  /** A resource was just deleted: lists may still show it for a while. */
  deleted(kind: GhostKind, id: string, resource: unknown): void {
    this.visibleAt.delete(id);
    if (!this.enabled) return;
    this.ghosts.set(id, { kind, until: this.clock.now() + this.window(), resource });
  }

  /** Do reads see this id yet? */
  visible(id: string): boolean {
    const at = this.visibleAt.get(id);
    if (at === undefined) return true;
    if (this.clock.now() < at) return false;
    this.visibleAt.delete(id);
    return true;
  }

  /** Resources of a kind deleted so recently that lists still show them. */
  ghostsOf<T>(kind: GhostKind): Map<string, T> {
    const now = this.clock.now();
    const out = new Map<string, T>();
    for (const [id, g] of this.ghosts) {
      if (now >= g.until) this.ghosts.delete(id);
      else if (g.kind === kind) out.set(id, g.resource as T);
    }
    return out;
  }

  private window(): number {
    return this.random.between('consistency', MIN_WINDOW_MS, MAX_WINDOW_MS);
  }
}
