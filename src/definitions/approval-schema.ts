import { z } from 'zod';
import { booleanSchema, emailSchema, jumpSchema, listSchema, objectSchema, textSchema } from './common-schemas.js';
import { positiveDurationSchema } from './durations.js';

const GATE_TIMEOUT_WHY = 'the gate would time out before anyone could decide';
const LINK_WHY = 'the links would expire as soon as they are sent';

const approverListSchema = (description: string) =>
  objectSchema({
    members: listSchema(textSchema()).optional().meta({ description: 'User ids of space members.' }),
    emails: listSchema(emailSchema()).optional().meta({ description: 'External reviewers; each gets a link unique to them.' }),
  })
    .refine((a) => (a.members?.length ?? 0) + (a.emails?.length ?? 0) > 0, {
      message: 'names no one; list at least one member or email',
    })
    .meta({ description });

export const approversSchema = approverListSchema('Who decides: space members, external reviewers by email, or both.');

const REQUIRED_MESSAGE = 'must be "any", "all" or a whole number of approvals of at least 1';

export const requiredSchema = z
  .union([z.literal('any'), z.literal('all'), z.int({ error: REQUIRED_MESSAGE }).positive(REQUIRED_MESSAGE)], { error: REQUIRED_MESSAGE })
  .meta({ description: 'How many approvals open the gate: "any", "all", or a number N.' });

const timeoutSchema = objectSchema({
  after: positiveDurationSchema(GATE_TIMEOUT_WHY),
  action: z.enum(['deny', 'escalate'], { error: 'must be "deny" or "escalate"' }),
  escalateTo: approverListSchema('Approvers added, and notified, when the gate escalates.').optional(),
  then: objectSchema({
    after: positiveDurationSchema('the escalated approvers would time out before they could decide'),
    action: z.literal('deny', { error: 'must be "deny"' }),
  })
    .optional()
    .meta({ description: 'A second timeout, counted from the escalation.' }),
})
  .superRefine((t, ctx) => {
    if (t.action === 'escalate' && !t.escalateTo) {
      ctx.addIssue({ code: 'custom', path: ['escalateTo'], message: 'is required when the action is "escalate"' });
    }
    if (t.action === 'deny' && t.escalateTo) {
      ctx.addIssue({ code: 'custom', path: ['escalateTo'], message: 'is only used when the action is "escalate"' });
    }
    if (t.action === 'deny' && t.then) {
      ctx.addIssue({ code: 'custom', path: ['then'], message: 'is only used after an escalation; the gate is already denied' });
    }
  })
  .meta({ description: 'What happens when no decision is reached in time.' });

const onDenySchema = z
  .union([z.literal('end'), objectSchema({ goto: jumpSchema() })], {
    error: 'must be "end" or {"goto": "<later phase id>"}',
  })
  .meta({ description: 'Where a denied gate goes: end the run (outcome "denied"), or a later phase.' });

export const approvalFields = {
  type: z.literal('approval'),
  approvers: approversSchema,
  required: requiredSchema,
  timeout: timeoutSchema.optional(),
  onDeny: onDenySchema.optional(),
  allowSelfApproval: booleanSchema()
    .optional()
    .meta({ description: 'Whether the member who started the run may approve. Default false.' }),
  resetOnEdit: booleanSchema()
    .optional()
    .meta({ description: 'Whether decisions stop counting when the target is edited. Default true.' }),
  linkExpiresIn: positiveDurationSchema(LINK_WHY).optional().meta({ description: 'Lifetime of guest links. Default "72h".' }),
};
