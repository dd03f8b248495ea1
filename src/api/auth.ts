/**
 * Resolves the caller on every request from `Authorization: Bearer <token>` or the
 * `flowgate_session` cookie, and refuses unauthenticated calls to every /api route that is
 * not public. Tokens are looked up by their SHA-256; the raw value is never stored.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { UnauthenticatedError } from '../core/errors.js';
import type { AppContext, Auth, OrgRole } from './context.js';
import { rows } from '../store/statements.js';
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
  const [row] = await rows<{ tokenId: string; userId: string; orgId: string; expires_at: number; revoked_at: number | null; role: OrgRole; is_instance_admin: number }>(
    ctx.db.k,
    `SELECT t.id AS "tokenId", t.user_id AS "userId", t.org_id AS "orgId", t.expires_at, t.revoked_at, m.role, u.is_instance_admin
     FROM auth_tokens t JOIN users u ON u.id = t.user_id JOIN memberships m ON m.org_id = t.org_id AND m.user_id = t.user_id
     WHERE t.token_hash = ?`,
    [sha256(token)],
  );
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
