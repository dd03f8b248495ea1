/**
 * Bulk cancel and bulk delete of runs (docs/API.md "Bulk operations"; docs/REQUIREMENTS.md
 * section 11). Two calls: the first counts the runs the caller may act on and answers a
 * `confirmToken` (nothing changes); the same body plus that token records the operation and
 * answers 202 `{jobId}`; the engine then works through the runs in the background
 * (src/runtime/bulk.ts) and `GET /api/jobs/{id}` shows its progress.
 *
 * The token is stateless: an HMAC, under a per-instance secret, of the org, the user, the
 * request body and what was counted (how many runs, the largest run id, when). It expires
 * after 15 minutes. Repeating a confirmed call (same body, same token) maps to the same
 * operation through a UNIQUE hash of that request, so it answers the same jobId and changes
 * nothing more, even after the token expired.
 */
import crypto from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { canonicalJson } from '../../audit/canonical.js';
import { InvalidInputError, NotFoundError } from '../../core/errors.js';
import { bulkJobView, countSelection, startBulkOperation, type BulkAction, type BulkScope, type BulkSelection } from '../../runtime/bulk.js';
import { isUniqueViolation, type Database, type Executor } from '../../store/db.js';
import { newId } from '../../store/ids.js';
import { isOrgAdmin, readableSpaceIds } from '../access.js';
import { requireAuth, type AppContext, type Auth } from '../context.js';
import { bulkJob } from '../schemas.js';

const RUN_STATUSES = ['triggered', 'active', 'waiting', 'completed', 'failed', 'cancelled'] as const;
export const MAX_BULK_IDS = 10_000;
const TOKEN_TTL_MS = 15 * 60 * 1000;

const bulkBody = z
  .object({
    action: z.enum(['cancel', 'delete']).describe('cancel: unfinished runs end `cancelled`; delete: finished runs leave lists (unfinished ones are not touched).'),
    ids: z.array(z.string().min(1).max(100)).min(1).max(MAX_BULK_IDS).optional().describe(`Run ids (at most ${MAX_BULK_IDS}); with a filter, only those that also match it.`),
    filter: z
      .object({
        workflowId: z.string().min(1).max(100).optional(),
        status: z.enum(RUN_STATUSES).optional(),
        spaceId: z.string().min(1).max(100).optional(),
      })
      .strict()
      .optional()
      .describe('Runs matching all of these; `{}` means every run the caller may act on.'),
    confirmToken: z.string().min(1).max(1000).optional().describe('The token the first call answered: confirms and starts the operation.'),
  })
  .strict()
  .refine((b) => b.ids !== undefined || b.filter !== undefined, { message: 'give ids, a filter, or both', path: ['filter'] });

type Claims = { c: number; u: string | null; t: number; n: string };

const secrets = new WeakMap<Database, Promise<Buffer>>();

/** The instance's secret for confirm tokens: made once, kept in instance_settings. */
function bulkSecret(db: Database): Promise<Buffer> {
  let p = secrets.get(db);
  if (!p) {
    p = (async () => {
      const read = () => db.k.selectFrom('instance_settings').select('value').where('key', '=', 'bulk_secret').executeTakeFirst();
      let row = await read();
      if (!row) {
        await db.k
          .insertInto('instance_settings')
          .values({ key: 'bulk_secret', value: crypto.randomBytes(32).toString('base64url') })
          .onConflict((oc) => oc.column('key').doNothing())
          .execute();
        row = await read();
      }
      return Buffer.from(row!.value, 'base64url');
    })();
    p.catch(() => secrets.delete(db));
    secrets.set(db, p);
  }
  return p;
}

function mac(secret: Buffer, auth: Auth, request: unknown, payload: string): string {
  return crypto.createHmac('sha256', secret).update(canonicalJson({ org: auth.orgId, user: auth.userId, request, payload })).digest('base64url');
}

function signToken(secret: Buffer, auth: Auth, request: unknown, claims: Claims): string {
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `bulk1.${payload}.${mac(secret, auth, request, payload)}`;
}

function verifyToken(secret: Buffer, auth: Auth, request: unknown, token: string, now: number): Claims {
  const bad = () =>
    new InvalidInputError('The confirmToken does not match this request: send the exact body of the first call with the token it answered.', [
      { path: 'confirmToken', message: 'is not a token for this request' },
    ], 'invalid_confirm_token');
  const [v, payload, sig] = token.split('.');
  if (v !== 'bulk1' || !payload || !sig) throw bad();
  const want = Buffer.from(mac(secret, auth, request, payload));
  const got = Buffer.from(sig);
  if (want.length !== got.length || !crypto.timingSafeEqual(want, got)) throw bad();
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Claims;
  if (claims.t + TOKEN_TTL_MS < now) {
    throw new InvalidInputError('The confirmation expired (tokens last 15 minutes): ask again without confirmToken.', [{ path: 'confirmToken', message: 'has expired' }], 'confirm_token_expired');
  }
  return claims;
}

export function bulkRoutes(app: FastifyInstance, ctx: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const db = ctx.db;

  r.post('/api/runs/bulk', {
    schema: {
      tags: ['runs'],
      summary: 'Bulk cancel or delete: without confirmToken, counts the runs it would touch (200 {count, confirmToken, expiresAt}); with it, starts the operation (202 {jobId, total}); repeating that call answers the same job.',
      body: bulkBody,
      response: {
        200: z.object({ count: z.number(), confirmToken: z.string(), expiresAt: z.string() }).describe('Counted: nothing changed yet.'),
        202: z.object({ jobId: z.string(), total: z.number() }).describe('Started (or, repeated, the same job).'),
      },
    },
  }, async (req, reply) => {
    const auth = requireAuth(req);
    const { confirmToken, ...body } = req.body;
    const request = { action: body.action, ids: body.ids, filter: body.filter };
    const selection: BulkSelection = { ids: body.ids, filter: body.filter };
    const action = body.action as BulkAction;
    const secret = await bulkSecret(db);

    if (!confirmToken) {
      const countedAt = ctx.now();
      const spaceIds = await readableSpaceIds(db.k, auth, 'write');
      const { count, upTo } = await countSelection(db.k, { orgId: auth.orgId, action, spaceIds, countedAt }, selection);
      const token = signToken(secret, auth, request, { c: count, u: upTo, t: countedAt, n: crypto.randomBytes(9).toString('base64url') });
      return reply.code(200).send({ count, confirmToken: token, expiresAt: new Date(countedAt + TOKEN_TTL_MS).toISOString() });
    }

    const confirmHash = crypto.createHash('sha256').update(canonicalJson({ org: auth.orgId, user: auth.userId, request, confirmToken })).digest('hex');
    const existing = () => db.k.selectFrom('bulk_operations').select(['id', 'total']).where('confirm_hash', '=', confirmHash).where('org_id', '=', auth.orgId).executeTakeFirst();
    const before = await existing();
    if (before) return reply.code(202).send({ jobId: before.id, total: before.total });

    const claims = verifyToken(secret, auth, request, confirmToken, ctx.now());
    const id = newId();
    let total: number;
    try {
      total = await db.tx(async (trx) => {
        const spaceIds = await readableSpaceIds(trx, auth, 'write');
        const scope: BulkScope = { orgId: auth.orgId, action, spaceIds, upTo: claims.u, countedAt: claims.t };
        // The same bounded selection, counted again: runs that finished or were deleted since
        // the first call are no longer in it (the total is never more than the confirmed count).
        const { count } = await countSelection(trx, scope, selection);
        await startBulkOperation(trx, db.dialect, {
          id,
          orgId: auth.orgId,
          action,
          selection,
          spaceIds,
          upTo: claims.u,
          countedAt: claims.t,
          requestedBy: auth.userId,
          total: count,
          confirmHash,
        }, ctx.now());
        return count;
      });
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      // The same confirmed call, recorded by a concurrent request a moment ago.
      const other = await existing();
      if (!other) throw err;
      return reply.code(202).send({ jobId: other.id, total: other.total });
    }
    ctx.engine.wake();
    return reply.code(202).send({ jobId: id, total });
  });

  r.get('/api/jobs/:id', {
    schema: {
      tags: ['runs'],
      summary: "A background job's progress: {id, action, status: running|done|failed, done, total, changed, …}. Visible to its requester and org admins.",
      params: z.object({ id: z.string().min(1).max(100) }),
      response: { 200: bulkJob },
    },
  }, async (req) => {
    const auth = requireAuth(req);
    const op = await db.k.selectFrom('bulk_operations').selectAll().where('id', '=', req.params.id).where('org_id', '=', auth.orgId).executeTakeFirst();
    if (!op || (op.requested_by !== auth.userId && !isOrgAdmin(auth))) throw new NotFoundError('Job');
    return bulkJobView(op);
  });
}
