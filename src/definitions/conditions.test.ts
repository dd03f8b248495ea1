import { describe, expect, it } from 'vitest';
import type { Condition } from './condition-schema.js';
import { evaluateCondition, jsonEqual } from './conditions.js';
import type { Scope } from './templates.js';

const scope: Scope = {
  target: {
    status: 'Pending',
    tags: ['news', 'promo'],
    caption: 'Big launch today',
    scheduledAt: '2030-05-01T09:00:00Z',
    meta: { a: [1, { b: 2 }] },
    count: 5,
    empty: null,
  },
  phases: { score: { output: { score: 0.8 } } },
};

const is = (cond: Condition) => evaluateCondition(cond, scope);

describe('evaluateCondition', () => {
  it('eq / neq compare JSON deeply', () => {
    expect(is({ field: 'target.status', op: 'eq', value: 'Pending' })).toBe(true);
    expect(is({ field: 'target.meta', op: 'eq', value: { a: [1, { b: 2 }] } })).toBe(true);
    expect(is({ field: 'target.meta', op: 'eq', value: { a: [1, { b: 3 }] } })).toBe(false);
    expect(is({ field: 'target.count', op: 'eq', value: '5' })).toBe(false);
    expect(is({ field: 'target.status', op: 'neq', value: 'Approved' })).toBe(true);
    expect(is({ field: 'target.missing', op: 'eq', value: null })).toBe(true);
  });

  it('in looks the field up in a list', () => {
    expect(is({ field: 'target.status', op: 'in', value: ['Pending', 'Approved'] })).toBe(true);
    expect(is({ field: 'target.status', op: 'in', value: ['Approved'] })).toBe(false);
    expect(is({ field: 'target.status', op: 'in', value: 'Pending' })).toBe(false);
  });

  it('orders numbers, times and strings, and nothing else', () => {
    expect(is({ field: 'phases.score.output.score', op: 'gt', value: 0.5 })).toBe(true);
    expect(is({ field: 'phases.score.output.score', op: 'lte', value: 0.8 })).toBe(true);
    expect(is({ field: 'phases.score.output.score', op: 'lt', value: 0.8 })).toBe(false);
    expect(is({ field: 'target.scheduledAt', op: 'gte', value: '2030-05-01T10:00:00+02:00' })).toBe(true);
    expect(is({ field: 'target.scheduledAt', op: 'lt', value: '2030-05-01T10:00:00+02:00' })).toBe(false);
    expect(is({ field: 'target.scheduledAt', op: 'gt', value: '2029-12-31' })).toBe(true);
    expect(is({ field: 'target.status', op: 'gt', value: 'Approved' })).toBe(true);
    expect(is({ field: 'target.count', op: 'gt', value: '4' })).toBe(false);
    expect(is({ field: 'target.missing', op: 'lt', value: 10 })).toBe(false);
    expect(is({ field: 'target.empty', op: 'gte', value: 0 })).toBe(false);
  });

  it('compares Date values as times', () => {
    const s: Scope = { target: { at: new Date('2030-05-01T09:00:00Z') } };
    expect(evaluateCondition({ field: 'target.at', op: 'lt', value: '2030-06-01T00:00:00Z' }, s)).toBe(true);
  });

  it('contains works on strings and lists', () => {
    expect(is({ field: 'target.caption', op: 'contains', value: 'launch' })).toBe(true);
    expect(is({ field: 'target.caption', op: 'contains', value: 'Launch' })).toBe(false);
    expect(is({ field: 'target.tags', op: 'contains', value: 'promo' })).toBe(true);
    expect(is({ field: 'target.tags', op: 'contains', value: 'other' })).toBe(false);
    expect(is({ field: 'target.count', op: 'contains', value: 5 })).toBe(false);
  });

  it('exists is false for missing and null', () => {
    expect(is({ field: 'target.status', op: 'exists' })).toBe(true);
    expect(is({ field: 'target.empty', op: 'exists' })).toBe(false);
    expect(is({ field: 'target.missing', op: 'exists' })).toBe(false);
  });

  it('combines with all, any and not', () => {
    const pending = { field: 'target.status', op: 'eq', value: 'Pending' } as const;
    const approved = { field: 'target.status', op: 'eq', value: 'Approved' } as const;
    expect(is({ all: [pending, { not: approved }] })).toBe(true);
    expect(is({ all: [pending, approved] })).toBe(false);
    expect(is({ any: [approved, pending] })).toBe(true);
    expect(is({ any: [approved] })).toBe(false);
    expect(is({ not: { any: [approved] } })).toBe(true);
  });

  it('finds nothing through prototypes', () => {
    expect(is({ field: 'target.constructor', op: 'exists' })).toBe(false);
    expect(is({ field: 'target.__proto__', op: 'exists' })).toBe(false);
    expect(is({ field: 'target.status.length', op: 'eq', value: 7 })).toBe(false);
    expect(is({ field: 'target.toString', op: 'exists' })).toBe(false);
  });
});

describe('jsonEqual', () => {
  it('ignores key order and distinguishes lists from objects', () => {
    expect(jsonEqual({ a: 1, b: [1, 2] }, { b: [1, 2], a: 1 })).toBe(true);
    expect(jsonEqual([1], { 0: 1 })).toBe(false);
    expect(jsonEqual({ a: undefined }, { b: undefined })).toBe(false);
  });
});
