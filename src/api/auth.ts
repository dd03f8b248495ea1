/**
 * Resolves the caller on every request from `Authorization: Bearer <token>` or the
 * `flowgate_session` cookie, and refuses unauthenticated calls to every /api route that is
 * not public. Tokens are looked up by their SHA-256; the raw value is never stored.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { UnauthenticatedError } from '../core/errors.js';
import type { AppContext, Auth } from './context.js';
import { sha256 } from './secrets.js';

const PUBLIC_PREFIXES = ['/api/health', '/api/setup', '/api/auth/login', '/api/openapi.json', '/api/docs', '/api/guest/', '/api/hooks/'];

export const SESSION_COOKIE = 'flowgate_session';

function isPublic(url: string): boolean {
  const p = url.split('?')[0]!;
  return !p.startsWith('/api/') || PUBLIC_PREFIXES.some((pre) => p === pre || p.startsWith(pre.endsWith('/') ? pre : pre + '/') || p === pre);
}

export function readToken(req: FastifyRequest): string | null {
  const h = req.headers.authorization;
  if (h) {
    const m = /^Bearer\s+(\S+)$/i.exec(h);
    return m ? m[1]! : null;
  }
  const cookie = req.headers.cookie;
  if (cookie) {
    for (const part of cookie.split(';')) {
      const [k, ...v] = part.trim().split('=');
      if (k === SESSION_COOKIE) return decodeURIComponent(v.join('='));
    }
  }
  return null;
}

export async function resolveToken(ctx: AppContext, token: string): Promise<Auth | null> {
  const row = await ctx.db.k
    .selectFrom('auth_tokens as t')
    .innerJoin('users as u', 'u.id', 't.user_id')
    .innerJoin('memberships as m', (j) => j.onRef('m.org_id', '=', 't.org_id').onRef('m.user_id', '=', 't.user_id'))
    .select(['t.id as tokenId', 't.user_id as userId', 't.org_id as orgId', 't.expires_at', 't.revoked_at', 'm.role', 'u.is_instance_admin'])
    .where('t.token_hash', '=', sha256(token))
    .executeTakeFirst();
  if (!row || row.revoked_at !== null || row.expires_at <= ctx.now()) return null;
  return { userId: row.userId, orgId: row.orgId, orgRole: row.role, tokenId: row.tokenId, isInstanceAdmin: row.is_instance_admin === 1 };
}

export function registerAuth(app: FastifyInstance, ctx: AppContext) {
  app.decorateRequest('auth', null);
  app.addHook('onRequest', async (req) => {
    const token = readToken(req);
    req.auth = token ? await resolveToken(ctx, token) : null;
    if (!req.auth && !isPublic(req.url)) {
      throw new UnauthenticatedError(token ? 'The token is unknown, expired or revoked; sign in again.' : undefined);
    }
  });
}
