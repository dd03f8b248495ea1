import { z } from 'zod';
import { approvalFields } from './approval-schema.js';
import {
  emailSchema,
  jsonValueSchema,
  jumpSchema,
  listSchema,
  objectSchema,
  phaseIdSchema,
  stringSchema,
  textSchema,
} from './common-schemas.js';
import { conditionSchema } from './condition-schema.js';
import { offsetSchema, positiveDurationSchema, waitDurationSchema } from './durations.js';
import { TARGET_FIELDS, type TargetField } from './fields.js';
import { jsonSchemaProblem } from './json-schema-check.js';
import { humanMessage, quoteList } from './messages.js';
import { hasTemplate } from './templates.js';

export const PHASE_TYPES = [
  'approval',
  'wait',
  'mutate',
  'notify',
  'comment',
  'share_email',
  'ai',
  'http',
  'condition',
] as const;
export type PhaseType = (typeof PHASE_TYPES)[number];

const base = {
  id: phaseIdSchema,
  name: textSchema().max(200, 'must be at most 200 characters long').optional().meta({ description: 'A label for people.' }),
  next: jumpSchema()
    .optional()
    .meta({ description: 'A later phase id, or "end". By default the run goes on to the following phase.' }),
};

export const approvalPhaseSchema = objectSchema({ ...base, ...approvalFields }).meta({
  description: 'A gate: waits for approvers to decide.',
});

// A fixed until is an ISO-8601 date and time; one without a zone offset means UTC, and
// validateDefinition stores it with the "Z" (canonical.ts), so no server's local zone ever
// enters into it.
export const ISO_TIME_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?$/i;
const ZONE_RE = /(Z|[+-]\d{2}:\d{2})$/i;

/** A fixed `until` as the UTC time it means: a time without a zone offset is UTC. */
export function utcUntil(s: string): string {
  return ISO_TIME_RE.test(s) && !ZONE_RE.test(s) ? `${s}Z` : s;
}

const untilSchema = textSchema()
  .refine((s) => hasTemplate(s) || (ISO_TIME_RE.test(s) && !Number.isNaN(Date.parse(utcUntil(s)))), {
    message: 'must be an ISO-8601 time like "2030-05-01T09:00:00Z" or a template like "{{target.scheduledAt}}"',
  })
  .meta({
    description: 'An ISO-8601 time (UTC when it has no zone offset), or a template such as "{{target.scheduledAt}}".',
  });

export const waitPhaseSchema = objectSchema({
  ...base,
  type: z.literal('wait'),
  duration: waitDurationSchema.optional(),
  until: untilSchema.optional(),
  offset: offsetSchema.optional(),
})
  .superRefine((w, ctx) => {
    if ((w.duration === undefined) === (w.until === undefined)) {
      ctx.addIssue({ code: 'custom', path: [], message: 'must have either "duration" or "until", not both or neither' });
    }
    if (w.offset !== undefined && w.until === undefined) {
      ctx.addIssue({ code: 'custom', path: ['offset'], message: 'only applies to "until"' });
    }
  })
  .meta({ description: 'Pauses for a duration, or until a time (optionally shifted by an offset).' });

const setShape = Object.fromEntries(TARGET_FIELDS.map((f) => [f, jsonValueSchema.optional()])) as Record<
  TargetField,
  z.ZodOptional<typeof jsonValueSchema>
>;

export const mutatePhaseSchema = objectSchema({
  ...base,
  type: z.literal('mutate'),
  set: objectSchema(setShape)
    .refine((s) => Object.keys(s).length > 0, { message: `must set at least one of ${TARGET_FIELDS.join(', ')}` })
    .meta({ description: 'Target fields to set; values may be templates.' }),
}).meta({ description: "Sets the target's fields, if the target has not changed since the run last saw it." });

export const notifyPhaseSchema = objectSchema({
  ...base,
  type: z.literal('notify'),
  to: listSchema(textSchema())
    .min(1, 'must not be empty')
    .meta({ description: 'Roles ("assignees", "space_admins", "approvers"), user ids or email addresses.' }),
  channels: listSchema(z.enum(['in_app', 'email'], { error: 'must be "in_app" or "email"' }))
    .min(1, 'must not be empty; leave "channels" out for both')
    .optional()
    .meta({ description: 'Default: both.' }),
  message: textSchema().meta({ description: 'A template.' }),
}).meta({ description: 'Sends an in-app and/or email notification.' });

export const commentPhaseSchema = objectSchema({
  ...base,
  type: z.literal('comment'),
  body: textSchema().meta({ description: 'A template.' }),
}).meta({ description: 'Adds a comment on the target.' });

export const shareEmailPhaseSchema = objectSchema({
  ...base,
  type: z.literal('share_email'),
  to: listSchema(emailSchema()).min(1, 'must not be empty'),
  message: textSchema().optional().meta({ description: 'A template.' }),
  linkExpiresIn: positiveDurationSchema('the links would expire as soon as they are sent')
    .optional()
    .meta({ description: 'Lifetime of the review links. Default "72h".' }),
}).meta({ description: 'Emails each address a view-and-comment link to the target.' });

export const aiPhaseSchema = objectSchema({
  ...base,
  type: z.literal('ai'),
  prompt: textSchema().meta({ description: 'A template.' }),
  output: z
    .record(z.string(), jsonValueSchema, { error: (iss) => humanMessage(iss) })
    .superRefine((schema, ctx) => {
      const problem = jsonSchemaProblem(schema);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .meta({ description: 'The JSON Schema the answer must match.' }),
  budget: objectSchema({
    maxTokens: z.int({ error: 'must be a whole number' }).positive('must be greater than 0').optional(),
    maxCostUsd: z.number({ error: 'must be a number' }).positive('must be greater than 0').optional(),
  })
    .refine((b) => b.maxTokens !== undefined || b.maxCostUsd !== undefined, {
      message: 'must set "maxTokens", "maxCostUsd" or both',
    })
    .optional(),
  model: textSchema().optional(),
}).meta({ description: 'Asks an LLM; fails when the answer breaks the schema or the budget runs out.' });

export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

// Methods are case-insensitive on the way in ("post", "Get"); validateDefinition stores them
// upper case (canonical.ts). Spelled out letter by letter so the OpenAPI document can say it:
// JSON Schema patterns have no case-insensitive flag.
const HTTP_METHOD_RE = new RegExp(
  `^(?:${HTTP_METHODS.map((m) => [...m].map((c) => `[${c}${c.toLowerCase()}]`).join('')).join('|')})$`,
);
const HTTP_METHOD_MESSAGE = `must be one of ${quoteList(HTTP_METHODS)} (in any case)`;

const HEADER_NAME_RE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export const httpPhaseSchema = objectSchema({
  ...base,
  type: z.literal('http'),
  method: z
    .string({ error: HTTP_METHOD_MESSAGE })
    .regex(HTTP_METHOD_RE, HTTP_METHOD_MESSAGE)
    .optional()
    .meta({ description: `One of ${HTTP_METHODS.join(', ')}, in any case; stored in upper case. Default "POST".` }),
  url: textSchema()
    .refine((u) => hasTemplate(u) || isHttpUrl(u), { message: 'must be an http or https URL, or a template' })
    .meta({ description: 'A template.' }),
  headers: z
    .record(z.string().regex(HEADER_NAME_RE, 'is not a valid header name'), stringSchema(), {
      error: (iss) => humanMessage(iss),
    })
    .optional()
    .meta({ description: 'Values may be templates.' }),
  body: jsonValueSchema.optional().meta({ description: 'Any JSON; string values may be templates.' }),
  timeout: positiveDurationSchema('every call would time out at once').optional().meta({ description: 'Default "30s".' }),
}).meta({ description: 'Calls an external service with an idempotency key.' });

function isHttpUrl(u: string): boolean {
  try {
    const url = new URL(u);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

export const conditionPhaseSchema = objectSchema({
  ...base,
  type: z.literal('condition'),
  if: conditionSchema,
  then: jumpSchema(),
  else: jumpSchema(),
}).meta({
  description:
    'Branches to one of two later phases. A "next" is allowed, as on every phase, and checked like any other jump, but has no effect: "then" or "else" decides.',
});

export const phaseSchema = z
  .discriminatedUnion(
    'type',
    [
      approvalPhaseSchema,
      waitPhaseSchema,
      mutatePhaseSchema,
      notifyPhaseSchema,
      commentPhaseSchema,
      shareEmailPhaseSchema,
      aiPhaseSchema,
      httpPhaseSchema,
      conditionPhaseSchema,
    ],
    {
      error: (iss) => {
        if (iss.code !== 'invalid_union') return humanMessage(iss);
        const type = (iss.input as { type?: unknown } | undefined)?.type;
        const expected = `expected one of ${PHASE_TYPES.join(', ')}`;
        return type === undefined ? `is required; ${expected}` : `unknown phase type ${JSON.stringify(type)}; ${expected}`;
      },
    },
  )
  .meta({ description: 'One step of a workflow.' });

export type Phase = z.infer<typeof phaseSchema>;
export type ApprovalPhase = z.infer<typeof approvalPhaseSchema>;
export type WaitPhase = z.infer<typeof waitPhaseSchema>;
export type MutatePhase = z.infer<typeof mutatePhaseSchema>;
export type NotifyPhase = z.infer<typeof notifyPhaseSchema>;
export type CommentPhase = z.infer<typeof commentPhaseSchema>;
export type ShareEmailPhase = z.infer<typeof shareEmailPhaseSchema>;
export type AiPhase = z.infer<typeof aiPhaseSchema>;
export type HttpPhase = z.infer<typeof httpPhaseSchema>;
export type ConditionPhase = z.infer<typeof conditionPhaseSchema>;
