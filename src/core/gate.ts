/**
 * Whether an approval gate has opened, closed, or still waits (docs/REQUIREMENTS.md section 5). Pure.
 * - approved when counting approvals reach `required` (`any` = 1, `all` = every approver, N);
 * - with `all`, one deny denies;
 * - with `any` or N, denied as soon as the threshold can no longer be reached.
 */
export type Required = 'any' | 'all' | number;
export type GateState = 'approved' | 'denied' | 'waiting';

export function requiredCount(required: Required, approvers: number): number {
  if (required === 'any') return 1;
  if (required === 'all') return approvers;
  return required;
}

export function evaluateGate(required: Required, approvers: number, approvals: number, denials: number): GateState {
  const need = requiredCount(required, approvers);
  if (approvals >= need) return 'approved';
  if (required === 'all' && denials > 0) return 'denied';
  if (approvers - denials < need) return 'denied';
  return 'waiting';
}
