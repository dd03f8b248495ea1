/**
 * Tells the rest of the system that something changed: a run (for SSE streams) or the job
 * queue (to wake idle workers). In one process this is an EventEmitter; on PostgreSQL it
 * also crosses processes with LISTEN/NOTIFY — one NOTIFY per commit batch, never per row,
 * because NOTIFY serialises commits.
 */
import { EventEmitter } from 'node:events';
import pg from 'pg';
import type { Logger } from 'pino';

const CHANNEL = 'flowgate';

export interface Notifier {
  runChanged(runId: string, orgId: string): void;
  jobsDue(): void;
  /** Outbox rows were committed: wake the mail deliveries (of every process). */
  mailDue(): void;
  onMailDue(fn: () => void): () => void;
  onRunChanged(fn: (runId: string) => void): () => void;
  onJobsDue(fn: () => void): () => void;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export class LocalNotifier implements Notifier {
  protected emitter = new EventEmitter().setMaxListeners(0);

  runChanged(runId: string) {
    this.emitter.emit('run', runId);
  }
  jobsDue() {
    this.emitter.emit('jobs');
  }
  onRunChanged(fn: (runId: string) => void) {
    this.emitter.on('run', fn);
    return () => void this.emitter.off('run', fn);
  }
  onJobsDue(fn: () => void) {
    this.emitter.on('jobs', fn);
    return () => void this.emitter.off('jobs', fn);
  }
  mailDue() {
    this.emitter.emit('mail');
  }
  onMailDue(fn: () => void) {
    this.emitter.on('mail', fn);
    return () => void this.emitter.off('mail', fn);
  }
  async start() {}
  async stop() {}
}

export class PgNotifier extends LocalNotifier {
  private listener: pg.Client | null = null;
  private pendingRuns = new Set<string>();
  private pendingJobs = false;
  private pendingMail = false;
  private flushing: NodeJS.Timeout | null = null;
  private stopped = false;

  /** NOTIFYs go through a small pool of their own, so they never wait behind engine queries. */
  private readonly pool: pg.Pool;

  constructor(private readonly url: string, private readonly logger: Logger) {
    super();
    this.pool = new pg.Pool({ connectionString: url, max: 2 });
    this.pool.on('error', () => {});
  }

  override runChanged(runId: string) {
    super.runChanged(runId);
    this.pendingRuns.add(runId);
    this.schedule();
  }
  override jobsDue() {
    super.jobsDue();
    this.pendingJobs = true;
    this.schedule();
  }
  override mailDue() {
    super.mailDue();
    this.pendingMail = true;
    this.schedule();
  }

  /** Coalesces everything signalled in one tick into one NOTIFY. */
  private schedule() {
    if (this.flushing || this.stopped) return;
    this.flushing = setTimeout(() => void this.flush(), 2);
  }

  private async flush() {
    this.flushing = null;
    // At most 100 runs in one NOTIFY (its payload is bounded); the rest go in the next one, never dropped.
    const all = [...this.pendingRuns];
    const runs = all.slice(0, 100);
    this.pendingRuns = new Set(all.slice(100));
    if (this.pendingRuns.size) this.schedule();
    const jobs = this.pendingJobs;
    const mail = this.pendingMail;
    this.pendingJobs = false;
    this.pendingMail = false;
    const payload = JSON.stringify({ from: process.pid, jobs, mail, runs });
    try {
      await this.pool.query('SELECT pg_notify($1, $2)', [CHANNEL, payload.length < 7900 ? payload : JSON.stringify({ from: process.pid, jobs: true, mail, runs: [] })]);
    } catch (err) {
      this.logger.warn({ err }, 'NOTIFY failed');
    }
  }

  override async start() {
    const connect = async () => {
      const client = new pg.Client({ connectionString: this.url });
      client.on('error', (err) => {
        this.logger.warn({ err }, 'LISTEN connection lost; reconnecting');
        this.listener = null;
        if (!this.stopped) setTimeout(() => void connect().catch(() => {}), 1000);
      });
      client.on('notification', (msg) => {
        if (msg.channel !== CHANNEL || !msg.payload) return;
        try {
          const p = JSON.parse(msg.payload) as { from: number; jobs: boolean; mail?: boolean; runs: string[] };
          if (p.from === process.pid) return;
          if (p.jobs) this.emitter.emit('jobs');
          if (p.mail) this.emitter.emit('mail');
          for (const r of p.runs) this.emitter.emit('run', r);
        } catch {}
      });
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
      this.listener = client;
    };
    await connect();
  }

  override async stop() {
    this.stopped = true;
    if (this.flushing) clearTimeout(this.flushing);
    do await this.flush();
    while (this.pendingRuns.size);
    await this.listener?.end().catch(() => {});
    await this.pool.end().catch(() => {});
  }
}
