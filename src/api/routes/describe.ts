/**
 * Describe a workflow in plain words: `POST /api/spaces/{spaceId}/workflows/describe` asks
 * the configured AI provider for a definition (src/ai/describe.ts) and answers it for review
 * in the builder; nothing is saved. `GET /api/ai` tells the web UI whether a provider is
 * configured, and how to configure one when it is not.
 *
 * Answers: 200 a valid definition (`repaired` when it took the one repair round); 422
 * `invalid_definition` with the last answer's problems; 503 `ai_not_configured` without a
 * provider; 502 `ai_provider_error` when the provider fails, times out or is unreachable;
 * 429 past the per-person rate limit (every call costs the org money).
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { describeWorkflow, MAX_DESCRIPTION_CHARS, type SpacePerson } from '../../ai/describe.js';
import { RateLimitedError } from '../../core/errors.js';
import { workflowDefinitionSchema } from '../../definitions/index.js';
import { DEFAULT_AI_MODEL } from '../../phases/ai.js';
import type { Executor } from '../../store/db.js';
import { spaceMemberIds } from '../../store/workflows.js';
import { spaceAccess } from '../access.js';
import { requireAuth, type AppContext } from '../context.js';
import { FixedWindowLimiter } from '../rate-limit.js';
import { idParam } from '../schemas.js';

export const AI_NOT_CONFIGURED_MESSAGE =
  'No AI provider is configured, so workflows cannot be described in words. Set FLOWGATE_AI_BASE_URL to an OpenAI-compatible API (e.g. https://api.openai.com/v1), FLOWGATE_AI_API_KEY to its key and, optionally, FLOWGATE_AI_MODEL (default gpt-4o-mini) on the server, then restart it.';

/** Describes per person per minute. */
export const DESCRIBE_RATE_LIMIT = 10;

const problem = z.object({ path: z.string(), message: z.string() });
const usage = z.object({ promptTokens: z.number(), completionTokens: z.number(), totalTokens: z.number() });
const spend = {
  model: z.string().describe('The model that was asked.'),
  usage: usage.describe('Tokens used by every call, as the provider reported them (estimated when it reported none).'),
  costUsd: z.number().describe('Estimated cost in USD, from the built-in price list.'),
  calls: z.number().int().describe('Requests sent to the provider: 1, or 2 when the first answer had to be repaired.'),
};
const describeAnswer = z.object({
  definition: workflowDefinitionSchema.describe('A valid definition for this space, not saved: open it in the builder and save it from there.'),
  problems: z.array(problem).max(0).describe('Always empty on success.'),
  repaired: z.boolean().describe("Whether the model's first answer was invalid and corrected after being shown its problems."),
  ...spend,
});
const errorShape = <T extends z.ZodRawShape>(extra: T) => z.object({ error: z.object({ code: z.string(), message: z.string(), ...extra }) });
const invalidAnswer = errorShape({
  details: z.array(problem).describe('The problems of the last answer, by path.'),
  definition: z.record(z.string(), z.unknown()).nullable().describe('The last (invalid) answer, when it was a JSON object, to fix by hand.'),
  ...spend,
});
const providerFailure = errorShape({ details: z.object({ kind: z.string() }).optional(), ...spend });

const describeBody = z.strictObject({
  description: z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(MAX_DESCRIPTION_CHARS, `must be at most ${MAX_DESCRIPTION_CHARS.toLocaleString('en')} characters long`)
    .describe('The workflow in plain words, e.g. "two editors approve, then the client by email, auto-deny after 2 days, then publish".'),
});

/** The space's members with their space role, then the org's owners and admins who are not members (they may approve too). */
async function spacePeople(db: Executor, spaceId: string, orgId: string): Promise<SpacePerson[]> {
  const members = await db
    .selectFrom('space_members as sm')
    .innerJoin('users as u', 'u.id', 'sm.user_id')
    .select(['u.id', 'u.name', 'u.email', 'sm.role'])
    .where('sm.space_id', '=', spaceId)
    .orderBy('u.name')
    .orderBy('u.id')
    .execute();
  const seen = new Set(members.map((m) => m.id));
  const admins = await db
    .selectFrom('memberships as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .select(['u.id', 'u.name', 'u.email', 'm.role'])
    .where('m.org_id', '=', orgId)
    .where('m.role', 'in', ['owner', 'admin'])
    .orderBy('u.name')
    .orderBy('u.id')
    .execute();
  return [
    ...members.map((m) => ({ id: m.id, name: m.name, email: m.email, role: m.role })),
    ...admins.filter((a) => !seen.has(a.id)).map((a) => ({ id: a.id, name: a.name, email: a.email, role: `org ${a.role}` })),
  ];
}

function parseStatuses(text: string): string[] {
  try {
    const v: unknown = JSON.parse(text);
    return Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : [];
  } catch {
    return [];
  }
}

export function describeRoutes(app: FastifyInstance, ctx: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const limiter = new FixedWindowLimiter({ limit: DESCRIBE_RATE_LIMIT, windowMs: 60_000 });

  r.get('/api/ai', {
    schema: {
      tags: ['workflows'],
      summary: 'Whether an AI provider is configured (for ai phases and describing workflows in words), and if not, how to configure one.',
      response: {
        200: z.object({
          configured: z.boolean(),
          model: z.string().nullable().describe('The model used when none is named; null without a provider.'),
          message: z.string().nullable().describe('How to configure a provider; null when one is configured.'),
        }),
      },
    },
  }, async (req) => {
    requireAuth(req);
    const configured = !!ctx.config.ai?.baseUrl;
    return configured
      ? { configured, model: ctx.config.ai?.model ?? DEFAULT_AI_MODEL, message: null }
      : { configured, model: null, message: AI_NOT_CONFIGURED_MESSAGE };
  });

  r.post('/api/spaces/:spaceId/workflows/describe', {
    schema: {
      tags: ['workflows'],
      summary:
        "Drafts a workflow from a description in plain words (space editor or org admin), with the configured AI provider; picks people from the space's members. Nothing is saved: review the definition in the builder and save it there.",
      params: idParam('spaceId'),
      body: describeBody,
      response: { 200: describeAnswer, 422: invalidAnswer, 502: providerFailure, 503: errorShape({}) },
    },
  }, async (req, reply) => {
    const auth = requireAuth(req);
    const { space } = await spaceAccess(ctx.db.k, auth, req.params.spaceId, 'write');
    const ai = ctx.config.ai;
    if (!ai?.baseUrl) return reply.code(503).send({ error: { code: 'ai_not_configured', message: AI_NOT_CONFIGURED_MESSAGE } });
    const verdict = limiter.hit(auth.userId, ctx.now());
    if (!verdict.ok) {
      reply.header('retry-after', String(Math.max(1, Math.ceil(verdict.retryAfterMs / 1000))));
      throw new RateLimitedError(`You may describe at most ${DESCRIBE_RATE_LIMIT} workflows a minute; try again in ${Math.max(1, Math.ceil(verdict.retryAfterMs / 1000))} s.`);
    }
    const [people, members] = await Promise.all([spacePeople(ctx.db.k, space.id, space.org_id), spaceMemberIds(ctx.db.k, space.id)]);
    // A person who gives up waiting (closes the page) stops the call.
    const stop = new AbortController();
    const onClose = () => {
      if (!reply.raw.writableFinished) stop.abort();
    };
    reply.raw.once('close', onClose);
    let result;
    try {
      result = await describeWorkflow({
        provider: { baseUrl: ai.baseUrl, apiKey: ai.apiKey },
        model: ai.model ?? DEFAULT_AI_MODEL,
        description: req.body.description,
        space: { name: space.name, statuses: parseStatuses(space.statuses) },
        people,
        ctx: { isSpaceMember: (id) => members.has(id) },
        signal: stop.signal,
      });
    } finally {
      reply.raw.off('close', onClose);
    }
    const spent = { model: result.model, usage: result.usage, costUsd: result.costUsd, calls: result.calls };
    req.log.info({ spaceId: space.id, userId: auth.userId, ok: result.ok, ...spent }, 'workflow described');
    if (result.ok) return reply.code(200).send({ definition: result.definition, problems: [], repaired: result.repaired, ...spent });
    if (result.reason === 'invalid') {
      const n = result.problems.length;
      return reply.code(422).send({
        error: {
          code: 'invalid_definition',
          message: `The AI provider's workflow still had ${n === 1 ? 'a problem' : `${n} problems`} after it was asked to correct ${n === 1 ? 'it' : 'them'}; rephrase the description, or open the draft and fix it by hand.`,
          details: result.problems,
          definition: result.definition,
          ...spent,
        },
      });
    }
    return reply.code(502).send({
      error: { code: 'ai_provider_error', message: `The AI provider failed, so the workflow could not be described: ${result.message}`, details: { kind: result.kind }, ...spent },
    });
  });
}
