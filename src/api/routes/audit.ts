/**
 * The org's audit log and its verification. docs/API.md "Audit".
 *
 * Org owners and admins read the whole log. Other members may read one run's trail
 * (`?runId=`) when they can read the run's space; everything else answers 403.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { verifyAuditChain } from '../../audit/verify.js';
import { sealAudit } from '../../audit/log.js';
import { ForbiddenError, InvalidInputError, NotFoundError } from '../../core/errors.js';
import type { AuditEventsTable } from '../../store/schema.js';
import { isOrgAdmin, requireOrgAdmin, spaceAccess } from '../access.js';
import { requireAuth, type AppContext } from '../context.js';
import { decodeCursor, page, pageQuery } from '../pagination.js';
import { auditEvent, auditVerifyAnswer, pageOf } from '../schemas.js';

const auditQuery = pageQuery.extend({
  runId: z.string().min(1).max(100).optional().describe('Only events of this run.'),
  action: z.string().min(1).max(100).optional().describe('Only events with this action, e.g. workflow.saved.'),
  actor: z.string().min(1).max(400).optional().describe('Only events by this actor, e.g. user:<id> (or just the user id), guest:<email>, system.'),
  subject: z.string().min(1).max(400).optional().describe('Only events about this subject, e.g. workflow:<id>.'),
});

export function auditEventOut(e: AuditEventsTable) {
  let data: unknown;
  try {
    data = JSON.parse(e.data);
  } catch {
    // A tampered row may not even be JSON; show what is stored rather than failing the page.
    data = e.data;
  }
  return {
    seq: e.seq,
    at: new Date(e.at).toISOString(),
    actor: e.actor,
    action: e.action,
    subject: e.subject,
    runId: e.run_id,
    data,
    hash: e.hash,
    prevHash: e.prev_hash,
  };
}

export function auditRoutes(app: FastifyInstance, ctx: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get('/api/audit', {
    schema: {
      tags: ['audit'],
      summary: "The org's audit events, newest first (org admin; other members only with ?runId= of a run they can see).",
      querystring: auditQuery,
      response: { 200: pageOf(auditEvent) },
    },
  }, async (req) => {
    const auth = requireAuth(req);
    const q = req.query;
    if (!isOrgAdmin(auth)) {
      if (!q.runId) throw new ForbiddenError("Only an owner or admin of this organization may read the whole audit log; ask for one run's trail with ?runId=.");
      const run = await ctx.db.k.selectFrom('runs').select('space_id').where('id', '=', q.runId).where('org_id', '=', auth.orgId).executeTakeFirst();
      if (!run) throw new NotFoundError('Run');
      await spaceAccess(ctx.db.k, auth, run.space_id, 'read');
    }
    const cursor = decodeCursor(q.cursor);
    // Events committed but not chained yet (PostgreSQL) are chained first, so the log shows them.
    if (ctx.db.dialect === 'postgres') await sealAudit(ctx.db.k, auth.orgId);
    let sel = ctx.db.k.selectFrom('audit_events').selectAll().where('org_id', '=', auth.orgId);
    if (q.runId) sel = sel.where('run_id', '=', q.runId);
    if (q.action) sel = sel.where('action', '=', q.action);
    // A bare user id means that user: events store actors as `user:<id>`.
    if (q.actor) sel = q.actor.includes(':') || q.actor === 'system' ? sel.where('actor', '=', q.actor) : sel.where('actor', 'in', [q.actor, `user:${q.actor}`]);
    if (q.subject) sel = sel.where('subject', '=', q.subject);
    if (cursor !== undefined) {
      if (!/^\d+$/.test(cursor)) throw new InvalidInputError('The cursor is not one this server handed out.', [{ path: 'cursor', message: 'is not a valid cursor' }]);
      sel = sel.where('seq', '<', Number(cursor));
    }
    const rows = await sel.orderBy('seq', 'desc').limit(q.limit + 1).execute();
    const { items, nextCursor } = page(rows, q.limit, (e) => e.seq);
    return { items: items.map(auditEventOut), nextCursor };
  });

  r.get('/api/audit/verify', {
    schema: {
      tags: ['audit'],
      summary: "Recomputes the org's hash chain (org admin): {ok, checked, firstBad?, reason?}.",
      response: { 200: auditVerifyAnswer },
    },
  }, async (req) => {
    const auth = requireAuth(req);
    requireOrgAdmin(auth);
    if (ctx.db.dialect === 'postgres') await sealAudit(ctx.db.k, auth.orgId);
    const res = await verifyAuditChain(ctx.db.k, auth.orgId);
    return res.ok ? { ok: true, checked: res.checked } : { ok: false, checked: res.checked, firstBad: res.firstBad, reason: res.reason };
  });
}
