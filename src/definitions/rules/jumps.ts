import type { Problem } from '../problems.js';
import type { Phase } from '../schema.js';
import { problem, type Rule, type RuleInput } from './context.js';

// Every jump names a later phase or "end"; that is what guarantees every run ends.
function jumpsOf(phase: Phase): Array<[PropertyKey[], string]> {
  const jumps: Array<[PropertyKey[], string]> = [];
  if (phase.next !== undefined) jumps.push([['next'], phase.next]);
  if (phase.type === 'approval' && typeof phase.onDeny === 'object') jumps.push([['onDeny', 'goto'], phase.onDeny.goto]);
  if (phase.type === 'condition') jumps.push([['then'], phase.then], [['else'], phase.else]);
  return jumps;
}

function jumpProblem(target: string, from: number, { indexById }: RuleInput): string | null {
  if (target === 'end') return null;
  const to = indexById.get(target);
  if (to === undefined) return `unknown phase ${JSON.stringify(target)}`;
  if (to <= from) return `jumps backward to ${JSON.stringify(target)}; jumps may only go forward`;
  return null;
}

export const forwardJumps: Rule = (input) =>
  input.definition.phases.flatMap((phase, i) =>
    jumpsOf(phase).flatMap(([path, target]): Problem[] => {
      const message = jumpProblem(target, i, input);
      return message ? [problem(['phases', i, ...path], message)] : [];
    }),
  );
