/**
 * The template gallery (GET /api/templates, the web UI's /workflows/templates): ready
 * workflows a content team uses, each with what it is for and the people to fill in. A
 * template names no one: the approver, escalation and recipient lists that must hold people
 * of the user's space are left empty, listed in `fill`, and refused by validation until they
 * are filled, so nothing is saved with a stranger in it. Statuses are the default statuses
 * of a new space (Ideas, In Progress, Pending, Approved, Completed).
 */
import type { WorkflowDefinition } from './schema.js';

export interface GalleryTemplate {
  id: string;
  name: string;
  description: string;
  /** What the template is about, for grouping in the gallery. */
  tags: string[];
  definition: WorkflowDefinition;
  /** Fields the user fills before saving: a dotted path into the definition and what goes there. */
  fill: Array<{ path: string; label: string }>;
}

const t = (x: Omit<GalleryTemplate, 'definition'> & { definition: unknown }): GalleryTemplate => x as GalleryTemplate;

export const GALLERY: readonly GalleryTemplate[] = [
  t({
    id: 'client-signoff',
    name: 'Client sign-off before publishing',
    description:
      'When a post moves to Pending, the team is told and the client approves through an emailed link. No answer in 48 hours escalates to the account manager, then auto-denies a day later; approved posts are marked Approved and sent to the publishing service, denied ones go back to In Progress.',
    tags: ['approval', 'client', 'publishing'],
    fill: [
      { path: 'phases.1.approvers.emails', label: "The client's email address" },
      { path: 'phases.1.timeout.escalateTo.members', label: 'The account manager to escalate to' },
      { path: 'phases.3.url', label: "Your publishing service's address" },
    ],
    definition: {
      name: 'Client sign-off before publishing',
      trigger: { type: 'content.status_changed', to: 'Pending' },
      phases: [
        { id: 'tell-team', type: 'notify', to: ['assignees'], channels: ['in_app'], message: '{{target.title}} went to the client for sign-off' },
        {
          id: 'client',
          type: 'approval',
          name: 'Client approves',
          approvers: { emails: [] },
          required: 'any',
          timeout: { after: '48h', action: 'escalate', escalateTo: { members: [] }, then: { after: '24h', action: 'deny' } },
          onDeny: { goto: 'back-to-draft' },
        },
        { id: 'approved', type: 'mutate', set: { status: 'Approved' } },
        { id: 'publish', type: 'http', method: 'POST', url: 'https://publisher.example/posts', body: { contentId: '{{target.id}}', caption: '{{target.caption}}' } },
        { id: 'done', type: 'comment', body: 'Approved by the client and sent to publishing', next: 'end' },
        { id: 'back-to-draft', type: 'mutate', set: { status: 'In Progress' } },
      ],
    },
  }),
  t({
    id: 'two-editors-then-legal',
    name: 'Two editors, then legal',
    description: 'Two of three editors approve (nobody approves their own work), then legal signs off within three days or the run is denied; approved items are marked Approved.',
    tags: ['approval', 'four-eyes', 'legal'],
    fill: [
      { path: 'phases.0.approvers.members', label: 'Three editors (two must approve)' },
      { path: 'phases.1.approvers.members', label: 'The legal reviewer' },
    ],
    definition: {
      name: 'Two editors, then legal',
      trigger: { type: 'manual' },
      phases: [
        { id: 'editors', type: 'approval', name: 'Two editors approve', approvers: { members: [] }, required: 2, allowSelfApproval: false },
        { id: 'legal', type: 'approval', name: 'Legal approves', approvers: { members: [] }, required: 'all', timeout: { after: '3d', action: 'deny' } },
        { id: 'ready', type: 'mutate', set: { status: 'Approved' } },
      ],
    },
  }),
  t({
    id: 'reminder-before-publish',
    name: 'Reminder an hour before a scheduled post',
    description: "When a post's publication time is set, waits until an hour before it; if the post is not Approved by then, its assignees and the space admins are reminded.",
    tags: ['schedule', 'reminder'],
    fill: [],
    definition: {
      name: 'Remind the team an hour before a scheduled post that is not approved',
      trigger: { type: 'content.updated', fields: ['scheduledAt'] },
      phases: [
        { id: 'hold', type: 'wait', until: '{{target.scheduledAt}}', offset: '-1h' },
        { id: 'is-approved', type: 'condition', if: { field: 'target.status', op: 'eq', value: 'Approved' }, then: 'log', else: 'nudge' },
        { id: 'nudge', type: 'notify', to: ['assignees', 'space_admins'], message: '{{target.title}} publishes in an hour and is still {{target.status}}' },
        { id: 'log', type: 'comment', body: 'Pre-publish check done' },
      ],
    },
  }),
  t({
    id: 'share-review-link',
    name: 'Share a review link with the client',
    description: 'When a post moves to Pending, the client gets an emailed link to view it and comment, valid for seven days; no account needed.',
    tags: ['client', 'sharing'],
    fill: [{ path: 'phases.0.to', label: "The client's email address" }],
    definition: {
      name: 'Send the client a review link when a post is ready',
      trigger: { type: 'content.status_changed', to: 'Pending' },
      phases: [{ id: 'share', type: 'share_email', to: [], message: '{{target.title}} is ready for your review', linkExpiresIn: '7d' }],
    },
  }),
  t({
    id: 'weekly-digest',
    name: 'Weekly planning reminder',
    description: "Every Tuesday at 9:00 (Paris time) the space admins are reminded, in the app and by email, to review next week's calendar.",
    tags: ['schedule', 'reminder'],
    fill: [],
    definition: {
      name: 'Weekly planning reminder',
      trigger: { type: 'schedule', cron: '0 9 * * 2', timezone: 'Europe/Paris' },
      phases: [{ id: 'remind', type: 'notify', to: ['space_admins'], channels: ['in_app', 'email'], message: "Tuesday planning: review next week's calendar" }],
    },
  }),
  t({
    id: 'ai-caption',
    name: 'AI caption, checked by an editor',
    description: 'When a post is created, an AI model drafts a caption under 200 characters (within a token and cost budget); an editor approves it before it is saved on the post.',
    tags: ['ai', 'approval'],
    fill: [{ path: 'phases.1.approvers.members', label: 'The editor who checks the caption' }],
    definition: {
      name: 'Draft a caption with AI, then have an editor check it',
      trigger: { type: 'content.created' },
      phases: [
        {
          id: 'draft',
          type: 'ai',
          prompt: "Write a caption under 200 characters for a social post titled '{{target.title}}'.",
          output: { type: 'object', properties: { caption: { type: 'string', maxLength: 200 } }, required: ['caption'] },
          budget: { maxTokens: 800, maxCostUsd: 0.01 },
        },
        { id: 'check', type: 'approval', name: 'Editor checks the caption', approvers: { members: [] }, required: 'any' },
        { id: 'save', type: 'mutate', set: { caption: '{{phases.draft.output.caption}}' } },
      ],
    },
  }),
  t({
    id: 'editor-review',
    name: 'Editor review before publishing',
    description: 'When a post moves to Pending, any one of the editors approves it within a day; approved posts are marked Approved, and a denial sends the post back to In Progress with a note.',
    tags: ['approval'],
    fill: [{ path: 'phases.0.approvers.members', label: 'The editors (any one approves)' }],
    definition: {
      name: 'Editor review before publishing',
      trigger: { type: 'content.status_changed', to: 'Pending' },
      phases: [
        { id: 'review', type: 'approval', name: 'An editor approves', approvers: { members: [] }, required: 'any', timeout: { after: '24h', action: 'deny' }, onDeny: { goto: 'rework' } },
        { id: 'approve', type: 'mutate', set: { status: 'Approved' }, next: 'end' },
        { id: 'rework', type: 'mutate', set: { status: 'In Progress' } },
        { id: 'note', type: 'comment', body: 'Sent back for changes after review' },
      ],
    },
  }),
  t({
    id: 'caption-change-reapproval',
    name: 'Re-approve a changed caption',
    description: "When an approved post's caption changes, it goes back to Pending and an editor approves the new wording; the gate starts over if the caption changes again while it waits.",
    tags: ['approval', 'edits'],
    fill: [{ path: 'phases.2.approvers.members', label: 'The editors (any one approves)' }],
    definition: {
      name: 'Re-approve a changed caption',
      trigger: { type: 'content.updated', fields: ['caption'] },
      phases: [
        { id: 'was-approved', type: 'condition', if: { field: 'target.status', op: 'eq', value: 'Approved' }, then: 'reopen', else: 'end' },
        { id: 'reopen', type: 'mutate', set: { status: 'Pending' } },
        { id: 'reapprove', type: 'approval', name: 'An editor approves the new caption', approvers: { members: [] }, required: 'any', resetOnEdit: true },
        { id: 'approved-again', type: 'mutate', set: { status: 'Approved' } },
      ],
    },
  }),
  t({
    id: 'stale-draft-nudge',
    name: 'Nudge a draft that stalls',
    description: 'Three days after a post is created, its assignees are reminded if it is still an idea or in progress.',
    tags: ['reminder'],
    fill: [],
    definition: {
      name: 'Nudge a draft that stalls',
      trigger: { type: 'content.created' },
      phases: [
        { id: 'wait', type: 'wait', duration: '3d' },
        { id: 'still-draft', type: 'condition', if: { field: 'target.status', op: 'in', value: ['Ideas', 'In Progress'] }, then: 'nudge', else: 'end' },
        { id: 'nudge', type: 'notify', to: ['assignees'], message: '{{target.title}} has been {{target.status}} for three days' },
      ],
    },
  }),
  t({
    id: 'publish-on-approval',
    name: 'Publish when approved',
    description: 'When a post is Approved, it is sent to your publishing service with its caption and platforms, marked Completed, and a comment records it.',
    tags: ['publishing'],
    fill: [{ path: 'phases.0.url', label: "Your publishing service's address" }],
    definition: {
      name: 'Publish when approved',
      trigger: { type: 'content.status_changed', to: 'Approved' },
      phases: [
        { id: 'publish', type: 'http', method: 'POST', url: 'https://publisher.example/posts', body: { contentId: '{{target.id}}', caption: '{{target.caption}}' }, timeout: '30s' },
        { id: 'done', type: 'mutate', set: { status: 'Completed' } },
        { id: 'log', type: 'comment', body: 'Sent to publishing' },
      ],
    },
  }),
  t({
    id: 'new-item-checklist',
    name: 'Checklist on every new post',
    description: 'Every new post gets a comment with the team checklist, and its assignees are told it is theirs.',
    tags: ['onboarding'],
    fill: [],
    definition: {
      name: 'Checklist on every new post',
      trigger: { type: 'content.created' },
      phases: [
        { id: 'checklist', type: 'comment', body: 'Checklist: caption under 200 characters, alt text on images, links checked, publication time set.' },
        { id: 'tell', type: 'notify', to: ['assignees'], channels: ['in_app'], message: 'New post for you: {{target.title}}' },
      ],
    },
  }),
  t({
    id: 'task-due-reminder',
    name: 'Task due-date reminder',
    description: "When a task's due date is set, its assignee is reminded a day before; if the task is Completed by then, a comment notes it instead.",
    tags: ['tasks', 'reminder'],
    fill: [],
    definition: {
      name: 'Task due-date reminder',
      trigger: { type: 'task.updated', fields: ['dueAt'] },
      phases: [
        { id: 'hold', type: 'wait', until: '{{target.dueAt}}', offset: '-1d' },
        { id: 'done-already', type: 'condition', if: { field: 'target.status', op: 'eq', value: 'Completed' }, then: 'log', else: 'remind' },
        { id: 'remind', type: 'notify', to: ['assignees'], message: '{{target.title}} is due tomorrow', next: 'end' },
        { id: 'log', type: 'comment', body: 'Completed before its due date' },
      ],
    },
  }),
  t({
    id: 'client-approval-then-schedule',
    name: 'Client approval, then go live on schedule',
    description: 'Started by hand on a post: the client approves by email within three days (or it is denied), then the run waits until the publication time, marks the post Completed and tells the team.',
    tags: ['approval', 'client', 'schedule'],
    fill: [{ path: 'phases.0.approvers.emails', label: "The client's email address" }],
    definition: {
      name: 'Client approval, then go live on schedule',
      trigger: { type: 'manual' },
      phases: [
        { id: 'client', type: 'approval', name: 'Client approves', approvers: { emails: [] }, required: 'any', timeout: { after: '3d', action: 'deny' } },
        { id: 'approved', type: 'mutate', set: { status: 'Approved' } },
        { id: 'go-live', type: 'wait', until: '{{target.scheduledAt}}' },
        { id: 'live', type: 'mutate', set: { status: 'Completed' } },
        { id: 'tell', type: 'notify', to: ['assignees', 'space_admins'], channels: ['in_app'], message: '{{target.title}} is live' },
      ],
    },
  }),
];
