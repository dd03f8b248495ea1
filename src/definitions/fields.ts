/** The fields of a content item that triggers can watch and mutate phases can set. */
export const CONTENT_FIELDS = ['title', 'caption', 'status', 'platforms', 'scheduledAt', 'assignees', 'tags'] as const;
/** The fields of a task that triggers can watch and mutate phases can set. */
export const TASK_FIELDS = ['title', 'description', 'status', 'assignee', 'dueAt'] as const;

export type ContentField = (typeof CONTENT_FIELDS)[number];
export type TaskField = (typeof TASK_FIELDS)[number];
export type TargetField = ContentField | TaskField;

// A manual or comment-triggered workflow may run on either kind, so its schema accepts both
// sets; validateDefinition narrows to one kind when the trigger names it.
export const TARGET_FIELDS = [...new Set<TargetField>([...CONTENT_FIELDS, ...TASK_FIELDS])] as [
  TargetField,
  ...TargetField[],
];

/** Roles a notify phase may address instead of a person. */
export const NOTIFY_ROLES = ['assignees', 'space_admins', 'approvers'] as const;
export type NotifyRole = (typeof NOTIFY_ROLES)[number];
