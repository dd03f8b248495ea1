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
  const ctx: AppContext = { db, config, now: opts.now ?? Date.now };
  const app = await buildApp(ctx, { logger });
  await app.listen({ port: config.port, host: config.host });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.port;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
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
      await db.close();
    },
  };
}
