/**
 * The web UI's only way to the server: same-origin fetch to the JSON API. The session is the
 * HttpOnly `flowgate_session` cookie set by `POST /api/auth/login`, so no token is kept in
 * the page, and EventSource streams are authenticated the same way.
 */

import type { components, paths } from './api-types';

/** An error answer of the API (docs/API.md "Errors": `{error: {code, message, details?}}`). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

const listeners = new Set<() => void>();
/** Called whenever the server answers 401: the session ended; the app shows the sign-in page. */
export function onSignedOut(fn: () => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

export async function api<T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
  const res = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: { accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: any = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  if (!res.ok) {
    if (res.status === 401 && path !== '/api/auth/login') for (const fn of listeners) fn();
    const e = parsed?.error;
    throw new ApiError(res.status, e?.code ?? `http_${res.status}`, e?.message ?? (text || res.statusText), e?.details);
  }
  return parsed as T;
}

export const get = <T = any>(path: string) => api<T>('GET', path);
export const post = <T = any>(path: string, body: unknown = {}) => api<T>('POST', path, body);

/** Builds a query string from the set values only. */
export function qs(params: Record<string, string | number | undefined | null>): string {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') u.set(k, String(v));
  const s = u.toString();
  return s ? `?${s}` : '';
}

// The shapes the pages read: generated from the server's OpenAPI document into api-types.ts
// (`npm run gen:api-types`; docs/API.md describes them in words).

/** The API's named answer shapes: Run, PhaseExecution, Gate, Workflow, ContentItem, … */
export type Schemas = components['schemas'];
/** The JSON answer of `method path` with `status`, e.g. Answer<'/api/me/runs', 'get'>. */
export type Answer<P extends keyof paths, M extends keyof paths[P], S extends number = 200> = paths[P][M] extends {
  responses: { [K in S]: { content: { 'application/json': infer T } } };
}
  ? T
  : never;

export type Me = Schemas['Me'];
export type RunStatus = Schemas['RunStatus'];
export type PhaseStatus = Schemas['PhaseStatus'];
export type PhaseExecution = Schemas['PhaseExecution'];
export type Run = Schemas['Run'];

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Every item of a paginated list, following `nextCursor` 200 at a time. */
export async function allPages<T>(path: string): Promise<T[]> {
  const items: T[] = [];
  const sep = path.includes('?') ? '&' : '?';
  let cursor: string | null = null;
  do {
    const page: Page<T> = await get(`${path}${sep}limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return items;
}
