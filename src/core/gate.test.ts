import { describe, expect, it } from 'vitest';
import { evaluateGate } from './gate.js';

describe('evaluateGate', () => {
  it.each([
    // required, approvers, approvals, denials, expected
    ['any', 3, 0, 0, 'waiting'],
    ['any', 3, 1, 0, 'approved'],
    ['any', 3, 0, 2, 'waiting'],
    ['any', 3, 0, 3, 'denied'],
    ['all', 3, 2, 0, 'waiting'],
    ['all', 3, 3, 0, 'approved'],
    ['all', 3, 2, 1, 'denied'],
    ['all', 3, 0, 1, 'denied'],
    [2, 3, 1, 0, 'waiting'],
    [2, 3, 2, 0, 'approved'],
    [2, 3, 1, 1, 'waiting'],
    [2, 3, 0, 2, 'denied'],
    [3, 5, 2, 2, 'waiting'],
    [3, 5, 2, 3, 'denied'],
    [3, 5, 3, 2, 'approved'],
  ] as const)('%s of %i with %i approvals and %i denials → %s', (required, n, a, d, expected) => {
    expect(evaluateGate(required, n, a, d)).toBe(expected);
  });
});
