import { z } from 'zod';
import { NOTIFY_ROLES, type NotifyRole } from '../fields.js';
import { problem, type Rule, type RuleInput } from './context.js';

const email = z.email();
const ROLES: ReadonlySet<string> = new Set(NOTIFY_ROLES);

function recipientProblem(entry: string, input: RuleInput): string | null {
  if (ROLES.has(entry)) {
    const role = entry as NotifyRole;
    if (role === 'assignees' && input.targetless) {
      return `the "assignees" role needs a target, but a ${input.targetless} workflow has none`;
    }
    if (role === 'approvers' && !input.definition.phases.some((p) => p.type === 'approval')) {
      return 'the "approvers" role needs an approval gate, and this workflow has none';
    }
    return null;
  }
  if (email.safeParse(entry).success || input.ctx.isSpaceMember(entry)) return null;
  return `${JSON.stringify(entry)} is not a role (${NOTIFY_ROLES.join(', ')}), an email address or a member of this space`;
}

export const notifyRecipients: Rule = (input) =>
  input.definition.phases.flatMap((phase, i) =>
    phase.type !== 'notify'
      ? []
      : phase.to.flatMap((entry, k) => {
          const message = recipientProblem(entry, input);
          return message ? [problem(['phases', i, 'to', k], message)] : [];
        }),
  );
