/*
 * The workflow definition language of docs/API.md "Definitions", as one zod schema. The same schema validates
 * request bodies and generates the OpenAPI document, so it stays convertible to JSON Schema:
 * no transforms, no defaults (a stored definition is what its author sent, in canonical
 * spelling, see canonical.ts; defaults are applied where phases run, see DEFAULTS), only
 * refinements for what JSON Schema can't say.
 * Rules that need the whole definition or the space (jumps, members, templates) live in
 * validate.ts.
 */
import { z } from 'zod';
import { booleanSchema, listSchema, objectSchema, stringSchema } from './common-schemas.js';
import { phaseSchema } from './phases.js';
import { triggerSchema } from './triggers.js';

export const MAX_PHASES = 100;

export const workflowDefinitionSchema = objectSchema({
  name: stringSchema()
    .min(1, { message: 'must not be empty', abort: true })
    .max(200, 'must be at most 200 characters long')
    .refine((n) => n.trim() !== '', { message: 'must not be blank' }),
  enabled: booleanSchema().optional().meta({ description: 'Default true.' }),
  trigger: triggerSchema,
  phases: listSchema(phaseSchema)
    .min(1, 'must have at least one phase')
    .max(MAX_PHASES, `must have at most ${MAX_PHASES} phases`)
    .meta({ description: 'Run in order, except where a phase names its next one; jumps only go forward.' }),
}).meta({ description: 'A workflow: a trigger and an ordered list of phases.' });

export type WorkflowDefinition = z.infer<typeof workflowDefinitionSchema>;

/** What the definition leaves out means this; applied by the code that runs phases. */
export const DEFAULTS = {
  enabled: true,
  approval: { onDeny: 'end', allowSelfApproval: false, resetOnEdit: true, linkExpiresIn: '72h' },
  notify: { channels: ['in_app', 'email'] },
  shareEmail: { linkExpiresIn: '72h' },
  http: { method: 'POST', timeout: '30s' },
} as const;

export { triggerSchema, TRIGGER_TYPES, TARGETLESS_TRIGGERS, type Trigger, type TriggerType } from './triggers.js';
export {
  phaseSchema,
  PHASE_TYPES,
  HTTP_METHODS,
  approvalPhaseSchema,
  waitPhaseSchema,
  mutatePhaseSchema,
  notifyPhaseSchema,
  commentPhaseSchema,
  shareEmailPhaseSchema,
  aiPhaseSchema,
  httpPhaseSchema,
  conditionPhaseSchema,
  type Phase,
  type PhaseType,
  type ApprovalPhase,
  type WaitPhase,
  type MutatePhase,
  type NotifyPhase,
  type CommentPhase,
  type ShareEmailPhase,
  type AiPhase,
  type HttpPhase,
  type ConditionPhase,
} from './phases.js';
export { conditionSchema, CONDITION_OPS, type Condition, type ConditionOp } from './condition-schema.js';
export { jsonValueSchema, type JsonValue } from './common-schemas.js';
export { durationSchema, waitDurationSchema, offsetSchema } from './durations.js';
