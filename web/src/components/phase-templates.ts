/**
 * The builder's palette: one ready-to-save phase of each type (docs/API.md "Definitions", by
 * type"), so a workflow can be built without knowing the schema by heart. Each template is
 * valid as it is, given that `me` is a member of the space.
 */
import type { Phase } from '../workflows';

export const PHASE_TYPES = ['approval', 'wait', 'mutate', 'notify', 'comment', 'share_email', 'ai', 'http', 'condition'] as const;
export type PhaseType = (typeof PHASE_TYPES)[number];

function fields(type: PhaseType, me: string): Record<string, unknown> {
  switch (type) {
    case 'approval':
      return { name: 'Approval', approvers: { members: [me], emails: [] }, required: 'any', onDeny: 'end' };
    case 'wait':
      return { name: 'Wait', duration: '1h' };
    case 'mutate':
      return { name: 'Set status', set: { status: 'Approved' } };
    case 'notify':
      return { name: 'Notify', to: ['assignees'], channels: ['in_app'], message: '{{target.title}} needs attention' };
    case 'comment':
      return { name: 'Comment', body: 'Checked by the workflow' };
    case 'share_email':
      return { name: 'Share for review', to: ['client@example.com'], message: 'Please review {{target.title}}' };
    case 'ai':
      return {
        name: 'Suggest a caption',
        prompt: 'Suggest a caption for {{target.title}}',
        output: { type: 'object', properties: { caption: { type: 'string' } }, required: ['caption'] },
        budget: { maxTokens: 2000 },
      };
    case 'http':
      return { name: 'Call a service', method: 'POST', url: 'https://example.com/hook', body: { title: '{{target.title}}' } };
    case 'condition':
      return { name: 'Check status', if: { field: 'target.status', op: 'eq', value: 'Approved' }, then: 'end', else: 'end' };
  }
}

/** A new phase of `type` whose id is not taken yet: "wait", then "wait_2", "wait_3"… */
export function phaseTemplate(type: PhaseType, existing: readonly Phase[], me: string): Phase {
  const taken = new Set(existing.map((p) => p?.id));
  let id: string = type;
  for (let n = 2; taken.has(id); n++) id = `${type}_${n}`;
  return { id, type, ...fields(type, me) };
}
