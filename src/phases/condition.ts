/** `condition`: goes to one of two later phases; the condition is data, never code. */
import { evaluateCondition, type ConditionPhase } from '../definitions/index.js';
import type { PhaseHandler } from './types.js';

export const conditionPhase: PhaseHandler<ConditionPhase> = {
  mode: 'tx',
  async execute({ spec, scope }) {
    const result = evaluateCondition(spec.if, scope);
    const next = result ? spec.then : spec.else;
    return { kind: 'succeeded', input: { if: spec.if }, output: { result, next }, next };
  },
};
