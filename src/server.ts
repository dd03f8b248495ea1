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

export interface RunningServer {
  app: FastifyInstance;
  db: Database;
  ctx: AppContext;
  url: string;
  close(): Promise<void>;
}

export async function startServer(config: Config, opts: { logger?: pino.Logger; now?: () => number } = {}): Promise<RunningServer> {
  const logger = opts.logger ?? pino({ level: config.logLevel });
  const db = await openDatabase({ db: config.db, dataDir: config.dataDir, relaxedDurability: config.relaxedDurability });
  const now = opts.now ?? Date.now;
  const engine = new Engine({ db, config, logger, now, worker: config.worker });
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

/** A worker process without HTTP: claims jobs and sends mail from the shared PostgreSQL store. */
export async function startWorker(config: Config, opts: { logger?: pino.Logger; now?: () => number } = {}) {
  const logger = opts.logger ?? pino({ level: config.logLevel });
  const db = await openDatabase({ db: config.db, dataDir: config.dataDir });
  const engine = new Engine({ db, config, logger, now: opts.now ?? Date.now, worker: true });
  await engine.start();
  logger.info({ store: db.dialect, location: db.location }, 'Flowgate worker started');
  return {
    engine,
    db,
    async close() {
      await engine.stop();
      await db.close();
    },
  };
}
