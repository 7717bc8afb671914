/**
 * Traffic and probes: requests through an ALB (who answered each one), and direct probes of a
 * task's address that tell "answered" from "refused", "reset" and "no answer".
 */
import { connect, isIPv6, type Socket } from 'node:net';
import { Agent, request } from 'undici';
import type { AlbAddress } from '../targets/profile.js';

/** The workshop app: `Hello from ${HOSTNAME}!` (HOSTNAME is the 12-hex container id). */
const WORKSHOP_ANSWER = /Hello from ([^\s!<>]+)!/;
/** Echo servers (traefik/whoami and alike) print a `Hostname: <id>` line. */
const HOSTNAME_LINE = /^Hostname:[ \t]*(\S+)[ \t]*\r?$/im;

/**
 * The id of the container that answered, or undefined when the answer does not say. A
 * configured pattern (its group 1) wins, tried on the body, then on the headers as
 * `name: value` lines; then the workshop answer; then a `Hostname:` line.
 */
export function attribute(body: string, headers: Record<string, string | string[] | undefined>, pattern?: RegExp): string | undefined {
  if (pattern) {
    const headerLines = Object.entries(headers)
      .flatMap(([name, value]) => (value === undefined ? [] : [value].flat().map((v) => `${name}: ${v}`)))
      .join('\n');
    const found = pattern.exec(body)?.[1] ?? pattern.exec(headerLines)?.[1];
    if (found) return found;
  }
  return WORKSHOP_ANSWER.exec(body)?.[1] ?? HOSTNAME_LINE.exec(body)?.[1];
}

/**
 * The runtimeId (64-hex Docker id) a hostname (its 12-hex prefix) belongs to. Undefined when
 * none matches, or when the prefix is ambiguous — better no attribution than a wrong one.
 */
export function matchRuntimeId(id: string, runtimeIds: string[]): string | undefined {
  if (!id) return undefined;
  const matches = [...new Set(runtimeIds.filter((runtimeId) => runtimeId.startsWith(id)))];
  return matches.length === 1 ? matches[0] : undefined;
}

export interface Answer {
  /** HTTP status; 0 when no HTTP answer came. */
  status: number;
  /** Who answered (see attribute()). */
  id?: string;
  ms: number;
  /** Why no HTTP answer came (timeout, refused, reset, …). */
  error?: string;
  /** The start of the body when the answer was not a plain attributed 2xx, for the report. */
  bodySnippet?: string;
  /** This answer came from a retry on a fresh connection, after this (first) transient failure. */
  retriedAfter?: string;
  /** Attempts this answer took when it was retried (2 … 1 + MAX_TRANSIENT_RETRIES). */
  attempts?: number;
}

export interface SampleOptions {
  path?: string;
  maxRequests: number;
  /** Requests in flight at once (1: answers arrive in the order the ALB routed them). */
  concurrency?: number;
  /** Per request: no complete answer within this is an error. */
  timeoutMs: number;
  /** Upper bound for the whole sample; no new request starts after it (default maxRequests × timeoutMs). */
  budgetMs?: number;
  /**
   * Called after each answer with it and every answer so far; true starts no further request.
   * Requests already in flight (concurrency > 1) still complete and are recorded.
   */
  stop?: (answer: Answer, answers: readonly Answer[]) => boolean;
  pattern?: RegExp;
}

export interface Sample {
  answers: Answer[];
  total: number;
  /** Answers that were no HTTP answer at all, or a status of 400 or more. */
  errors: number;
  elapsedMs: number;
  /** Why sampling ended. */
  endedBy: 'stop' | 'max-requests' | 'budget';
  /** Requests retried on a fresh connection after a transient failure (502, reset, EAI_AGAIN). */
  retries: number;
}

/**
 * Retries of one request after transient failures, each on a fresh connection. Each 502 of the
 * keep-alive race retires one upstream connection the target had closed while the ALB kept it;
 * a sequential client leaves the ALB one pooled connection per target, so after a pause longer
 * than the app's keep-alive (5 s) three tasks can answer three 502s in a row (the ALB's round
 * robin moves each retry on to the next target). A fourth is not that race.
 */
export const MAX_TRANSIENT_RETRIES = 3;

/**
 * Failures that say nothing about the deployment and are retried (at most MAX_TRANSIENT_RETRIES
 * times, each on a fresh connection): an ALB answers 502 when a target closes a kept-alive
 * connection first, and does not retry it itself ("HTTP 502: Bad gateway … the target closed the
 * connection", ELB troubleshooting guide; Node's default keepAliveTimeout of 5 s against the ALB's
 * 60 s idle timeout — the workshop's app is Node); a connection reset on the way; a DNS lookup that
 * fails once (EAI_AGAIN). A task that answers 5xx every time still fails: the last retry's answer
 * is the one that counts.
 */
export function isTransientAnswer(a: Answer): boolean {
  return a.status === 502 || /^(ECONNRESET|EPIPE|EAI_AGAIN|UND_ERR_SOCKET)\b/.test(a.error ?? '');
}

const SNIPPET_CHARS = 200;
/**
 * The most of any answer read: a participant controls their app, and a 256 MiB body must not
 * be read whole. The workshop's answer (and any attribution) is in its first bytes.
 */
export const MAX_BODY_BYTES = 64 * 1024;

/** The body up to `max` bytes; the rest is never read (the connection is dropped instead). */
export async function readBounded(body: AsyncIterable<Buffer> & { destroy(): unknown }, max = MAX_BODY_BYTES): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const room = max - size;
    chunks.push(chunk.length > room ? chunk.subarray(0, room) : chunk);
    size += Math.min(chunk.length, room);
    if (size >= max) break;
  }
  body.destroy();
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Requests `origin + pathPrefix + path` with the Host header set to the ALB's DNS name, so one
 * endpoint can front many ALBs (the simulator, LocalStack) and real AWS works with origin =
 * http://<dns>. Keep-alive is fine: the ALB routes each request, not each connection.
 */
export async function sampleThroughAlb(address: AlbAddress, opts: SampleOptions): Promise<Sample> {
  const { maxRequests, timeoutMs, pattern } = opts;
  const concurrency = Math.max(1, Math.min(opts.concurrency ?? 1, maxRequests));
  const budgetMs = opts.budgetMs ?? maxRequests * timeoutMs;
  const url = new URL(`${address.pathPrefix}${opts.path ?? '/'}`, address.origin).toString();
  const agent = new Agent({ connections: concurrency, connectTimeout: timeoutMs, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  const answers: Answer[] = [];
  const started = performance.now();
  let issued = 0;
  let retries = 0;
  let endedBy: Sample['endedBy'] | undefined;

  const one = async (): Promise<Answer> => {
    const first = await attempt(agent);
    if (!isTransientAnswer(first)) return first;
    retries++;
    let answer = first;
    let attempts = 1;
    while (isTransientAnswer(answer) && attempts <= MAX_TRANSIENT_RETRIES) {
      const fresh = new Agent({ connections: 1, connectTimeout: timeoutMs, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
      try {
        answer = await attempt(fresh);
        attempts++;
      } finally {
        await fresh.close();
      }
    }
    return { ...answer, retriedAfter: first.error ?? `HTTP ${first.status}`, attempts };
  };

  const attempt = async (dispatcher: Agent): Promise<Answer> => {
    const t0 = performance.now();
    try {
      // the signal bounds the whole request, body included: a trickle cannot hold a worker past it
      // (undici's request() never follows a redirect: a 3xx is an answer like any other)
      const response = await request(url, { method: 'GET', headers: { host: address.host }, dispatcher, signal: AbortSignal.timeout(timeoutMs) });
      const body = await readBounded(response.body);
      const id = attribute(body, response.headers, pattern);
      const ok = response.statusCode >= 200 && response.statusCode < 300;
      return {
        status: response.statusCode,
        ...(id ? { id } : {}),
        ms: elapsed(t0),
        ...(!ok || !id ? { bodySnippet: body.slice(0, SNIPPET_CHARS) } : {}),
      };
    } catch (error) {
      return { status: 0, ms: elapsed(t0), error: describeRequestError(error, timeoutMs) };
    }
  };

  const worker = async () => {
    while (!endedBy) {
      if (issued >= maxRequests) {
        endedBy = 'max-requests';
        break;
      }
      if (performance.now() - started >= budgetMs) {
        endedBy = 'budget';
        break;
      }
      issued++;
      const answer = await one();
      answers.push(answer);
      if (!endedBy && opts.stop?.(answer, answers)) endedBy = 'stop';
    }
  };

  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    await agent.close();
  }
  return {
    answers,
    total: answers.length,
    errors: answers.filter((a) => a.error !== undefined || a.status >= 400).length,
    elapsedMs: elapsed(started),
    endedBy: endedBy ?? 'max-requests',
    retries,
  };
}

function elapsed(since: number): number {
  return Math.round(performance.now() - since);
}

function describeRequestError(error: unknown, timeoutMs: number): string {
  const e = error as { name?: string; code?: string; message?: string; cause?: { code?: string } };
  // Only our own AbortSignal.timeout aborts a request, so an abort is a timeout too.
  if (e.name === 'TimeoutError' || e.name === 'AbortError' || e.code === 'UND_ERR_ABORTED' || e.code === 'UND_ERR_CONNECT_TIMEOUT' || e.code === 'UND_ERR_HEADERS_TIMEOUT' || e.code === 'UND_ERR_BODY_TIMEOUT') {
    return `no answer within ${timeoutMs} ms`;
  }
  const code = e.code ?? e.cause?.code;
  return code ? `${code}: ${e.message ?? ''}`.trim() : (e.message ?? String(error));
}

export type ProbeOutcome = 'answered' | 'refused' | 'reset' | 'timeout' | 'error';

export interface Probe {
  outcome: ProbeOutcome;
  status?: number;
  id?: string;
  ms: number;
  /** One human line, e.g. "no answer from 127.0.1.2:40001 within 1000 ms". */
  detail: string;
}

/**
 * One GET / over a brand-new TCP connection, closed afterwards. Never pooled: connection
 * tracking can keep an established connection alive after a rule change, so only a fresh
 * connection shows what the security group does now. On AWS a denied packet is dropped (the
 * connect never completes); the simulator accepts and holds the socket silently: both are
 * 'timeout'. 'refused' means the packet got through and nothing listens.
 */
export function probeDirect(ip: string, port: number, timeoutMs: number, pattern?: RegExp): Promise<Probe> {
  const where = isIPv6(ip) ? `[${ip}]:${port}` : `${ip}:${port}`;
  const started = performance.now();
  return new Promise<Probe>((resolve) => {
    const socket: Socket = connect({ host: ip, port });
    const chunks: Buffer[] = [];
    let connected = false;
    let settled = false;
    const finish = (probe: Omit<Probe, 'ms'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ ...probe, ms: elapsed(started) });
    };
    const timer = setTimeout(
      () =>
        finish({
          outcome: 'timeout',
          detail: connected
            ? `no answer from ${where} within ${timeoutMs} ms (connected, but nothing came back)`
            : `no answer from ${where} within ${timeoutMs} ms (the connection did not complete)`,
        }),
      timeoutMs,
    );
    socket.on('connect', () => {
      connected = true;
      socket.write(`GET / HTTP/1.1\r\nHost: ${where}\r\nUser-Agent: ecs-alb-e2e-probe\r\nConnection: close\r\n\r\n`);
    });
    let received = 0;
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      received += chunk.length;
      // past the bound the answer is judged on what came: enough to tell it answered, and who
      const full = received >= MAX_BODY_BYTES;
      const response = parseHttpResponse(Buffer.concat(chunks), full);
      if (response) finish(answered(response, where, pattern));
      else if (full) finish({ outcome: 'error', detail: `${where} sent ${received} bytes without an HTTP answer` });
    });
    socket.on('end', () => {
      const response = parseHttpResponse(Buffer.concat(chunks), true);
      if (response) finish(answered(response, where, pattern));
      else finish({ outcome: 'error', detail: `${where} closed the connection without an HTTP answer` });
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNREFUSED') {
        finish({ outcome: 'refused', detail: `${where} refused the connection: the packet got through and nothing listens on port ${port}` });
      } else if (error.code === 'ECONNRESET' || error.code === 'EPIPE') {
        finish({ outcome: 'reset', detail: `${where} reset the connection${connected ? ' after accepting it' : ''}` });
      } else {
        finish({ outcome: 'error', detail: `${where}: ${error.code ?? ''} ${error.message}`.replace(/\s+/g, ' ') });
      }
    });
  });
}

/**
 * How many times the positive control's round trip a negative probe waits before "no answer"
 * counts. An admitted connection answers in about one round trip of the path the control just
 * measured from this runner (a task before the lockdown, or the egress canary); a dropped one
 * never does. 20 round trips leave room for a scheduling hiccup of the machine doing the probing
 * (on 2 loaded cores loopback round trips vary by up to ~10×: 3–30 ms measured in the same run),
 * without sitting out a fixed second on loopback.
 */
export const NEGATIVE_PROBE_ROUND_TRIPS = 20;

/**
 * The timeout of a negative direct probe: NEGATIVE_PROBE_ROUND_TRIPS × the positive control's
 * round trip, at least the target's floor, at most its directProbeTimeoutMs. The floor covers
 * the tail a factor cannot (a control answered in 1 ms says little about the next 20 ms); real
 * networks have floor = ceiling in their profile (helpers/targets/aws.ts), so a run on AWS waits
 * exactly as long as before: an instance's round trip across the internet varies far more than
 * loopback's, and a too-short wait there would pass a reachable task as blocked.
 */
export function negativeProbeTimeoutMs(controlMs: number, timing: { directProbeTimeoutMs: number; directProbeFloorMs: number }): number {
  const derived = Number.isFinite(controlMs) && controlMs >= 0 ? Math.ceil(controlMs * NEGATIVE_PROBE_ROUND_TRIPS) : timing.directProbeTimeoutMs;
  return Math.min(timing.directProbeTimeoutMs, Math.max(timing.directProbeFloorMs, derived));
}

/**
 * The positive control of a negative probe: does anything answer from `host:port`, a listener
 * outside the account on a high port, over a fresh connection from this runner? Any bytes back
 * count (an HTTP server or a line-printing TCP listener); a connect that completes with nothing
 * after it does not — a firewall that holds a connection silently looks just like that.
 */
export function probeEgress(host: string, port: number, timeoutMs: number): Promise<Probe> {
  const where = isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
  const started = performance.now();
  return new Promise<Probe>((resolve) => {
    const socket: Socket = connect({ host, port });
    let settled = false;
    const finish = (probe: Omit<Probe, 'ms'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ ...probe, ms: elapsed(started) });
    };
    const timer = setTimeout(() => finish({ outcome: 'timeout', detail: `no answer from ${where} within ${timeoutMs} ms` }), timeoutMs);
    socket.on('connect', () => socket.write(`GET / HTTP/1.1\r\nHost: ${where}\r\nUser-Agent: ecs-alb-e2e-canary\r\nConnection: close\r\n\r\n`));
    socket.once('data', () => finish({ outcome: 'answered', detail: `${where} answered` }));
    socket.on('end', () => finish({ outcome: 'error', detail: `${where} closed the connection without answering` }));
    socket.on('error', (error: NodeJS.ErrnoException) =>
      finish({ outcome: error.code === 'ECONNREFUSED' ? 'refused' : 'error', detail: `${where}: ${error.code ?? ''} ${error.message}`.replace(/\s+/g, ' ') }),
    );
  });
}

function answered(response: HttpResponse, where: string, pattern?: RegExp): Omit<Probe, 'ms'> {
  const id = attribute(response.body, response.headers, pattern);
  return {
    outcome: 'answered',
    status: response.status,
    ...(id ? { id } : {}),
    detail: `${where} answered ${response.status}${id ? ` from ${id}` : ''}`,
  };
}

interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * A minimal HTTP/1.1 response reader for the probe: undefined until the response is complete
 * (by Content-Length, the last chunk, or — with `ended` — the end of the connection).
 */
export function parseHttpResponse(raw: Buffer, ended: boolean): HttpResponse | undefined {
  const headerEnd = raw.indexOf('\r\n\r\n');
  if (headerEnd < 0) return undefined;
  const [statusLine = '', ...headerLines] = raw.subarray(0, headerEnd).toString('latin1').split('\r\n');
  const status = /^HTTP\/\d(?:\.\d)? (\d{3})/.exec(statusLine)?.[1];
  if (!status) return undefined;
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const rest = raw.subarray(headerEnd + 4);
  if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
    const body = dechunk(rest);
    if (body === undefined && !ended) return undefined;
    return { status: Number(status), headers, body: (body ?? rest).toString('utf8') };
  }
  const length = headers['content-length'];
  if (length !== undefined) {
    if (rest.length < Number(length) && !ended) return undefined;
    return { status: Number(status), headers, body: rest.subarray(0, Number(length)).toString('utf8') };
  }
  return ended ? { status: Number(status), headers, body: rest.toString('utf8') } : undefined;
}

/** The body of a chunked message, or undefined until its last (zero-size) chunk arrived. */
function dechunk(raw: Buffer): Buffer | undefined {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = raw.indexOf('\r\n', at);
    if (lineEnd < 0) return undefined;
    const size = parseInt(raw.subarray(at, lineEnd).toString('latin1'), 16);
    if (Number.isNaN(size)) return undefined;
    if (size === 0) return Buffer.concat(parts);
    const start = lineEnd + 2;
    if (raw.length < start + size + 2) return undefined;
    parts.push(raw.subarray(start, start + size));
    at = start + size + 2;
  }
}
