/**
 * Workflows: create, save (every save is a new immutable version), read, list, enable or
 * disable, and the webhook secret. docs/API.md "Workflows".
 *
 * The request body of a create or a save is the definition language's own schema, so the
 * OpenAPI document shows it; it is checked by `validateDefinition` in the handler rather than
 * by Fastify, so every problem with a definition, of shape or of meaning, answers the same
 * 400 `invalid_definition` with one entry per problem, by path relative to the definition.
 */
import type { FastifyInstance, FastifySchemaCompiler } from 'fastify';
import { validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { appendAudit, type AuditInput } from '../../audit/log.js';
import { syncSchedule } from '../../runtime/schedules.js';
import { ConflictError, InvalidInputError, NotFoundError } from '../../core/errors.js';
import { validateDefinition, workflowDefinitionSchema, type Problem, type WorkflowDefinition } from '../../definitions/index.js';
import { newId } from '../../store/ids.js';
import {
  getWorkflow,
  getWorkflowVersion,
  insertWorkflow,
  listWorkflows,
  listWorkflowVersions,
  saveWorkflowVersion,
  setWebhookSecretHash,
  spaceMemberIds,
  renameWorkflow,
  setWorkflowEnabled,
  type WorkflowRecord,
} from '../../store/workflows.js';
import type { Executor } from '../../store/db.js';
import { spaceAccess } from '../access.js';
import { requireAuth, type AppContext, type Auth } from '../context.js';
import { decodeCursor, page, pageQuery } from '../pagination.js';
import { idParam, pageOf, workflowAnswer, workflowVersionAnswer, workflowVersionSummary } from '../schemas.js';
import { newSecret, sha256 } from '../secrets.js';

const WEBHOOK_SECRET_PREFIX = 'fgw';

export function workflowOut(w: WorkflowRecord) {
  return {
    id: w.id,
    spaceId: w.spaceId,
    name: w.name,
    enabled: w.enabled,
    version: w.version,
    trigger: w.trigger,
    phases: w.phases,
    createdAt: new Date(w.createdAt).toISOString(),
    updatedAt: new Date(w.updatedAt).toISOString(),
    hasWebhookSecret: w.hasWebhookSecret,
  };
}

/** Fastify leaves the definition body to the handler; params and query are checked as usual. */
const definitionBodyCompiler: FastifySchemaCompiler<unknown> = (route) =>
  route.httpPart === 'body' ? (data: unknown) => ({ value: data }) : (validatorCompiler as FastifySchemaCompiler<unknown>)(route);

function describeProblems(problems: Problem[]): string {
  const list = problems.map((p) => (p.path ? `${p.path}: ${p.message}` : `the definition ${p.message}`)).join('; ');
  return problems.length === 1 ? `The workflow definition has a problem: ${list}.` : `The workflow definition has ${problems.length} problems: ${list}.`;
}

/** Checks a definition against the language and the space's members; throws a 400 listing every problem. */
async function checkDefinition(db: Executor, spaceId: string, body: unknown): Promise<WorkflowDefinition> {
  const members = await spaceMemberIds(db, spaceId);
  const result = validateDefinition(body, { isSpaceMember: (id) => members.has(id) });
  if (!result.ok) throw new InvalidInputError(describeProblems(result.problems), result.problems, 'invalid_definition');
  return result.definition;
}

/** The workflow, if the caller may `need` it: another org's id is 404, a viewer writing is 403. */
async function workflowAccess(db: Executor, auth: Auth, id: string, need: 'read' | 'write'): Promise<WorkflowRecord> {
  const wf = await getWorkflow(db, auth.orgId, id);
  if (!wf) throw new NotFoundError('Workflow');
  await spaceAccess(db, auth, wf.spaceId, need);
  return wf;
}

/** `If-Match: 3` (or `"3"`, `W/"3"`): the version the client last read. */
function ifMatchVersion(header: string | string[] | undefined): number | undefined {
  const raw = Array.isArray(header) ? header[0] : header;
  if (raw === undefined || raw.trim() === '*') return undefined;
  const m = /^\s*(?:W\/)?"?(\d{1,9})"?\s*$/.exec(raw);
  if (!m) throw new InvalidInputError('The If-Match header must be the workflow version you last read, such as 3.', [{ path: 'headers.if-match', message: 'must be a version number' }]);
  return Number(m[1]);
}

function versionConflict(current: number, expected: number) {
  return new ConflictError(
    `The workflow was saved by someone else in the meantime (it is at version ${current}, you edited version ${expected}); reload it and save again.`,
    'version_conflict',
    { version: current },
  );
}

const workflowIdParams = idParam('id');
const settingsBody = z
  .strictObject({
    name: workflowDefinitionSchema.shape.name.optional(),
    enabled: z.boolean().optional(),
  })
  .describe('Changes what is not part of the definition: no new version is made.');

export function workflowRoutes(app: FastifyInstance, ctx: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const actorOf = (auth: Auth) => `user:${auth.userId}`;

  r.post('/api/spaces/:spaceId/workflows', {
    schema: {
      tags: ['workflows'],
      summary: 'Creates a workflow (space editor or org admin) as version 1. A webhook-triggered workflow answers its secret once, as webhookSecret.',
      params: idParam('spaceId'),
      body: workflowDefinitionSchema,
      response: { 201: workflowAnswer },
    },
    validatorCompiler: definitionBodyCompiler,
  }, async (req, reply) => {
    const auth = requireAuth(req);
    const { space } = await spaceAccess(ctx.db.k, auth, req.params.spaceId, 'write');
    const def = await checkDefinition(ctx.db.k, space.id, req.body as unknown);
    const id = newId();
    const now = ctx.now();
    const secret = def.trigger.type === 'webhook' ? newSecret(WEBHOOK_SECRET_PREFIX) : undefined;
    const enabled = def.enabled ?? true;
    const wf = await ctx.db.tx(async (trx) => {
      await insertWorkflow(trx, {
        id,
        orgId: auth.orgId,
        spaceId: space.id,
        name: def.name,
        enabled,
        definition: { trigger: def.trigger, phases: def.phases },
        webhookSecretHash: secret ? sha256(secret) : null,
        createdBy: auth.userId,
        now,
      });
      await appendAudit(trx, ctx.db.dialect, {
        orgId: auth.orgId,
        actor: actorOf(auth),
        action: 'workflow.created',
        subject: `workflow:${id}`,
        data: { spaceId: space.id, name: def.name, version: 1, enabled, trigger: def.trigger.type, ...(secret ? { webhookSecret: 'issued' } : {}) },
        at: now,
      });
      await syncSchedule(trx, id, now);
      return (await getWorkflow(trx, auth.orgId, id))!;
    });
    return reply.code(201).send({ ...workflowOut(wf), ...(secret ? { webhookSecret: secret } : {}) });
  });

  r.put('/api/workflows/:id', {
    schema: {
      tags: ['workflows'],
      summary:
        'Saves a new version of the definition (space editor or org admin). Send If-Match: <version> to be refused with 409 if someone saved in between. Leaving out enabled keeps the current state.',
      params: workflowIdParams,
      body: workflowDefinitionSchema,
      response: { 200: workflowAnswer },
    },
    validatorCompiler: definitionBodyCompiler,
  }, async (req) => {
    const auth = requireAuth(req);
    const wf = await workflowAccess(ctx.db.k, auth, req.params.id, 'write');
    const expected = ifMatchVersion(req.headers['if-match']);
    if (expected !== undefined && expected !== wf.version) throw versionConflict(wf.version, expected);
    const def = await checkDefinition(ctx.db.k, wf.spaceId, req.body as unknown);
    const now = ctx.now();
    const isWebhook = def.trigger.type === 'webhook';
    // A workflow that becomes webhook-triggered gets a secret; one that stops being so loses it.
    const secret = isWebhook && (wf.trigger.type !== 'webhook' || !wf.hasWebhookSecret) ? newSecret(WEBHOOK_SECRET_PREFIX) : undefined;
    const secretHash = secret ? sha256(secret) : !isWebhook && wf.hasWebhookSecret ? null : undefined;
    const enabledChange = def.enabled !== undefined && def.enabled !== wf.enabled ? def.enabled : undefined;
    const saved = await ctx.db.tx(async (trx) => {
      const res = await saveWorkflowVersion(trx, {
        id: wf.id,
        expectedVersion: wf.version,
        name: def.name,
        definition: { trigger: def.trigger, phases: def.phases },
        enabled: def.enabled,
        webhookSecretHash: secretHash,
        by: auth.userId,
        now,
      });
      if (!res.saved) {
        const current = await trx.selectFrom('workflows').select('version').where('id', '=', wf.id).executeTakeFirst();
        throw versionConflict(current?.version ?? wf.version + 1, wf.version);
      }
      const events: AuditInput[] = [
        {
          orgId: auth.orgId,
          actor: actorOf(auth),
          action: 'workflow.saved',
          subject: `workflow:${wf.id}`,
          data: { version: res.version, name: def.name, ...(secret ? { webhookSecret: 'issued' } : secretHash === null ? { webhookSecret: 'removed' } : {}) },
          at: now,
        },
      ];
      if (enabledChange !== undefined) {
        events.push({ orgId: auth.orgId, actor: actorOf(auth), action: enabledChange ? 'workflow.enabled' : 'workflow.disabled', subject: `workflow:${wf.id}`, data: { version: res.version }, at: now });
      }
      await appendAudit(trx, ctx.db.dialect, events);
      await syncSchedule(trx, wf.id, now);
      return (await getWorkflow(trx, auth.orgId, wf.id))!;
    });
    return { ...workflowOut(saved), ...(secret ? { webhookSecret: secret } : {}) };
  });

  r.patch('/api/workflows/:id', {
    schema: {
      tags: ['workflows'],
      summary: 'Enables, disables or renames a workflow (space editor or org admin). Makes no new definition version.',
      params: workflowIdParams,
      body: settingsBody,
      response: { 200: workflowAnswer },
    },
  }, async (req) => {
    const auth = requireAuth(req);
    const wf = await workflowAccess(ctx.db.k, auth, req.params.id, 'write');
    const now = ctx.now();
    const { enabled, name } = req.body;
    if ((enabled === undefined || enabled === wf.enabled) && (name === undefined || name === wf.name)) return workflowOut(wf);
    const base = { orgId: auth.orgId, actor: actorOf(auth), subject: `workflow:${wf.id}`, at: now };
    const updated = await ctx.db.tx(async (trx) => {
      // Each change is recorded only if this request made it: of two racing "disable"s, one is.
      const events: AuditInput[] = [];
      if (enabled !== undefined && (await setWorkflowEnabled(trx, wf.id, enabled, now))) {
        events.push({ ...base, action: enabled ? 'workflow.enabled' : 'workflow.disabled', data: { version: wf.version } });
      }
      if (name !== undefined && (await renameWorkflow(trx, wf.id, name, now))) {
        events.push({ ...base, action: 'workflow.renamed', data: { name, from: wf.name } });
      }
      await appendAudit(trx, ctx.db.dialect, events);
      await syncSchedule(trx, wf.id, now);
      return (await getWorkflow(trx, auth.orgId, wf.id))!;
    });
    return workflowOut(updated);
  });

  r.post('/api/workflows/:id/webhook-secret', {
    schema: {
      tags: ['workflows'],
      summary: 'Replaces the webhook secret of a webhook-triggered workflow (space editor or org admin) and answers the new one, once. The old one stops working at once.',
      params: workflowIdParams,
      response: { 200: z.object({ id: z.string(), webhookSecret: z.string() }) },
    },
  }, async (req) => {
    const auth = requireAuth(req);
    const wf = await workflowAccess(ctx.db.k, auth, req.params.id, 'write');
    if (wf.trigger.type !== 'webhook') {
      throw new ConflictError(`This workflow is triggered by "${wf.trigger.type}", not by a webhook, so it has no webhook secret.`, 'not_webhook_triggered');
    }
    const secret = newSecret(WEBHOOK_SECRET_PREFIX);
    const now = ctx.now();
    await ctx.db.tx(async (trx) => {
      if (!(await setWebhookSecretHash(trx, wf.id, sha256(secret), now, wf.version))) {
        throw new ConflictError('The workflow was saved in the meantime; reload it and try again.', 'version_conflict');
      }
      await appendAudit(trx, ctx.db.dialect, { orgId: auth.orgId, actor: actorOf(auth), action: 'workflow.webhook_secret_rotated', subject: `workflow:${wf.id}`, data: { version: wf.version }, at: now });
    });
    return { id: wf.id, webhookSecret: secret };
  });

  r.get('/api/workflows/:id', {
    schema: { tags: ['workflows'], summary: 'A workflow with its current definition.', params: workflowIdParams, response: { 200: workflowAnswer } },
  }, async (req) => {
    const auth = requireAuth(req);
    return workflowOut(await workflowAccess(ctx.db.k, auth, req.params.id, 'read'));
  });

  r.get('/api/workflows/:id/versions', {
    schema: { tags: ['workflows'], summary: "A workflow's saved versions, newest first.", params: workflowIdParams, querystring: pageQuery, response: { 200: pageOf(workflowVersionSummary) } },
  }, async (req) => {
    const auth = requireAuth(req);
    const wf = await workflowAccess(ctx.db.k, auth, req.params.id, 'read');
    const cursor = decodeCursor(req.query.cursor);
    if (cursor !== undefined && !/^\d+$/.test(cursor)) throw new InvalidInputError('The cursor is not one this server handed out.', [{ path: 'cursor', message: 'is not a valid cursor' }]);
    const rows = await listWorkflowVersions(ctx.db.k, wf.id, { limit: req.query.limit + 1, before: cursor === undefined ? undefined : Number(cursor) });
    const { items, nextCursor } = page(rows, req.query.limit, (v) => v.version);
    return { items: items.map((v) => ({ version: v.version, name: v.name, createdBy: v.createdBy, createdAt: new Date(v.createdAt).toISOString() })), nextCursor };
  });

  r.get('/api/workflows/:id/versions/:version', {
    schema: {
      tags: ['workflows'],
      summary: 'One saved version of a workflow, as it was saved; versions never change.',
      params: z.object({ id: z.string().min(1).max(100), version: z.coerce.number().int().min(1).max(1e9) }),
      response: { 200: workflowVersionAnswer },
    },
  }, async (req) => {
    const auth = requireAuth(req);
    const wf = await workflowAccess(ctx.db.k, auth, req.params.id, 'read');
    const v = await getWorkflowVersion(ctx.db.k, wf.id, req.params.version);
    if (!v) throw new NotFoundError(`Version ${req.params.version} of the workflow`);
    return { workflowId: v.workflowId, version: v.version, name: v.name, trigger: v.trigger, phases: v.phases, createdBy: v.createdBy, createdAt: new Date(v.createdAt).toISOString() };
  });

  r.get('/api/spaces/:spaceId/workflows', {
    schema: { tags: ['workflows'], summary: "The space's workflows, oldest first.", params: idParam('spaceId'), querystring: pageQuery, response: { 200: pageOf(workflowAnswer) } },
  }, async (req) => {
    const auth = requireAuth(req);
    const { space } = await spaceAccess(ctx.db.k, auth, req.params.spaceId, 'read');
    const rows = await listWorkflows(ctx.db.k, space.id, { limit: req.query.limit + 1, after: decodeCursor(req.query.cursor) });
    const { items, nextCursor } = page(rows, req.query.limit, (w) => w.id);
    return { items: items.map(workflowOut), nextCursor };
  });
}
