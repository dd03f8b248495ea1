/** Shared zod pieces for request schemas. */
import { z } from 'zod';

export const idParam = (name: string) => z.object({ [name]: z.string().min(1).max(100) });
/**
 * One @, no spaces, something on both sides: addresses on internal domains (admin@localhost)
 * are valid for a self-hosted server, so no TLD is required.
 */
export const email = z.string().max(320).regex(/^[^\s@]+@[^\s@]+$/, 'must be an email address like name@example.com');
/** Any non-empty password up to 200 characters: Flowgate leaves password policy to the operator (the setup page asks for 8+). */
export const password = z.string().min(1, 'must not be empty').max(200);
export const errorBody = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
});

// ---- Answers -------------------------------------------------------------------------------
// What each route answers, declared on the route as `response` (docs/API.md). These schemas
// document the answers in /api/openapi.json (the web UI's and the CLI's types are generated
// from it: `npm run gen:api-types`) and serialize them: a field missing here is not sent, so
// a field added to an answer goes here too (see responseSerializer). Shapes that are open by
// nature (phase configs, triggers, run input and output, audit data) are loose objects or
// unknown. Schemas with an `id` are named components of the document.

const time = z.string().describe('ISO 8601 time, UTC.');
const maybeTime = time.nullable();

/** A page of a list: `items`, and the cursor of the next page (null on the last). */
export const pageOf = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), nextCursor: z.string().nullable() });
export const okAnswer = z.object({ ok: z.literal(true) });
/** A 204 answer: no body. */
export const noContent = z.null().describe('No content.');
/** A Server-Sent Events stream (documented, never serialized: the route writes it itself). */
export const eventStream = { description: 'A text/event-stream of events.', content: { 'text/event-stream': { schema: z.string() } } };

export const orgRole = z.enum(['owner', 'admin', 'member']);
export const spaceRole = z.enum(['editor', 'viewer']);

export const userRef = z.object({ id: z.string(), email: z.string(), name: z.string() }).meta({ id: 'User' });
export const orgUser = z.object({ id: z.string(), email: z.string(), name: z.string(), role: orgRole }).meta({ id: 'OrgUser' });
export const meAnswer = z
  .object({
    user: userRef,
    orgId: z.string(),
    orgRole,
    isInstanceAdmin: z.boolean(),
    orgs: z.array(z.object({ id: z.string(), name: z.string(), role: orgRole })),
    spaces: z.array(z.object({ id: z.string(), name: z.string(), role: spaceRole })),
  })
  .meta({ id: 'Me' });
export const orgAnswer = z.object({ id: z.string(), name: z.string(), maxActiveRuns: z.number(), createdAt: time }).meta({ id: 'Org' });
export const spaceAnswer = z
  .object({ id: z.string(), name: z.string(), statuses: z.array(z.string()), createdAt: time, role: z.enum(['editor', 'viewer', 'admin']).optional().describe("The caller's role in the space (admin: an org owner or admin, who may do anything in it).") })
  .meta({ id: 'Space' });
export const spaceDetail = spaceAnswer
  .extend({ members: z.array(z.object({ id: z.string(), name: z.string(), email: z.string(), role: spaceRole })) })
  .meta({ id: 'SpaceDetail' });

export const contentItem = z
  .object({
    type: z.literal('content'),
    id: z.string(),
    spaceId: z.string(),
    title: z.string(),
    caption: z.string().nullable(),
    status: z.string(),
    platforms: z.array(z.string()),
    scheduledAt: maybeTime,
    assignees: z.array(z.string()).describe('User ids.'),
    tags: z.array(z.string()),
    version: z.number(),
    createdBy: z.string().nullable(),
    createdAt: time,
    updatedAt: time,
    deletedAt: maybeTime,
  })
  .meta({ id: 'ContentItem' });
export const task = z
  .object({
    type: z.literal('task'),
    id: z.string(),
    spaceId: z.string(),
    title: z.string(),
    description: z.string().nullable(),
    status: z.string(),
    assignee: z.string().nullable(),
    dueAt: maybeTime,
    version: z.number(),
    createdBy: z.string().nullable(),
    createdAt: time,
    updatedAt: time,
    deletedAt: maybeTime,
  })
  .meta({ id: 'Task' });
export const comment = z
  .object({
    id: z.string(),
    targetType: z.enum(['content', 'task']),
    targetId: z.string(),
    body: z.string(),
    author: z
      .union([z.object({ userId: z.string(), name: z.string().nullable() }), z.object({ email: z.string() }), z.object({ workflowRunId: z.string() })])
      .nullable()
      .describe('A member, a guest reviewer by email, or a workflow run.'),
    source: z.enum(['app', 'guest', 'workflow']),
    runId: z.string().nullable(),
    createdAt: time,
  })
  .meta({ id: 'Comment' });

const trigger = z.looseObject({ type: z.string() }).describe('The trigger, as in the definition.');
const phaseDef = z.looseObject({ id: z.string(), type: z.string() }).describe('A phase, as in the definition.');
export const workflowAnswer = z
  .object({
    id: z.string(),
    spaceId: z.string(),
    name: z.string(),
    enabled: z.boolean(),
    version: z.number(),
    trigger,
    phases: z.array(phaseDef),
    createdAt: time,
    updatedAt: time,
    hasWebhookSecret: z.boolean(),
    webhookSecret: z.string().optional().describe('The webhook secret, answered once when it is issued.'),
  })
  .meta({ id: 'Workflow' });
export const workflowVersionAnswer = z
  .object({ workflowId: z.string(), version: z.number(), name: z.string(), trigger, phases: z.array(phaseDef), createdBy: z.string().nullable(), createdAt: time })
  .meta({ id: 'WorkflowVersion' });
export const workflowVersionSummary = z.object({ version: z.number(), name: z.string(), createdBy: z.string().nullable(), createdAt: time }).meta({ id: 'WorkflowVersionSummary' });

export const runStatus = z.enum(['triggered', 'active', 'waiting', 'completed', 'failed', 'cancelled']).meta({ id: 'RunStatus' });
export const phaseStatus = z.enum(['pending', 'running', 'waiting', 'succeeded', 'failed', 'skipped', 'cancelled']).meta({ id: 'PhaseStatus' });
export const phaseExecution = z
  .object({
    executionId: z.string(),
    phaseId: z.string(),
    type: z.string(),
    attempt: z.number(),
    status: phaseStatus,
    input: z.unknown(),
    output: z.unknown(),
    error: z.looseObject({ code: z.string(), message: z.string() }).nullable(),
    waitingFor: z.string().nullable().describe('approval | wait | flow_control, while waiting.'),
    wakeAt: maybeTime,
    skippedBy: z.string().nullable(),
    skipReason: z.string().nullable(),
    startedAt: maybeTime,
    endedAt: maybeTime,
    durationMs: z.number().nullable(),
  })
  .meta({ id: 'PhaseExecution' });
export const runAnswer = z
  .object({
    id: z.string(),
    workflowId: z.string(),
    workflowVersion: z.number(),
    spaceId: z.string(),
    status: runStatus,
    outcome: z.enum(['succeeded', 'denied']).nullable(),
    target: z
      .object({
        type: z.enum(['content', 'task']),
        id: z.string(),
        version: z.number().nullable().describe('The version the run started on.'),
        versionSeen: z.number().nullable().describe('The latest version the run has seen.'),
      })
      .nullable(),
    trigger: z.looseObject({ type: z.string() }).describe('What started the run: {type: manual|rerun|webhook|schedule|…, …}.'),
    input: z.unknown(),
    startedBy: z.string().nullable(),
    createdAt: time,
    startedAt: maybeTime,
    endedAt: maybeTime,
    currentPhaseId: z.string().nullable(),
    queuePosition: z.number().nullable().describe('Place in the queue while held by flow control (1 = next).'),
    waitingFor: z.string().nullable().describe('approval | wait | flow_control, while waiting.'),
    rerunOf: z.string().nullable(),
    error: z.looseObject({ phaseId: z.string().optional().describe('The phase that failed.'), code: z.string(), message: z.string() }).nullable(),
    phases: z.array(phaseExecution).describe('Every phase execution, earlier attempts too, in the order they started.'),
  })
  .meta({ id: 'Run' });

const approverRef = z.union([z.object({ userId: z.string() }), z.object({ email: z.string() })]);
export const gateAnswer = z
  .object({
    phaseId: z.string(),
    executionId: z.string(),
    attempt: z.number(),
    status: z.enum(['waiting', 'approved', 'denied', 'closed']),
    required: z.union([z.enum(['any', 'all']), z.number()]).nullable(),
    approvers: z.array(
      z.union([z.object({ userId: z.string(), addedBy: z.string() }), z.object({ email: z.string(), addedBy: z.string() })]).describe('addedBy: definition | escalation.'),
    ),
    decisions: z.array(
      z.object({
        approver: approverRef,
        decision: z.enum(['approve', 'deny']),
        comment: z.string().nullable(),
        targetVersion: z.number().nullable().describe('The version of the target the decision was made on.'),
        via: z.enum(['app', 'api', 'link']),
        at: time,
        counts: z.boolean().describe('False once the target changed after it (resetOnEdit).'),
      }),
    ),
  })
  .meta({ id: 'Gate' });

export const guestComment = z
  .object({
    id: z.string(),
    body: z.string(),
    author: z.union([z.object({ name: z.string().nullable() }), z.object({ email: z.string() }), z.object({ workflow: z.literal(true) })]).nullable(),
    source: z.string(),
    createdAt: time,
  })
  .meta({ id: 'GuestComment' });
export const guestReview = z
  .object({
    kind: z.enum(['approval', 'share']),
    email: z.string(),
    target: z
      .union([
        z.object({ type: z.literal('content'), id: z.string(), title: z.string(), caption: z.string().nullable(), status: z.string(), platforms: z.array(z.string()), scheduledAt: maybeTime, tags: z.array(z.string()), version: z.number(), updatedAt: time }),
        z.object({ type: z.literal('task'), id: z.string(), title: z.string(), description: z.string().nullable(), status: z.string(), dueAt: maybeTime, version: z.number(), updatedAt: time }),
      ])
      .nullable(),
    targetGone: z.enum(['none', 'deleted']).nullable(),
    gate: z.object({ phaseId: z.string(), status: z.enum(['waiting', 'approved', 'denied', 'closed']) }).nullable(),
    comments: z.array(guestComment),
    expiresAt: time,
  })
  .meta({ id: 'GuestReview' });
export const guestDecisionAnswer = z.object({ phaseId: z.string(), status: z.enum(['waiting', 'approved', 'denied']), decision: z.enum(['approve', 'deny']) });

export const auditEvent = z
  .object({
    seq: z.number(),
    at: time,
    actor: z.string(),
    action: z.string(),
    subject: z.string().nullable(),
    runId: z.string().nullable(),
    data: z.unknown(),
    hash: z.string(),
    prevHash: z.string(),
  })
  .meta({ id: 'AuditEvent' });
export const auditVerifyAnswer = z.object({ ok: z.boolean(), checked: z.number(), firstBad: z.number().optional(), reason: z.string().optional() });

export const emailAnswer = z
  .object({
    id: z.string(),
    to: z.string(),
    subject: z.string(),
    text: z.string(),
    html: z.string(),
    links: z.array(z.string()),
    status: z.enum(['pending', 'sent', 'failed', 'held']),
    attempts: z.number(),
    lastError: z.string().nullable(),
    createdAt: time,
    sentAt: maybeTime,
    nextAttemptAt: maybeTime,
    runId: z.string().nullable(),
  })
  .meta({ id: 'Email' });
export const notificationAnswer = z
  .object({ id: z.string(), kind: z.string(), runId: z.string().nullable(), message: z.string(), createdAt: time, readAt: maybeTime })
  .meta({ id: 'Notification' });
export const bulkJob = z
  .object({
    id: z.string(),
    kind: z.literal('bulk'),
    action: z.enum(['cancel', 'delete']),
    status: z.enum(['running', 'done', 'failed']),
    done: z.number(),
    total: z.number(),
    changed: z.number(),
    filter: z.object({ workflowId: z.string().optional(), status: runStatus.optional(), spaceId: z.string().optional() }).nullable(),
    idCount: z.number().nullable(),
    requestedBy: z.string().nullable(),
    error: z.string().nullable(),
    createdAt: time,
    finishedAt: maybeTime,
  })
  .meta({ id: 'BulkJob' });

export type RunAnswer = z.output<typeof runAnswer>;
export type GateAnswer = z.output<typeof gateAnswer>;
export type EmailAnswer = z.output<typeof emailAnswer>;

/**
 * The document's components as fastify-type-provider-zod makes them, tidied: a reference into
 * the `__shared` definitions it parks inside recursive schemas (z.json(): any JSON value)
 * becomes "any value", so every `$ref` is a plain component reference; components nothing
 * refers to (each named schema also gets an unused `…Input` or output twin) are left out.
 */
export function tidyComponents<T extends { paths?: unknown; components?: { schemas?: Record<string, unknown> } }>(doc: T): T {
  const unshare = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(unshare);
    if (v === null || typeof v !== 'object') return v;
    const out: Record<string, unknown> = {};
    for (const [k, child] of Object.entries(v)) {
      if (k === '$ref' && typeof child === 'string' && child.startsWith('#/components/schemas/__shared#')) continue;
      out[k] = unshare(child);
    }
    return out;
  };
  const { __shared: _, ...rest } = doc.components?.schemas ?? {};
  const schemas = unshare(rest) as Record<string, unknown>;
  const paths = unshare(doc.paths ?? {});
  const refs = (v: unknown) => [...JSON.stringify(v).matchAll(/"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1]!);
  const keep = new Set<string>();
  const todo = refs(paths);
  while (todo.length) {
    const k = todo.pop()!;
    if (keep.has(k) || !(k in schemas)) continue;
    keep.add(k);
    todo.push(...refs(schemas[k]));
  }
  return { ...doc, paths, components: { ...doc.components, schemas: Object.fromEntries(Object.entries(schemas).filter(([k]) => keep.has(k))) } };
}

const ERROR_ANSWER = {
  description: 'An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors").',
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
};

/**
 * The finished document: tidied components (tidyComponents), and every operation's error
 * answers (`4XX`, `5XX`) as the one error shape, where a route does not name its own.
 * Documentation only: errors are answered by src/api/errors.ts.
 */
export function finishDocument<T extends { paths?: unknown; components?: { schemas?: Record<string, unknown> } }>(doc: T): T {
  const tidy = tidyComponents(doc);
  const paths = tidy.paths as Record<string, Record<string, { responses?: Record<string, unknown> }>>;
  for (const ops of Object.values(paths)) {
    for (const op of Object.values(ops)) {
      if (!op || typeof op !== 'object' || !op.responses) continue;
      for (const range of ['4XX', '5XX']) if (!(range in op.responses)) op.responses[range] = ERROR_ANSWER;
    }
  }
  const error = {
    type: 'object',
    properties: {
      error: {
        type: 'object',
        properties: {
          code: { type: 'string', description: 'snake_case, stable: what went wrong.' },
          message: { type: 'string', description: 'A sentence a person can act on.' },
          details: { description: 'For a 400, [{path, message}] per bad field; otherwise what the code says.' },
        },
        required: ['code', 'message'],
      },
    },
    required: ['error'],
  };
  return { ...tidy, components: { ...tidy.components, schemas: { ...tidy.components?.schemas, Error: error } } };
}

/** Paths where a serialized answer lost fields its schema does not declare (at most `max`). */
export function droppedFields(sent: unknown, kept: unknown, path = '', out: string[] = [], max = 5): string[] {
  if (out.length >= max) return out;
  if (Array.isArray(sent)) {
    if (Array.isArray(kept)) sent.forEach((v, i) => droppedFields(v, kept[i], `${path}[${i}]`, out, max));
    return out;
  }
  if (sent === null || typeof sent !== 'object' || kept === null || typeof kept !== 'object') return out;
  const proto = Object.getPrototypeOf(sent);
  if (proto !== Object.prototype && proto !== null) return out;
  for (const [k, v] of Object.entries(sent)) {
    if (v === undefined) continue;
    const at = path ? `${path}.${k}` : k;
    if (!(k in (kept as object))) out.push(at);
    else droppedFields(v, (kept as Record<string, unknown>)[k], at, out, max);
    if (out.length >= max) break;
  }
  return out;
}

/**
 * Serializes answers through their response schema (fastify-type-provider-zod's way: fields
 * the schema does not declare are left out). Under tests (VITEST, or
 * FLOWGATE_STRICT_RESPONSES=1) an answer that loses a field, or does not fit its schema, fails
 * with a message naming the route and the field, so an answer and its schema cannot drift apart.
 */
export function responseSerializer(strict = Boolean(process.env.VITEST) || process.env.FLOWGATE_STRICT_RESPONSES === '1') {
  return ({ schema, method, url }: { schema: unknown; method: string; url: string }) => {
    const s = schema as z.ZodType;
    return (data: unknown) => {
      const result = z.safeEncode(s, data);
      if (!result.success) {
        const msg = `The answer of ${method} ${url} does not fit its response schema (src/api/schemas.ts): ${result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`;
        if (strict) console.error(msg);
        throw new Error(msg, { cause: result.error });
      }
      if (strict) {
        const lost = droppedFields(data, result.data);
        if (lost.length) {
          const msg = `The answer of ${method} ${url} has fields its response schema (src/api/schemas.ts) does not declare, which would not be sent: ${lost.join(', ')}`;
          console.error(msg);
          throw new Error(msg);
        }
      }
      return JSON.stringify(result.data);
    };
  };
}
