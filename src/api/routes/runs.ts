/**
 * Runs: start, read, list, and the manual controls of docs/REQUIREMENTS.md section 7. The engine's
 * guarded transition path does the work; this file checks access and shapes answers.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ConflictError, InvalidInputError, NotFoundError } from '../../core/errors.js';
import { isTerminal, type RunStatus } from '../../core/states.js';
import { gatesOfRun } from '../../runtime/approvals.js';
import { createRun, insertRun, loadRunView, runView } from '../../runtime/runs.js';
import { queuePositions } from '../../runtime/flow-control.js';
import { getTarget } from '../../store/targets.js';
import { getWorkflow } from '../../store/workflows.js';
import type { Executor } from '../../store/db.js';
import type { SelectQueryBuilder } from 'kysely';
import type { DB } from '../../store/schema.js';
import { readableSpaceIds, spaceAccess } from '../access.js';
import { requireAuth, type AppContext, type Auth } from '../context.js';
import { decodeCursor, page, pageQuery } from '../pagination.js';
import { eventStream, noContent, pageOf, runAnswer, type RunAnswer } from '../schemas.js';

const RUN_STATUSES = ['triggered', 'active', 'waiting', 'completed', 'failed', 'cancelled'] as const;
const runId = z.object({ id: z.string().min(1).max(100) });

/** The filters both run lists take (docs/API.md "Runs"), plus a creation-time window. */
const runFilters = pageQuery.extend({
  status: z.enum(RUN_STATUSES).optional(),
  outcome: z.enum(['succeeded', 'denied']).optional(),
  targetId: z.string().max(100).optional(),
  since: z.iso.datetime({ offset: true }).optional().describe('Only runs created at or after this time (ISO 8601).'),
  until: z.iso.datetime({ offset: true }).optional().describe('Only runs created before this time (ISO 8601).'),
});

function filterRuns<Q extends SelectQueryBuilder<DB, 'runs', object>>(query: Q, q: z.infer<typeof runFilters>): Q {
  let out = query.where('deleted_at', 'is', null) as Q;
  if (q.status) out = out.where('status', '=', q.status) as Q;
  if (q.outcome) out = out.where('outcome', '=', q.outcome) as Q;
  if (q.targetId) out = out.where('target_id', '=', q.targetId) as Q;
  if (q.since) out = out.where('created_at', '>=', Date.parse(q.since)) as Q;
  if (q.until) out = out.where('created_at', '<', Date.parse(q.until)) as Q;
  return out;
}
/** Phase types that act on a target: a run of such a workflow must have one. */
const TARGET_PHASES = ['mutate', 'comment', 'share_email'];

/** A run the caller may see (404 for another org's, a deleted one, or one in a space they cannot read). */
async function visibleRun(db: Executor, auth: Auth, id: string, need: 'read' | 'write') {
  const row = await db.selectFrom('runs').selectAll().where('id', '=', id).where('org_id', '=', auth.orgId).where('deleted_at', 'is', null).executeTakeFirst();
  if (!row) throw new NotFoundError('Run');
  await spaceAccess(db, auth, row.space_id, need);
  return row;
}

/** Run rows as the API answers them (runView), with their phase executions and queue positions. */
export async function withPhases(db: Executor, rows: Awaited<ReturnType<typeof visibleRun>>[]) {
  if (!rows.length) return [];
  const execs = await db.selectFrom('phase_executions').selectAll().where('run_id', 'in', rows.map((r) => r.id)).orderBy('id').execute();
  const byRun = new Map<string, typeof execs>();
  for (const e of execs) byRun.set(e.run_id, [...(byRun.get(e.run_id) ?? []), e]);
  const positions = await queuePositions(db, rows);
  return rows.map((r) => runView(r, byRun.get(r.id) ?? [], { queuePosition: positions.get(r.id) ?? null }) as RunAnswer);
}

/** The run as answered (runView), read afresh. */
export async function answerOf(db: Executor, id: string): Promise<RunAnswer> {
  return (await loadRunView(db, id))!.view as RunAnswer;
}

/** A POST with no body at all (Fastify gives null) means `{}` where every field is optional. */
async function emptyBodyIsEmptyObject(req: FastifyRequest) {
  if (req.body === null || req.body === undefined) req.body = {};
}

export function runRoutes(app: FastifyInstance, ctx: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const db = ctx.db;
  // Open SSE streams, ended before the server stops listening: a hijacked response would
  // otherwise keep app.close() waiting for as long as the client stays connected.
  const streams = new Set<() => void>();
  app.addHook('preClose', async () => {
    for (const end of [...streams]) end();
  });

  r.post('/api/workflows/:id/runs', {
    schema: {
      tags: ['runs'],
      summary: "Starts a run of the workflow's current version, on a target or none.",
      params: runId,
      body: z
        .object({
          target: z.object({ type: z.enum(['content', 'task']), id: z.string().min(1).max(100) }).strict().optional(),
          input: z.record(z.string(), z.unknown()).optional(),
        })
        .strict()
        .default({}),
      response: { 201: runAnswer },
    },
    preValidation: emptyBodyIsEmptyObject,
  }, async (req, reply) => {
    const auth = requireAuth(req);
    const wf = await getWorkflow(db.k, auth.orgId, req.params.id);
    if (!wf) throw new NotFoundError('Workflow');
    await spaceAccess(db.k, auth, wf.spaceId, 'write');
    if (!wf.enabled) throw new ConflictError('This workflow is disabled; enable it before starting runs.');
    const needsTarget = wf.phases.find((p) => TARGET_PHASES.includes(p.type));
    if (needsTarget && !req.body.target) {
      throw new InvalidInputError(`This workflow needs a target: its ${needsTarget.type} phase "${needsTarget.id}" works on one.`, [{ path: 'target', message: 'is required by this workflow' }]);
    }
    const now = ctx.now();
    const created = await db.tx(async (trx) => {
      let target: { type: 'content' | 'task'; id: string; version: number } | null = null;
      if (req.body.target) {
        const t = await getTarget(trx, auth.orgId, req.body.target.type, req.body.target.id);
        if (!t || t.spaceId !== wf.spaceId) {
          throw new InvalidInputError(`No ${req.body.target.type} ${req.body.target.id} in this workflow's space.`, [{ path: 'target.id', message: 'is not a target in this space' }]);
        }
        target = { type: req.body.target.type, id: t.id, version: t.version };
      }
      return insertRun(trx, db.dialect, {
        orgId: auth.orgId,
        spaceId: wf.spaceId,
        workflowId: wf.id,
        workflowVersion: wf.version,
        target,
        trigger: { type: 'manual', by: auth.userId },
        input: req.body.input ?? {},
        startedBy: auth.userId,
        actor: `user:${auth.userId}`,
      }, now);
    });
    ctx.engine.wake();
    // The run as created: `triggered`, no phases yet (GET /api/runs/{id} shows where it is now).
    return reply.code(201).send(runView(created, []) as RunAnswer);
  });

  r.get('/api/runs/:id', { schema: { tags: ['runs'], summary: 'One run with its full timeline.', params: runId, response: { 200: runAnswer } } }, async (req) => {
    const auth = requireAuth(req);
    const row = await visibleRun(db.k, auth, req.params.id, 'read');
    return (await withPhases(db.k, [row]))[0];
  });

  r.get('/api/workflows/:id/runs', {
    schema: {
      tags: ['runs'],
      summary: "A workflow's runs, newest first.",
      params: runId,
      querystring: runFilters,
      response: { 200: pageOf(runAnswer) },
    },
  }, async (req) => {
    const auth = requireAuth(req);
    const wf = await getWorkflow(db.k, auth.orgId, req.params.id);
    if (!wf) throw new NotFoundError('Workflow');
    await spaceAccess(db.k, auth, wf.spaceId, 'read');
    const q = req.query;
    const after = decodeCursor(q.cursor);
    const query = filterRuns(db.k.selectFrom('runs').selectAll().where('workflow_id', '=', wf.id), q);
    const rows = await (after ? query.where('id', '<', after) : query).orderBy('id', 'desc').limit(q.limit + 1).execute();
    const p = page(rows, q.limit, (x) => x.id);
    return { items: await withPhases(db.k, p.items), nextCursor: p.nextCursor };
  });

  r.get('/api/runs', {
    schema: {
      tags: ['runs'],
      summary: "Runs across the caller's spaces, newest first.",
      querystring: runFilters.extend({ spaceId: z.string().max(100).optional(), workflowId: z.string().max(100).optional() }),
      response: { 200: pageOf(runAnswer) },
    },
  }, async (req) => {
    const auth = requireAuth(req);
    const q = req.query;
    let spaces = await readableSpaceIds(db.k, auth);
    if (q.spaceId) spaces = spaces.filter((s) => s === q.spaceId);
    if (!spaces.length) return { items: [], nextCursor: null };
    const after = decodeCursor(q.cursor);
    let query = filterRuns(db.k.selectFrom('runs').selectAll().where('space_id', 'in', spaces), q);
    if (q.workflowId) query = query.where('workflow_id', '=', q.workflowId);
    const rows = await (after ? query.where('id', '<', after) : query).orderBy('id', 'desc').limit(q.limit + 1).execute();
    const p = page(rows, q.limit, (x) => x.id);
    return { items: await withPhases(db.k, p.items), nextCursor: p.nextCursor };
  });

  r.post('/api/runs/:id/cancel', {
    schema: { tags: ['runs'], summary: 'Cancels an unfinished run; its executing phase is aborted and nothing later starts.', params: runId, body: z.object({ reason: z.string().max(2000).optional() }).strict().default({}), response: { 200: runAnswer } },
    preValidation: emptyBodyIsEmptyObject,
  }, async (req) => {
    const auth = requireAuth(req);
    await visibleRun(db.k, auth, req.params.id, 'write');
    await ctx.engine.control(req.params.id, { type: 'cancel', by: `user:${auth.userId}`, reason: req.body.reason });
    return await answerOf(db.k, req.params.id);
  });

  r.post('/api/runs/:id/retry', {
    schema: { tags: ['runs'], summary: 'Continues a failed run with a new attempt of the failed phase (when its type allows).', params: runId, response: { 200: runAnswer } },
  }, async (req) => {
    const auth = requireAuth(req);
    const row = await visibleRun(db.k, auth, req.params.id, 'write');
    const target = row.target_type && row.target_id ? await getTarget(db.k, row.org_id, row.target_type, row.target_id) : null;
    await ctx.engine.control(req.params.id, { type: 'retry', by: `user:${auth.userId}`, targetVersion: target?.version });
    return await answerOf(db.k, req.params.id);
  });

  r.post('/api/runs/:id/phases/:phaseId/skip', {
    schema: {
      tags: ['runs'],
      summary: 'Skips the active or waiting phase (wait, approval, http, ai, notify), recording who and why.',
      params: z.object({ id: z.string().min(1).max(100), phaseId: z.string().min(1).max(100) }),
      body: z.object({ reason: z.string().min(1).max(2000) }).strict(),
      response: { 200: runAnswer },
    },
  }, async (req) => {
    const auth = requireAuth(req);
    await visibleRun(db.k, auth, req.params.id, 'write');
    await ctx.engine.control(req.params.id, { type: 'skip', phaseId: req.params.phaseId, by: `user:${auth.userId}`, reason: req.body.reason });
    return await answerOf(db.k, req.params.id);
  });

  r.post('/api/runs/:id/rerun', {
    schema: { tags: ['runs'], summary: "Starts a new run of the same workflow (current version) on the same target, linked by rerunOf.", params: runId, response: { 201: runAnswer } },
  }, async (req, reply) => {
    const auth = requireAuth(req);
    const old = await visibleRun(db.k, auth, req.params.id, 'write');
    if (!isTerminal(old.status as RunStatus)) throw new ConflictError(`Run ${old.id} is ${old.status}; only finished runs can be re-run.`);
    const wf = await getWorkflow(db.k, auth.orgId, old.workflow_id);
    if (!wf) throw new NotFoundError('Workflow');
    if (!wf.enabled) throw new ConflictError('This workflow is disabled; enable it before re-running its runs.');
    const now = ctx.now();
    const id = await db.tx(async (trx) => {
      let target: { type: 'content' | 'task'; id: string; version: number } | null = null;
      if (old.target_type && old.target_id) {
        const t = await getTarget(trx, auth.orgId, old.target_type, old.target_id);
        if (!t) throw new ConflictError(`The ${old.target_type} of run ${old.id} was deleted; it cannot be re-run.`);
        target = { type: old.target_type, id: t.id, version: t.version };
      }
      return createRun(trx, db.dialect, {
        orgId: auth.orgId,
        spaceId: old.space_id,
        workflowId: wf.id,
        workflowVersion: wf.version,
        target,
        trigger: { type: 'rerun', by: auth.userId, of: old.id },
        input: JSON.parse(old.input),
        startedBy: auth.userId,
        rerunOf: old.id,
        actor: `user:${auth.userId}`,
      }, now);
    });
    ctx.engine.wake();
    return reply.code(201).send(await answerOf(db.k, id));
  });

  r.delete('/api/runs/:id', {
    schema: { tags: ['runs'], summary: 'Hides a run from lists and pages; its audit trail stays. An unfinished run is cancelled first.', params: runId, response: { 204: noContent } },
  }, async (req, reply) => {
    const auth = requireAuth(req);
    let row = await visibleRun(db.k, auth, req.params.id, 'write');
    if (!isTerminal(row.status as RunStatus)) {
      // Cancel it the usual way (its phase is aborted, nothing later starts, links die); if it
      // finished in between, the refusal is moot.
      await ctx.engine.control(row.id, { type: 'cancel', by: `user:${auth.userId}`, reason: 'deleted' }).catch((err) => {
        if (!(err instanceof ConflictError)) throw err;
      });
      row = await visibleRun(db.k, auth, req.params.id, 'write');
    }
    // Through the guarded path like any change of a run (decide's `delete`): a run that
    // changed meanwhile is read again, one that was deleted meanwhile is a 409.
    await ctx.engine.control(row.id, { type: 'delete', by: `user:${auth.userId}` });
    return reply.code(204).send(null);
  });

  r.get('/api/runs/:id/stream', {
    schema: { tags: ['runs'], summary: 'Server-Sent Events: the run now, then one `run` event per change.', params: runId, response: { 200: eventStream } },
  }, async (req, reply) => {
    const auth = requireAuth(req);
    await visibleRun(db.k, auth, req.params.id, 'read');
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    let last = '';
    let sending = Promise.resolve();
    const open = () => !res.writableEnded && !res.destroyed;
    const send = () => {
      sending = sending.then(async () => {
        const v = await loadRunView(db.k, req.params.id).catch(() => null);
        if (!v || !open()) return;
        const data = JSON.stringify(v.view);
        // A decision on a gate changes the run without changing its view: it counts too,
        // so the run page hears of every decision as it is made.
        const gates = await gatesOfRun(db.k, v.row).catch(() => []);
        const key = data + JSON.stringify(gates);
        if (key === last || !open()) return;
        last = key;
        await db.durable();
        if (!open()) return;
        res.write(`event: run\ndata: ${data}\n\n`);
      });
    };
    send();
    const off = ctx.engine.notifier.onRunChanged((id) => id === req.params.id && send());
    const keepAlive = setInterval(() => open() && res.write(': keep-alive\n\n'), 15_000);
    const end = () => {
      close();
      if (open()) res.end();
    };
    const close = () => {
      if (!streams.delete(end)) return;
      off();
      clearInterval(keepAlive);
    };
    streams.add(end);
    res.on('close', close);
  });
}
