/**
 * Inbound webhooks: `POST /api/hooks/{workflowId}` with the workflow's secret in
 * `X-Flowgate-Secret` starts a run whose `input` is the request body. A delivery id
 * (`X-Flowgate-Delivery` or `Idempotency-Key`) makes a redelivery return the run it
 * already created instead of starting another.
 */
import crypto from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ConflictError, NotFoundError, UnauthenticatedError } from '../../core/errors.js';
import { createRun } from '../../runtime/runs.js';
import { answerOf } from './runs.js';
import { isUniqueViolation } from '../../store/db.js';
import { sha256 } from '../secrets.js';
import type { AppContext } from '../context.js';
import { runAnswer } from '../schemas.js';

function sameHash(a: string, b: string) {
  return a.length === b.length && crypto.timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

export function hookRoutes(app: FastifyInstance, ctx: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.post('/api/hooks/:workflowId', {
    schema: {
      tags: ['triggers'],
      summary: 'Fires a webhook-triggered workflow; the JSON body becomes the run input.',
      security: [],
      params: z.object({ workflowId: z.string().min(1).max(100) }),
      headers: z.object({ 'x-flowgate-secret': z.string().max(500).optional(), 'x-flowgate-delivery': z.string().max(200).optional(), 'idempotency-key': z.string().max(200).optional() }).passthrough(),
      body: z.unknown().optional(),
      response: { 201: runAnswer.describe('The run it started.'), 200: runAnswer.describe('A redelivery: the run the first delivery started.') },
    },
  }, async (req, reply) => {
    const wf = await ctx.db.k
      .selectFrom('workflows as w')
      .innerJoin('workflow_versions as v', (j) => j.onRef('v.workflow_id', '=', 'w.id').onRef('v.version', '=', 'w.version'))
      .select(['w.id', 'w.org_id', 'w.space_id', 'w.version', 'w.enabled', 'w.webhook_secret_hash', 'v.definition'])
      .where('w.id', '=', req.params.workflowId)
      .executeTakeFirst();
    const secret = req.headers['x-flowgate-secret'];
    // Unknown workflow and wrong secret answer alike, so ids cannot be probed.
    if (!wf || !wf.webhook_secret_hash || typeof secret !== 'string' || !sameHash(sha256(secret), wf.webhook_secret_hash)) {
      throw new UnauthenticatedError('The webhook secret is missing or wrong.');
    }
    if (JSON.parse(wf.definition).trigger?.type !== 'webhook') throw new NotFoundError('Webhook');
    if (wf.enabled !== 1) throw new ConflictError('This workflow is disabled; it does not accept webhooks.');
    const delivery = req.headers['x-flowgate-delivery'] ?? req.headers['idempotency-key'];
    const eventKey = typeof delivery === 'string' && delivery ? `webhook:${wf.id}:${delivery}` : null;
    const now = ctx.now();
    const existingRun = async () => (eventKey ? await ctx.db.k.selectFrom('runs').select('id').where('event_key', '=', eventKey).executeTakeFirst() : undefined);
    const start = () => ctx.db.tx(async (trx) => {
      if (eventKey) {
        const existing = await trx.selectFrom('runs').select('id').where('event_key', '=', eventKey).executeTakeFirst();
        if (existing) return { id: existing.id, created: false };
      }
      const runId = await createRun(trx, ctx.db.dialect, {
        orgId: wf.org_id,
        spaceId: wf.space_id,
        workflowId: wf.id,
        workflowVersion: wf.version,
        target: null,
        trigger: { type: 'webhook', ...(delivery ? { delivery } : {}) },
        input: req.body ?? {},
        startedBy: null,
        eventKey,
        actor: `webhook:${wf.id}`,
      }, now);
      return { id: runId, created: true };
    });
    // Two deliveries racing past the check: the UNIQUE event key lets one insert win; the
    // other answers with the winner's run, as a redelivery does.
    const { id, created } = await start().catch(async (err: unknown) => {
      const winner = isUniqueViolation(err) ? await existingRun() : undefined;
      if (!winner) throw err;
      return { id: winner.id, created: false };
    });
    if (created) ctx.engine.wake();
    return reply.code(created ? 201 : 200).send(await answerOf(ctx.db.k, id));
  });
}
