import { canonicalDefinition } from './canonical.js';
import { humanMessage } from './messages.js';
import { problemsFromIssues, type Problem } from './problems.js';
import { approvers } from './rules/approvers.js';
import { buildRuleInput, type Rule, type ValidationContext } from './rules/context.js';
import { duplicateIds } from './rules/ids.js';
import { forwardJumps } from './rules/jumps.js';
import { notifyRecipients } from './rules/recipients.js';
import { references } from './rules/references.js';
import { targetNeeds } from './rules/targets.js';
import { workflowDefinitionSchema, type WorkflowDefinition } from './schema.js';

export type { Problem, ValidationContext };

export type ValidationResult = { ok: true; definition: WorkflowDefinition } | { ok: false; problems: Problem[] };

const RULES: readonly Rule[] = [duplicateIds, forwardJumps, approvers, notifyRecipients, targetNeeds, references];

// Conditions and JSON bodies nest; recursion on hostile input would overflow the stack, so
// depth is measured first, without recursing.
const MAX_DEPTH = 64;

function tooDeep(input: unknown): boolean {
  const stack: Array<[unknown, number]> = [[input, 0]];
  // Shared sub-objects (possible when called from code, not from JSON) are walked once per
  // shallower depth only, so the walk stays linear.
  const seenAt = new Map<object, number>();
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (value === null || typeof value !== 'object') continue;
    if (depth >= MAX_DEPTH) return true;
    const seen = seenAt.get(value);
    if (seen !== undefined && seen <= depth) continue;
    seenAt.set(value, depth);
    for (const child of Object.values(value)) stack.push([child, depth + 1]);
  }
  return false;
}

/** A failure of the caller's context, which must not be reported as a problem of the input. */
class ContextFailure extends Error {}

function guarded(ctx: ValidationContext): ValidationContext {
  return {
    isSpaceMember(userId) {
      try {
        return ctx.isSpaceMember(userId) === true;
      } catch (err) {
        throw new ContextFailure('isSpaceMember failed', { cause: err });
      }
    },
  };
}

/** The rules that need the whole definition or the space; input must already fit the schema. */
export function semanticProblems(definition: WorkflowDefinition, ctx: ValidationContext): Problem[] {
  const input = buildRuleInput(definition, ctx);
  const problems = RULES.flatMap((rule) => rule(input));
  return problems.sort((a, b) => phaseIndex(a.path) - phaseIndex(b.path));
}

function phaseIndex(path: string): number {
  const m = /^phases\.(\d+)/.exec(path);
  return m ? Number(m[1]) : -1;
}

/**
 * Checks a workflow definition: first its shape, then, when the shape is right, the rules
 * that need the whole definition and the space. Reports every problem found, each with a
 * dotted path ("" for the root). A valid definition comes back in its canonical form
 * (canonical.ts: http methods upper case, a zoneless fixed `until` in UTC), the form to
 * store. Never throws for any input; an exception thrown by `ctx.isSpaceMember` is rethrown
 * as is, since it is not the author's mistake.
 */
export function validateDefinition(input: unknown, ctx: ValidationContext): ValidationResult {
  try {
    if (tooDeep(input)) {
      return { ok: false, problems: [{ path: '', message: `nests more than ${MAX_DEPTH} levels deep` }] };
    }
    const parsed = workflowDefinitionSchema.safeParse(input, { error: humanMessage });
    if (!parsed.success) {
      const problems = problemsFromIssues(parsed.error.issues, input);
      return { ok: false, problems: problems.length > 0 ? problems : [{ path: '', message: 'is not a valid workflow definition' }] };
    }
    const definition = canonicalDefinition(parsed.data);
    const problems = semanticProblems(definition, guarded(ctx));
    return problems.length > 0 ? { ok: false, problems } : { ok: true, definition };
  } catch (err) {
    if (err instanceof ContextFailure) throw err.cause;
    const reason = err instanceof Error ? err.message : String(err);
    return { ok: false, problems: [{ path: '', message: `could not be checked: ${reason}` }] };
  }
}
