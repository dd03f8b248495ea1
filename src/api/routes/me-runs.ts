/**
 * The command center (docs/REQUIREMENTS.md section 12): the runs the signed-in user is involved in,
 * across the spaces they can read. The lists and their rules are in
 * src/runtime/involvement.ts; each item is the run as `GET /api/runs/{id}` shows it.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { involvement } from '../../runtime/involvement.js';
import { readableSpaceIds } from '../access.js';
import { requireAuth, type AppContext } from '../context.js';
import { withPhases } from './runs.js';
import { runAnswer as run } from '../schemas.js';

const query = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50).describe('Most runs in each list (default 50, max 200).'),
});

const answer = z.object({
  waitingOnMe: z.array(run).describe('Runs whose open approval gate waits on your decision, oldest request first.'),
  startedByMe: z.array(run).describe('Runs you started, newest first.'),
  involved: z.array(run).describe('Runs on targets assigned to you, or that notified you in the app, newest first.'),
  more: z
    .object({ waitingOnMe: z.boolean(), startedByMe: z.boolean(), involved: z.boolean() })
    .describe('Whether each list has more runs than `limit` let through.'),
});

export function meRunsRoutes(app: FastifyInstance, ctx: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get('/api/me/runs', {
    schema: {
      tags: ['people'],
      summary: "Runs you are involved in across your spaces: waiting on your decision, started by you, assigned to or notifying you. Each run appears in the first list that applies.",
      querystring: query,
      response: { 200: answer },
    },
  }, async (req) => {
    const auth = requireAuth(req);
    const db = ctx.db.k;
    const lists = await involvement(db, { userId: auth.userId, orgId: auth.orgId, spaceIds: await readableSpaceIds(db, auth) }, req.query.limit);
    return {
      waitingOnMe: await withPhases(db, lists.waitingOnMe.runs),
      startedByMe: await withPhases(db, lists.startedByMe.runs),
      involved: await withPhases(db, lists.involved.runs),
      more: { waitingOnMe: lists.waitingOnMe.more, startedByMe: lists.startedByMe.more, involved: lists.involved.more },
    };
  });
}
