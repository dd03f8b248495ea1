/**
 * Content items and tasks (docs/API.md "Targets") as the content pages see them: their shapes,
 * where they live in the API, the space they belong to, and datetime-local ↔ ISO.
 */
import { get, type Schemas } from './api';
import { targetPath } from './pages/run/model';

export type TargetType = 'content' | 'task';

export type ContentItem = Schemas['ContentItem'];
export type Task = Schemas['Task'];
export type Target = ContentItem | Task;
export type SpaceDetail = Schemas['SpaceDetail'];

export const TARGET_LABEL: Record<TargetType, string> = { content: 'Content item', task: 'Task' };

export function isTargetType(t: string): t is TargetType {
  return t === 'content' || t === 'task';
}

/** The API collection of a type: /api/content/{id}, /api/tasks/{id}. */
export const collection = (type: TargetType) => (type === 'content' ? 'content' : 'tasks');
export const itemPath = (type: TargetType, id: string) => targetPath({ type, id });
export const listPath = (type: TargetType, spaceId: string) => `/api/spaces/${encodeURIComponent(spaceId)}/${collection(type)}`;

export const getSpace = (spaceId: string) => get<SpaceDetail>(`/api/spaces/${encodeURIComponent(spaceId)}`);

/** id → name of the org's people (`GET /api/users`), for assignee and author names. */
export async function userNames(): Promise<Map<string, string>> {
  const page = await get<{ items: { id: string; name: string }[] }>('/api/users');
  return new Map(page.items.map((u) => [u.id, u.name]));
}

/** The assignees of an item, whichever kind it is. */
export const assigneesOf = (t: Target): string[] => (t.type === 'content' ? t.assignees : t.assignee ? [t.assignee] : []);

/** An ISO instant as a datetime-local input's value (local time, minutes). */
export function toLocalInput(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** A datetime-local input's value as an ISO instant; empty means none (null). */
export function fromLocalInput(value: string): string | null {
  return value ? new Date(value).toISOString() : null;
}

/** "a, b , c" → ["a", "b", "c"], without blanks or repeats. */
export function splitList(value: string): string[] {
  return [...new Set(value.split(',').map((s) => s.trim()).filter(Boolean))];
}
