/**
 * A child process timed from spawn: when each marker line first appeared in its output, when
 * it exited, and its peak memory. Lines are stripped of terminal colours before matching.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { watchMemory, type MemoryPeak } from './memory.js';

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;

export interface TimedChild {
  child: ChildProcess;
  spawnedAt: number;
  /** Milliseconds from spawn to the first line matching each marker. */
  marks: Record<string, number>;
  /** Resolves with the first line matching the marker (and when it came). */
  line(marker: string): Promise<{ text: string; ms: number }>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number; memory: MemoryPeak; output: string }>;
}

export function spawnTimed(command: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv; markers: Record<string, RegExp> }): TimedChild {
  const spawnedAt = performance.now();
  const child = spawn(command, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const memory = watchMemory(child.pid!);
  const marks: Record<string, number> = {};
  const lines: Record<string, { text: string; ms: number }> = {};
  const waiting = new Map<string, ((l: { text: string; ms: number }) => void)[]>();
  let output = '';
  const onData = (stream: NodeJS.ReadableStream) => {
    let partial = '';
    stream.on('data', (chunk: Buffer) => {
      const ms = performance.now() - spawnedAt;
      const text = partial + chunk.toString('utf8');
      const parts = text.split('\n');
      partial = parts.pop() ?? '';
      for (const raw of parts) {
        const line = raw.replace(ANSI, '');
        output += `${line}\n`;
        if (marks.firstOutput === undefined && line.trim()) marks.firstOutput = ms;
        for (const [name, re] of Object.entries(opts.markers)) {
          if (marks[name] !== undefined || !re.test(line)) continue;
          marks[name] = ms;
          lines[name] = { text: line, ms };
          for (const resolve of waiting.get(name) ?? []) resolve(lines[name]!);
          waiting.delete(name);
        }
      }
    });
  };
  onData(child.stdout!);
  onData(child.stderr!);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number; memory: MemoryPeak; output: string }>((resolve) => {
    child.once('exit', (code, signal) => {
      const ms = performance.now() - spawnedAt;
      resolve({ code, signal, ms, memory: memory.stop(), output });
    });
  });
  return {
    child,
    spawnedAt,
    marks,
    exited,
    line(marker) {
      if (lines[marker]) return Promise.resolve(lines[marker]!);
      return new Promise((resolve, reject) => {
        waiting.set(marker, [...(waiting.get(marker) ?? []), resolve]);
        void exited.then((e) => reject(new Error(`${command} ${args.join(' ')} exited (${e.code ?? e.signal}) before printing ${marker}:\n${e.output.slice(-2000)}`)));
      });
    },
  };
}

/** The environment of a plain `npm run …` with nothing set: no E2E_* variable leaks in from the caller. */
export function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('E2E_')) env[k] = v;
  return { ...env, ...extra };
}
