/**
 * Setup, orgs, login/logout, the caller's identity, users. docs/API.md "Setup, identity, org".
 */
import { txForget } from '../../store/tx-cache.js';
import { ROSTER } from '../../store/workflows.js';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { appendAudit } from '../../audit/log.js';
import { ConflictError, ForbiddenError, UnauthenticatedError } from '../../core/errors.js';
import { isUniqueViolation } from '../../store/db.js';
import { newId } from '../../store/ids.js';
import { resizeSlots } from '../../runtime/flow-control.js';
import type { Transaction } from 'kysely';
import type { DB } from '../../store/schema.js';
import { isOrgAdmin, requireOrgAdmin } from '../access.js';
import { requireAuth, type AppContext, type OrgRole } from '../context.js';
import { email, meAnswer, okAnswer, orgUser, pageOf, password, userRef } from '../schemas.js';
import { hashPassword, newSecret, sha256, verifyPassword } from '../secrets.js';
import { SESSION_COOKIE } from '../auth.js';

const newUser = z.object({ email, name: z.string().min(1).max(200), password });

async function insertUser(trx: Transaction<DB>, u: { email: string; name: string; password: string }, now: number, instanceAdmin = false) {
  const id = newId();
  try {
    await trx
      .insertInto('users')
      .values({ id, email: u.email.toLowerCase(), name: u.name, password_hash: await hashPassword(u.password), is_instance_admin: instanceAdmin ? 1 : 0, created_at: now })
      .execute();
  } catch (err) {
    if (isUniqueViolation(err)) throw new ConflictError(`A user with the email ${u.email} already exists.`, 'conflict', [{ path: 'email', message: 'is taken' }]);
    throw err;
  }
  return id;
}

async function issueToken(trx: Transaction<DB>, ctx: AppContext, userId: string, orgId: string, now: number) {
  const token = newSecret('fgt');
  const id = newId();
  await trx.insertInto('auth_tokens').values({ id, token_hash: sha256(token), user_id: userId, org_id: orgId, created_at: now, expires_at: now + ctx.config.tokenTtlMs, revoked_at: null }).execute();
  await appendAudit(trx, ctx.db.dialect, { orgId, actor: `user:${userId}`, action: 'token.created', subject: `token:${id}`, data: { expiresAt: new Date(now + ctx.config.tokenTtlMs).toISOString() }, at: now });
  return token;
}

function sessionCookie(token: string, maxAgeMs: number) {
  return `${SESSION_COOKIE}=${encodeURIComponent(token)}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${Math.floor(maxAgeMs / 1000)}`;
}

export function identityRoutes(app: FastifyInstance, ctx: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post('/api/setup', {
    schema: {
      tags: ['identity'],
      summary: 'First-run setup: creates the first organization and its owner (the instance admin).',
      body: z.object({ orgName: z.string().min(1).max(200), email, name: z.string().min(1).max(200), password }),
      response: { 201: z.object({ org: z.object({ id: z.string() }), user: z.object({ id: z.string() }), token: z.string().describe('An API token for the owner (also set as the session cookie).') }) },
    },
  }, async (req, reply) => {
    const now = ctx.now();
    const out = await ctx.db.tx(async (trx) => {
      const any = await trx.selectFrom('orgs').select('id').limit(1).executeTakeFirst();
      if (any) throw new ConflictError('Flowgate is already set up; sign in instead.', 'already_set_up');
      const orgId = newId();
      await trx.insertInto('orgs').values({ id: orgId, name: req.body.orgName, max_active_runs: 100, created_at: now }).execute();
      await resizeSlots(trx, orgId, 100);
      const userId = await insertUser(trx, req.body, now, true);
      await trx.insertInto('memberships').values({ org_id: orgId, user_id: userId, role: 'owner', created_at: now }).execute();
      txForget(trx, ROSTER);
      await appendAudit(trx, ctx.db.dialect, { orgId, actor: `user:${userId}`, action: 'org.created', subject: `org:${orgId}`, data: { name: req.body.orgName, via: 'setup' }, at: now });
      const token = await issueToken(trx, ctx, userId, orgId, now);
      return { org: { id: orgId }, user: { id: userId }, token };
    });
    reply.header('set-cookie', sessionCookie(out.token, ctx.config.tokenTtlMs));
    return reply.code(201).send(out);
  });

  r.post('/api/orgs', {
    schema: {
      tags: ['identity'],
      summary: 'Creates another organization with its owner. Instance admin only.',
      body: z.object({ name: z.string().min(1).max(200), owner: newUser }),
      response: { 201: z.object({ org: z.object({ id: z.string() }), user: z.object({ id: z.string() }) }) },
    },
  }, async (req, reply) => {
    const auth = requireAuth(req);
    if (!auth.isInstanceAdmin) throw new ForbiddenError('Only the instance admin (the user created by setup) may create organizations.');
    const now = ctx.now();
    const out = await ctx.db.tx(async (trx) => {
      const orgId = newId();
      await trx.insertInto('orgs').values({ id: orgId, name: req.body.name, max_active_runs: 100, created_at: now }).execute();
      await resizeSlots(trx, orgId, 100);
      const existing = await trx.selectFrom('users').select('id').where('email', '=', req.body.owner.email.toLowerCase()).executeTakeFirst();
      const userId = existing?.id ?? (await insertUser(trx, req.body.owner, now));
      await trx.insertInto('memberships').values({ org_id: orgId, user_id: userId, role: 'owner', created_at: now }).execute();
      txForget(trx, ROSTER);
      await appendAudit(trx, ctx.db.dialect, { orgId, actor: `user:${auth.userId}`, action: 'org.created', subject: `org:${orgId}`, data: { name: req.body.name, owner: userId }, at: now });
      return { org: { id: orgId }, user: { id: userId } };
    });
    return reply.code(201).send(out);
  });

  r.post('/api/auth/login', {
    schema: {
      tags: ['identity'],
      summary: 'Signs in; the token acts in one org (orgId needed only for users of several orgs).',
      body: z.object({ email: z.string().min(1).max(320), password: z.string().min(1).max(200), orgId: z.string().optional() }),
      response: { 200: z.object({ token: z.string(), user: userRef }) },
    },
  }, async (req, reply) => {
    const now = ctx.now();
    const user = await ctx.db.k.selectFrom('users').selectAll().where('email', '=', req.body.email.toLowerCase()).executeTakeFirst();
    if (!user || !(await verifyPassword(req.body.password, user.password_hash))) {
      throw new UnauthenticatedError('The email or password is wrong.');
    }
    const memberships = await ctx.db.k.selectFrom('memberships').select(['org_id', 'role']).where('user_id', '=', user.id).orderBy('created_at').execute();
    let orgId: string | undefined;
    if (req.body.orgId) orgId = memberships.find((m) => m.org_id === req.body.orgId)?.org_id;
    else if (memberships.length === 1) orgId = memberships[0]!.org_id;
    else if (memberships.length > 1) {
      throw new ConflictError('You belong to several organizations; send orgId to choose one.', 'org_required', memberships.map((m) => ({ orgId: m.org_id, role: m.role })));
    }
    if (!orgId) throw new UnauthenticatedError(req.body.orgId ? 'You are not a member of that organization.' : 'This user belongs to no organization.');
    const token = await ctx.db.tx(async (trx) => {
      const t = await issueToken(trx, ctx, user.id, orgId!, now);
      await appendAudit(trx, ctx.db.dialect, { orgId: orgId!, actor: `user:${user.id}`, action: 'user.login', subject: `user:${user.id}`, data: { ip: req.ip }, at: now });
      return t;
    });
    reply.header('set-cookie', sessionCookie(token, ctx.config.tokenTtlMs));
    return { token, user: { id: user.id, email: user.email, name: user.name } };
  });

  r.post('/api/auth/logout', { schema: { tags: ['identity'], summary: 'Revokes the token used for this call.', response: { 200: okAnswer } } }, async (req, reply) => {
    const auth = requireAuth(req);
    const now = ctx.now();
    await ctx.db.tx(async (trx) => {
      await trx.updateTable('auth_tokens').set({ revoked_at: now }).where('id', '=', auth.tokenId).where('revoked_at', 'is', null).execute();
      await appendAudit(trx, ctx.db.dialect, { orgId: auth.orgId, actor: `user:${auth.userId}`, action: 'user.logout', subject: `token:${auth.tokenId}`, at: now });
    });
    reply.header('set-cookie', `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0`);
    return { ok: true as const };
  });

  r.get('/api/me', { schema: { tags: ['identity'], summary: 'The caller, their orgs and their spaces in the current org.', response: { 200: meAnswer } } }, async (req) => {
    const auth = requireAuth(req);
    const user = await ctx.db.k.selectFrom('users').select(['id', 'email', 'name']).where('id', '=', auth.userId).executeTakeFirstOrThrow();
    const orgs = await ctx.db.k
      .selectFrom('memberships as m')
      .innerJoin('orgs as o', 'o.id', 'm.org_id')
      .select(['o.id', 'o.name', 'm.role'])
      .where('m.user_id', '=', auth.userId)
      .orderBy('m.created_at')
      .$castTo<{ id: string; name: string; role: OrgRole }>()
      .execute();
    let spaces: Array<{ id: string; name: string; role: 'editor' | 'viewer' }>;
    if (isOrgAdmin(auth)) {
      const all = await ctx.db.k.selectFrom('spaces').select(['id', 'name']).where('org_id', '=', auth.orgId).orderBy('id').execute();
      const mine = new Map(
        (await ctx.db.k.selectFrom('space_members').select(['space_id', 'role']).where('user_id', '=', auth.userId).execute()).map((m) => [m.space_id, m.role]),
      );
      spaces = all.map((s) => ({ ...s, role: (mine.get(s.id) ?? 'editor') as 'editor' | 'viewer' }));
    } else {
      spaces = await ctx.db.k
        .selectFrom('space_members as sm')
        .innerJoin('spaces as s', 's.id', 'sm.space_id')
        .select(['s.id', 's.name', 'sm.role'])
        .where('sm.user_id', '=', auth.userId)
        .where('s.org_id', '=', auth.orgId)
        .orderBy('s.id')
        .execute();
    }
    return { user, orgId: auth.orgId, orgRole: auth.orgRole, isInstanceAdmin: auth.isInstanceAdmin, orgs, spaces };
  });

  r.post('/api/users', {
    schema: {
      tags: ['identity'],
      summary: 'Adds a user to the current org (org admin). An existing user of another org is added by email.',
      body: newUser.extend({ role: z.enum(['owner', 'admin', 'member']).default('member') }),
      response: { 201: orgUser },
    },
  }, async (req, reply) => {
    const auth = requireAuth(req);
    requireOrgAdmin(auth);
    if (req.body.role === 'owner' && auth.orgRole !== 'owner') throw new ForbiddenError('Only an owner may make another owner.');
    const now = ctx.now();
    const out = await ctx.db.tx(async (trx) => {
      const existing = await trx.selectFrom('users').selectAll().where('email', '=', req.body.email.toLowerCase()).executeTakeFirst();
      if (existing) {
        const member = await trx.selectFrom('memberships').select('role').where('org_id', '=', auth.orgId).where('user_id', '=', existing.id).executeTakeFirst();
        if (member) throw new ConflictError(`${req.body.email} is already a member of this organization.`, 'conflict', [{ path: 'email', message: 'is taken' }]);
      }
      const userId = existing?.id ?? (await insertUser(trx, req.body, now));
      await trx.insertInto('memberships').values({ org_id: auth.orgId, user_id: userId, role: req.body.role as OrgRole, created_at: now }).execute();
      txForget(trx, ROSTER);
      await appendAudit(trx, ctx.db.dialect, { orgId: auth.orgId, actor: `user:${auth.userId}`, action: 'user.added', subject: `user:${userId}`, data: { role: req.body.role, email: req.body.email.toLowerCase() }, at: now });
      return { id: userId, email: existing?.email ?? req.body.email.toLowerCase(), name: existing?.name ?? req.body.name, role: req.body.role };
    });
    return reply.code(201).send(out);
  });

  r.get('/api/users', { schema: { tags: ['identity'], summary: 'Members of the current org.', response: { 200: pageOf(orgUser) } } }, async (req) => {
    const auth = requireAuth(req);
    const items = await ctx.db.k
      .selectFrom('memberships as m')
      .innerJoin('users as u', 'u.id', 'm.user_id')
      .select(['u.id', 'u.email', 'u.name', 'm.role'])
      .where('m.org_id', '=', auth.orgId)
      .orderBy('u.id')
      .$castTo<{ id: string; email: string; name: string; role: OrgRole }>()
      .execute();
    return { items, nextCursor: null };
  });
}
