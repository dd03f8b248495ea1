/**
 * The worker: claims due jobs with leases, runs them, and applies their results through
 * `applyEvent`. Jobs run concurrently (a run never waits on another run's slow phase);
 * `tx` phases run inside their transition's transaction, `io` phases outside with an
 * AbortSignal and a lease heartbeat. An idle worker sleeps until the next due job, a wake()
 * (same process), or a NOTIFY (PostgreSQL, other processes).
 */
import crypto from 'node:crypto';
import type { Transaction } from 'kysely';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { RunEvent } from '../core/decide.js';
import { FlowgateError } from '../core/errors.js';
import type { Phase, Scope } from '../definitions/index.js';
import { handlerFor } from '../phases/index.js';
import type { PhaseContext, PhaseResult } from '../phases/types.js';
import { PhaseError } from '../phases/types.js';
import type { Database, Executor } from '../store/db.js';
import { getTarget, type Target } from '../store/targets.js';
import { claimJobsAndNextDue, completeJob, enqueueJobs, extendLease, LeaseLostError, nextDueAt, releaseJob, type Job } from './jobs.js';
import { loadRun, type RunRow } from './run-store.js';
import type { RunState } from '../core/decide.js';
import { applyEvent, completeJobAndLoadRun, rowAfter, saveDeferred, versionPhases, type Applied } from './transition.js';
import { rememberRunWorkflow } from './triggers.js';
import { gateTimeout } from './approvals.js';
import { fireSchedule } from './schedules.js';
import { runBulkJob } from './bulk.js';
import type { Notifier } from './notifier.js';
import type { GroupCommitter } from '../store/group-commit.js';
import type { DB } from '../store/schema.js';
import { phaseTiming, type Metrics, type PhaseTimer } from '../observability/metrics.js';

export interface WorkerOptions {
  db: Database;
  config: Config;
  logger: Logger;
  now: () => number;
  notifier: Notifier;
  concurrency?: number;
  batchSize?: number;
  idleMs?: number;
  /** Counts claims, failures, executed phases and committed transitions. */
  metrics?: Metrics;
}

const MAX_PHASE_ATTEMPTS = 5;

/** The signal of phases run inline: they run inside their transaction and are never aborted. */
const NEVER_ABORTED = new AbortController().signal;

export class Worker {
  readonly owner = `worker-${crypto.randomBytes(6).toString('hex')}`;
  private running = false;
  private loop: Promise<void> | null = null;
  private inFlight = new Set<Promise<void>>();
  private aborts = new Map<string, AbortController>();
  private sleeper: { timer: NodeJS.Timeout; resolve: () => void } | null = null;
  private woken = false;
  private readonly concurrency: number;
  private readonly batchSize: number;
  private readonly idleMs: number;
  /** Every transaction the worker's jobs make goes through it (see group-commit.ts). */
  readonly committer: GroupCommitter;

  constructor(private readonly o: WorkerOptions) {
    this.concurrency = o.concurrency ?? 32;
    this.batchSize = o.batchSize ?? 32;
    this.idleMs = o.idleMs ?? 1000;
    // The store group-commits every transaction of the process (API writes too): the worker's
    // transitions share that committer.
    this.committer = o.db.committer;
    this.committer.observe(o.metrics?.groupCommit, o.logger);
  }

  private commit<T>(fn: (trx: Transaction<DB>) => Promise<T>): Promise<T> {
    return this.committer.run(fn);
  }

  start() {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Stops claiming, waits for jobs in flight to finish, and returns. */
  async stop() {
    this.running = false;
    this.wake();
    await this.loop;
    await Promise.allSettled([...this.inFlight]);
  }

  wake() {
    this.woken = true;
    if (this.sleeper) {
      clearTimeout(this.sleeper.timer);
      this.sleeper.resolve();
      this.sleeper = null;
    }
  }

  /** Aborts a phase running in this process (cancel or skip); other processes notice at their next heartbeat. */
  abort(executionId: string) {
    this.aborts.get(executionId)?.abort(new PhaseError('internal', 'The run was cancelled or the phase was skipped.'));
  }

  private async run() {
    while (this.running) {
      // Let I/O in between batches: with SQLite every query resolves synchronously, so without
      // this turn of the event loop a backlog of jobs would keep HTTP requests waiting until it drained.
      await new Promise<void>((resolve) => setImmediate(resolve));
      this.woken = false;
      const free = this.concurrency - this.inFlight.size;
      let jobs: Job[] = [];
      let nextDue: number | null | undefined;
      if (free > 0) {
        try {
          ({ jobs, nextDue } = await claimJobsAndNextDue(this.o.db, this.owner, this.o.now(), this.o.config.leaseMs, Math.min(free, this.batchSize)));
        } catch (err) {
          this.o.logger.error({ err }, 'claiming jobs failed');
        }
      }
      for (const job of jobs) {
        this.o.metrics?.jobClaimed(job.kind);
        const p = this.process(job).finally(() => {
          this.inFlight.delete(p);
          this.wake();
        });
        this.inFlight.add(p);
      }
      if (jobs.length > 0 && jobs.length === Math.min(free, this.batchSize)) continue;
      if (this.woken || !this.running) continue;
      const delay = free <= 0 ? this.idleMs : nextDue !== undefined ? this.sleepFor(nextDue) : await this.untilNextDue();
      if (this.woken || !this.running) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.sleeper = null;
          resolve();
        }, delay);
        this.sleeper = { timer, resolve };
      });
    }
  }

  /** How long to sleep: until the next job falls due, at most idleMs (other processes add jobs too). */
  private async untilNextDue(): Promise<number> {
    try {
      return this.sleepFor(await nextDueAt(this.o.db.k, this.o.now()));
    } catch {
      return this.idleMs;
    }
  }

  private sleepFor(due: number | null): number {
    return due === null ? this.idleMs : Math.max(0, Math.min(this.idleMs, due - this.o.now()));
  }

  private async process(job: Job) {
    try {
      switch (job.kind) {
        case 'run.start':
          await this.transition(job, { type: 'start' });
          break;
        case 'timer':
          await this.timer(job);
          break;
        case 'resume':
          // A run admitted by flow control: apply the event that was held back.
          await this.transition(job, (JSON.parse(job.payload) as { event: RunEvent }).event, { resumeJobId: job.id });
          break;
        case 'schedule': {
          const runId = await this.commit(async (trx) => {
            const id = await fireSchedule(trx, job, this.o.now());
            await completeJob(trx, job);
            return id;
          });
          if (runId) this.o.notifier.jobsDue();
          break;
        }
        case 'phase.execute':
          await this.executePhase(job);
          break;
        case 'bulk':
          await runBulkJob({ db: this.o.db, now: this.o.now, notifier: this.o.notifier, logger: this.o.logger, abort: (id) => this.abort(id), metrics: this.o.metrics }, job);
          break;
        default:
          this.o.logger.error({ job: job.id, kind: job.kind }, 'unknown job kind; dropping it');
          await this.commit((trx) => completeJob(trx, job));
      }
    } catch (err) {
      if (err instanceof LeaseLostError) {
        this.o.logger.warn({ job: job.id }, err.message);
        return;
      }
      this.o.metrics?.jobFailed(job.kind);
      if (job.kind === 'phase.execute' && job.attempts >= MAX_PHASE_ATTEMPTS) {
        this.o.logger.error({ err, job: job.id, attempts: job.attempts }, 'phase failed repeatedly; failing it');
        await this
          .commit(async (trx) => {
            const a = await applyEvent(trx, this.o.db, job.run_id!, { type: 'phase_failed', executionId: job.execution_id!, code: 'internal', message: `The phase kept failing: ${(err as Error)?.message ?? err}` }, this.o.now());
            await completeJob(trx, job);
            return a;
          })
          .then((a) => this.afterCommit(a))
          .catch((e) => this.o.logger.error({ err: e, job: job.id }, 'recording the failure failed'));
        return;
      }
      // Unexpected (a database error, a bug): put the job back with a backoff; it is retried.
      const backoff = Math.min(60_000, 500 * 2 ** Math.min(job.attempts, 7));
      this.o.logger.error({ err, job: job.id, kind: job.kind, attempts: job.attempts }, 'job failed; will retry');
      await releaseJob(this.o.db.k, job, this.o.now() + backoff).catch(() => {});
    }
  }

  /** Applies an event and completes the job in one transaction; a refused (stale) event just completes it. */
  private async transition(job: Job, event: RunEvent, opts: { resumeJobId?: string } = {}) {
    const timings: PhaseTimer[] = [];
    const chain = await this.withInline((inline) =>
      this.commit(async (trx) => {
        timings.length = 0;
        // The job goes first: the event may delete the run's jobs (a gate's cancel_timers), this one included.
        const loaded = await completeJobAndLoadRun(trx, this.o.db, job);
        if (!job.run_id) return [];
        const applied = await applyEvent(trx, this.o.db, job.run_id, event, this.o.now(), { ...opts, loaded, inline: inline.allowed, defer: true });
        return this.continueInline(trx, applied, timings, inline);
      }),
    );
    for (const a of chain) this.afterCommit(a);
    for (const t of timings) t.committed();
  }

  /**
   * Runs a job's transaction that may run phases inline; if one of those phases threw (its
   * handler or its transition), the whole transaction was rolled back and is run once more
   * without running phases inline, so the phase is queued as a job and gets the job's
   * retries and backoff. Under group commit the committer already runs a failed unit again
   * alone; the flag makes that second run the one without inline phases.
   */
  private async withInline<T>(fn: (inline: InlinePolicy) => Promise<T>): Promise<T> {
    const inline = new InlinePolicy(this.inlinable);
    try {
      return await fn(inline);
    } catch (err) {
      if (!(err instanceof InlinePhaseError)) throw err;
      return fn(inline);
    }
  }

  /** A `tx` phase that a transition starts runs in the same transaction, up to inlinePhasesMax a job. */
  private readonly inlinable = (phaseType: string) => this.o.config.inlinePhasesMax > 0 && handlerFor(phaseType).mode === 'tx';

  /**
   * Runs the `tx` phases that `first` started, one after another, in `trx`: each phase's
   * handler, then its result through applyEvent, exactly as a phase.execute job would, but
   * without queueing, claiming and completing that job or reading the run again. The run's
   * state stays in memory from one transition to the next and is written once at the end
   * (saveDeferred): one guarded write of the run and its executions for the whole chain,
   * and before a phase whose writes refer to its execution's row (an approval's approvers).
   * A phase that throws rolls the whole transaction back (InlinePhaseError; see withInline).
   * Returns every transition applied, `first` included.
   */
  private async continueInline(trx: Transaction<DB>, first: Applied | null, timings: PhaseTimer[], inline: InlinePolicy): Promise<Applied[]> {
    const chain: Applied[] = first ? [first] : [];
    const unsaved: Applied[] = first?.decision.ok && first.deferred ? [first] : [];
    const save = async () => {
      if (!unsaved.length) return;
      const rev = await saveDeferred(trx, unsaved[0]!, unsaved[unsaved.length - 1]!);
      for (const a of unsaved) a.row = { ...a.row, rev };
      unsaved.length = 0;
    };
    let cur = first;
    for (let n = 0; cur?.decision.ok && cur.inline; n++) {
      const executionId = cur.inline;
      const row = rowAfter(cur);
      const state = cur.state;
      const exec = state.phases.find((p) => p.id === executionId)!;
      if (n >= this.o.config.inlinePhasesMax) {
        await enqueueJobs(trx, [{ kind: 'phase.execute', orgId: row.org_id, runId: row.id, executionId, dueAt: row.updated_at }], row.updated_at);
        break;
      }
      const handler = handlerFor(exec.type);
      if (handler.mode !== 'tx') throw new Error(`phase type ${exec.type} does not run in a transaction`);
      const timing = phaseTiming(this.o.metrics, exec.type);
      let next: Applied | null;
      try {
        if (handler.refersToExecution) {
          await save();
          row.rev = cur.row.rev;
        }
        const ctx = await this.context(trx, row, state, executionId, NEVER_ABORTED);
        if (!ctx) throw new Error(`execution ${executionId} is not running`);
        const result = await timing.time(() => safeExecute(() => handler.execute({ ...ctx, trx })));
        next = await applyEvent(trx, this.o.db, row.id, resultEvent(executionId, result), this.o.now(), { loaded: { row, state }, inline: inline.allowed, defer: true });
      } catch (err) {
        this.o.logger.warn({ err, run: row.id, execution: executionId }, 'running a phase inline failed; running the job again with the phase queued');
        inline.off();
        throw new InlinePhaseError(err);
      }
      timings.push(timing);
      if (next) {
        chain.push(next);
        if (next.decision.ok && next.deferred) unsaved.push(next);
      }
      cur = next;
    }
    await save();
    return chain;
  }

  /** A wait's timer resumes the run; a gate's timer is its timeout (deny or escalate). */
  private async timer(job: Job) {
    const applied = await this.commit(async (trx) => {
      // The job goes first: a gate's deny cancels the run's timers, this one included.
      await completeJob(trx, job);
      const exec = await trx.selectFrom('phase_executions').select(['waiting_for', 'status']).where('id', '=', job.execution_id!).executeTakeFirst();
      return exec?.status === 'waiting' && exec.waiting_for === 'approval'
        ? gateTimeout(trx, this.o.db, job, this.o.now(), this.o.config.publicUrl)
        : applyEvent(trx, this.o.db, job.run_id!, { type: 'timer_fired', executionId: job.execution_id! }, this.o.now());
    });
    this.afterCommit(applied);
    // An escalation changes no run state but adds approvers and emails: show it and send them.
    if (!applied && job.run_id) {
      this.o.notifier.runChanged(job.run_id, job.org_id ?? '');
      this.o.notifier.jobsDue();
    }
  }

  private afterCommit(applied: Applied | null) {
    this.o.metrics?.transition(applied);
    if (!applied || !applied.decision.ok) return;
    for (const id of applied.aborts) this.abort(id);
    this.o.notifier.runChanged(applied.row.id, applied.row.org_id);
    // Workers of other processes, for jobs this made due (outbox rows wake the mailers themselves).
    if (applied.wake) this.o.notifier.jobsDue();
  }

  private async context(q: Executor, row: RunRow, state: RunState, executionId: string, signal: AbortSignal): Promise<Omit<PhaseContext, 'db'> & { db: Database } | null> {
    const exec = state.phases.find((p) => p.id === executionId);
    if (!exec || exec.status !== 'running') return null;
    const phases = await versionPhases(q, row.workflow_id, row.workflow_version);
    const spec = phases[exec.index] as Phase;
    let target: Target | null = null;
    let targetDeleted = false;
    if (row.target_type && row.target_id) {
      // Read once per transaction (store/tx-cache.ts): the phases of an inline chain share it.
      const t = await getTarget(q, row.org_id, row.target_type, row.target_id, { includeDeleted: true });
      targetDeleted = !t || Boolean((t as { deletedAt?: unknown }).deletedAt);
      target = targetDeleted ? null : t;
    }
    const outputs: Record<string, { output?: unknown }> = {};
    for (const p of state.phases) if (p.status === 'succeeded') outputs[p.phaseId] = { output: p.output };
    const scope: Scope = {
      target: target as Record<string, unknown> | null,
      phases: outputs,
      input: JSON.parse(row.input),
      run: { id: row.id, workflowId: row.workflow_id, startedBy: row.started_by, createdAt: new Date(row.created_at).toISOString() },
    };
    rememberRunWorkflow(row.id, row.workflow_id);
    return { spec, phases, run: row, exec, target, targetDeleted, scope, now: this.o.now(), signal, db: this.o.db, config: this.o.config };
  }

  private async executePhase(job: Job) {
    const executionId = job.execution_id!;
    const type = (await this.o.db.k.selectFrom('phase_executions').select('type').where('id', '=', executionId).executeTakeFirst())?.type ?? '';
    const handler = handlerFor(type);
    const timing = phaseTiming(this.o.metrics, type);
    const controller = new AbortController();
    this.aborts.set(executionId, controller);
    try {
      if (handler.mode === 'tx') {
        const timings: PhaseTimer[] = [];
        const applied = await this.withInline((inline) =>
          this.commit(async (trx) => {
            timings.length = 0;
            // Lock the run before reading it, as applyEvent does: otherwise a cancel or skip that
            // commits between this read and the transition lets the handler's writes (a comment,
            // a mutation) commit for a phase that is no longer running.
            // The job is completed in the same statement (completeJobAndLoadRun); a lost lease
            // throws before the handler runs.
            const loaded = await completeJobAndLoadRun(trx, this.o.db, job);
            const ctx = loaded && (await this.context(trx, loaded.row, loaded.state, executionId, controller.signal));
            if (!ctx) return [];
            const result = await timing.time(() => safeExecute(() => handler.execute({ ...ctx, trx })));
            // The handler's writes never touch the run's own row, so the run read above (under its
            // lock) is still current; saveRunState's rev guard would catch it otherwise.
            const a = await applyEvent(trx, this.o.db, job.run_id!, resultEvent(executionId, result), this.o.now(), { loaded, inline: inline.allowed, defer: true });
            return this.continueInline(trx, a, timings, inline);
          }),
        );
        for (const a of applied) this.afterCommit(a);
        timing.committed();
        for (const t of timings) t.committed();
        return;
      }
      const loaded = await loadRun(this.o.db.k, job.run_id!);
      const ctx = loaded && (await this.context(this.o.db.k, loaded.row, loaded.state, executionId, controller.signal));
      if (!ctx) {
        await this.commit((trx) => completeJob(trx, job));
        return;
      }
      // The claim may be old by now (the job waited for a pooled connection behind
      // transactions queued on a lock): renew the lease before calling out. If it already
      // expired and another worker took the job, this one must not execute the phase too.
      if (!(await extendLease(this.o.db.k, job, this.o.now() + this.o.config.leaseMs))) throw new LeaseLostError(job.id);
      // What led to this call must be durable before it goes out.
      await this.o.db.durable();
      const heartbeat = setInterval(() => void this.heartbeat(job, executionId, controller), Math.max(200, this.o.config.leaseMs / 3));
      try {
        const result = await timing.time(() => safeExecute(() => handler.execute(ctx)));
        // The lease stays renewed until the result is recorded: recording may wait for a
        // connection or a lock, and a lease that expired meanwhile would let another worker
        // execute the phase a second time.
        await this.transition(job, resultEvent(executionId, result));
        timing.committed();
      } finally {
        clearInterval(heartbeat);
      }
    } finally {
      this.aborts.delete(executionId);
    }
  }

  private async heartbeat(job: Job, executionId: string, controller: AbortController) {
    try {
      const held = await extendLease(this.o.db.k, job, this.o.now() + this.o.config.leaseMs);
      const exec = await this.o.db.k.selectFrom('phase_executions').select('status').where('id', '=', executionId).executeTakeFirst();
      if (!held || exec?.status !== 'running') controller.abort(new PhaseError('internal', 'The run was cancelled or the phase was skipped.'));
    } catch (err) {
      this.o.logger.warn({ err, job: job.id }, 'lease heartbeat failed');
    }
  }
}

/**
 * A handler's thrown PhaseError keeps its code; another Flowgate error is `internal`. Anything
 * else (a database error, a bug) propagates: the transaction rolls back and the job is retried
 * with a backoff, and only after MAX_PHASE_ATTEMPTS is the phase failed `internal`.
 */
async function safeExecute(fn: () => Promise<PhaseResult>): Promise<PhaseResult> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof PhaseError) return { kind: 'failed', code: err.code, message: err.message };
    if (err instanceof FlowgateError) return { kind: 'failed', code: 'internal', message: err.message };
    throw err;
  }
}

/** Whether the phases a job's transitions start run inline; turned off for the job's second try. */
class InlinePolicy {
  private on = true;
  constructor(private readonly inlinable: (phaseType: string) => boolean) {}
  readonly allowed = (phaseType: string) => this.on && this.inlinable(phaseType);
  off() {
    this.on = false;
  }
}

/** A phase run inline threw: the job's transaction is rolled back and run again without inline phases. */
class InlinePhaseError extends Error {
  constructor(cause: unknown) {
    super(`running a phase inline failed: ${(cause as Error)?.message ?? cause}`, { cause });
  }
}

export function resultEvent(executionId: string, r: PhaseResult): RunEvent {
  switch (r.kind) {
    case 'succeeded':
      return { type: 'phase_succeeded', executionId, input: r.input, output: r.output, next: r.next, targetVersion: r.targetVersion };
    case 'failed':
      return { type: 'phase_failed', executionId, input: r.input, code: r.code, message: r.message };
    case 'waiting':
      return { type: 'phase_waiting', executionId, input: r.input, waitingFor: r.waitingFor, wakeAt: r.wakeAt, output: r.output };
  }
}
