/** Approval gates of a run, and deciding them as a signed-in approver (docs/API.md "Approvals"). */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { NotFoundError } from '../../core/errors.js';
import { gatesOfRun, recordDecision } from '../../runtime/approvals.js';
import { changesSince, isApproverOfRun, recordView } from '../../runtime/target-versions.js';
import { spaceAccess } from '../access.js';
import { requireAuth, type AppContext, type Auth } from '../context.js';
import { gateAnswer, pageOf, type GateAnswer } from '../schemas.js';

const params = z.object({ id: z.string().min(1).max(100) });

const fieldValue = z.union([z.string(), z.number(), z.array(z.string()), z.null()]);
export const changesAnswer = z
  .object({
    target: z.object({ type: z.enum(['content', 'task']), id: z.string(), version: z.number() }).nullable().describe('The run\'s target as it is now; null when it has none or it was deleted.'),
    since: z
      .object({
        version: z.number(),
        reason: z.enum(['decided', 'viewed', 'requested']).describe("decided: the caller's last decision on this run; viewed: the last time the caller opened it; requested: `since` given."),
        at: z.string().nullable(),
      })
      .nullable()
      .describe('Where the diff starts; null when the caller has neither decided on nor viewed this run.'),
    currentVersion: z.number().nullable(),
    recorded: z.boolean().describe('False when the starting version predates version history; `changes` is then empty.'),
    changes: z.array(z.object({ field: z.string(), label: z.string(), before: fieldValue, after: fieldValue })).describe('Fields that differ between `since.version` and now, in field order.'),
  })
  .meta({ id: 'TargetChanges' });

export const decisionBody = z
  .object({
    decision: z.enum(['approve', 'deny']),
    comment: z.string().max(5000).optional(),
  })
  .strict();

async function runOf(ctx: AppContext, auth: Auth, id: string) {
  const row = await ctx.db.k.selectFrom('runs').selectAll().where('id', '=', id).where('org_id', '=', auth.orgId).where('deleted_at', 'is', null).executeTakeFirst();
  if (!row) throw new NotFoundError('Run');
  // Reading is enough: any space member named as an approver may decide, whatever their role.
  await spaceAccess(ctx.db.k, auth, row.space_id, 'read');
  return row;
}

export function approvalRoutes(app: FastifyInstance, ctx: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get('/api/runs/:id/approvals', { schema: { tags: ['approvals'], summary: "The run's approval gates with every decision and whether it still counts.", params, response: { 200: pageOf(gateAnswer) } } }, async (req) => {
    const auth = requireAuth(req);
    const row = await runOf(ctx, auth, req.params.id);
    return { items: (await gatesOfRun(ctx.db.k, row)) as GateAnswer[], nextCursor: null };
  });

  r.get('/api/runs/:id/changes', {
    schema: {
      tags: ['approvals'],
      summary: "What changed in the run's target, field by field, since the caller last decided on or viewed this run (or since `since`). Opening it records, for an approver of the run, that they have now seen the current version.",
      params,
      querystring: z.object({ since: z.coerce.number().int().min(1).max(2_147_483_647).optional() }).strict(),
      response: { 200: changesAnswer },
    },
  }, async (req) => {
    const auth = requireAuth(req);
    const row = await runOf(ctx, auth, req.params.id);
    const viewer = { userId: auth.userId };
    const c = await changesSince(ctx.db.k, row, viewer, { since: req.query.since });
    if (c.target && (await isApproverOfRun(ctx.db.k, row.id, auth.userId))) await recordView(ctx.db.k, row.id, viewer, c.target.version, ctx.now());
    return { ...c, target: c.target ? { type: c.target.type, id: c.target.id, version: c.target.version } : null };
  });

  r.post('/api/runs/:id/phases/:phaseId/decision', {
    schema: {
      tags: ['approvals'],
      summary: 'Approves or denies a waiting gate as one of its approvers.',
      params: params.extend({ phaseId: z.string().min(1).max(100) }),
      body: decisionBody,
      response: { 200: gateAnswer },
    },
  }, async (req) => {
    const auth = requireAuth(req);
    const row = await runOf(ctx, auth, req.params.id);
    const via = req.headers.authorization ? 'api' : 'app';
    const { applied } = await recordDecision(ctx.db, {
      runId: row.id,
      phaseId: req.params.phaseId,
      approver: { userId: auth.userId },
      decision: req.body.decision,
      comment: req.body.comment ?? null,
      via,
      ip: req.ip,
      userAgent: req.headers['user-agent'] ?? null,
    }, ctx.now());
    ctx.engine.afterCommit(applied);
    ctx.engine.notifier.runChanged(row.id, row.org_id);
    const gates = (await gatesOfRun(ctx.db.k, row)) as GateAnswer[];
    return [...gates].reverse().find((g) => g.phaseId === req.params.phaseId)!;
  });
}
