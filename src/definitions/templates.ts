/*
 * Templates are data: "{{ path }}" looks a value up by a dotted path and pastes it in. There
 * is no expression language and nothing is ever evaluated; a path reaches own properties of
 * plain data only, so "{{constructor.name}}" or "__proto__" find nothing. Rendering is one
 * pass, so a value that itself contains "{{…}}" is pasted as text, never expanded.
 */

export type Scope = {
  target?: Record<string, unknown> | null;
  phases?: Record<string, { output?: unknown }>;
  input?: unknown;
  run?: Record<string, unknown>;
};

const SEGMENT = '[A-Za-z0-9_-]+';
const PATH = `${SEGMENT}(?:\\.${SEGMENT})*`;
export const PATH_RE = new RegExp(`^${PATH}$`);
const TAG_RE = new RegExp(`\\{\\{\\s*(${PATH})\\s*\\}\\}`, 'g');
const WHOLE_TAG_RE = new RegExp(`^\\{\\{\\s*(${PATH})\\s*\\}\\}$`);

const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);

/** Looks up a dotted path ("target.title", "input.items.0.name") in own data properties. */
export function lookupPath(scope: Scope, path: string): unknown {
  if (typeof path !== 'string' || path === '') return undefined;
  let current: unknown = scope;
  for (const key of path.split('.')) {
    if (FORBIDDEN.has(key) || current === null || typeof current !== 'object') return undefined;
    if (Array.isArray(current)) {
      // Indexes only: "length" and friends are not data.
      if (!/^\d+$/.test(key)) return undefined;
    }
    if (!Object.hasOwn(current, key)) return undefined;
    const descriptor = Object.getOwnPropertyDescriptor(current, key);
    // A getter is code; data never has one, so refuse rather than run it.
    if (!descriptor || !('value' in descriptor)) return undefined;
    current = descriptor.value;
  }
  return current;
}

function toText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? '' : value.toISOString();
  try {
    return JSON.stringify(value) ?? '';
  } catch {
    // Cycles or BigInts deep inside: nothing sensible to paste.
    return '';
  }
}

/** Replaces each "{{ path }}" with its value as text; malformed braces stay as written. */
export function renderTemplate(tpl: string, scope: Scope): string {
  return tpl.replace(TAG_RE, (_tag, path: string) => toText(lookupPath(scope, path)));
}

/**
 * Renders every string inside a JSON-like value. A string that is exactly one "{{path}}"
 * becomes the raw value (a list stays a list; a missing value is undefined), so a mutation
 * can copy tags or a number without turning them into text.
 */
export function renderValue(value: unknown, scope: Scope): unknown {
  if (typeof value === 'string') {
    const whole = WHOLE_TAG_RE.exec(value);
    return whole ? lookupPath(scope, whole[1]!) : renderTemplate(value, scope);
  }
  if (Array.isArray(value)) return value.map((v) => renderValue(v, scope));
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    // fromEntries defines own properties, so a "__proto__" key stays a plain key.
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, renderValue(v, scope)]));
  }
  return value;
}

/** The paths referenced by a template's well-formed tags, in order. */
export function templateRefs(tpl: string): string[] {
  return [...tpl.matchAll(TAG_RE)].map((m) => m[1]!);
}

/** Whether a string contains template syntax at all. */
export function hasTemplate(s: string): boolean {
  return s.includes('{{') || s.includes('}}');
}

/** Why a template is malformed, or null when every "{{" and "}}" pair up around a path. */
export function templateSyntaxError(tpl: string): string | null {
  let i = 0;
  for (;;) {
    const open = tpl.indexOf('{{', i);
    const close = tpl.indexOf('}}', i);
    if (open < 0 && close < 0) return null;
    if (open < 0 || (close >= 0 && close < open)) return 'has a "}}" without a matching "{{"';
    const end = tpl.indexOf('}}', open + 2);
    if (end < 0) return 'has a "{{" that is never closed with "}}"';
    const inner = tpl.slice(open + 2, end);
    if (inner.includes('{{')) return 'has a "{{" inside another "{{ }}"';
    if (!PATH_RE.test(inner.trim())) {
      return `has ${JSON.stringify(`{{${inner}}}`)}, which is not a reference; write a dotted path like {{target.title}}`;
    }
    i = end + 2;
  }
}

export function isWellFormedTemplate(tpl: string): boolean {
  return templateSyntaxError(tpl) === null;
}
