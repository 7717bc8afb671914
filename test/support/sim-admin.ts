/** Read-outs of a running simulator's admin path, for the suite's own proofs. */
export interface SimResource {
  type: string;
  id: string;
  name: string;
  status?: string;
  tags: Record<string, string>;
}

export async function simResources(endpoint: string): Promise<SimResource[]> {
  return (await (await fetch(`${endpoint}/_sim/resources`)).json()) as SimResource[];
}

/** What still carries this run's tag (INACTIVE services are gone for this purpose, as on AWS). */
export async function taggedWith(endpoint: string, runId: string): Promise<SimResource[]> {
  return (await simResources(endpoint)).filter((r) => r.tags['e2e:run'] === runId && r.status !== 'INACTIVE');
}

export interface SimCall {
  service: string;
  action: string;
  error?: string;
}

export async function simCalls(endpoint: string): Promise<SimCall[]> {
  return (await (await fetch(`${endpoint}/_sim/calls`)).json()) as SimCall[];
}

export async function clearSimCalls(endpoint: string): Promise<void> {
  await fetch(`${endpoint}/_sim/calls`, { method: 'DELETE' });
}
