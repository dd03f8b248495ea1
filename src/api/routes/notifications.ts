/** The signed-in user's in-app notifications. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { NotFoundError } from '../../core/errors.js';
import { requireAuth, type AppContext } from '../context.js';
import { decodeCursor, page, pageQuery } from '../pagination.js';
import { notificationAnswer, pageOf } from '../schemas.js';

export function notificationRoutes(app: FastifyInstance, ctx: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get('/api/me/notifications', {
    schema: { tags: ['people'], summary: 'Your notifications in this org, newest first.', querystring: pageQuery.extend({ unread: z.enum(['true', 'false']).optional() }), response: { 200: pageOf(notificationAnswer) } },
  }, async (req) => {
    const auth = requireAuth(req);
    const after = decodeCursor(req.query.cursor);
    let q = ctx.db.k.selectFrom('notifications').selectAll().where('user_id', '=', auth.userId).where('org_id', '=', auth.orgId);
    if (req.query.unread === 'true') q = q.where('read_at', 'is', null);
    if (after) q = q.where('id', '<', after);
    const rows = await q.orderBy('id', 'desc').limit(req.query.limit + 1).execute();
    const p = page(rows, req.query.limit, (x) => x.id);
    return {
      items: p.items.map((n) => ({ id: n.id, kind: n.kind, runId: n.run_id, message: n.message, createdAt: new Date(n.created_at).toISOString(), readAt: n.read_at === null ? null : new Date(n.read_at).toISOString() })),
      nextCursor: p.nextCursor,
    };
  });
  r.post('/api/me/notifications/:id/read', { schema: { tags: ['people'], summary: 'Marks a notification read.', params: z.object({ id: z.string().max(100) }), response: { 200: z.object({ id: z.string(), readAt: z.string() }) } } }, async (req) => {
    const auth = requireAuth(req);
    const now = ctx.now();
    const n = await ctx.db.k.selectFrom('notifications').selectAll().where('id', '=', req.params.id).where('user_id', '=', auth.userId).where('org_id', '=', auth.orgId).executeTakeFirst();
    if (!n) throw new NotFoundError('Notification');
    if (n.read_at === null) await ctx.db.k.updateTable('notifications').set({ read_at: now }).where('id', '=', n.id).where('read_at', 'is', null).execute();
    return { id: n.id, readAt: new Date(n.read_at ?? now).toISOString() };
  });
}
