import { z } from 'zod';
import { listSchema, objectSchema, textSchema } from './common-schemas.js';
import { cronProblem, isTimeZone } from './cron.js';
import { CONTENT_FIELDS, TASK_FIELDS } from './fields.js';
import { humanMessage, quoteList } from './messages.js';

export const TRIGGER_TYPES = [
  'manual',
  'content.created',
  'content.updated',
  'content.status_changed',
  'task.created',
  'task.updated',
  'task.status_changed',
  'schedule',
  'comment.created',
  'share_email.sent',
  'webhook',
] as const;
export type TriggerType = (typeof TRIGGER_TYPES)[number];

/** Triggers whose runs have no target: nothing to mutate, comment on or share. */
export const TARGETLESS_TRIGGERS = ['schedule', 'webhook'] as const satisfies readonly TriggerType[];

const bare = <T extends TriggerType>(type: T, description: string) =>
  objectSchema({ type: z.literal(type) }).meta({ description });

const fieldsSchema = (fields: readonly [string, ...string[]]) =>
  listSchema(z.enum(fields, { error: `must be one of ${quoteList(fields)}` }))
    .min(1, 'must not be empty; leave "fields" out to fire on any change')
    .optional()
    .meta({ description: 'Fire only when one of these fields changed.' });

const statusChange = <T extends TriggerType>(type: T, description: string) =>
  objectSchema({
    type: z.literal(type),
    from: textSchema().optional().meta({ description: 'Fire only when leaving this status.' }),
    to: textSchema().optional().meta({ description: 'Fire only when entering this status.' }),
  })
    .refine((t) => t.from === undefined || t.from !== t.to, {
      path: ['to'],
      message: 'is the same as "from", so this trigger could never fire',
    })
    .meta({ description });

const scheduleSchema = objectSchema({
  type: z.literal('schedule'),
  cron: textSchema()
    .superRefine((cron, ctx) => {
      const problem = cronProblem(cron);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .meta({ description: 'A 5-field cron expression (6 with seconds first).', examples: ['0 9 * * 2'] }),
  timezone: textSchema()
    .refine(isTimeZone, { message: 'must be an IANA time zone such as "Europe/Paris" or "UTC"' })
    .meta({ description: 'The IANA time zone the cron expression is read in.', examples: ['Europe/Paris'] }),
}).meta({ description: 'Runs on a recurring schedule, with no target.' });

export const triggerSchema = z
  .discriminatedUnion(
    'type',
    [
      bare('manual', 'Started by a person on a chosen target, from the UI, API or CLI.'),
      bare('content.created', 'A content item was created.'),
      objectSchema({ type: z.literal('content.updated'), fields: fieldsSchema(CONTENT_FIELDS) }).meta({
        description: 'A content item was edited.',
      }),
      statusChange('content.status_changed', "A content item's status changed."),
      bare('task.created', 'A task was created.'),
      objectSchema({ type: z.literal('task.updated'), fields: fieldsSchema(TASK_FIELDS) }).meta({
        description: 'A task was edited.',
      }),
      statusChange('task.status_changed', "A task's status changed."),
      scheduleSchema,
      bare('comment.created', 'A comment was added to a content item or task.'),
      bare('share_email.sent', 'A review link was emailed.'),
      bare('webhook', 'POST /api/hooks/{workflowId} with the secret; the body becomes the run input.'),
    ],
    {
      error: (iss) => {
        if (iss.code !== 'invalid_union') return humanMessage(iss);
        const type = (iss.input as { type?: unknown } | undefined)?.type;
        const expected = `expected one of ${TRIGGER_TYPES.join(', ')}`;
        return type === undefined ? `is required; ${expected}` : `unknown trigger type ${JSON.stringify(type)}; ${expected}`;
      },
    },
  )
  .meta({ description: 'What starts a run of the workflow.' });

export type Trigger = z.infer<typeof triggerSchema>;
