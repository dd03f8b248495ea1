import type { Problem } from '../problems.js';
import type { WorkflowDefinition } from '../schema.js';

export interface ValidationContext {
  /** Synchronous on purpose: the caller loads the space's members once, before validating. */
  isSpaceMember(userId: string): boolean;
}

/** What every rule needs, computed once from a structurally valid definition. */
export interface RuleInput {
  definition: WorkflowDefinition;
  ctx: ValidationContext;
  /** Each phase id's first position; duplicates are reported by the ids rule. */
  indexById: ReadonlyMap<string, number>;
  /** Set when runs of this workflow have no target. */
  targetless: 'scheduled' | 'webhook' | null;
  /** The kind of target the trigger implies, when it implies one. */
  targetKind: 'content' | 'task' | null;
}

export type Rule = (input: RuleInput) => Problem[];

export function problem(path: readonly PropertyKey[], message: string): Problem {
  return { path: path.map(String).join('.'), message };
}

export function buildRuleInput(definition: WorkflowDefinition, ctx: ValidationContext): RuleInput {
  const indexById = new Map<string, number>();
  definition.phases.forEach((p, i) => {
    if (!indexById.has(p.id)) indexById.set(p.id, i);
  });
  const type = definition.trigger.type;
  return {
    definition,
    ctx,
    indexById,
    targetless: type === 'schedule' ? 'scheduled' : type === 'webhook' ? 'webhook' : null,
    targetKind: type.startsWith('content.') ? 'content' : type.startsWith('task.') ? 'task' : null,
  };
}
