import type { Condition } from './condition-schema.js';
import { lookupPath, type Scope } from './templates.js';

/*
 * Conditions are data: a field path, an operator and a value. A missing field is treated as
 * null, so {"op": "eq", "value": null} matches it and an ordering operator never does.
 */

function normalize(value: unknown): unknown {
  if (value === undefined) return null;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  return value;
}

/** Deep equality of JSON values (own enumerable keys, order-insensitive for objects). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  a = normalize(a);
  b = normalize(b);
  if (a === b) return true;
  if (typeof a === 'number' && typeof b === 'number') return Number.isNaN(a) && Number.isNaN(b);
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, i) => jsonEqual(item, b[i]));
  }
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every(
    (k) => Object.hasOwn(b, k) && jsonEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]),
  );
}

// Times are recognised by shape first: Date.parse alone would also read "1" or "May 5".
const ISO_DATE_RE = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;

function asTime(s: string): number | null {
  if (!ISO_DATE_RE.test(s)) return null;
  const t = Date.parse(s);
  return Number.isNaN(t) ? null : t;
}

/** Negative, zero or positive; null when the two cannot be ordered. */
function compare(a: unknown, b: unknown): number | null {
  a = normalize(a);
  b = normalize(b);
  if (typeof a === 'number' && typeof b === 'number') {
    return Number.isNaN(a) || Number.isNaN(b) ? null : a - b;
  }
  if (typeof a === 'string' && typeof b === 'string') {
    const ta = asTime(a);
    const tb = asTime(b);
    if (ta !== null && tb !== null) return ta - tb;
    return a < b ? -1 : a > b ? 1 : 0;
  }
  return null;
}

function ordered(a: unknown, b: unknown, test: (diff: number) => boolean): boolean {
  const diff = compare(a, b);
  return diff !== null && test(diff);
}

function contains(haystack: unknown, needle: unknown): boolean {
  if (typeof haystack === 'string') return typeof needle === 'string' && haystack.includes(needle);
  if (Array.isArray(haystack)) return haystack.some((item) => jsonEqual(item, needle));
  return false;
}

export function evaluateCondition(cond: Condition, scope: Scope): boolean {
  if ('all' in cond) return cond.all.every((c) => evaluateCondition(c, scope));
  if ('any' in cond) return cond.any.some((c) => evaluateCondition(c, scope));
  if ('not' in cond) return !evaluateCondition(cond.not, scope);
  const actual = lookupPath(scope, cond.field);
  const { value } = cond;
  switch (cond.op) {
    case 'eq':
      return jsonEqual(actual, value);
    case 'neq':
      return !jsonEqual(actual, value);
    case 'in':
      return Array.isArray(value) && value.some((v) => jsonEqual(actual, v));
    case 'gt':
      return ordered(actual, value, (d) => d > 0);
    case 'gte':
      return ordered(actual, value, (d) => d >= 0);
    case 'lt':
      return ordered(actual, value, (d) => d < 0);
    case 'lte':
      return ordered(actual, value, (d) => d <= 0);
    case 'contains':
      return contains(actual, value);
    case 'exists':
      return actual !== undefined && actual !== null;
    default: {
      const unknownOp: never = cond.op;
      void unknownOp;
      return false;
    }
  }
}
