/**
 * The mail outbox viewer (org admin): every email the server sent or would have sent, with
 * the links it contains. Bodies carry guest review links, which are secrets; hence admins only.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { NotFoundError } from '../../core/errors.js';
import type { OutboxTable } from '../../store/schema.js';
import { requireOrgAdmin } from '../access.js';
import { requireAuth, type AppContext } from '../context.js';
import { decodeCursor, page, pageQuery } from '../pagination.js';
import { emailAnswer, pageOf, type EmailAnswer } from '../schemas.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(Number(ms)).toISOString());

function emailOut(r: OutboxTable) {
  return {
    id: r.id,
    to: r.to_addr,
    subject: r.subject,
    text: r.text_body,
    html: r.html_body,
    links: JSON.parse(r.links) as string[],
    /** pending | sent | failed | held */
    status: r.status as EmailAnswer['status'],
    attempts: r.attempts,
    lastError: r.last_error,
    createdAt: iso(r.created_at)!,
    sentAt: iso(r.sent_at),
    nextAttemptAt: r.status === 'pending' ? iso(r.next_attempt_at) : null,
    runId: r.run_id,
  };
}

export function outboxRoutes(app: FastifyInstance, ctx: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get('/api/outbox', {
    schema: {
      tags: ['mail'],
      summary: 'Emails of this org, newest first (org admin): sent, pending, failed, or held because no SMTP server is configured.',
      querystring: pageQuery,
      response: { 200: pageOf(emailAnswer) },
    },
  }, async (req) => {
    const auth = requireAuth(req);
    requireOrgAdmin(auth);
    const cursor = decodeCursor(req.query.cursor);
    let q = ctx.db.k.selectFrom('outbox').selectAll().where('org_id', '=', auth.orgId);
    if (cursor) q = q.where('id', '<', cursor);
    const rows = await q.orderBy('id', 'desc').limit(req.query.limit + 1).execute();
    const { items, nextCursor } = page(rows, req.query.limit, (row) => row.id);
    return { items: items.map(emailOut), nextCursor };
  });

  r.get('/api/outbox/:id', {
    schema: { tags: ['mail'], summary: 'One email of the outbox (org admin).', params: z.object({ id: z.string() }), response: { 200: emailAnswer } },
  }, async (req) => {
    const auth = requireAuth(req);
    requireOrgAdmin(auth);
    const row = await ctx.db.k.selectFrom('outbox').selectAll().where('id', '=', req.params.id).where('org_id', '=', auth.orgId).executeTakeFirst();
    if (!row) throw new NotFoundError('Email');
    return emailOut(row);
  });
}
