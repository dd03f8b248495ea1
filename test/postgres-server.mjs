// Starts a throw-away PostgreSQL server for the test suite: initdb in a temp dir, trust auth,
// a free port on loopback. PostgreSQL refuses to run as root, so as root it runs as the
// `postgres` user. Used by test/run-tests.mjs when FLOWGATE_TEST_PG_URL is not given.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export function findPgBin() {
  const candidates = [process.env.PG_BIN, '/usr/lib/postgresql/15/bin', '/usr/lib/postgresql/16/bin', '/usr/lib/postgresql/17/bin']
    .filter(Boolean);
  for (const dir of candidates) if (fs.existsSync(path.join(dir, 'initdb'))) return dir;
  try {
    const initdb = execFileSync('which', ['initdb'], { encoding: 'utf8' }).trim();
    if (initdb) return path.dirname(initdb);
  } catch {}
  return null;
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

export async function startPostgres() {
  const bin = findPgBin();
  if (!bin) throw new Error('PostgreSQL server binaries not found (install the Debian package "postgresql", or set FLOWGATE_TEST_PG_URL).');
  const asRoot = process.getuid?.() === 0;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowgate-pg-'));
  const dataDir = path.join(dir, 'data');
  if (asRoot) execFileSync('chown', ['-R', 'postgres:postgres', dir]);
  const run = (cmd, args, opts = {}) =>
    asRoot ? execFileSync('runuser', ['-u', 'postgres', '--', path.join(bin, cmd), ...args], opts) : execFileSync(path.join(bin, cmd), args, opts);
  run('initdb', ['-D', dataDir, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8'], { stdio: 'ignore' });
  const port = await freePort();
  const args = ['-D', dataDir, '-p', String(port), '-k', dir, '-h', '127.0.0.1', '-c', 'fsync=off', '-c', 'max_connections=300', '-c', 'full_page_writes=off'];
  const child = asRoot
    ? spawn('runuser', ['-u', 'postgres', '--', path.join(bin, 'postgres'), ...args], { stdio: ['ignore', 'ignore', 'pipe'] })
    : spawn(path.join(bin, 'postgres'), args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr.on('data', (d) => (log += d));
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    const ok = await new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => (s.end(), resolve(true)));
      s.on('error', () => resolve(false));
    });
    if (ok && /ready to accept connections/.test(log)) break;
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`PostgreSQL did not start:\n${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    async stop() {
      if (child.exitCode === null) {
        // runuser does not pass signals on to the server; pg_ctl stops it by its pid file.
        const exited = new Promise((r) => child.once('exit', r));
        try {
          run('pg_ctl', ['-D', dataDir, 'stop', '-m', 'immediate'], { stdio: 'ignore' });
        } catch {
          child.kill('SIGKILL');
        }
        await exited;
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
