import type { Problem } from '../problems.js';
import type { ApprovalPhase } from '../schema.js';
import { problem, type RuleInput, type Rule } from './context.js';

type ApproverList = { members?: string[]; emails?: string[] };

function listProblems(list: ApproverList, path: PropertyKey[], { ctx }: RuleInput): Problem[] {
  const problems: Problem[] = [];
  const seen = new Set<string>();
  list.members?.forEach((id, k) => {
    if (seen.has(id)) problems.push(problem([...path, 'members', k], `user ${JSON.stringify(id)} is listed twice`));
    else if (!ctx.isSpaceMember(id)) {
      problems.push(problem([...path, 'members', k], `user ${JSON.stringify(id)} is not a member of this space`));
    }
    seen.add(id);
  });
  const seenEmails = new Set<string>();
  list.emails?.forEach((email, k) => {
    // Mailboxes are case-insensitive in practice; counting "A@x" and "a@x" twice would let
    // one reviewer satisfy "required: 2".
    const key = email.toLowerCase();
    if (seenEmails.has(key)) problems.push(problem([...path, 'emails', k], `address ${JSON.stringify(email)} is listed twice`));
    seenEmails.add(key);
  });
  return problems;
}

export function distinctApprovers(list: ApproverList): number {
  return new Set(list.members ?? []).size + new Set((list.emails ?? []).map((e) => e.toLowerCase())).size;
}

function gateProblems(phase: ApprovalPhase, i: number, input: RuleInput): Problem[] {
  const problems = listProblems(phase.approvers, ['phases', i, 'approvers'], input);
  if (phase.timeout?.escalateTo) {
    problems.push(...listProblems(phase.timeout.escalateTo, ['phases', i, 'timeout', 'escalateTo'], input));
  }
  const count = distinctApprovers(phase.approvers);
  if (typeof phase.required === 'number' && phase.required > count) {
    problems.push(
      problem(['phases', i, 'required'], `required ${phase.required} is more than the ${count} approver${count === 1 ? '' : 's'}`),
    );
  }
  return problems;
}

export const approvers: Rule = (input) =>
  input.definition.phases.flatMap((phase, i) => (phase.type === 'approval' ? gateProblems(phase, i, input) : []));
