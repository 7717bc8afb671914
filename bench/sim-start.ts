/**
 * simFirstRequestMs: a fresh `npm run sim` process, timed from spawn until it has printed
 * `ready <endpoint>` and answered a first real SDK request (ECS ListClusters).
 */
import { ECSClient, ListClustersCommand } from '@aws-sdk/client-ecs';
import { spawnTimed, cleanEnv } from './child.js';

export interface SimStart {
  readyMs: number;
  firstRequestMs: number;
  clusters: number;
}

export const SIM_ARGS = ['--import', 'tsx', 'sim/cli.ts', '--port', '0', '--scenario', 'baseline'];
const READY = /^ready (http:\/\/\S+)/;

export async function startSimChild(root: string, extraArgs: string[] = []) {
  const t = spawnTimed(process.execPath, [...SIM_ARGS, ...extraArgs], { cwd: root, env: cleanEnv({}), markers: { ready: READY } });
  const ready = await t.line('ready');
  const endpoint = READY.exec(ready.text)![1]!;
  return {
    timed: t,
    endpoint,
    readyMs: ready.ms,
    async stop() {
      t.child.kill('SIGTERM');
      return t.exited;
    },
  };
}

export async function timeSimStart(root: string): Promise<SimStart> {
  const sim = await startSimChild(root);
  const ecs = new ECSClient({ endpoint: sim.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  try {
    const r = await ecs.send(new ListClustersCommand({}));
    const firstRequestMs = performance.now() - sim.timed.spawnedAt;
    return { readyMs: sim.readyMs, firstRequestMs, clusters: r.clusterArns?.length ?? 0 };
  } finally {
    ecs.destroy();
    await sim.stop();
  }
}

/** One unmeasured start first: it warms the file cache and the SDK client code of this process. */
export async function simFirstRequest(root: string, runs: number): Promise<SimStart[]> {
  await timeSimStart(root);
  const out: SimStart[] = [];
  for (let i = 0; i < runs; i++) out.push(await timeSimStart(root));
  return out;
}
