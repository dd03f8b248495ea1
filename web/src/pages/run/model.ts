/**
 * What the run page reads besides the run itself (docs/API.md "Approvals", "Targets"), and the
 * rules that decide which controls it offers. The server stays the judge: these only hide
 * buttons that would certainly be refused, and every refusal it still sends is shown.
 */
import type { PhaseExecution, Run, Schemas } from '../../api';

/** Either form of a party with the other field absent, so `p.userId` reads on both. */
type Either<T> = T extends { userId: string } ? T & { email?: undefined } : T & { userId?: undefined };
type ApiGate = Schemas['Gate'];

/** An approver or decider: a member by id, or an outside reviewer by email. */
export type Party = Either<ApiGate['decisions'][number]['approver']>;
/** A decision on a gate; `counts` is false once an edit of the target reset it (docs/REQUIREMENTS.md "Approval gates"). */
export type Decision = Omit<ApiGate['decisions'][number], 'approver'> & { approver: Party };
/** An approval gate as GET /api/runs/{id}/approvals answers it (the generated Gate). */
export type Gate = Omit<ApiGate, 'approvers' | 'decisions'> & { approvers: Either<ApiGate['approvers'][number]>[]; decisions: Decision[] };
export type TargetComment = Schemas['Comment'];

export interface Target {
  id: string;
  title: string;
  status?: string;
  version: number;
}

/** A phase of the pinned workflow version, as saved. */
export type PhaseDef = Schemas['WorkflowVersion']['phases'][number] & { name?: string };
export type WorkflowVersion = Omit<Schemas['WorkflowVersion'], 'phases'> & { phases: PhaseDef[] };

export interface OrgUser {
  id: string;
  name: string;
  email: string;
}

/** id → user, for showing names instead of ids. */
export type People = Map<string, OrgUser>;

/** Phase types a person may skip while they run or wait, and retry after they fail (docs/REQUIREMENTS.md "Manual controls"). */
const SKIPPABLE = ['wait', 'approval', 'http', 'ai', 'notify'];
const RETRYABLE = ['http', 'ai', 'notify', 'share_email', 'comment', 'wait', 'mutate'];

export const isFinished = (r: Run) => r.status === 'completed' || r.status === 'failed' || r.status === 'cancelled';

/** The execution that is running or waiting now, if any. */
export function openExecution(r: Run): PhaseExecution | undefined {
  return [...r.phases].reverse().find((p) => p.status === 'running' || p.status === 'waiting');
}

/** The execution that can be skipped now (the open one, when its type allows). */
export function skippableExecution(r: Run): PhaseExecution | undefined {
  if (isFinished(r)) return undefined;
  const open = openExecution(r);
  return open && SKIPPABLE.includes(open.type) ? open : undefined;
}

/** The failed execution a retry would attempt again, when the run failed on a retryable type. */
export function retryableExecution(r: Run): PhaseExecution | undefined {
  if (r.status !== 'failed') return undefined;
  const failed = [...r.phases].reverse().find((p) => p.status === 'failed');
  return failed && RETRYABLE.includes(failed.type) ? failed : undefined;
}

/** A person's name when the org knows them; audit-style `user:<id>` actors too. */
export function personName(idOrActor: string | null | undefined, people: People | null): string {
  if (!idOrActor) return 'someone';
  const id = idOrActor.startsWith('user:') ? idOrActor.slice(5) : idOrActor;
  return people?.get(id)?.name ?? idOrActor;
}

export function partyLabel(p: Party, people: People | null): string {
  return p.userId ? personName(p.userId, people) : `${p.email} (outside reviewer)`;
}

export function requiredLabel(req: Gate['required']): string {
  if (req === 'any') return 'any one approver';
  if (req === 'all') return 'every approver';
  if (typeof req === 'number') return `${req} approval${req === 1 ? '' : 's'}`;
  return 'unknown';
}

/** How many approvals the gate needs in all (`all` counts its approvers, escalations included). */
export function approvalsNeeded(g: Gate): number {
  if (g.required === 'all') return g.approvers.length;
  if (typeof g.required === 'number') return g.required;
  return 1;
}

export const countedApprovals = (g: Gate) => g.decisions.filter((d) => d.counts && d.decision === 'approve').length;

/** The signed-in user may be offered the decision form: a listed approver of a waiting gate with no decision that still counts. */
export function mayDecide(g: Gate, userId: string): boolean {
  return g.status === 'waiting' && g.approvers.some((a) => a.userId === userId) && !g.decisions.some((d) => d.counts && d.approver.userId === userId);
}

export const targetPath = (t: { type: 'content' | 'task'; id: string }) => `/api/${t.type === 'content' ? 'content' : 'tasks'}/${encodeURIComponent(t.id)}`;
