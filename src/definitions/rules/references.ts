import type { Problem } from '../problems.js';
import type { Condition, Phase } from '../schema.js';
import { PATH_RE, hasTemplate, templateRefs, templateSyntaxError } from '../templates.js';
import { problem, type Rule, type RuleInput } from './context.js';

/*
 * Templates and condition fields read the scope a run builds (templates.ts: target, phases,
 * input, run). A reference to phases.<id> must name a phase that comes earlier in the list:
 * later ones have not run yet, so their output is always missing.
 */

const ROOTS = new Set(['target', 'phases', 'input', 'run']);

export function referenceProblem(ref: string, at: number, input: RuleInput): string | null {
  const [root, id] = ref.split('.');
  if (!ROOTS.has(root!)) {
    return `refers to ${JSON.stringify(ref)}, but references start with target., phases.<id>., input. or run.`;
  }
  if (root === 'target' && input.targetless) {
    return `refers to the target, but a ${input.targetless} workflow has none`;
  }
  if (root !== 'phases') return null;
  if (id === undefined) return 'refers to "phases" without naming a phase, as in phases.<id>.output';
  const index = input.indexById.get(id);
  if (index === undefined) return `refers to unknown phase ${JSON.stringify(id)}`;
  if (index >= at) return `refers to phase ${JSON.stringify(id)}, which does not come before this phase`;
  return null;
}

type Found = [PropertyKey[], string];

function stringsIn(value: unknown, path: PropertyKey[], out: Found[]): void {
  if (typeof value === 'string') out.push([path, value]);
  else if (Array.isArray(value)) value.forEach((v, i) => stringsIn(v, [...path, i], out));
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) stringsIn(v, [...path, k], out);
  }
}

/** The strings of a phase that are rendered as templates when it runs. */
export function templateStrings(phase: Phase): Found[] {
  const out: Found[] = [];
  switch (phase.type) {
    case 'wait':
      if (phase.until !== undefined && hasTemplate(phase.until)) out.push([['until'], phase.until]);
      break;
    case 'notify':
      out.push([['message'], phase.message]);
      break;
    case 'comment':
      out.push([['body'], phase.body]);
      break;
    case 'share_email':
      if (phase.message !== undefined) out.push([['message'], phase.message]);
      break;
    case 'ai':
      out.push([['prompt'], phase.prompt]);
      break;
    case 'http':
      out.push([['url'], phase.url]);
      stringsIn(phase.headers, ['headers'], out);
      stringsIn(phase.body, ['body'], out);
      break;
    case 'mutate':
      stringsIn(phase.set, ['set'], out);
      break;
    case 'approval':
    case 'condition':
      break;
    default: {
      const unknownType: never = phase;
      void unknownType;
    }
  }
  return out;
}

function templateProblems(phase: Phase, i: number, input: RuleInput): Problem[] {
  return templateStrings(phase).flatMap(([path, tpl]) => {
    const at = ['phases', i, ...path];
    const syntax = templateSyntaxError(tpl);
    if (syntax) return [problem(at, syntax)];
    const messages = new Set(templateRefs(tpl).map((ref) => referenceProblem(ref, i, input)));
    messages.delete(null);
    return [...messages].map((m) => problem(at, m!));
  });
}

function conditionProblems(cond: Condition, path: PropertyKey[], i: number, input: RuleInput): Problem[] {
  if ('all' in cond) return cond.all.flatMap((c, k) => conditionProblems(c, [...path, 'all', k], i, input));
  if ('any' in cond) return cond.any.flatMap((c, k) => conditionProblems(c, [...path, 'any', k], i, input));
  if ('not' in cond) return conditionProblems(cond.not, [...path, 'not'], i, input);
  const at = [...path, 'field'];
  if (!PATH_RE.test(cond.field)) return [problem(at, 'must be a dotted path such as "target.status"')];
  const message = referenceProblem(cond.field, i, input);
  return message ? [problem(at, message)] : [];
}

export const references: Rule = (input) =>
  input.definition.phases.flatMap((phase, i) => [
    ...templateProblems(phase, i, input),
    ...(phase.type === 'condition' ? conditionProblems(phase.if, ['phases', i, 'if'], i, input) : []),
  ]);
