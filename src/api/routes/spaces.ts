/** The org's settings, spaces and space membership. */
import { txForget } from '../../store/tx-cache.js';
import { ROSTER } from '../../store/workflows.js';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { appendAudit } from '../../audit/log.js';
import { InvalidInputError, NotFoundError } from '../../core/errors.js';
import { newId } from '../../store/ids.js';
import { admitNext, resizeSlots } from '../../runtime/flow-control.js';
import { isOrgAdmin, readableSpaceIds, requireOrgAdmin, spaceAccess } from '../access.js';
import { requireAuth, type AppContext } from '../context.js';
import { noContent, orgAnswer, pageOf, spaceAnswer, spaceDetail, spaceRole } from '../schemas.js';

export const DEFAULT_STATUSES = ['Ideas', 'In Progress', 'Pending', 'Approved', 'Completed'];

const statusList = z
  .array(z.string().trim().min(1).max(100))
  .min(1)
  .max(50)
  .refine((l) => new Set(l).size === l.length, 'must not repeat a status');

function spaceOut(s: { id: string; name: string; statuses: string; created_at: number }, role?: 'editor' | 'viewer' | 'admin') {
  return { id: s.id, name: s.name, statuses: JSON.parse(s.statuses) as string[], createdAt: new Date(s.created_at).toISOString(), ...(role ? { role } : {}) };
}

export function spaceRoutes(app: FastifyInstance, ctx: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get('/api/org', { schema: { tags: ['identity'], summary: 'The current org.', response: { 200: orgAnswer } } }, async (req) => {
    const auth = requireAuth(req);
    const org = await ctx.db.k.selectFrom('orgs').selectAll().where('id', '=', auth.orgId).executeTakeFirstOrThrow();
    return { id: org.id, name: org.name, maxActiveRuns: org.max_active_runs, createdAt: new Date(org.created_at).toISOString() };
  });

  r.patch('/api/org', {
    schema: {
      tags: ['identity'],
      summary: 'Changes org settings (org admin): flow control limit maxActiveRuns (default 100).',
      body: z.object({ maxActiveRuns: z.number().int().min(0).max(100_000).optional().describe('Runs executing at once; 0 holds every new run until it is raised.'), name: z.string().min(1).max(200).optional() }).strict(),
      response: { 200: orgAnswer },
    },
  }, async (req) => {
    const auth = requireAuth(req);
    requireOrgAdmin(auth);
    const now = ctx.now();
    await ctx.db.tx(async (trx) => {
      const set: { max_active_runs?: number; name?: string } = {};
      if (req.body.maxActiveRuns !== undefined) set.max_active_runs = req.body.maxActiveRuns;
      if (req.body.name !== undefined) set.name = req.body.name;
      if (Object.keys(set).length) await trx.updateTable('orgs').set(set).where('id', '=', auth.orgId).execute();
      // A higher limit frees slots for runs parked by flow control.
      if (set.max_active_runs !== undefined) {
        await resizeSlots(trx, auth.orgId, set.max_active_runs);
        await admitNext(trx, auth.orgId, now);
      }
      await appendAudit(trx, ctx.db.dialect, { orgId: auth.orgId, actor: `user:${auth.userId}`, action: 'org.updated', subject: `org:${auth.orgId}`, data: req.body, at: now });
    });
    ctx.engine?.wake();
    const org = await ctx.db.k.selectFrom('orgs').selectAll().where('id', '=', auth.orgId).executeTakeFirstOrThrow();
    return { id: org.id, name: org.name, maxActiveRuns: org.max_active_runs, createdAt: new Date(org.created_at).toISOString() };
  });

  r.post('/api/spaces', {
    schema: { tags: ['spaces'], summary: 'Creates a space (org admin); the creator becomes its editor.', body: z.object({ name: z.string().min(1).max(200), statuses: statusList.optional() }), response: { 201: z.object({ id: z.string(), name: z.string(), statuses: z.array(z.string()) }) } },
  }, async (req, reply) => {
    const auth = requireAuth(req);
    requireOrgAdmin(auth);
    const now = ctx.now();
    const id = newId();
    const statuses = req.body.statuses ?? DEFAULT_STATUSES;
    await ctx.db.tx(async (trx) => {
      await trx.insertInto('spaces').values({ id, org_id: auth.orgId, name: req.body.name, statuses: JSON.stringify(statuses), created_at: now }).execute();
      await trx.insertInto('space_members').values({ space_id: id, user_id: auth.userId, role: 'editor', created_at: now }).execute();
      txForget(trx, ROSTER);
      await appendAudit(trx, ctx.db.dialect, { orgId: auth.orgId, actor: `user:${auth.userId}`, action: 'space.created', subject: `space:${id}`, data: { name: req.body.name }, at: now });
    });
    return reply.code(201).send({ id, name: req.body.name, statuses });
  });

  r.get('/api/spaces', { schema: { tags: ['spaces'], summary: 'Spaces the caller can read.', response: { 200: pageOf(spaceAnswer) } } }, async (req) => {
    const auth = requireAuth(req);
    const ids = await readableSpaceIds(ctx.db.k, auth);
    const rows = ids.length ? await ctx.db.k.selectFrom('spaces').selectAll().where('id', 'in', ids).orderBy('id').execute() : [];
    return { items: rows.map((s) => spaceOut(s)), nextCursor: null };
  });

  r.get('/api/spaces/:spaceId', { schema: { tags: ['spaces'], summary: 'A space with its members and your role in it.', params: z.object({ spaceId: z.string() }), response: { 200: spaceDetail } } }, async (req) => {
    const auth = requireAuth(req);
    const { space, role } = await spaceAccess(ctx.db.k, auth, req.params.spaceId, 'read');
    const members = await ctx.db.k
      .selectFrom('space_members as sm')
      .innerJoin('users as u', 'u.id', 'sm.user_id')
      .select(['u.id', 'u.name', 'u.email', 'sm.role'])
      .where('sm.space_id', '=', space.id)
      .orderBy('u.id')
      .$castTo<{ id: string; name: string; email: string; role: 'editor' | 'viewer' }>()
      .execute();
    return { ...spaceOut(space, role), members };
  });

  r.patch('/api/spaces/:spaceId', {
    schema: {
      tags: ['spaces'],
      summary: "Renames a space or sets its list of statuses (org admin). Items keep their status even if it leaves the list.",
      params: z.object({ spaceId: z.string() }),
      body: z.object({ name: z.string().min(1).max(200).optional(), statuses: statusList.optional() }).strict(),
      response: { 200: spaceAnswer },
    },
  }, async (req) => {
    const auth = requireAuth(req);
    requireOrgAdmin(auth);
    const { space } = await spaceAccess(ctx.db.k, auth, req.params.spaceId, 'write');
    const now = ctx.now();
    const set = { ...(req.body.name ? { name: req.body.name } : {}), ...(req.body.statuses ? { statuses: JSON.stringify(req.body.statuses) } : {}) };
    // An empty PATCH changes nothing and records nothing; it answers the space as it is.
    if (Object.keys(set).length) {
      await ctx.db.tx(async (trx) => {
        await trx.updateTable('spaces').set(set).where('id', '=', space.id).execute();
        await appendAudit(trx, ctx.db.dialect, { orgId: auth.orgId, actor: `user:${auth.userId}`, action: 'space.updated', subject: `space:${space.id}`, data: req.body, at: now });
      });
    }
    const s = await ctx.db.k.selectFrom('spaces').selectAll().where('id', '=', space.id).executeTakeFirstOrThrow();
    return spaceOut(s);
  });

  r.put('/api/spaces/:spaceId/members/:userId', {
    schema: {
      tags: ['spaces'],
      summary: 'Adds a member of the org to the space, or changes their role (org admin or space editor).',
      params: z.object({ spaceId: z.string(), userId: z.string() }),
      body: z.object({ role: z.enum(['editor', 'viewer']) }),
      response: { 200: z.object({ spaceId: z.string(), userId: z.string(), role: spaceRole }) },
    },
  }, async (req) => {
    const auth = requireAuth(req);
    const { space } = await spaceAccess(ctx.db.k, auth, req.params.spaceId, 'write');
    const member = await ctx.db.k.selectFrom('memberships').select('user_id').where('org_id', '=', auth.orgId).where('user_id', '=', req.params.userId).executeTakeFirst();
    if (!member) throw new NotFoundError('User');
    const now = ctx.now();
    await ctx.db.tx(async (trx) => {
      const existing = await trx.selectFrom('space_members').select('role').where('space_id', '=', space.id).where('user_id', '=', req.params.userId).executeTakeFirst();
      if (existing) await trx.updateTable('space_members').set({ role: req.body.role }).where('space_id', '=', space.id).where('user_id', '=', req.params.userId).execute();
      else await trx.insertInto('space_members').values({ space_id: space.id, user_id: req.params.userId, role: req.body.role, created_at: now }).execute();
      txForget(trx, ROSTER);
      await appendAudit(trx, ctx.db.dialect, { orgId: auth.orgId, actor: `user:${auth.userId}`, action: 'space.member_set', subject: `space:${space.id}`, data: { userId: req.params.userId, role: req.body.role }, at: now });
    });
    return { spaceId: space.id, userId: req.params.userId, role: req.body.role };
  });

  r.delete('/api/spaces/:spaceId/members/:userId', {
    schema: { tags: ['spaces'], summary: 'Removes a member from the space.', params: z.object({ spaceId: z.string(), userId: z.string() }), response: { 204: noContent } },
  }, async (req, reply) => {
    const auth = requireAuth(req);
    const { space } = await spaceAccess(ctx.db.k, auth, req.params.spaceId, 'write');
    if (!isOrgAdmin(auth) && req.params.userId === auth.userId) throw new InvalidInputError('You cannot remove yourself from a space.');
    const now = ctx.now();
    await ctx.db.tx(async (trx) => {
      const res = await trx.deleteFrom('space_members').where('space_id', '=', space.id).where('user_id', '=', req.params.userId).executeTakeFirst();
      if (Number(res.numDeletedRows) === 0) throw new NotFoundError('Space member');
      txForget(trx, ROSTER);
      await appendAudit(trx, ctx.db.dialect, { orgId: auth.orgId, actor: `user:${auth.userId}`, action: 'space.member_removed', subject: `space:${space.id}`, data: { userId: req.params.userId }, at: now });
    });
    return reply.code(204).send(null);
  });
}
