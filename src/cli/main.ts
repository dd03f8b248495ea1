/**
 * The `flowgate` command. `serve` runs the API, the guest review pages and an embedded worker; the other
 * commands drive a running server through its HTTP API, or the store directly (migrate).
 */
import { Command, Option } from 'commander';
import { loadConfig } from '../config.js';
import { openDatabase } from '../store/open.js';
import { migrate } from '../store/migrate.js';
import { isPostgresUrl } from '../store/open.js';
import { registerClientCommands } from './client-commands.js';
import { registerAuditCommand } from './audit.js';

const program = new Command();
program.name('flowgate').description('Flowgate: workflow runs, approval gates and audit for content teams.').version('0.1.0');

function dbOption() {
  return new Option('--db <sqlite-path|postgres-url>', 'store: a SQLite file or a postgres:// URL (env DATABASE_URL; default ./data/flowgate.db)');
}

program
  .command('serve')
  .description('run the HTTP API, the guest review pages and an embedded worker')
  .option('--port <port>', 'port to listen on (env PORT, default 3000)')
  .option('--host <host>', 'address to listen on (env HOST, default 127.0.0.1)')
  .addOption(dbOption())
  .option('--no-worker', 'do not run the embedded worker (PostgreSQL only: separate `flowgate worker` processes do the work)')
  .action(async (opts: { port?: string; host?: string; db?: string; worker: boolean }) => {
    const config = loadConfig({
      ...(opts.port ? { port: Number(opts.port) } : {}),
      ...(opts.host ? { host: opts.host } : {}),
      ...(opts.db ? { db: opts.db } : {}),
      worker: opts.worker,
    });
    let server;
    try {
      const { startServer } = await import('../server.js');
      server = await startServer(config);
    } catch (err) {
      console.error(`flowgate: ${(err as Error).message}`);
      process.exit(1);
    }
    const stop = async (signal: string) => {
      server.app.log.info({ signal }, 'shutting down');
      await server.close();
      process.exit(0);
    };
    process.once('SIGTERM', () => void stop('SIGTERM'));
    process.once('SIGINT', () => void stop('SIGINT'));
  });

program
  .command('worker')
  .description('run a worker only, without the HTTP API (PostgreSQL: share the database with serve processes)')
  .addOption(dbOption())
  .option('--metrics-port <port>', 'serve GET /metrics (Prometheus) on this port, on HOST (env FLOWGATE_METRICS_PORT; default: off)')
  .action(async (opts: { db?: string; metricsPort?: string }) => {
    const config = loadConfig({ ...(opts.db ? { db: opts.db } : {}), ...(opts.metricsPort ? { metricsPort: Number(opts.metricsPort) } : {}) });
    if (config.metricsPort !== undefined && !(Number.isInteger(config.metricsPort) && config.metricsPort >= 0 && config.metricsPort < 65536)) {
      console.error(`flowgate: the metrics port must be a number from 0 to 65535, not "${opts.metricsPort ?? process.env.FLOWGATE_METRICS_PORT}".`);
      process.exit(1);
    }
    if (!config.db || !isPostgresUrl(config.db)) {
      console.error('flowgate: a separate worker needs PostgreSQL (--db postgres://… or DATABASE_URL); with SQLite, `flowgate serve` runs the only worker.');
      process.exit(1);
    }
    let w;
    try {
      const { startWorker } = await import('../server.js');
      w = await startWorker(config);
    } catch (err) {
      console.error(`flowgate: ${(err as Error).message}`);
      process.exit(1);
    }
    const stop = async () => {
      await w.close();
      process.exit(0);
    };
    process.once('SIGTERM', () => void stop());
    process.once('SIGINT', () => void stop());
  });

program
  .command('migrate')
  .description('bring the store schema up to date (serve and worker also do this at start)')
  .addOption(dbOption())
  .action(async (opts: { db?: string }) => {
    const config = loadConfig(opts.db ? { db: opts.db } : {});
    try {
      const db = await openDatabase({ db: config.db, dataDir: config.dataDir, migrate: false });
      const res = await migrate(db);
      await db.close();
      console.log(res.applied.length ? `applied ${res.applied.map((m) => `${m.id} (${m.name})`).join(', ')}` : `already up to date (migration ${res.current})`);
    } catch (err) {
      console.error(`flowgate: ${(err as Error).message}`);
      process.exit(1);
    }
  });

registerAuditCommand(program);
registerClientCommands(program, { isPostgresUrl });

await program.parseAsync(process.argv);
