import { CONTENT_FIELDS, TASK_FIELDS } from '../fields.js';
import type { Problem } from '../problems.js';
import type { PhaseType } from '../schema.js';
import { problem, type Rule } from './context.js';

/** Phase types that act on the run's target, so cannot run without one. */
export const TARGET_PHASES: ReadonlySet<PhaseType> = new Set(['mutate', 'comment', 'share_email']);

const FIELDS = { content: new Set<string>(CONTENT_FIELDS), task: new Set<string>(TASK_FIELDS) };
const KIND_NAMES = { content: 'content items', task: 'tasks' };

export const targetNeeds: Rule = ({ definition, targetless, targetKind }) =>
  definition.phases.flatMap((phase, i): Problem[] => {
    if (targetless && TARGET_PHASES.has(phase.type)) {
      return [problem(['phases', i], `needs a target, but a ${targetless} workflow has none`)];
    }
    // The schema accepts the fields of both kinds; the trigger tells which kind this is.
    if (phase.type !== 'mutate' || !targetKind) return [];
    return Object.keys(phase.set)
      .filter((key) => !FIELDS[targetKind].has(key))
      .map((key) => problem(['phases', i, 'set', key], `${KIND_NAMES[targetKind]} have no field ${JSON.stringify(key)}`));
  });
