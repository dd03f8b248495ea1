/**
 * The engine as the rest of the server sees it: starts and stops the worker, the mailer and
 * the notifier, and applies manual controls (cancel, skip, retry) through the same guarded
 * transition path the worker uses.
 */
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { RunEvent } from '../core/decide.js';
import { ConflictError } from '../core/errors.js';
import { MailDelivery } from '../mail/delivery.js';
import { onOutboxWritten } from '../mail/outbox.js';
import type { Database } from '../store/db.js';
import { LocalNotifier, PgNotifier, type Notifier } from './notifier.js';
import { applyEvent, type Applied } from './transition.js';
import { Worker } from './worker.js';
import { onTargetEvent } from '../store/target-hooks.js';
import { reevaluateGatesOnEdit } from './approvals.js';
import { fireTargetTriggers } from './triggers.js';
import { Metrics } from '../observability/metrics.js';
import { sealAllPending } from '../audit/log.js';
import { admitParkedEverywhere } from './flow-control.js';

// Same-transaction reactions to target changes; stateless, so one registration serves every engine.
onTargetEvent(reevaluateGatesOnEdit);
onTargetEvent(fireTargetTriggers);

export interface EngineOptions {
  db: Database;
  config: Config;
  logger: Logger;
  now: () => number;
  /** Run a worker in this process (the default for `serve`). */
  worker: boolean;
  /** This process's metrics; a fresh registry when not given. */
  metrics?: Metrics;
}

export class Engine {
  readonly notifier: Notifier;
  readonly worker: Worker | null;
  readonly mail: MailDelivery | null;
  readonly metrics: Metrics;
  private unsubscribe: (() => void) | null = null;
  private sweeper: NodeJS.Timeout | null = null;

  constructor(private readonly o: EngineOptions) {
    this.metrics = o.metrics ?? new Metrics({ db: o.db, now: o.now, logger: o.logger });
    this.notifier = o.db.dialect === 'postgres' && o.config.db ? new PgNotifier(o.config.db, o.logger) : new LocalNotifier();
    // Jobs in flight hold no connection while their phases do I/O; their transitions queue for
    // the group committer, whose batches each take one pooled connection.
    const concurrency = 32;
    // Group commit: SQLite has one writer, so one batch at a time. PostgreSQL runs up to four
    // batches at once, the ready units shared out between them: a batch's statements are
    // round trips in order on its connection, and with no org-wide lock concurrent batches
    // of one org do not wait for each other.
    this.worker = o.worker
      ? new Worker({ db: o.db, config: o.config, logger: o.logger, now: o.now, notifier: this.notifier, concurrency, batchSize: concurrency, metrics: this.metrics })
      : null;
    this.mail = o.worker
      ? new MailDelivery({ db: o.db, smtpUrl: o.config.smtpUrl, logger: o.logger, now: o.now, owner: this.worker!.owner, metrics: this.metrics })
      : null;
  }

  async start() {
    if (this.o.db.dialect === 'sqlite') {
      // One process owns a SQLite file: any lease found at start belongs to a process that died.
      await this.o.db.k.updateTable('jobs').set({ lease_owner: null, lease_until: null }).where('lease_owner', 'is not', null).execute();
    }
    await this.notifier.start();
    const offJobs = this.notifier.onJobsDue(() => this.worker?.wake());
    // Mail deliveries wake for committed outbox rows only (here or in another process).
    const offMail = this.notifier.onMailDue(() => this.mail?.wake());
    const offOutbox = onOutboxWritten(() => this.notifier.mailDue());
    this.unsubscribe = () => {
      offJobs();
      offMail();
      offOutbox();
    };
    this.worker?.start();
    this.mail?.start();
    if (this.o.db.dialect === 'postgres') {
      // Audit events whose sealing after commit did not happen (a crash, a dropped
      // connection) are chained by the next seal of their org, or by this sweep. Slots freed
      // by a transaction that could not see a run parked concurrently go to it here
      // (src/runtime/flow-control.ts).
      let sweeping = false;
      const sweep = () => {
        if (sweeping) return;
        sweeping = true;
        void Promise.all([
          sealAllPending(this.o.db, { wait: false }).catch((err) => this.o.logger.warn({ err }, 'sealing pending audit events failed; will retry')),
          admitParkedEverywhere(this.o.db, this.o.now())
            .then((n) => n > 0 && this.wake())
            .catch((err) => this.o.logger.warn({ err }, 'admitting parked runs failed; will retry')),
        ]).finally(() => (sweeping = false));
      };
      sweep();
      this.sweeper = setInterval(sweep, 250);
      this.sweeper.unref();
    }
  }

  async stop() {
    if (this.sweeper) clearInterval(this.sweeper);
    this.unsubscribe?.();
    await this.worker?.stop();
    await this.mail?.stop();
    // What this process committed is chained before it goes.
    if (this.o.db.dialect === 'postgres') await sealAllPending(this.o.db).catch((err) => this.o.logger.warn({ err }, 'sealing pending audit events failed'));
    await this.notifier.stop();
  }

  /** After a commit that made jobs due (a new run). Outbox rows wake the mail deliveries themselves. */
  wake() {
    this.worker?.wake();
    this.notifier.jobsDue();
  }

  /** What must follow the commit of a transition made outside the worker (a decision, a control). */
  afterCommit(applied: Applied | null) {
    this.metrics.transition(applied);
    if (!applied || !applied.decision.ok) return;
    for (const id of applied.aborts) this.worker?.abort(id);
    this.notifier.runChanged(applied.row.id, applied.row.org_id);
    this.wake();
  }

  /** Applies a manual control to a run; a refusal is a 409 with the core's reason. */
  async control(runId: string, event: RunEvent) {
    const applied = await this.o.db.tx((trx) => applyEvent(trx, this.o.db, runId, event, this.o.now()));
    if (!applied) throw new ConflictError(`Run ${runId} does not exist.`);
    if (!applied.decision.ok) throw new ConflictError(applied.decision.message);
    this.metrics.transition(applied);
    for (const id of applied.aborts) this.worker?.abort(id);
    this.notifier.runChanged(runId, applied.row.org_id);
    if (applied.wake) this.wake();
    return applied;
  }
}
