/**
 * Delivers the outbox. Claims due `pending` rows in small batches under a lease, sends each
 * through SMTP (nodemailer), and records the outcome with a write guarded by the lease:
 * `sent`, a retry at a later `next_attempt_at` (exponential backoff with jitter), or
 * `failed` after `maxAttempts` or a permanent refusal. Without an SMTP server the rows are
 * marked `held` for the outbox viewer and logged (recipient and subject only: bodies carry
 * secret review links).
 *
 * All state is in the rows: the due time, the attempt count and the lease. The poller only
 * sleeps until the next poll, the next due row, or `wake()`. A process that dies mid-send
 * leaves a lease that expires; another delivery (or this one, restarted) takes the row
 * over and sends it again with the same Message-ID, derived from the outbox id, so the
 * rare duplicate can be recognised. Delivery is at-least-once; a send never outlives its
 * lease (it is aborted at half the lease), so two live processes never send the same row.
 */
import nodemailer from 'nodemailer';
import type { Transporter } from 'nodemailer';
import type pino from 'pino';
import type { Database } from '../store/db.js';
import type { OutboxTable } from '../store/schema.js';
import type { Metrics } from '../observability/metrics.js';

export const DEFAULT_FROM = 'Flowgate <flowgate@localhost>';

export interface MailDeliveryOptions {
  db: Database;
  /** e.g. `smtp://user:pass@mail.example.com:587`; unset → emails are held, not sent. */
  smtpUrl?: string;
  logger: pino.Logger;
  now?: () => number;
  /** This process's lease owner name; unique per process. */
  owner: string;
  /** Longest sleep between two looks at the outbox (default 2 s). */
  pollMs?: number;
  /** Sends before an email is marked failed (default 8). */
  maxAttempts?: number;
  /** How long a claimed row is ours (default 60 s); a send is aborted after half of it. */
  leaseMs?: number;
  /** First retry delay (default 2 s); doubles per attempt, with ±25 % jitter. */
  retryBaseMs?: number;
  /** Longest retry delay (default 10 min). */
  retryMaxMs?: number;
  /** Rows claimed at a time (default 10). */
  batchSize?: number;
  /** From address; default `FLOWGATE_MAIL_FROM`, else `Flowgate <flowgate@localhost>`. */
  from?: string;
  /** Counts sends, failed sends and held emails. */
  metrics?: Metrics;
}

type OutboxRow = OutboxTable;

/** The delay before retry number `attempt` (1 = after the first failed send). */
export function backoffMs(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const exp = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(Math.min(maxMs, exp * (0.75 + random() * 0.5)));
}

/** `<outbox-id@domain-of-the-from-address>`: the same on every resend of one outbox row. */
export function messageIdFor(outboxId: string, from: string): string {
  const domain = /@([^\s<>@]+?)>?\s*$/.exec(from)?.[1] ?? 'flowgate.invalid';
  return `<${outboxId}@${domain}>`;
}

/**
 * An SMTP refusal that a retry cannot fix: a 5xx reply to the recipient or the message
 * (RFC 5321 permanent negative completion). Connection errors, timeouts, 4xx replies and
 * authentication failures (a configuration an admin can fix) are retried.
 */
export function isPermanentFailure(err: unknown): boolean {
  const e = err as { code?: unknown; responseCode?: unknown } | null;
  const code = typeof e?.responseCode === 'number' ? e.responseCode : 0;
  return (e?.code === 'EENVELOPE' || e?.code === 'EMESSAGE') && code >= 500 && code < 600;
}

function describeError(err: unknown): string {
  const e = err as { message?: unknown; code?: unknown } | null;
  const message = typeof e?.message === 'string' ? e.message : String(err);
  const code = typeof e?.code === 'string' ? ` [${e.code}]` : '';
  return (message + code).slice(0, 1000);
}

function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'smtp';
  }
}

export class MailDelivery {
  private readonly db: Database;
  private readonly logger: pino.Logger;
  private readonly now: () => number;
  private readonly owner: string;
  private readonly pollMs: number;
  private readonly maxAttempts: number;
  private readonly leaseMs: number;
  private readonly retryBaseMs: number;
  private readonly retryMaxMs: number;
  private readonly batchSize: number;
  private readonly from: string;
  private readonly smtpUrl?: string;
  private readonly transport: Transporter | null;
  private readonly metrics?: Metrics;

  private loopDone: Promise<void> | null = null;
  private stopping = false;
  private wakeRequested = false;
  private wakeSleeper: (() => void) | null = null;

  constructor(opts: MailDeliveryOptions) {
    this.db = opts.db;
    this.logger = opts.logger;
    this.now = opts.now ?? Date.now;
    this.owner = opts.owner;
    this.pollMs = opts.pollMs ?? 2000;
    this.maxAttempts = Math.max(1, opts.maxAttempts ?? 8);
    this.leaseMs = opts.leaseMs ?? 60_000;
    this.retryBaseMs = opts.retryBaseMs ?? 2000;
    this.retryMaxMs = opts.retryMaxMs ?? 10 * 60_000;
    this.batchSize = opts.batchSize ?? 10;
    this.from = opts.from ?? (process.env.FLOWGATE_MAIL_FROM || DEFAULT_FROM);
    this.smtpUrl = opts.smtpUrl || undefined;
    this.metrics = opts.metrics;
    // Options in the URL (e.g. ?connectionTimeout=…) win over these defaults.
    this.transport = this.smtpUrl
      ? nodemailer.createTransport({
          url: this.smtpUrl,
          connectionTimeout: Math.min(10_000, this.leaseMs / 4),
          greetingTimeout: Math.min(10_000, this.leaseMs / 4),
          socketTimeout: Math.min(30_000, this.leaseMs / 2),
        })
      : null;
  }

  /** Starts the poller; idempotent. */
  start(): void {
    if (this.loopDone || this.stopping) return;
    this.logger.info(
      this.transport ? { smtp: redactUrl(this.smtpUrl!), from: this.from } : { smtp: null },
      this.transport ? 'mail delivery started' : 'no SMTP server configured: emails are held in the outbox (GET /api/outbox) and logged',
    );
    this.loopDone = this.loop();
  }

  /** Stops claiming, waits for the sends in flight to finish, closes the SMTP transport. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake();
    await this.loopDone;
    this.transport?.close();
  }

  /** Looks at the outbox now (call after committing a transaction that enqueued email). */
  wake(): void {
    const sleeper = this.wakeSleeper;
    if (sleeper) sleeper();
    else this.wakeRequested = true;
  }

  /**
   * Claims one batch of due rows and sends (or holds) them; resolves when every one of them
   * is recorded. Returns how many rows it claimed. The poller calls this; tests and tools may too.
   */
  async runOnce(): Promise<number> {
    // Most wake-ups (every committed transition wakes the mailer) find nothing due: a plain
    // read answers that without an UPDATE.
    if (!(await this.dueIds(this.now(), false).executeTakeFirst())) return 0;
    if (!this.transport) return this.holdDue();
    const rows = await this.claim();
    await Promise.all(rows.map((row) => this.deliver(row)));
    return rows.length;
  }

  private async loop(): Promise<void> {
    if (this.db.dialect === 'sqlite') {
      // One process owns a SQLite file: a lease found at start belongs to a process that died,
      // so its rows are sent now rather than when the lease runs out.
      try {
        await this.db.k
          .updateTable('outbox')
          .set({ lease_owner: null, lease_until: null })
          .where('status', '=', 'pending')
          .where('lease_owner', 'is not', null)
          .where('lease_owner', '!=', this.owner)
          .execute();
      } catch (err) {
        this.logger.error({ err }, 'mail delivery: could not release the leases of a previous process');
      }
    }
    while (!this.stopping) {
      let claimed = 0;
      let failed = false;
      try {
        claimed = await this.runOnce();
      } catch (err) {
        failed = true;
        this.logger.error({ err }, 'mail delivery: could not claim from the outbox; trying again after the poll interval');
      }
      if (this.stopping) break;
      if (claimed >= this.batchSize) continue; // more may be due right now
      let delay = this.pollMs;
      if (!failed) {
        try {
          const next = await this.nextDueAt();
          if (next !== null) delay = Math.max(0, Math.min(delay, next - this.now()));
        } catch {
          // the next runOnce logs the database error
        }
      }
      await this.sleep(delay);
    }
  }

  private sleep(ms: number): Promise<void> {
    if (this.wakeRequested || this.stopping) {
      this.wakeRequested = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakeSleeper = null;
        this.wakeRequested = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      timer.unref();
      this.wakeSleeper = done;
    });
  }

  /** When the next pending row becomes claimable: its due time, or the end of its current lease. */
  private async nextDueAt(): Promise<number | null> {
    const row = await this.db.k
      .selectFrom('outbox')
      .select((eb) =>
        eb.fn
          .min(eb.case().when(eb.and([eb('lease_until', 'is not', null), eb('lease_until', '>', eb.ref('next_attempt_at'))])).then(eb.ref('lease_until')).else(eb.ref('next_attempt_at')).end())
          .as('due'),
      )
      .where('status', '=', 'pending')
      .executeTakeFirst();
    const due = row?.due;
    return due === null || due === undefined ? null : Number(due);
  }

  /** The ids of up to `batchSize` due rows nobody holds (skipping rows locked by others on PostgreSQL). */
  private dueIds(now: number, lock = true) {
    const due = this.db.k
      .selectFrom('outbox')
      .select('id')
      .where('status', '=', 'pending')
      .where('next_attempt_at', '<=', now)
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<=', now)]))
      .orderBy('next_attempt_at')
      .orderBy('id')
      .limit(this.batchSize);
    return this.db.dialect === 'postgres' && lock ? due.forUpdate().skipLocked() : due;
  }

  /**
   * Leases up to `batchSize` due rows: pending, due, and not leased (or leased by someone
   * whose lease ran out). One statement; on PostgreSQL the rows are picked with
   * `FOR UPDATE SKIP LOCKED`, so concurrent processes claim disjoint batches. Each claim
   * counts an attempt, which also fences the outcome write against a later claimant.
   */
  private async claim(): Promise<OutboxRow[]> {
    const now = this.now();
    const due = this.dueIds(now);
    return this.db.k
      .updateTable('outbox')
      .set((eb) => ({ lease_owner: this.owner, lease_until: now + this.leaseMs, attempts: eb('attempts', '+', 1) }))
      .where('id', 'in', due)
      .returningAll()
      .execute();
  }

  /** No SMTP: marks due rows `held` in one statement and logs each (never the body). */
  private async holdDue(): Promise<number> {
    const now = this.now();
    const due = this.dueIds(now);
    const held = await this.db.k
      .updateTable('outbox')
      .set({ status: 'held', lease_owner: null, lease_until: null })
      .where('id', 'in', due)
      .returning(['id', 'org_id', 'run_id', 'to_addr', 'subject'])
      .execute();
    this.metrics?.emailsHeldInOutbox(held.length);
    for (const r of held) {
      this.logger.info({ outboxId: r.id, orgId: r.org_id, runId: r.run_id, to: r.to_addr, subject: r.subject }, 'email held (no SMTP server configured); see GET /api/outbox');
    }
    return held.length;
  }

  private async deliver(row: OutboxRow): Promise<void> {
    const messageId = messageIdFor(row.id, this.from);
    let error: unknown = null;
    try {
      // The outbox row (and the transition that wrote it) must be durable before the email leaves.
      await this.db.durable();
      await this.transport!.sendMail({
        from: this.from,
        to: row.to_addr,
        subject: row.subject,
        text: row.text_body,
        html: row.html_body,
        messageId,
        headers: { 'Auto-Submitted': 'auto-generated', 'X-Flowgate-Outbox-Id': row.id },
        signal: AbortSignal.timeout(Math.max(1000, this.leaseMs / 2)),
      });
    } catch (err) {
      error = err;
    }
    if (error === null) this.metrics?.emailSent();
    try {
      if (error === null) await this.markSent(row, messageId);
      else await this.markFailedAttempt(row, error);
    } catch (err) {
      // The lease runs out and the row is tried again (a sent one resent with the same Message-ID).
      this.logger.error({ err, outboxId: row.id, sent: error === null }, 'mail delivery: could not record the outcome of a send');
    }
  }

  /** Guarded by our lease and the attempt number we claimed with. */
  private guarded(row: OutboxRow) {
    return this.db.k
      .updateTable('outbox')
      .where('id', '=', row.id)
      .where('status', '=', 'pending')
      .where('lease_owner', '=', this.owner)
      .where('attempts', '=', row.attempts);
  }

  private async markSent(row: OutboxRow, messageId: string): Promise<void> {
    const res = await this.guarded(row)
      .set({ status: 'sent', sent_at: this.now(), message_id: messageId, lease_owner: null, lease_until: null })
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) {
      this.logger.warn({ outboxId: row.id, messageId }, 'email sent after its lease was lost; another process may send it again with the same Message-ID');
      return;
    }
    this.logger.info({ outboxId: row.id, to: row.to_addr, subject: row.subject, attempts: row.attempts, messageId }, 'email sent');
  }

  private async markFailedAttempt(row: OutboxRow, err: unknown): Promise<void> {
    const lastError = describeError(err);
    const permanent = isPermanentFailure(err);
    const giveUp = permanent || row.attempts >= this.maxAttempts;
    const now = this.now();
    const res = await this.guarded(row)
      .set(
        giveUp
          ? { status: 'failed', last_error: lastError, lease_owner: null, lease_until: null }
          : { next_attempt_at: now + backoffMs(row.attempts, this.retryBaseMs, this.retryMaxMs), last_error: lastError, lease_owner: null, lease_until: null },
      )
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) return; // another process took the row over
    this.metrics?.emailFailed(giveUp);
    const log = { outboxId: row.id, to: row.to_addr, subject: row.subject, attempts: row.attempts, error: lastError };
    if (giveUp) this.logger.error(log, permanent ? 'email refused permanently by the SMTP server; marked failed' : 'email failed after the last attempt; marked failed');
    else this.logger.warn(log, 'email send failed; will retry');
  }
}
