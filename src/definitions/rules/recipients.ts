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
    // "approvers" is always accepted: in a workflow without an approval gate it names nobody
    // at run time, and the notify phase fails no_recipients unless another entry reaches someone.
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
