import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect, createServer as createTcpServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { SequentialSpread } from '../../helpers/traffic/stats.js';
import { attribute, matchRuntimeId, MAX_TRANSIENT_RETRIES, NEGATIVE_PROBE_ROUND_TRIPS, negativeProbeTimeoutMs, parseHttpResponse, probeDirect, sampleThroughAlb } from '../../helpers/traffic/http.js';
import { parseConfig } from '../../helpers/core/config.js';
import { profileFor } from '../../helpers/targets/index.js';

const HOST = '127.0.0.1';
const IDS = ['0123456789ab', 'abcdef012345', 'fedcba987654'];

/** Servers started by a test, closed after it (held sockets destroyed, so close() returns). */
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((close) => close()));
});

async function listen(server: Server): Promise<number> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  cleanups.push(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return (server.address() as AddressInfo).port;
}

function httpServer(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<number> {
  return listen(createHttpServer(handler));
}

/** A port nothing listens on: bind one, then let it go. */
async function closedPort(): Promise<number> {
  const server = createTcpServer();
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const hasPython = spawnSync('python3', ['-c', 'pass']).status === 0;

/** A python3 process listening on a free loopback port with backlog 0, never accepting. */
async function neverAcceptingListener(): Promise<number> {
  const script = `import socket,sys,time
s=socket.socket(); s.bind(('${HOST}',0)); s.listen(0)
print(s.getsockname()[1], flush=True)
sys.stdin.read()`;
  const child = spawn('python3', ['-c', script], { stdio: ['pipe', 'pipe', 'inherit'] });
  cleanups.push(async () => {
    child.kill();
  });
  const [line] = (await once(child.stdout!, 'data')) as [Buffer];
  return Number(line.toString().trim());
}

/** Connects until a connect attempt hangs: the listener's accept queue is then full. */
async function fillAcceptQueue(port: number): Promise<Socket[]> {
  const fillers: Socket[] = [];
  cleanups.push(async () => fillers.forEach((socket) => socket.destroy()));
  for (let i = 0; i < 16; i++) {
    const socket = connect({ host: HOST, port });
    fillers.push(socket);
    const completed = await new Promise<boolean>((resolve) => {
      socket.once('connect', () => resolve(true));
      socket.once('error', () => resolve(false));
      setTimeout(() => resolve(false), 100);
    });
    if (!completed) return fillers;
  }
  throw new Error(`the accept queue of ${HOST}:${port} never filled`);
}

/** A tiny ALB: answers only for its DNS name, round robin over three "containers". */
function fakeAlb(dnsName: string, opts: { status?: number; silentEvery?: number; pathPrefix?: string } = {}) {
  let next = 0;
  const seenPaths: string[] = [];
  const port = httpServer((req, res) => {
    seenPaths.push(req.url ?? '');
    if (req.headers.host !== dnsName) {
      res.writeHead(404).end(`no load balancer for ${req.headers.host}`);
      return;
    }
    const n = next++;
    if (opts.silentEvery && n % opts.silentEvery === opts.silentEvery - 1) return; // never answers
    res.writeHead(opts.status ?? 200, { 'content-type': 'text/html' }).end(`Hello from ${IDS[n % IDS.length]}!`);
  });
  return { port, seenPaths };
}

describe('attribute', () => {
  it('reads the workshop answer', () => {
    expect(attribute('Hello from 0123456789ab!', {})).toBe('0123456789ab');
    expect(attribute('<h1>Hello from ip-10-0-1-23.ec2.internal!</h1>', {})).toBe('ip-10-0-1-23.ec2.internal');
  });

  it('reads a Hostname: line (traefik/whoami)', () => {
    const whoami = 'Hostname: 3f2a9c1b7d4e\nIP: 127.0.0.1\nIP: 172.17.0.3\nRemoteAddr: 172.17.0.1:51234\nGET / HTTP/1.1\nHost: localhost\n';
    expect(attribute(whoami, {})).toBe('3f2a9c1b7d4e');
    expect(attribute('Name: x\r\nHostname:   c0ffee000001  \r\n', {})).toBe('c0ffee000001');
  });

  it('prefers a configured pattern (group 1), on the body, then on the headers', () => {
    expect(attribute('Hello from aaaaaaaaaaaa! served by task bbbbbbbbbbbb', {}, /task (\w+)/)).toBe('bbbbbbbbbbbb');
    expect(attribute('{"ok":true}', { 'x-container-id': 'cccccccccccc' }, /^x-container-id: (\w+)$/m)).toBe('cccccccccccc');
    expect(attribute('{"ok":true}', { 'x-multi': ['one', 'dddddddddddd'] }, /^x-multi: (d+)$/m)).toBe('dddddddddddd');
  });

  it('falls back to the built-in forms when the pattern does not match', () => {
    expect(attribute('Hello from 0123456789ab!', {}, /task (\w+)/)).toBe('0123456789ab');
  });

  it('is undefined when the answer does not say who answered', () => {
    expect(attribute('<html>503 Service Temporarily Unavailable</html>', {})).toBeUndefined();
    expect(attribute('', { server: 'awselb/2.0' })).toBeUndefined();
  });
});

describe('matchRuntimeId', () => {
  const runtimeIds = ['0123456789ab' + 'c'.repeat(52), 'abcdef012345' + 'd'.repeat(52), 'abcdef019999' + 'e'.repeat(52)];

  it('finds the runtimeId that starts with the hostname', () => {
    expect(matchRuntimeId('0123456789ab', runtimeIds)).toBe(runtimeIds[0]);
    expect(matchRuntimeId(runtimeIds[1]!, runtimeIds)).toBe(runtimeIds[1]);
  });

  it('is undefined for no match, an empty id, or an ambiguous prefix', () => {
    expect(matchRuntimeId('ffffffffffff', runtimeIds)).toBeUndefined();
    expect(matchRuntimeId('', runtimeIds)).toBeUndefined();
    expect(matchRuntimeId('abcdef01', runtimeIds)).toBeUndefined();
  });
});

describe('parseHttpResponse', () => {
  it('waits for the whole body by Content-Length', () => {
    const head = 'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n';
    expect(parseHttpResponse(Buffer.from(`${head}Hello`), false)).toBeUndefined();
    expect(parseHttpResponse(Buffer.from(`${head}Hello from`), false)).toMatchObject({ status: 200, body: 'Hello from' });
  });

  it('decodes chunked bodies', () => {
    const raw = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nHello \r\n12\r\nfrom 0123456789ab!\r\n0\r\n\r\n';
    expect(parseHttpResponse(Buffer.from(raw), false)).toMatchObject({ status: 200, body: 'Hello from 0123456789ab!' });
    expect(parseHttpResponse(Buffer.from(raw.slice(0, 60)), false)).toBeUndefined();
  });

  it('reads to the end of the connection without a length', () => {
    const raw = Buffer.from('HTTP/1.0 503 Service Unavailable\r\nServer: x\r\n\r\ndown');
    expect(parseHttpResponse(raw, false)).toBeUndefined();
    expect(parseHttpResponse(raw, true)).toEqual({ status: 503, headers: { server: 'x' }, body: 'down' });
  });
});

describe('probeDirect', () => {
  it('answered: status and the container id', async () => {
    const port = await httpServer((_req, res) => res.end('Hello from abcdef012345!'));
    const probe = await probeDirect(HOST, port, 1_000);
    expect(probe).toMatchObject({ outcome: 'answered', status: 200, id: 'abcdef012345', detail: `${HOST}:${port} answered 200 from abcdef012345` });
  });

  it('answered, also for a chunked body and a non-200 status', async () => {
    const port = await httpServer((_req, res) => {
      res.writeHead(500);
      res.write('Hello from ');
      res.end('fedcba987654!');
    });
    expect(await probeDirect(HOST, port, 1_000)).toMatchObject({ outcome: 'answered', status: 500, id: 'fedcba987654' });
  });

  it('opens a fresh connection every time', async () => {
    const remotePorts = new Set<number>();
    const port = await httpServer((req, res) => {
      remotePorts.add(req.socket.remotePort!);
      res.end('Hello from abcdef012345!');
    });
    for (let i = 0; i < 3; i++) expect((await probeDirect(HOST, port, 1_000)).outcome).toBe('answered');
    expect(remotePorts.size).toBe(3);
  });

  it('refused: nothing listens, and the detail says the packet got through', async () => {
    const port = await closedPort();
    const probe = await probeDirect(HOST, port, 1_000);
    expect(probe.outcome).toBe('refused');
    expect(probe.detail).toBe(`${HOST}:${port} refused the connection: the packet got through and nothing listens on port ${port}`);
  });

  it('timeout: accepted, then held silently (the simulator\'s denied connection)', async () => {
    const port = await listen(createTcpServer(() => undefined));
    const probe = await probeDirect(HOST, port, 300);
    expect(probe.outcome).toBe('timeout');
    expect(probe.detail).toBe(`no answer from ${HOST}:${port} within 300 ms (connected, but nothing came back)`);
    expect(probe.ms).toBeGreaterThanOrEqual(290);
    expect(probe.ms).toBeLessThan(1_000);
  });

  // Node always accepts, so a listener that never accepts comes from python3 (when present):
  // once its accept queue (backlog 0) is full, the kernel drops further SYNs and connect()
  // neither completes nor fails — what a dropped packet on AWS looks like.
  it.skipIf(!hasPython)('timeout: the connection never completes (a dropped SYN on AWS)', async () => {
    const port = await neverAcceptingListener();
    await fillAcceptQueue(port);
    const probe = await probeDirect(HOST, port, 300);
    expect(probe.outcome).toBe('timeout');
    expect(probe.detail).toBe(`no answer from ${HOST}:${port} within 300 ms (the connection did not complete)`);
  });

  it('reset: the server resets the connection', async () => {
    const port = await listen(createTcpServer((socket) => socket.resetAndDestroy()));
    const probe = await probeDirect(HOST, port, 1_000);
    expect(probe.outcome).toBe('reset');
    expect(probe.detail).toMatch(new RegExp(`^${HOST}:${port} reset the connection`));
  });

  it('error: the server closes without an answer', async () => {
    const port = await listen(createTcpServer((socket) => socket.end()));
    const probe = await probeDirect(HOST, port, 1_000);
    expect(probe).toMatchObject({ outcome: 'error', detail: `${HOST}:${port} closed the connection without an HTTP answer` });
  });
});

describe('negativeProbeTimeoutMs', () => {
  const sim = profileFor(parseConfig({}), 'http://127.0.0.1:1').timing;
  const aws = profileFor(parseConfig({ E2E_TARGET: 'aws' })).timing;

  it('waits many round trips of the positive control, within the floor and the ceiling', () => {
    expect(negativeProbeTimeoutMs(30, sim)).toBe(30 * NEGATIVE_PROBE_ROUND_TRIPS);
    expect(negativeProbeTimeoutMs(2, sim)).toBe(sim.directProbeFloorMs);
    expect(negativeProbeTimeoutMs(400, sim)).toBe(sim.directProbeTimeoutMs);
    expect(sim.directProbeFloorMs).toBeLessThan(sim.directProbeTimeoutMs);
  });

  it('without a usable measurement, waits the whole timeout', () => {
    expect(negativeProbeTimeoutMs(Number.NaN, sim)).toBe(sim.directProbeTimeoutMs);
    expect(negativeProbeTimeoutMs(-1, sim)).toBe(sim.directProbeTimeoutMs);
  });

  it('on AWS waits the whole timeout however fast the control answered (floor = ceiling)', () => {
    expect(aws.directProbeFloorMs).toBe(aws.directProbeTimeoutMs);
    expect(negativeProbeTimeoutMs(1, aws)).toBe(aws.directProbeTimeoutMs);
  });
});

describe('sampleThroughAlb', () => {
  const dns = 'nick-ecs-alb-1234567890.us-east-1.elb.amazonaws.com';

  it('sends the Host header and attributes every answer', async () => {
    const alb = fakeAlb(dns);
    const port = await alb.port;
    const sample = await sampleThroughAlb({ origin: `http://${HOST}:${port}`, host: dns, pathPrefix: '' }, { maxRequests: 9, timeoutMs: 1_000 });
    expect(sample.total).toBe(9);
    expect(sample.errors).toBe(0);
    expect(sample.endedBy).toBe('max-requests');
    expect(sample.answers.map((a) => a.id)).toEqual([...IDS, ...IDS, ...IDS]);
    expect(sample.answers.every((a) => a.status === 200 && a.bodySnippet === undefined && a.ms >= 0)).toBe(true);
    expect(alb.seenPaths).toEqual(Array(9).fill('/'));
  });

  it('puts the path prefix and path behind the origin', async () => {
    const alb = fakeAlb(dns);
    const port = await alb.port;
    await sampleThroughAlb({ origin: `http://${HOST}:${port}`, host: dns, pathPrefix: '/_aws/elb/abc' }, { path: '/health', maxRequests: 1, timeoutMs: 1_000 });
    expect(alb.seenPaths).toEqual(['/_aws/elb/abc/health']);
  });

  it('counts answers for the wrong Host as errors, with the body for the report', async () => {
    const port = await fakeAlb(dns).port;
    const sample = await sampleThroughAlb({ origin: `http://${HOST}:${port}`, host: 'other.example', pathPrefix: '' }, { maxRequests: 2, timeoutMs: 1_000 });
    expect(sample.errors).toBe(2);
    expect(sample.answers[0]).toMatchObject({ status: 404, bodySnippet: 'no load balancer for other.example' });
  });

  it('stops early when told to, with a sequential spread verdict', async () => {
    const port = await fakeAlb(dns).port;
    const spread = new SequentialSpread({ taskIds: IDS });
    const sample = await sampleThroughAlb(
      { origin: `http://${HOST}:${port}`, host: dns, pathPrefix: '' },
      { maxRequests: 200, timeoutMs: 1_000, stop: (answer) => spread.add(answer.id).done },
    );
    expect(sample.endedBy).toBe('stop');
    expect(sample.total).toBe(15);
    expect(spread.verdict().decided).toBe('even');
  });

  it('passes every answer so far to stop', async () => {
    const port = await fakeAlb(dns).port;
    const sizes: number[] = [];
    await sampleThroughAlb(
      { origin: `http://${HOST}:${port}`, host: dns, pathPrefix: '' },
      { maxRequests: 10, timeoutMs: 1_000, stop: (_answer, answers) => (sizes.push(answers.length), answers.length === 4) },
    );
    expect(sizes).toEqual([1, 2, 3, 4]);
  });

  it('counts 500 answers as errors and keeps their status and id', async () => {
    const port = await fakeAlb(dns, { status: 500 }).port;
    const sample = await sampleThroughAlb({ origin: `http://${HOST}:${port}`, host: dns, pathPrefix: '' }, { maxRequests: 3, timeoutMs: 1_000 });
    expect(sample.errors).toBe(3);
    expect(sample.answers[0]).toMatchObject({ status: 500, id: IDS[0], bodySnippet: `Hello from ${IDS[0]}!` });
  });

  it('records a request that gets no answer as a timeout error, and goes on', async () => {
    const port = await fakeAlb(dns, { silentEvery: 2 }).port;
    const sample = await sampleThroughAlb({ origin: `http://${HOST}:${port}`, host: dns, pathPrefix: '' }, { maxRequests: 4, timeoutMs: 200 });
    expect(sample.total).toBe(4);
    expect(sample.errors).toBe(2);
    expect(sample.answers[1]).toMatchObject({ status: 0, error: 'no answer within 200 ms' });
    expect(sample.answers[1]!.ms).toBeGreaterThanOrEqual(190);
    expect(sample.answers[0]).toMatchObject({ status: 200, id: IDS[0] });
  });

  it('records a refused connection as an error', async () => {
    const port = await closedPort();
    const sample = await sampleThroughAlb({ origin: `http://${HOST}:${port}`, host: dns, pathPrefix: '' }, { maxRequests: 2, timeoutMs: 500 });
    expect(sample.errors).toBe(2);
    expect(sample.answers[0]!.error).toMatch(/ECONNREFUSED/);
  });

  it('ends at the time budget', async () => {
    const port = await fakeAlb(dns, { silentEvery: 1 }).port;
    const sample = await sampleThroughAlb({ origin: `http://${HOST}:${port}`, host: dns, pathPrefix: '' }, { maxRequests: 100, timeoutMs: 100, budgetMs: 250 });
    expect(sample.endedBy).toBe('budget');
    expect(sample.total).toBe(3);
    expect(sample.elapsedMs).toBeLessThan(1_000);
  });

  it('runs requests concurrently, within the request bound', async () => {
    let inFlight = 0;
    let peak = 0;
    const port = await httpServer((_req, res) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      setTimeout(() => {
        inFlight--;
        res.end('Hello from 0123456789ab!');
      }, 30);
    });
    const sample = await sampleThroughAlb({ origin: `http://${HOST}:${port}`, host: dns, pathPrefix: '' }, { maxRequests: 12, concurrency: 3, timeoutMs: 1_000 });
    expect(sample.total).toBe(12);
    expect(peak).toBe(3);
  });
});

describe('sampleThroughAlb: transient failures', () => {
  const dns = 'nick-ecs-alb-1234567890.us-east-1.elb.amazonaws.com';
  const origin = (port: number) => ({ origin: `http://${HOST}:${port}`, host: dns, pathPrefix: '' });

  it('retries a 502 once on a fresh connection and counts it (an ALB does not retry a target that closed a kept-alive connection)', async () => {
    let n = 0;
    const connections = new Set<unknown>();
    const port = await httpServer((req, res) => {
      connections.add(req.socket);
      if (++n === 2) {
        res.writeHead(502).end('502 Bad Gateway');
        return;
      }
      res.end(`Hello from ${IDS[0]}!`);
    });
    const sample = await sampleThroughAlb(origin(port), { maxRequests: 3, timeoutMs: 1_000 });
    expect(sample.answers.map((a) => a.status)).toEqual([200, 200, 200]);
    expect(sample.answers[1]).toMatchObject({ status: 200, retriedAfter: 'HTTP 502', attempts: 2 });
    expect(sample.retries).toBe(1);
    expect(connections.size).toBeGreaterThanOrEqual(2); // the retry came on a connection of its own
  });

  it('three 502s in a row (one stale connection per task, after a pause) are retried; a fourth is the answer', async () => {
    let n = 0;
    const port = await httpServer((_req, res) => {
      n++;
      if ((n >= 2 && n <= 4) || n >= 6) {
        res.writeHead(502).end('502 Bad Gateway');
        return;
      }
      res.end(`Hello from ${IDS[0]}!`);
    });
    // request 1: 200; request 2: 502, 502, 502, then 200 on the third retry; request 3: 502 on every one of its 4 attempts
    const sample = await sampleThroughAlb(origin(port), { maxRequests: 3, timeoutMs: 1_000 });
    expect(sample.answers.map((a) => [a.status, a.attempts])).toEqual([
      [200, undefined],
      [200, 1 + MAX_TRANSIENT_RETRIES],
      [502, 1 + MAX_TRANSIENT_RETRIES],
    ]);
    expect(n).toBe(1 + 2 * (1 + MAX_TRANSIENT_RETRIES));
    expect(sample.retries).toBe(2);
    expect(sample.errors).toBe(1);
  });

  it('a target that answers 5xx every time still fails: the retry answers too, and counts', async () => {
    const port = await httpServer((_req, res) => res.writeHead(502).end('502 Bad Gateway'));
    const sample = await sampleThroughAlb(origin(port), { maxRequests: 2, timeoutMs: 1_000 });
    expect(sample.answers.map((a) => [a.status, a.retriedAfter])).toEqual([
      [502, 'HTTP 502'],
      [502, 'HTTP 502'],
    ]);
    expect(sample.errors).toBe(2);
  });

  it('does not retry a 500 (the app itself failing)', async () => {
    const port = await httpServer((_req, res) => res.writeHead(500).end('boom'));
    const sample = await sampleThroughAlb(origin(port), { maxRequests: 1, timeoutMs: 1_000 });
    expect(sample.retries).toBe(0);
    expect(sample.answers[0]!.status).toBe(500);
  });
});
