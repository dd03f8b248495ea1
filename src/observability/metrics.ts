/**
 * The Prometheus metrics of one Flowgate process (`GET /metrics` on `serve`, the optional
 * metrics port of `worker`). Each process — and each server a test starts — owns its own
 * Registry, never prom-client's global one, so two servers in one process count apart.
 *
 * Labels are low-cardinality by construction: HTTP routes are Fastify's route patterns
 * (`/api/runs/:id`, `unmatched` for a 404 no route matched), statuses, event and phase types,
 * job kinds. Never a run id, a user, a token or a raw URL: those belong in the logs.
 *
 * Flowgate's own metrics are `flowgate_*`. The process metrics (CPU, memory, event loop lag,
 * GC, file descriptors) keep prom-client's standard names (`process_*`, `nodejs_*`), so the
 * usual Node.js dashboards work unchanged.
 *
 * Counters move after the commit of what they count: a transition rolled back (a lost race,
 * a unit of a group commit that runs again alone) is not counted twice.
 */
import crypto from 'node:crypto';
import type { Logger } from 'pino';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { RunEvent } from '../core/decide.js';
import { isTerminal, TERMINAL_RUN_STATUSES, type RunStatus } from '../core/states.js';
import type { JobKind } from '../runtime/jobs.js';
import type { Database } from '../store/db.js';

const EVENT_TYPES: Array<RunEvent['type']> = ['start', 'phase_succeeded', 'phase_failed', 'phase_waiting', 'timer_fired', 'gate_decided', 'cancel', 'skip', 'retry'];
const JOB_KINDS: JobKind[] = ['run.start', 'phase.execute', 'timer', 'resume', 'schedule', 'bulk'];

/** A transition that committed, as the metrics need it (the runtime's `Applied` fits). */
export interface CommittedTransition {
  event: RunEvent['type'];
  decision: { ok: boolean };
  /** The run as it was before the transition. */
  row: { status: string };
  /** The run's state after it. */
  state: { status: RunStatus };
}

export interface MetricsOptions {
  db: Database;
  /** The engine's clock: what "due" means for `flowgate_jobs_due`. */
  now: () => number;
  logger?: Logger;
}

export class Metrics {
  readonly registry = new Registry();
  private readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  private readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  private readonly transitions: Counter<'event'>;
  private readonly runsFinished: Counter<'status'>;
  private readonly phaseExecutions: Counter<'type' | 'result'>;
  private readonly phaseDuration: Histogram<'type'>;
  private readonly jobsClaimed: Counter<'kind'>;
  private readonly jobFailures: Counter<'kind'>;
  private readonly batchSize: Histogram;
  private readonly ranAlone: Counter;
  private readonly emailsSent: Counter;
  private readonly emailFailures: Counter<'final'>;
  private readonly emailsHeld: Counter;

  constructor(o: MetricsOptions) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.httpRequests = new Counter({ name: 'flowgate_http_requests_total', help: 'HTTP requests answered, by method, route pattern and status code.', labelNames: ['method', 'route', 'status'], registers });
    this.httpDuration = new Histogram({
      name: 'flowgate_http_request_duration_seconds',
      help: 'Time from receiving an HTTP request to finishing its answer (an SSE stream: its whole life).',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.transitions = new Counter({ name: 'flowgate_run_transitions_total', help: 'Run transitions committed, by the event that caused them.', labelNames: ['event'], registers });
    this.runsFinished = new Counter({ name: 'flowgate_runs_finished_total', help: 'Runs that reached a final status (a retried run that fails again counts again).', labelNames: ['status'], registers });
    this.phaseExecutions = new Counter({
      name: 'flowgate_phase_executions_total',
      help: 'Phases executed by workers, by phase type and result (succeeded, failed, waiting; error: the handler threw and the job is retried).',
      labelNames: ['type', 'result'],
      registers,
    });
    this.phaseDuration = new Histogram({
      name: 'flowgate_phase_duration_seconds',
      help: "How long a phase's handler took, by phase type.",
      labelNames: ['type'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers,
    });
    this.jobsClaimed = new Counter({ name: 'flowgate_jobs_claimed_total', help: 'Jobs claimed by this process, by kind.', labelNames: ['kind'], registers });
    this.jobFailures = new Counter({ name: 'flowgate_job_failures_total', help: 'Jobs that failed unexpectedly (a database error, a bug) and were put back with a backoff or, after the last attempt, failed their phase.', labelNames: ['kind'], registers });
    new Gauge({
      name: 'flowgate_jobs_due',
      help: 'Jobs due now and not leased (counted at scrape time, over every process sharing the store): a backlog that grows means the workers cannot keep up.',
      registers,
      async collect() {
        try {
          const now = o.now();
          const row = await o.db.k
            .selectFrom('jobs')
            .select((eb) => eb.fn.countAll<number | string>().as('n'))
            .where('due_at', '<=', now)
            .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
            .executeTakeFirst();
          this.set(Number(row?.n ?? 0));
        } catch (err) {
          // A scrape during shutdown, or the database is away: the rest of the metrics still answer.
          o.logger?.warn({ err }, 'metrics: could not count due jobs');
        }
      },
    });
    this.batchSize = new Histogram({ name: 'flowgate_group_commit_batch_size', help: 'Units (run transitions with their job writes) per committed worker transaction.', buckets: [1, 2, 4, 8, 16, 32, 64, 128], registers });
    this.ranAlone = new Counter({ name: 'flowgate_group_commit_ran_alone_total', help: 'Units of a group commit that ran again in a transaction of their own (the unit failed inside the batch, or the batch failed to commit).', registers });
    this.emailsSent = new Counter({ name: 'flowgate_emails_sent_total', help: 'Emails accepted by the SMTP server.', registers });
    this.emailFailures = new Counter({ name: 'flowgate_email_failures_total', help: 'Failed email sends; final="true" when the email was marked failed (last attempt or a permanent refusal), "false" when it will be retried.', labelNames: ['final'], registers });
    this.emailsHeld = new Counter({ name: 'flowgate_emails_held_total', help: 'Emails held in the outbox because no SMTP server is configured.', registers });

    // Known label values start at zero, so rate() and increase() see the first event.
    for (const event of EVENT_TYPES) this.transitions.inc({ event }, 0);
    for (const status of TERMINAL_RUN_STATUSES) this.runsFinished.inc({ status }, 0);
    for (const kind of JOB_KINDS) {
      this.jobsClaimed.inc({ kind }, 0);
      this.jobFailures.inc({ kind }, 0);
    }
    this.emailFailures.inc({ final: 'true' }, 0);
    this.emailFailures.inc({ final: 'false' }, 0);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The exposition text (Prometheus format 0.0.4). */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  /** One answered HTTP request; `route` is the route pattern, or null when none matched. */
  httpRequest(method: string, route: string | null, status: number, seconds: number) {
    const labels = { method, route: route ?? 'unmatched', status: String(status) };
    this.httpRequests.inc(labels);
    this.httpDuration.observe(labels, seconds);
  }

  /** After the commit of a transition; a refused or parked one (decision not ok) changed nothing. */
  transition(applied: CommittedTransition | null) {
    if (!applied || !applied.decision.ok) return;
    this.transitions.inc({ event: applied.event });
    const to = applied.state.status;
    if (isTerminal(to) && !isTerminal(applied.row.status as RunStatus)) this.runsFinished.inc({ status: to });
  }

  phaseExecuted(type: string, result: string, seconds: number) {
    this.phaseExecutions.inc({ type, result });
    this.phaseDuration.observe({ type }, seconds);
  }

  jobClaimed(kind: string) {
    this.jobsClaimed.inc({ kind });
  }

  jobFailed(kind: string) {
    this.jobFailures.inc({ kind });
  }

  /** The GroupCommitter's observer (it knows nothing of Prometheus). */
  readonly groupCommit = {
    committed: (units: number) => this.batchSize.observe(units),
    ranAlone: () => this.ranAlone.inc(),
  };

  emailSent() {
    this.emailsSent.inc();
  }

  emailFailed(final: boolean) {
    this.emailFailures.inc({ final: String(final) });
  }

  emailsHeldInOutbox(n: number) {
    if (n > 0) this.emailsHeld.inc(n);
  }
}

/**
 * Times one phase execution for `flowgate_phase_*`. It is counted once its result has
 * committed (`committed()`); a handler that threw is counted at once as `error` (its job is
 * retried). A phase whose result never committed (a lost lease) is not counted.
 */
export type PhaseTimer = ReturnType<typeof phaseTiming>;

export function phaseTiming(metrics: Metrics | undefined, type: string) {
  let result: string | null = null;
  let seconds = 0;
  return {
    async time<R extends { kind: string }>(fn: () => Promise<R>): Promise<R> {
      const t0 = performance.now();
      try {
        const r = await fn();
        result = r.kind;
        return r;
      } catch (err) {
        result = null;
        metrics?.phaseExecuted(type, 'error', (performance.now() - t0) / 1000);
        throw err;
      } finally {
        seconds = (performance.now() - t0) / 1000;
      }
    },
    committed() {
      if (result !== null) metrics?.phaseExecuted(type, result, seconds);
    },
  };
}

/**
 * The optional bearer token guarding /metrics (FLOWGATE_METRICS_TOKEN): true when none is set
 * or the Authorization header carries it. Compared as SHA-256 digests in constant time.
 */
export function metricsAuthorized(authorization: string | undefined, token: string | undefined): boolean {
  if (!token) return true;
  const m = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
  if (!m) return false;
  const digest = (s: string) => crypto.createHash('sha256').update(s).digest();
  return crypto.timingSafeEqual(digest(m[1]!), digest(token));
}
