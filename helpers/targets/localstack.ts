/**
 * LocalStack specifics: how an ALB is reached through its gateway, starting it with
 * testcontainers, and the checks that must pass before trying to.
 *
 * testcontainers is imported lazily: this module is loaded by every target profile, and a run
 * against the simulator should not pay for (or depend on) the Docker client.
 */
import { LOCALSTACK_IMAGE } from '../../fixtures/images.js';
import type { Config } from '../core/config.js';
import { EMULATOR_CREDENTIALS, type AlbAddress, type Target, type TargetProfile } from './profile.js';

const DEFAULT_PORTS: Record<string, string> = { 'http:': '80', 'https:': '443' };

function gatewayPort(endpoint: URL): string {
  return endpoint.port || DEFAULT_PORTS[endpoint.protocol] || '80';
}

function hostWithPort(host: string, port: string): string {
  return `${host}:${port}`;
}

/**
 * LocalStack answers for every ALB on its gateway port and picks the load balancer by the Host
 * header (`<name>.elb.localhost.localstack.cloud`), so we connect to the endpoint and name the
 * ALB in Host with the gateway's port — no DNS lookup of the LocalStack domain is needed. The
 * listener port is not part of the address: on the shared gateway port LocalStack routes to the
 * load balancer's first listener, which is the module's only one (80).
 *
 * A DNS name LocalStack cannot route by Host (one without an `.elb.` label) falls back to the
 * path form when the ARN is known; see localstackAlbFallback.
 */
export function localstackAlbAddress(endpoint: string, dnsName: string, _port: number, loadBalancerArn?: string): AlbAddress {
  const url = new URL(endpoint);
  const name = dnsName.replace(/:\d+$/, '');
  if (!name.includes('.elb.') && loadBalancerArn) return localstackAlbFallback(endpoint, loadBalancerArn);
  return { origin: url.origin, host: hostWithPort(name, gatewayPort(url)), pathPrefix: '' };
}

/**
 * The load balancer's name from its ARN:
 * arn:aws:elasticloadbalancing:<region>:<account>:loadbalancer/app/<name>/<hash>.
 */
export function loadBalancerNameFromArn(loadBalancerArn: string): string {
  const name = /:loadbalancer\/(?:app|net|gwy)\/([^/]+)\/[^/]+$/.exec(loadBalancerArn)?.[1];
  if (!name) throw new Error(`'${loadBalancerArn}' is not a load balancer ARN (…:loadbalancer/app/<name>/<id>)`);
  return name;
}

/**
 * LocalStack's documented alternative when a subdomain of localhost.localstack.cloud cannot be
 * used: `http://localhost.localstack.cloud:4566/_aws/elb/<elb-id>/<path>`. The `<elb-id>` is
 * the first label of the ALB's LocalStack DNS name, which is the load balancer's name (the docs'
 * example `example-lb` is reached at `/_aws/elb/example-lb/…`); it is the name segment of the
 * ARN, not its trailing hash. Requests are sent to the endpoint with that path prefix.
 */
export function localstackAlbFallback(endpoint: string, loadBalancerArn: string): AlbAddress {
  const url = new URL(endpoint);
  const name = loadBalancerNameFromArn(loadBalancerArn);
  return {
    origin: url.origin,
    host: hostWithPort('localhost.localstack.cloud', gatewayPort(url)),
    pathPrefix: `/_aws/elb/${encodeURIComponent(name)}`,
  };
}

/**
 * LocalStack publishes a task container's host port on the Docker host it runs containers on,
 * which is the host its gateway is reached on (docker compose and testcontainers alike).
 */
export function localstackTaskHost(endpoint: string): string {
  return new URL(endpoint).hostname.replace(/^\[|\]$/g, '');
}

export interface BindMount {
  source: string;
  target: string;
  mode?: 'rw' | 'ro' | 'z' | 'Z';
}

/** What startLocalstack needs of @testcontainers/localstack's LocalstackContainer. */
export interface LocalstackContainerLike {
  withEnvironment(environment: Record<string, string>): LocalstackContainerLike;
  withBindMounts(bindMounts: BindMount[]): LocalstackContainerLike;
  start(): Promise<StartedLocalstackLike>;
}

export interface StartedLocalstackLike {
  getConnectionUri(): string;
  stop(): Promise<unknown>;
}

export type LocalstackContainerClass = new (image: string) => LocalstackContainerLike;

export interface LocalstackDeps {
  /** The container class; a test passes a fake. */
  loadContainerClass(): Promise<LocalstackContainerClass>;
  /** Whether a Docker engine answers, within a few seconds. */
  dockerAvailable(): Promise<boolean>;
}

const DOCKER_CHECK_TIMEOUT_MS = 10_000;

export const realDeps: LocalstackDeps = {
  async loadContainerClass() {
    const { LocalstackContainer } = await import('@testcontainers/localstack');
    return LocalstackContainer as unknown as LocalstackContainerClass;
  },
  async dockerAvailable() {
    // The same discovery testcontainers uses to start the container (DOCKER_HOST,
    // ~/.testcontainers.properties, the default and rootless sockets), so the answer matches.
    const { getContainerRuntimeClient } = await import('testcontainers');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), DOCKER_CHECK_TIMEOUT_MS);
    });
    const probe = getContainerRuntimeClient().then(
      () => true,
      () => false,
    );
    try {
      return await Promise.race([probe, timeout]);
    } finally {
      clearTimeout(timer);
    }
  },
};

export interface StartLocalstackOptions {
  authToken: string;
  image?: string;
  /** The Docker socket as the engine sees it; LocalStack runs ECS tasks through it. */
  dockerSocket?: string;
}

export interface StartedLocalstack {
  endpoint: string;
  stop(): Promise<void>;
}

export async function startLocalstack(options: StartLocalstackOptions, deps: LocalstackDeps = realDeps): Promise<StartedLocalstack> {
  const LocalstackContainer = await deps.loadContainerClass();
  const socket = options.dockerSocket ?? '/var/run/docker.sock';
  const container = await new LocalstackContainer(options.image ?? LOCALSTACK_IMAGE)
    .withEnvironment({ LOCALSTACK_AUTH_TOKEN: options.authToken })
    .withBindMounts([{ source: socket, target: '/var/run/docker.sock' }])
    .start();
  return {
    endpoint: container.getConnectionUri(),
    async stop() {
      await container.stop();
    },
  };
}

const NEEDS_NEITHER = 'E2E_TARGET=sim needs neither';

/**
 * Before starting LocalStack: a token and a Docker engine. With E2E_ENDPOINT set, LocalStack
 * is already running elsewhere and neither is needed here. Returns null, or one line saying
 * what is missing (the CLI prints it and exits 2).
 */
export async function localstackPreflight(
  config: Pick<Config, 'endpoint' | 'localstackAuthToken'>,
  deps: Pick<LocalstackDeps, 'dockerAvailable'> = realDeps,
): Promise<string | null> {
  if (config.endpoint) return null;
  const missing: string[] = [];
  if (!config.localstackAuthToken) missing.push('LOCALSTACK_AUTH_TOKEN is not set (ECS and ELBv2 need a paid LocalStack tier)');
  if (!(await deps.dockerAvailable())) missing.push('no Docker engine is reachable (DOCKER_HOST or /var/run/docker.sock) to start LocalStack in');
  if (missing.length === 0) return null;
  return `E2E_TARGET=localstack: ${missing.join(' and ')}; fix that or set E2E_ENDPOINT to a running LocalStack. ${NEEDS_NEITHER}.`;
}

export const localstackTarget: Target = {
  name: 'localstack',
  deploysBaseline: true,
  preflight: (config) => localstackPreflight(config),
  async start(config: Config) {
    if (config.endpoint) return { endpoint: config.endpoint, stop: async () => {} };
    return startLocalstack({ authToken: config.localstackAuthToken ?? '' });
  },
  profile(config: Config, endpoint = config.endpoint): TargetProfile {
    if (!endpoint) throw new Error('the localstack target needs its endpoint (E2E_ENDPOINT); start it first');
    return {
      name: 'localstack',
      region: config.region,
      endpoint,
      credentials: EMULATOR_CREDENTIALS,
      capabilities: {
        noSgEnforcement: 'LocalStack does not enforce security groups on traffic, so a blocked path cannot be observed there',
        unreliableHealth: 'LocalStack target-health transitions are unreliable; readiness is judged by traffic',
        noContainerInstances:
          'LocalStack runs ECS tasks as local Docker containers; no container instances register (its Auto Scaling group instances are mocks)',
      },
      timing: { pollMs: 500, waitTimeoutMs: 600_000, directProbeTimeoutMs: 3_000, directProbeFloorMs: 3_000, requestTimeoutMs: 10_000, settleMs: 120_000 },
      albAddress: (dns, port, arn) => localstackAlbAddress(endpoint, dns, port, arn),
      taskHost: () => localstackTaskHost(endpoint),
    };
  },
};
