/** Driving real Flowgate processes over HTTP: processes, a world to work in, workflows, items. */
import pg from 'pg';
import { startServeProcess, startWorkerProcesses, type FlowgateProcess, type ServeProcess } from '../../test/helpers/processes.js';
import { inFlight } from './options.js';

/** Children run with the production lease and quiet logs. */
export const CHILD_ENV = { FLOWGATE_LEASE_MS: '30000', LOG_LEVEL: 'warn' };

/** Requests in flight while starting the runs of a throughput trial. */
export const CLIENT_CONCURRENCY = 32;

/** The benchmark's three-phase workflow: notify (in-app, to the space's admins) → mutate → comment. */
export const THREE_PHASES = {
  name: 'Notify, edit, comment',
  trigger: { type: 'manual' },
  phases: [
    { id: 'tell', type: 'notify', to: ['space_admins'], channels: ['in_app'], message: '{{target.title}} is being processed' },
    { id: 'edit', type: 'mutate', set: { caption: 'processed' } },
    { id: 'note', type: 'comment', body: 'Processed by run {{run.id}}' },
  ],
};

/** SIGTERM (graceful), then SIGKILL if the process has not exited within 15 s. */
export async function stop(p: FlowgateProcess) {
  const timer = setTimeout(() => p.child.kill('SIGKILL'), 15_000);
  await p.kill('SIGTERM');
  clearTimeout(timer);
}

/** One API call that must answer `want`; anything else throws with the tail of the server's output. */
export async function http(api: ServeProcess, method: string, p: string, token: string | undefined, body?: unknown, want = 200) {
  const res = await api.call(method, p, { token, body });
  if (res.status !== want) throw new Error(`${method} ${p}: ${res.status} ${JSON.stringify(res.body)}\n${api.output().slice(-2000)}`);
  return res.body;
}

export interface World {
  token: string;
  spaceId: string;
  userId: string;
}

/** A fresh instance's org (its owner's token) and one space to work in. */
export async function world(api: ServeProcess): Promise<World> {
  const setup = await http(api, 'POST', '/api/setup', undefined, { orgName: 'Bench', email: 'owner@bench.example', name: 'Bench Owner', password: 'correct horse' }, 201);
  const space = await http(api, 'POST', '/api/spaces', setup.token, { name: 'Bench' }, 201);
  return { token: setup.token as string, spaceId: space.id as string, userId: setup.user.id as string };
}

/** `n` content items in the world's space (16 requests in flight); their ids in order. */
export async function createItems(api: ServeProcess, w: Pick<World, 'token' | 'spaceId'>, n: number): Promise<string[]> {
  const ids: string[] = [];
  await inFlight(n, 16, async (i) => {
    ids[i] = (await http(api, 'POST', `/api/spaces/${w.spaceId}/content`, w.token, { title: `Bench item ${i}` }, 201)).id;
  });
  return ids;
}

export async function createWorkflow(api: ServeProcess, w: Pick<World, 'token' | 'spaceId'>, definition: object): Promise<string> {
  return (await http(api, 'POST', `/api/spaces/${w.spaceId}/workflows`, w.token, definition, 201)).id;
}

/** Starts a run of `workflowId` on content item `itemId`; returns the run's id. */
export async function startRun(api: ServeProcess, token: string, workflowId: string, itemId: string): Promise<string> {
  return (await http(api, 'POST', `/api/workflows/${workflowId}/runs`, token, { target: { type: 'content', id: itemId } }, 201)).id;
}

/** `flowgate serve --no-worker` for the API and `workers` × `flowgate worker`, on the PostgreSQL database `url`. */
export async function startPostgresProcesses(url: string, workers: number, env: Record<string, string> = CHILD_ENV): Promise<{ api: ServeProcess; workers: FlowgateProcess[] }> {
  const api = await startServeProcess(url, { worker: false, env: CHILD_ENV });
  try {
    return { api, workers: await startWorkerProcesses(url, workers, { env }) };
  } catch (e) {
    await stop(api);
    throw e;
  }
}

/** Finished runs of a workflow, by status, read from the PostgreSQL store (not through the API under test). */
export async function finishedRunsPg(client: { query(text: string, values?: unknown[]): Promise<pg.QueryResult> }, workflowId: string): Promise<{ done: number; failed: number }> {
  const r = await client.query(
    `SELECT count(*) FILTER (WHERE status IN ('completed', 'failed', 'cancelled'))::int AS done, count(*) FILTER (WHERE status <> 'completed' AND status IN ('failed', 'cancelled'))::int AS failed FROM runs WHERE workflow_id = $1`,
    [workflowId],
  );
  return r.rows[0];
}

export type { FlowgateProcess, ServeProcess };
