/**
 * Workflows as the pages read them (docs/API.md "Workflows"): the types, who may edit, and the
 * trigger and phases put into words for people.
 */
import type { Me, Schemas } from './api';
import type { Session } from './session';

/** A phase as stored: `id`, `type` and the type's own fields (docs/API.md "Definitions"). */
export interface Phase {
  id: string;
  type: string;
  name?: string;
  next?: string;
  [field: string]: unknown;
}

export interface Trigger {
  type: string;
  [field: string]: unknown;
}

/** A workflow as the API answers it (the generated Workflow), its definition typed as above. */
export type Workflow = Omit<Schemas['Workflow'], 'trigger' | 'phases'> & { trigger: Trigger; phases: Phase[] };
export type WorkflowVersion = Schemas['WorkflowVersionSummary'];


/** Space editors and org owners/admins may save workflows and start runs in a space. */
export function canEdit(session: Session, spaceId: string): boolean {
  if (session.orgRole === 'owner' || session.orgRole === 'admin') return true;
  return session.me.spaces.some((s) => s.id === spaceId && s.role === 'editor');
}

export function spaceName(me: Me, spaceId: string): string {
  return me.spaces.find((s) => s.id === spaceId)?.name ?? spaceId;
}

const q = (v: unknown) => JSON.stringify(v);

const EVENT_WORDS: Record<string, string> = {
  manual: 'Started by hand on a chosen target',
  'content.created': 'When a content item is created',
  'task.created': 'When a task is created',
  'comment.created': 'When a comment is added',
  'share_email.sent': 'When a review link is emailed',
};

/** "When a content item's status changes from Pending to Approved", and so on. */
export function triggerInWords(t: Trigger): string {
  if (EVENT_WORDS[t.type]) return EVENT_WORDS[t.type]!;
  const kind = t.type.startsWith('task.') ? 'a task' : 'a content item';
  switch (t.type) {
    case 'content.updated':
    case 'task.updated': {
      const fields = Array.isArray(t.fields) && t.fields.length ? ` (${t.fields.join(', ')} changed)` : '';
      return `When ${kind} is edited${fields}`;
    }
    case 'content.status_changed':
    case 'task.status_changed': {
      const from = t.from ? ` from ${q(t.from)}` : '';
      const to = t.to ? ` to ${q(t.to)}` : '';
      return `When ${kind === 'a task' ? "a task's" : "a content item's"} status changes${from}${to}`;
    }
    case 'schedule':
      return `On the schedule "${String(t.cron)}" (${String(t.timezone)}), with no target`;
    case 'webhook':
      return 'When its webhook is called (POST /api/hooks/{id} with the secret)';
    default:
      return t.type;
  }
}

function short(s: unknown, n = 48): string {
  const text = typeof s === 'string' ? s : JSON.stringify(s ?? '');
  return text.length > n ? `${text.slice(0, n - 1)}…` : text;
}

function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

function conditionInWords(c: unknown): string {
  if (!c || typeof c !== 'object') return '?';
  const o = c as Record<string, unknown>;
  if (Array.isArray(o.all)) return `all of ${o.all.length} conditions`;
  if (Array.isArray(o.any)) return `any of ${o.any.length} conditions`;
  if (o.not) return `not (${conditionInWords(o.not)})`;
  return `${String(o.field)} ${String(o.op)}${o.value === undefined ? '' : ` ${short(o.value, 24)}`}`;
}

export function approversCount(p: Phase): number {
  const a = (p.approvers ?? {}) as { members?: unknown; emails?: unknown };
  return list(a.members).length + list(a.emails).length;
}

/** Where a denied gate goes: "end" or the goto phase id. */
export function denyTarget(p: Phase): string {
  const d = p.onDeny as { goto?: unknown } | string | undefined;
  return d && typeof d === 'object' && typeof d.goto === 'string' ? d.goto : 'end';
}

/** One short line of a phase's settings for the canvas. */
export function phaseSummary(p: Phase): string {
  switch (p.type) {
    case 'approval': {
      const n = approversCount(p);
      const t = p.timeout as { after?: string; action?: string } | undefined;
      return `needs ${String(p.required ?? '?')} of ${n} approver${n === 1 ? '' : 's'}${t ? ` · timeout ${t.after} → ${t.action}` : ''}`;
    }
    case 'wait':
      return p.duration ? `wait ${String(p.duration)}` : `until ${short(p.until, 32)}${p.offset ? ` ${String(p.offset)}` : ''}`;
    case 'mutate':
      return `set ${Object.entries((p.set ?? {}) as Record<string, unknown>).map(([k, v]) => `${k} = ${short(v, 20)}`).join(', ')}`;
    case 'notify':
      return `to ${list(p.to).join(', ')}${p.channels ? ` via ${list(p.channels).join(', ')}` : ''}`;
    case 'comment':
      return short(p.body);
    case 'share_email':
      return `to ${list(p.to).join(', ')}`;
    case 'ai': {
      const b = p.budget as { maxTokens?: number; maxCostUsd?: number } | undefined;
      return `${short(p.prompt, 36)}${b?.maxTokens ? ` · ≤${b.maxTokens} tokens` : ''}${b?.maxCostUsd ? ` · ≤$${b.maxCostUsd}` : ''}`;
    }
    case 'http':
      return `${String(p.method ?? 'POST')} ${short(p.url, 40)}`;
    case 'condition':
      return `if ${conditionInWords(p.if)}`;
    default:
      return '';
  }
}
