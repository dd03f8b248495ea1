/** Driver side of protocol.ts: a peer system's process, started with tsx and spoken to over IPC. */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DriverMessage, PeerMessage, RunTimes, StartMessage } from './protocol.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');

export interface PeerProcess {
  pid: number;
  output(): string;
  /** Starts one batch of runs and resolves once every one has finished. */
  start(m: Omit<StartMessage, 'type'>): Promise<{ runs: RunTimes[]; elapsedMs: number; ownQueries: number }>;
  /** Asks for a clean shutdown; SIGKILL after 15 s. */
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();

/** Starts `bench/peers/<script>` and resolves once it reports ready. */
export async function startPeer(script: string, env: Record<string, string>, timeoutMs = 60_000): Promise<PeerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(HERE, script)], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  live.add(child);
  let out = '';
  const keep = (d: Buffer) => {
    out += d.toString('utf8');
    if (out.length > 200_000) out = out.slice(-100_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => (live.delete(child), resolve())));
  const gone = () => child.exitCode !== null || child.signalCode !== null;

  /** The next message from the peer, or a rejection if it exits or `ms` pass first. */
  const next = (ms: number) =>
    new Promise<PeerMessage>((resolve, reject) => {
      const onMessage = (m: PeerMessage) => (cleanup(), resolve(m));
      const onExit = () => (cleanup(), reject(new Error(`${script} exited (${child.exitCode ?? child.signalCode}):\n${out.slice(-4000)}`)));
      const timer = setTimeout(() => (cleanup(), reject(new Error(`${script}: no answer in ${ms} ms:\n${out.slice(-4000)}`))), ms);
      const cleanup = () => {
        clearTimeout(timer);
        child.off('message', onMessage);
        child.off('exit', onExit);
      };
      child.on('message', onMessage);
      child.once('exit', onExit);
    });
  const send = (m: DriverMessage) => child.send(m);

  const kill = async () => {
    if (!gone()) child.kill('SIGKILL');
    await exited;
  };
  try {
    const ready = await next(timeoutMs);
    if (ready.type !== 'ready') throw new Error(`${script}: expected ready, got ${JSON.stringify(ready)}`);
  } catch (e) {
    await kill();
    throw e;
  }
  return {
    pid: child.pid!,
    output: () => out,
    async start(m) {
      send({ type: 'start', ...m });
      const r = await next(10 * 60_000);
      if (r.type === 'error') throw new Error(`${script}: ${r.message}`);
      if (r.type !== 'result') throw new Error(`${script}: expected a result, got ${JSON.stringify(r)}`);
      return r;
    },
    async stop() {
      if (gone()) return;
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      send({ type: 'stop' });
      await exited;
      clearTimeout(timer);
    },
  };
}

/** SIGKILLs every peer process still running and waits for each to exit. */
export async function stopAllPeers(): Promise<void> {
  await Promise.all(
    [...live].map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null || c.signalCode !== null) return resolve();
          c.once('exit', () => resolve());
          c.kill('SIGKILL');
        }),
    ),
  );
}

// A last resort if the driver dies: never leave a peer behind.
process.once('exit', () => {
  for (const c of live) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});
