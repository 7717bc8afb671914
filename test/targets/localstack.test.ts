import { describe, it, expect } from 'vitest';
import {
  localstackAlbAddress,
  localstackAlbFallback,
  loadBalancerNameFromArn,
  localstackPreflight,
  localstackTaskHost,
  realDeps,
  startLocalstack,
  type BindMount,
  type LocalstackDeps,
  type LocalstackContainerLike,
  type StartedLocalstackLike,
} from '../../helpers/targets/localstack.js';
import { LOCALSTACK_IMAGE } from '../../fixtures/images.js';

const ARN = 'arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/app/nick-ecs-alb/50dc6c495c0c9188';
const DNS = 'nick-ecs-alb.elb.localhost.localstack.cloud';

describe('localstackAlbAddress', () => {
  it('connects to the endpoint and names the ALB in Host with the gateway port', () => {
    expect(localstackAlbAddress('http://127.0.0.1:4566', DNS, 80, ARN)).toEqual({
      origin: 'http://127.0.0.1:4566',
      host: `${DNS}:4566`,
      pathPrefix: '',
    });
  });

  it('uses the mapped port testcontainers gave the gateway, not 4566 or the listener port', () => {
    expect(localstackAlbAddress('http://localhost:32771', DNS, 80).host).toBe(`${DNS}:32771`);
  });

  it("takes the scheme's default port when the endpoint names none", () => {
    expect(localstackAlbAddress('http://localstack', DNS, 80).host).toBe(`${DNS}:80`);
    expect(localstackAlbAddress('https://localstack', DNS, 80).host).toBe(`${DNS}:443`);
  });

  it('drops a path from the endpoint and a port from the DNS name', () => {
    const address = localstackAlbAddress('http://127.0.0.1:4566/', `${DNS}:4566`, 80);
    expect(address).toEqual({ origin: 'http://127.0.0.1:4566', host: `${DNS}:4566`, pathPrefix: '' });
  });

  it('falls back to the /_aws/elb/ path when the DNS name cannot be routed by Host', () => {
    expect(localstackAlbAddress('http://127.0.0.1:4566', 'nick-ecs-alb-123.us-east-1.compute.internal', 80, ARN)).toEqual({
      origin: 'http://127.0.0.1:4566',
      host: 'localhost.localstack.cloud:4566',
      pathPrefix: '/_aws/elb/nick-ecs-alb',
    });
  });
});

describe('localstackAlbFallback', () => {
  it('is http://localhost.localstack.cloud:<port>/_aws/elb/<name>/ sent to the endpoint', () => {
    expect(localstackAlbFallback('http://127.0.0.1:4566', ARN)).toEqual({
      origin: 'http://127.0.0.1:4566',
      host: 'localhost.localstack.cloud:4566',
      pathPrefix: '/_aws/elb/nick-ecs-alb',
    });
  });

  it("takes the name segment of the ARN, not the trailing hash", () => {
    expect(loadBalancerNameFromArn(ARN)).toBe('nick-ecs-alb');
    expect(loadBalancerNameFromArn('arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/net/my-nlb/abc')).toBe('my-nlb');
  });

  it('refuses what is not a load balancer ARN', () => {
    expect(() => localstackAlbFallback('http://127.0.0.1:4566', 'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/nick-ecs-tg/abc')).toThrow(
      /not a load balancer ARN/,
    );
  });
});

describe('localstackPreflight', () => {
  const docker = (available: boolean): Pick<LocalstackDeps, 'dockerAvailable'> => ({ dockerAvailable: async () => available });

  it('needs nothing when E2E_ENDPOINT points at a running LocalStack', async () => {
    let asked = false;
    const deps = { dockerAvailable: async () => ((asked = true), false) };
    expect(await localstackPreflight({ endpoint: 'http://127.0.0.1:4566' }, deps)).toBeNull();
    expect(asked).toBe(false);
  });

  it('passes with a token and a Docker engine', async () => {
    expect(await localstackPreflight({ localstackAuthToken: 'ls-abc' }, docker(true))).toBeNull();
  });

  it('names a missing token in one line, and says the sim needs neither', async () => {
    const message = await localstackPreflight({}, docker(true));
    expect(message).toMatch(/LOCALSTACK_AUTH_TOKEN is not set/);
    expect(message).not.toMatch(/Docker engine/);
    expect(message).toMatch(/E2E_TARGET=sim needs neither/);
    expect(message).not.toContain('\n');
  });

  it('names a missing Docker engine in one line, and says the sim needs neither', async () => {
    const message = await localstackPreflight({ localstackAuthToken: 'ls-abc' }, docker(false));
    expect(message).toMatch(/no Docker engine is reachable/);
    expect(message).not.toMatch(/LOCALSTACK_AUTH_TOKEN/);
    expect(message).toMatch(/E2E_TARGET=sim needs neither/);
    expect(message).not.toContain('\n');
  });

  it('names both when both are missing', async () => {
    const message = await localstackPreflight({ localstackAuthToken: '' }, docker(false));
    expect(message).toMatch(/LOCALSTACK_AUTH_TOKEN is not set .* and no Docker engine is reachable/);
    expect(message).not.toContain('\n');
  });

  it("the real Docker check answers with a boolean instead of throwing (false on a machine without Docker)", async () => {
    expect(typeof (await realDeps.dockerAvailable())).toBe('boolean');
  }, 20_000);
});

describe('startLocalstack', () => {
  function fakeContainerClass() {
    const seen: { image?: string; environment: Record<string, string>; bindMounts: BindMount[]; started: boolean; stopped: boolean } = {
      environment: {},
      bindMounts: [],
      started: false,
      stopped: false,
    };
    class FakeLocalstackContainer implements LocalstackContainerLike {
      constructor(image: string) {
        seen.image = image;
      }
      withEnvironment(environment: Record<string, string>) {
        Object.assign(seen.environment, environment);
        return this;
      }
      withBindMounts(bindMounts: BindMount[]) {
        seen.bindMounts.push(...bindMounts);
        return this;
      }
      async start(): Promise<StartedLocalstackLike> {
        seen.started = true;
        return {
          getConnectionUri: () => 'http://localhost:49160',
          stop: async () => {
            seen.stopped = true;
          },
        };
      }
    }
    const deps: LocalstackDeps = { loadContainerClass: async () => FakeLocalstackContainer, dockerAvailable: async () => true };
    return { seen, deps };
  }

  it('starts the pinned image with the token and the Docker socket, and reports its endpoint', async () => {
    const { seen, deps } = fakeContainerClass();
    const localstack = await startLocalstack({ authToken: 'ls-secret' }, deps);
    expect(seen.image).toBe(LOCALSTACK_IMAGE);
    expect(seen.environment).toEqual({ LOCALSTACK_AUTH_TOKEN: 'ls-secret' });
    expect(seen.bindMounts).toEqual([{ source: '/var/run/docker.sock', target: '/var/run/docker.sock' }]);
    expect(seen.started).toBe(true);
    expect(localstack.endpoint).toBe('http://localhost:49160');
    await localstack.stop();
    expect(seen.stopped).toBe(true);
  });

  it('takes another image and the socket path as the engine sees it', async () => {
    const { seen, deps } = fakeContainerClass();
    await startLocalstack({ authToken: 't', image: 'localstack/localstack:2026.08.0', dockerSocket: '/run/user/1000/docker.sock' }, deps);
    expect(seen.image).toBe('localstack/localstack:2026.08.0');
    expect(seen.bindMounts).toEqual([{ source: '/run/user/1000/docker.sock', target: '/var/run/docker.sock' }]);
  });

  it('the real container class is the testcontainers LocalStack module', async () => {
    const LocalstackContainer = await realDeps.loadContainerClass();
    const { LocalstackContainer: Module } = await import('@testcontainers/localstack');
    expect(LocalstackContainer).toBe(Module);
  });
});

describe('localstackTaskHost', () => {
  it("is the gateway's host: LocalStack publishes a task's host port on the Docker host it runs on", () => {
    expect(localstackTaskHost('http://127.0.0.1:4566')).toBe('127.0.0.1');
    expect(localstackTaskHost('http://localhost:32771/')).toBe('localhost');
    expect(localstackTaskHost('http://[::1]:4566')).toBe('::1');
  });
});
