/**
 * Starts one Flowgate server process: opens (and migrates) the store, builds the HTTP app,
 * starts the embedded worker, and shuts all of it down gracefully on SIGTERM/SIGINT.
 */
import pino from 'pino';
import { buildApp } from './api/app.js';
import type { AppContext } from './api/context.js';
import type { Config } from './config.js';
import { openDatabase } from './store/open.js';
import type { FastifyInstance } from 'fastify';
import type { Database } from './store/db.js';
import { Engine } from './runtime/engine.js';
import { Metrics } from './observability/metrics.js';
import { startMetricsServer, type MetricsServer } from './observability/metrics-server.js';

export interface RunningServer {
  app: FastifyInstance;
  db: Database;
  ctx: AppContext;
  url: string;
  close(): Promise<void>;
}

export async function startServer(config: Config, opts: { logger?: pino.Logger; now?: () => number } = {}): Promise<RunningServer> {
  const logger = opts.logger ?? pino({ level: config.logLevel });
  const db = await openDatabase({ db: config.db, dataDir: config.dataDir, relaxedDurability: config.relaxedDurability, groupCommitMax: config.groupCommitMax });
  const now = opts.now ?? Date.now;
  // This process's own registry (GET /metrics), not prom-client's global one.
  const metrics = new Metrics({ db, now, logger });
  const engine = new Engine({ db, config, logger, now, worker: config.worker, metrics });
  const ctx: AppContext = { db, config, now, engine };
  const app = await buildApp(ctx, { logger });
  await app.listen({ port: config.port, host: config.host });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.port;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  await engine.start();
  logger.info({ url, store: db.dialect, location: db.location }, 'Flowgate is listening');
  let closed = false;
  return {
    app,
    db,
    ctx,
    url,
    async close() {
      if (closed) return;
      closed = true;
      await app.close();
      await engine.stop();
      await db.close();
    },
  };
}

/**
 * A worker process without the HTTP API: claims jobs and sends mail from the shared PostgreSQL
 * store. With `config.metricsPort` it serves GET /metrics on that port.
 */
export async function startWorker(config: Config, opts: { logger?: pino.Logger; now?: () => number } = {}) {
  const logger = opts.logger ?? pino({ level: config.logLevel });
  const db = await openDatabase({ db: config.db, dataDir: config.dataDir, groupCommitMax: config.groupCommitMax });
  const now = opts.now ?? Date.now;
  const metrics = new Metrics({ db, now, logger });
  const engine = new Engine({ db, config, logger, now, worker: true, metrics });
  let metricsServer: MetricsServer | null = null;
  try {
    if (config.metricsPort !== undefined) {
      metricsServer = await startMetricsServer(metrics, { port: config.metricsPort, host: config.host, token: config.metricsToken, logger });
    }
    await engine.start();
  } catch (err) {
    await metricsServer?.close();
    await engine.stop().catch(() => {});
    await db.close();
    throw err;
  }
  logger.info({ store: db.dialect, location: db.location, metrics: metricsServer?.url ?? null }, 'Flowgate worker started');
  return {
    engine,
    db,
    metricsUrl: metricsServer?.url ?? null,
    async close() {
      await metricsServer?.close();
      await engine.stop();
      await db.close();
    },
  };
}
