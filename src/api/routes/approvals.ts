/** Approval gates of a run, and deciding them as a signed-in approver (docs/API.md "Approvals"). */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { NotFoundError } from '../../core/errors.js';
import { gatesOfRun, recordDecision } from '../../runtime/approvals.js';
import { spaceAccess } from '../access.js';
import { requireAuth, type AppContext, type Auth } from '../context.js';
import { gateAnswer, pageOf, type GateAnswer } from '../schemas.js';

const params = z.object({ id: z.string().min(1).max(100) });

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
