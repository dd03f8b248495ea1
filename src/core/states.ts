/**
 * Run and phase states, as docs/REQUIREMENTS.md section 4 names them.
 *
 *   TRIGGERED ──start──► ACTIVE ──phase done──► ACTIVE (next phase) … ──last phase──► COMPLETED
 *        │                 │  ▲                                                     (succeeded | denied)
 *        │                 │  └──timer fired / gate approved── WAITING ◄─phase waits─┘
 *        │                 └──phase error──► FAILED ──retry──► ACTIVE
 *        └───────── cancel (from any unfinished state) ─────────► CANCELLED
 */

export const RunStatus = {
  /** Created, not yet started: e.g. held by flow control. */
  triggered: 'triggered',
  /** A phase is executing. */
  active: 'active',
  /** On an approval gate or a wait; the run lives in the database, not in memory. */
  waiting: 'waiting',
  /** Finished; outcome `succeeded`, or `denied` when a gate's deny path ended it. */
  completed: 'completed',
  /** A phase errored; `error` names the phase and the code. */
  failed: 'failed',
  /** Cancelled by a person. */
  cancelled: 'cancelled',
} as const;
export type RunStatus = (typeof RunStatus)[keyof typeof RunStatus];

export const TERMINAL_RUN_STATUSES: readonly RunStatus[] = ['completed', 'failed', 'cancelled'];
export function isTerminal(s: RunStatus): boolean {
  return TERMINAL_RUN_STATUSES.includes(s);
}

export const RunOutcome = { succeeded: 'succeeded', denied: 'denied' } as const;
export type RunOutcome = (typeof RunOutcome)[keyof typeof RunOutcome];

export const PhaseStatus = {
  /** Not started (reserved; executions are created when they start). */
  pending: 'pending',
  /** Its handler is executing. */
  running: 'running',
  /** Waiting on a timer or on approvers. */
  waiting: 'waiting',
  succeeded: 'succeeded',
  failed: 'failed',
  /** Skipped by a person, recorded with who and why. */
  skipped: 'skipped',
  /** Stopped because its run was cancelled. */
  cancelled: 'cancelled',
} as const;
export type PhaseStatus = (typeof PhaseStatus)[keyof typeof PhaseStatus];

export type WaitingFor = 'approval' | 'wait' | 'flow_control';

/** Stable error codes of a failed phase (docs/REQUIREMENTS.md section 8). */
export const PhaseErrorCode = {
  stale: 'stale',
  deleted: 'deleted',
  budget_exceeded: 'budget_exceeded',
  invalid_output: 'invalid_output',
  no_recipients: 'no_recipients',
  external_error: 'external_error',
  timeout: 'timeout',
  internal: 'internal',
  not_implemented: 'not_implemented',
} as const;
export type PhaseErrorCode = (typeof PhaseErrorCode)[keyof typeof PhaseErrorCode];

/** Which manual controls each phase type allows (docs/REQUIREMENTS.md section 7). */
export const SKIPPABLE_TYPES: readonly string[] = ['wait', 'approval', 'http', 'ai', 'notify'];
export const RETRYABLE_TYPES: readonly string[] = ['http', 'ai', 'notify', 'share_email', 'comment', 'wait', 'mutate'];
