export { parseDuration, parseOffset, durationSchema, positiveDurationSchema, waitDurationSchema, offsetSchema } from './durations.js';
export * from './schema.js';
export { CONTENT_FIELDS, TASK_FIELDS, TARGET_FIELDS, NOTIFY_ROLES, type ContentField, type TaskField, type TargetField, type NotifyRole } from './fields.js';
export { validateDefinition, semanticProblems, type ValidationContext, type ValidationResult, type Problem } from './validate.js';
export { problemsFromIssues } from './problems.js';
export { canonicalDefinition } from './canonical.js';
export {
  lookupPath,
  renderTemplate,
  renderValue,
  templateRefs,
  isWellFormedTemplate,
  templateSyntaxError,
  type Scope,
} from './templates.js';
export { evaluateCondition, jsonEqual } from './conditions.js';
export { cronProblem, isTimeZone } from './cron.js';
