/**
 * Addresses and security-group enforcement for the data plane.
 *
 * Each instance and each ALB gets its own loopback address (127.0.1.N, 127.0.2.N), so a
 * task's socket can tell an ALB's connection from anyone else's by the remote address.
 * Linux routes all of 127.0.0.0/8 to loopback; elsewhere everything falls back to
 * 127.0.0.1 and ALB connections are recognised by their source port instead.
 */
import { createServer, type Socket } from 'node:net';
import type { SecurityGroup, SgRule, World } from '../world.js';

export type Source =
  | { kind: 'groups'; groupIds: string[]; label: string; ip: string }
  | { kind: 'outside'; ip: string };

export class Network {
  private nextInstance = 1;
  private nextAlb = 1;
  /** address → ALB arn, for recognising ALB connections */
  private readonly albByAddress = new Map<string, string>();
  /** fallback when distinct loopback addresses are not available: local ports of ALB sockets */
  private readonly albByPort = new Map<number, string>();

  constructor(
    private readonly world: World,
    readonly distinctAddresses: boolean,
    /** Destination ports the runner's own network lets out (undefined: every port). */
    readonly outsideEgressAllow?: readonly number[],
  ) {}

  /**
   * Does the runner's own network let a connection to this destination port out? A firewalled
   * runner (`outsideEgressAllow`) drops the rest: the SYN goes unanswered, the client times out.
   */
  outsideMayReach(port: number): boolean {
    return this.outsideEgressAllow === undefined || this.outsideEgressAllow.includes(port);
  }

  /** The egress canary's own loopback address, outside every simulated VPC (127.0.0.1 in fallback mode). */
  canaryAddress(): string {
    return this.distinctAddresses ? '127.0.250.1' : '127.0.0.1';
  }

  static async probeDistinctAddresses(): Promise<boolean> {
    return new Promise((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(false));
      s.listen(0, '127.0.9.254', () => s.close(() => resolve(true)));
    });
  }

  instanceAddress(): string {
    const n = this.nextInstance++;
    return this.distinctAddresses ? `127.0.${1 + Math.floor((n - 1) / 250)}.${((n - 1) % 250) + 1}` : '127.0.0.1';
  }

  albAddress(lbArn: string): string {
    const n = this.nextAlb++;
    const addr = this.distinctAddresses ? `127.0.${100 + Math.floor((n - 1) / 250)}.${((n - 1) % 250) + 1}` : '127.0.0.1';
    if (this.distinctAddresses) this.albByAddress.set(addr, lbArn);
    return addr;
  }

  /** Call when an ALB socket connects (fallback mode only needs it). */
  noteAlbSocket(lbArn: string, socket: Socket): void {
    if (this.distinctAddresses || socket.localPort === undefined) return;
    const port = socket.localPort;
    this.albByPort.set(port, lbArn);
    socket.once('close', () => this.albByPort.delete(port));
  }

  /** Who is connecting: an ALB (its security groups) or the outside world. */
  sourceOf(socket: Socket, clientIp: string): Source {
    const lbArn = this.distinctAddresses
      ? this.albByAddress.get(socket.remoteAddress ?? '')
      : this.albByPort.get(socket.remotePort ?? -1);
    const lb = lbArn ? this.world.loadBalancers.get(lbArn) : undefined;
    if (lb) return { kind: 'groups', groupIds: lb.securityGroupIds, label: `load balancer ${lb.name}`, ip: this.privateIpOf(lb.subnetIds[0]) };
    return { kind: 'outside', ip: clientIp };
  }

  /** An ALB node's address inside its VPC: what CIDR rules see of its connections. */
  private privateIpOf(subnetId: string | undefined): string {
    const cidr = subnetId ? this.world.subnets.get(subnetId)?.cidrBlock : undefined;
    if (!cidr) return '10.255.255.10';
    const octets = cidr.split('/')[0]!.split('.');
    return `${octets[0]}.${octets[1]}.${octets[2]}.10`;
  }

  /** Do these groups' inbound rules admit TCP on `port` from `source`? */
  admits(groupIds: string[], source: Source, port: number): boolean {
    return groupIds.some((id) => {
      const sg = this.world.securityGroups.get(id);
      return sg ? sg.rules.some((r) => !r.isEgress && ruleAdmits(r, source, port)) : false;
    });
  }
}

export function ruleAdmits(rule: SgRule, source: Source, port: number): boolean {
  const proto = rule.ipProtocol;
  const protoOk = proto === '-1' || proto === 'tcp' || proto === '6';
  if (!protoOk) return false;
  if (proto !== '-1' && !(rule.fromPort <= port && port <= rule.toPort)) return false;
  // An ALB's connection carries its security groups and its VPC address; CIDR rules
  // (0.0.0.0/0 included) admit it like any other address.
  if (source.kind === 'groups' && rule.referencedGroupId !== undefined) return source.groupIds.includes(rule.referencedGroupId);
  return rule.cidrIpv4 !== undefined && ipv4InCidr(source.ip, rule.cidrIpv4);
}

export function ipv4InCidr(ip: string, cidr: string): boolean {
  const [base, bitsText] = cidr.split('/');
  const bits = Number(bitsText ?? 32);
  const toInt = (a: string) => a.split('.').reduce((acc, o) => (acc << 8) + Number(o), 0) >>> 0;
  if (bits === 0) return true;
  const mask = (~0 << (32 - bits)) >>> 0;
  return (toInt(ip) & mask) === (toInt(base!) & mask);
}

/**
 * A denied connection gets no answer, as on AWS where the packet is dropped: the socket is
 * held open and silent until the client gives up (the kernel has already completed the
 * handshake, so the client sees a response timeout rather than a connect timeout).
 */
export function holdSilently(socket: Socket, maxMs = 120_000): void {
  socket.pause();
  socket.on('error', () => {});
  const t = setTimeout(() => socket.destroy(), maxMs);
  t.unref();
  socket.once('close', () => clearTimeout(t));
}

export type { SecurityGroup };
