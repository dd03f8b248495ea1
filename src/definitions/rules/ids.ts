import { problem, type Rule } from './context.js';

export const duplicateIds: Rule = ({ definition, indexById }) =>
  definition.phases.flatMap((phase, i) => {
    const first = indexById.get(phase.id)!;
    return first === i ? [] : [problem(['phases', i, 'id'], `duplicate phase id "${phase.id}" (already used by phases.${first})`)];
  });
