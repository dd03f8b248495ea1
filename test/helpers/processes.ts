/**
 * Real `flowgate serve` and `flowgate worker` processes for crash tests and benchmarks:
 * started through bin/flowgate.js exactly as an operator would, killed with SIGKILL (no
 * graceful shutdown, no chance to release a lease), and always reaped by `stopAllProcesses()`
 * in afterAll. A child that outlives its test is a failure, so every child is tracked here.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(ROOT, 'bin/flowgate.js');

/** The job lease of child processes: short, so a killed worker's jobs are taken over quickly. */
export const CHILD_LEASE_MS = 2000;

export interface FlowgateProcess {
  kind: 'serve' | 'worker';
  pid: number;
  child: ChildProcess;
  /** stdout and stderr, interleaved (LOG_LEVEL=warn keeps it short). */
  output(): string;
  /** Resolves with the exit code or signal once the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  alive(): boolean;
  /** SIGKILL by default: no shutdown hooks run. Resolves once the process is gone. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export interface ServeProcess extends FlowgateProcess {
  kind: 'serve';
  url: string;
  port: number;
  call<T = any>(method: string, path: string, opts?: { token?: string; body?: unknown }): Promise<{ status: number; body: T }>;
}

const children = new Set<FlowgateProcess>();

function spawnFlowgate(kind: 'serve' | 'worker', args: string[], env: Record<string, string>): FlowgateProcess {
  // FLOWGATE_CHILD_CPU_PROF=<dir>: each child writes a V8 CPU profile there when it exits (benchmarks).
  const prof = process.env.FLOWGATE_CHILD_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.FLOWGATE_CHILD_CPU_PROF}`] : [];
  const child = spawn(process.execPath, [...prof, BIN, kind, ...args], {
    cwd: ROOT,
    env: { ...process.env, FLOWGATE_LEASE_MS: String(CHILD_LEASE_MS), LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (d: Buffer) => {
    out += d.toString('utf8');
    if (out.length > 200_000) out = out.slice(-100_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const p: FlowgateProcess = {
    kind,
    pid: child.pid!,
    child,
    output: () => out,
    exited,
    alive: () => child.exitCode === null && child.signalCode === null,
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      if (p.alive()) child.kill(signal);
      await exited;
      children.delete(p);
    },
  };
  children.add(p);
  void exited.then(() => children.delete(p));
  return p;
}

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

async function request(base: string, method: string, p: string, opts: { token?: string; body?: unknown } = {}) {
  const headers: Record<string, string> = {};
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let body: string | undefined;
  if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    headers['content-type'] = 'application/json';
  }
  const res = await fetch(base + p, { method, headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {}
  return { status: res.status, body: parsed as any };
}

/**
 * `flowgate serve --db <url> --port <free> --host 127.0.0.1`, resolved once `/api/health`
 * answers 200. `worker: false` adds `--no-worker` (PostgreSQL: HTTP only).
 */
export async function startServeProcess(dbUrl: string, opts: { worker?: boolean; env?: Record<string, string>; timeoutMs?: number } = {}): Promise<ServeProcess> {
  const deadline = Date.now() + (opts.timeoutMs ?? 45_000);
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const args = ['--db', dbUrl, '--port', String(port), '--host', '127.0.0.1', ...(opts.worker === false ? ['--no-worker'] : [])];
    const p = spawnFlowgate('serve', args, opts.env ?? {});
    const url = `http://127.0.0.1:${port}`;
    const serve: ServeProcess = Object.assign(p, {
      kind: 'serve' as const,
      url,
      port,
      call: <T = any>(method: string, path: string, o?: { token?: string; body?: unknown }) => request(url, method, path, o) as Promise<{ status: number; body: T }>,
    });
    for (;;) {
      if (!p.alive()) break;
      try {
        const res = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(2000) });
        if (res.status === 200) return serve;
      } catch {}
      if (Date.now() > deadline) {
        await p.kill();
        throw new Error(`flowgate serve did not become healthy in time:\n${p.output()}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    // It exited before answering: another process may have taken the port between our probe and its bind.
    await p.exited;
    if (!/EADDRINUSE/.test(p.output()) || attempt >= 5 || Date.now() > deadline) {
      throw new Error(`flowgate serve exited before becoming healthy:\n${p.output()}`);
    }
  }
}

/** Sessions on the database of `dbUrl` that are LISTENing for Flowgate's NOTIFYs: one per started engine. */
async function listeners(dbUrl: string): Promise<number> {
  const c = new pg.Client({ connectionString: dbUrl });
  await c.connect();
  try {
    const r = await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND query ILIKE 'LISTEN %'`);
    return r.rows[0]!.n;
  } finally {
    await c.end();
  }
}

/**
 * `n` × `flowgate worker --db <url>` (PostgreSQL), started together. A worker has no HTTP
 * endpoint: it is ready once its engine has started, which shows as one more session
 * LISTENing on the database (the engine LISTENs, then starts claiming). So nothing else may
 * start on this database while this waits.
 */
export async function startWorkerProcesses(dbUrl: string, n: number, opts: { env?: Record<string, string>; timeoutMs?: number } = {}): Promise<FlowgateProcess[]> {
  const before = await listeners(dbUrl);
  const procs = Array.from({ length: n }, () => spawnFlowgate('worker', ['--db', dbUrl], opts.env ?? {}));
  const deadline = Date.now() + (opts.timeoutMs ?? 45_000);
  for (;;) {
    const dead = procs.find((p) => !p.alive());
    if (dead) {
      await Promise.all(procs.map((p) => p.kill()));
      throw new Error(`flowgate worker exited at start:\n${dead.output()}`);
    }
    if ((await listeners(dbUrl)) >= before + n) return procs;
    if (Date.now() > deadline) {
      await Promise.all(procs.map((p) => p.kill()));
      throw new Error(`flowgate workers did not start in time:\n${procs.map((p) => p.output()).join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function startWorkerProcess(dbUrl: string, opts: { env?: Record<string, string>; timeoutMs?: number } = {}): Promise<FlowgateProcess> {
  return (await startWorkerProcesses(dbUrl, 1, opts))[0]!;
}

/** Every child still running (started by this module and not yet reaped). */
export function liveProcesses(): FlowgateProcess[] {
  return [...children].filter((c) => c.alive());
}

/** SIGKILLs every child this module started and waits for each to exit. Returns how many were still running. */
export async function stopAllProcesses(): Promise<number> {
  const live = liveProcesses();
  await Promise.all(live.map((c) => c.kill('SIGKILL')));
  return live.length;
}

// A last resort if the test process itself dies before afterAll: never leave orphans behind.
process.once('exit', () => {
  for (const c of children) if (c.alive()) c.child.kill('SIGKILL');
});
