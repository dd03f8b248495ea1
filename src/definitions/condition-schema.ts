import { z } from 'zod';
import { jsonValueSchema, listSchema, objectSchema, textSchema, type JsonValue } from './common-schemas.js';
import { quoteList } from './messages.js';

export const CONDITION_OPS = ['eq', 'neq', 'in', 'gt', 'gte', 'lt', 'lte', 'contains', 'exists'] as const;
export type ConditionOp = (typeof CONDITION_OPS)[number];

export type Condition =
  | { field: string; op: ConditionOp; value?: JsonValue }
  | { all: Condition[] }
  | { any: Condition[] }
  | { not: Condition };

const ORDER_OPS: ReadonlySet<string> = new Set(['gt', 'gte', 'lt', 'lte']);

const comparisonSchema = objectSchema({
  field: textSchema().meta({ description: 'A path such as "target.status" or "phases.<id>.output.score".' }),
  op: z.enum(CONDITION_OPS, { error: `must be one of ${quoteList(CONDITION_OPS)}` }),
  value: jsonValueSchema.optional(),
}).superRefine((c, ctx) => {
  if (c.op === 'exists') return;
  if (c.value === undefined) {
    ctx.addIssue({ code: 'custom', path: ['value'], message: `is required for the "${c.op}" operator` });
  } else if (c.op === 'in' && !Array.isArray(c.value)) {
    ctx.addIssue({ code: 'custom', path: ['value'], message: 'must be a list of the allowed values for the "in" operator' });
  } else if (ORDER_OPS.has(c.op) && typeof c.value !== 'number' && typeof c.value !== 'string') {
    ctx.addIssue({
      code: 'custom',
      path: ['value'],
      message: `must be a number, a time or a string for the "${c.op}" operator`,
    });
  }
});

const CONDITION_SHAPES =
  'must be a condition: {"field", "op", "value"}, {"all": [...]}, {"any": [...]} or {"not": {...}}';

// Recursive through z.lazy; the explicit type keeps inference from collapsing to unknown.
export const conditionSchema: z.ZodType<Condition> = z.lazy(() =>
  z.union(
    [
      comparisonSchema,
      objectSchema({ all: listSchema(conditionSchema).min(1, 'must list at least one condition') }),
      objectSchema({ any: listSchema(conditionSchema).min(1, 'must list at least one condition') }),
      objectSchema({ not: conditionSchema }),
    ],
    { error: (iss) => (iss.input === undefined ? 'is required' : CONDITION_SHAPES) },
  ),
).meta({
  // Named: a recursive schema is a component the OpenAPI document refers to by name.
  id: 'Condition',
  description:
    'A test on the target or earlier outputs: {field, op, value?}, or {all: [...]}, {any: [...]}, {not: ...}. Data, never code.',
});
