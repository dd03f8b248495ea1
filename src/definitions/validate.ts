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
import { phaseIdSchema } from './common-schemas.js';

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

/**
 * When some phases do not fit the schema, the rules still check the others, so that one 400
 * names every problem: each broken phase is stood in for by a plain wait with the same id
 * (ids are what other phases refer to), the rules run, and what they say about the stand-ins
 * is dropped. Only when everything outside the phases fits: a broken trigger or phase list
 * changes what the rules would say about every phase.
 */
function problemsOfTheOtherPhases(input: unknown, problems: Problem[], ctx: ValidationContext): Problem[] {
  if (input === null || typeof input !== 'object' || !Array.isArray((input as { phases?: unknown }).phases)) return [];
  const phases = (input as { phases: unknown[] }).phases;
  const broken = new Set<number>();
  for (const p of problems) {
    const m = /^phases\.(\d+)(?:\.|$)/.exec(p.path);
    if (!m) return [];
    broken.add(Number(m[1]));
  }
  const ids = new Set(phases.map((p) => (p !== null && typeof p === 'object' ? (p as { id?: unknown }).id : undefined)));
  const standIns = phases.map((p, i) => {
    if (!broken.has(i)) return p;
    const id = p !== null && typeof p === 'object' ? (p as { id?: unknown }).id : undefined;
    let ownId = phaseIdSchema.safeParse(id).success ? (id as string) : `broken-phase-${i}`;
    while (ownId !== id && ids.has(ownId)) ownId += '-';
    return { id: ownId, type: 'wait', duration: '1m' };
  });
  const again = workflowDefinitionSchema.safeParse({ ...(input as object), phases: standIns });
  if (!again.success) return [];
  return semanticProblems(canonicalDefinition(again.data), ctx).filter((p) => !broken.has(phaseIndex(p.path)));
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
      if (problems.length === 0) return { ok: false, problems: [{ path: '', message: 'is not a valid workflow definition' }] };
      const more = problemsOfTheOtherPhases(input, problems, guarded(ctx));
      if (more.length === 0) return { ok: false, problems };
      return { ok: false, problems: [...problems, ...more].sort((a, b) => phaseIndex(a.path) - phaseIndex(b.path)) };
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
