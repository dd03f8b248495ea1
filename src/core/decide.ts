/**
 * The pure heart of the engine: from a workflow version's phases, a run's current state and
 * one event, decide the run's next state and the commands the runtime must carry out. No
 * I/O, no clock, no randomness: `now` and `newId` come in through `ctx`. The runtime
 * applies a decision in one transaction, guarded by the state it was computed from.
 */
import type { PhaseErrorCode, PhaseStatus, RunOutcome, RunStatus, WaitingFor } from './states.js';
import { RETRYABLE_TYPES, SKIPPABLE_TYPES, isTerminal } from './states.js';

/** The part of a phase definition the core needs. */
export interface PhaseSpec {
  id: string;
  type: string;
  next?: string;
  onDeny?: 'end' | { goto: string };
}

export interface RunError {
  phaseId: string;
  code: string;
  message: string;
}

export interface PhaseExec {
  id: string;
  phaseId: string;
  index: number;
  type: string;
  attempt: number;
  status: PhaseStatus;
  input: unknown;
  output: unknown;
  error: { code: string; message: string } | null;
  waitingFor: WaitingFor | null;
  wakeAt: number | null;
  skippedBy: string | null;
  skipReason: string | null;
  startedAt: number | null;
  endedAt: number | null;
}

export interface RunState {
  id: string;
  status: RunStatus;
  outcome: RunOutcome | null;
  currentPhaseId: string | null;
  waitingFor: WaitingFor | null;
  error: RunError | null;
  targetVersionSeen: number | null;
  startedAt: number | null;
  endedAt: number | null;
  /** When the run was deleted (hidden from lists; its audit trail stays), or null. */
  deletedAt: number | null;
  /** Every attempt of every phase, in the order they started. */
  phases: PhaseExec[];
}

export type RunEvent =
  | { type: 'start' }
  | { type: 'phase_succeeded'; executionId: string; input?: unknown; output?: unknown; next?: string; targetVersion?: number }
  | { type: 'phase_failed'; executionId: string; input?: unknown; code: PhaseErrorCode | string; message: string }
  | { type: 'phase_waiting'; executionId: string; input?: unknown; waitingFor: 'wait' | 'approval'; wakeAt: number | null; output?: unknown }
  | { type: 'timer_fired'; executionId: string }
  | { type: 'gate_decided'; executionId: string; decision: 'approve' | 'deny'; output?: unknown; targetVersion?: number }
  /** A gate's first deadline passed and it escalated: it waits on, with a new deadline (or none) and output. */
  | { type: 'gate_escalated'; executionId: string; wakeAt: number | null; output: unknown }
  /**
   * `event` would make the run active but flow control has no slot for it: the run stays as
   * it is, waiting for a slot, and `event` is kept to be applied when one is given.
   */
  | { type: 'held'; event: RunEvent }
  /** Hides a finished run from lists and pages (`bulkOperationId` when a bulk delete does it). */
  | { type: 'delete'; by: string; bulkOperationId?: string }
  | { type: 'cancel'; by: string; reason?: string }
  | { type: 'skip'; phaseId: string; by: string; reason: string }
  /** `targetVersion`: the target's version when the person asked; a mutate that failed `stale` checks against it. */
  | { type: 'retry'; by: string; targetVersion?: number };

export type Command =
  | { type: 'execute'; executionId: string; phaseId: string; phaseType: string }
  | { type: 'schedule_timer'; executionId: string; dueAt: number }
  | { type: 'cancel_timers' }
  | { type: 'abort'; executionId: string }
  | { type: 'close_links' }
  /** Keep `event` until flow control admits the run (a `resume` job). */
  | { type: 'park'; event: RunEvent };

export interface AuditNote {
  action: string;
  data: Record<string, unknown>;
}

export type Decision =
  | { ok: true; state: RunState; commands: Command[]; audit: AuditNote[] }
  | { ok: false; code: 'conflict' | 'stale_event'; message: string };

export interface DecideContext {
  now: number;
  newId: () => string;
}

function refuse(code: 'conflict' | 'stale_event', message: string): Decision {
  return { ok: false, code, message };
}

/** The execution currently open (running or waiting), if any. */
export function openExecution(state: RunState): PhaseExec | undefined {
  for (let i = state.phases.length - 1; i >= 0; i--) {
    const p = state.phases[i]!;
    if (p.status === 'running' || p.status === 'waiting') return p;
  }
  return undefined;
}

export function decide(phases: readonly PhaseSpec[], state: RunState, event: RunEvent, ctx: DecideContext): Decision {
  const s: RunState = { ...state, phases: state.phases.map((p) => ({ ...p })) };
  const commands: Command[] = [];
  const audit: AuditNote[] = [];
  const indexOf = (id: string) => phases.findIndex((p) => p.id === id);

  const finish = (status: RunStatus, outcome: RunOutcome | null) => {
    s.status = status;
    s.outcome = outcome;
    s.endedAt = ctx.now;
    s.waitingFor = null;
    s.currentPhaseId = status === 'completed' ? null : s.currentPhaseId;
    audit.push({ action: `run.${status}`, data: outcome ? { outcome } : {} });
  };

  const openPhase = (index: number, attempt = 1) => {
    const spec = phases[index]!;
    const exec: PhaseExec = {
      id: ctx.newId(),
      phaseId: spec.id,
      index,
      type: spec.type,
      attempt,
      status: 'running',
      input: null,
      output: null,
      error: null,
      waitingFor: null,
      wakeAt: null,
      skippedBy: null,
      skipReason: null,
      startedAt: ctx.now,
      endedAt: null,
    };
    s.phases.push(exec);
    s.status = 'active';
    s.waitingFor = null;
    s.currentPhaseId = spec.id;
    commands.push({ type: 'execute', executionId: exec.id, phaseId: spec.id, phaseType: spec.type });
  };

  /** Moves on after `exec`: to `jump` if given, else the phase's `next`, else the next in the list. */
  const advance = (exec: PhaseExec, jump?: string, outcome: RunOutcome = 'succeeded') => {
    const target = jump ?? phases[exec.index]?.next;
    if (target === 'end') return finish('completed', outcome);
    const nextIndex = target === undefined ? exec.index + 1 : indexOf(target);
    if (target !== undefined && nextIndex <= exec.index) {
      // Definitions are validated to jump forward only; a stored one that does not is a bug.
      return fail(exec, 'internal', `Phase "${exec.phaseId}" jumps to "${target}", which is not a later phase.`);
    }
    if (nextIndex >= phases.length) return finish('completed', outcome);
    openPhase(nextIndex);
  };

  const fail = (exec: PhaseExec, code: string, message: string) => {
    exec.status = 'failed';
    exec.waitingFor = null;
    exec.error = { code, message };
    exec.endedAt = ctx.now;
    s.error = { phaseId: exec.phaseId, code, message };
    s.currentPhaseId = exec.phaseId;
    finish('failed', null);
  };

  /** The event's execution, which must be the open one in `status`. */
  const current = (executionId: string, statuses: PhaseStatus[]): PhaseExec | Decision => {
    const exec = s.phases.find((p) => p.id === executionId);
    if (!exec) return refuse('stale_event', `Execution ${executionId} is not part of run ${s.id}.`);
    if (isTerminal(s.status)) return refuse('stale_event', `Run ${s.id} is already ${s.status}.`);
    if (!statuses.includes(exec.status)) return refuse('stale_event', `Phase "${exec.phaseId}" attempt ${exec.attempt} is ${exec.status}, not ${statuses.join(' or ')}.`);
    return exec;
  };
  const isDecision = (x: PhaseExec | Decision): x is Decision => 'ok' in x;

  switch (event.type) {
    case 'start': {
      if (s.status !== 'triggered') return refuse('conflict', `Run ${s.id} cannot start: it is ${s.status}.`);
      s.startedAt = ctx.now;
      audit.push({ action: 'run.started', data: {} });
      if (phases.length === 0) finish('completed', 'succeeded');
      else openPhase(0);
      break;
    }
    case 'phase_succeeded': {
      const exec = current(event.executionId, ['running']);
      if (isDecision(exec)) return exec;
      exec.status = 'succeeded';
      exec.output = event.output ?? null;
      if (event.input !== undefined) exec.input = event.input;
      exec.endedAt = ctx.now;
      if (event.targetVersion !== undefined) s.targetVersionSeen = event.targetVersion;
      advance(exec, event.next);
      break;
    }
    case 'phase_failed': {
      const exec = current(event.executionId, ['running', 'waiting']);
      if (isDecision(exec)) return exec;
      if (event.input !== undefined) exec.input = event.input;
      fail(exec, event.code, event.message);
      commands.push({ type: 'cancel_timers' }, { type: 'close_links' });
      break;
    }
    case 'phase_waiting': {
      const exec = current(event.executionId, ['running']);
      if (isDecision(exec)) return exec;
      exec.status = 'waiting';
      exec.waitingFor = event.waitingFor;
      exec.wakeAt = event.wakeAt;
      if (event.input !== undefined) exec.input = event.input;
      if (event.output !== undefined) exec.output = event.output;
      s.status = 'waiting';
      s.waitingFor = event.waitingFor;
      if (event.wakeAt !== null) commands.push({ type: 'schedule_timer', executionId: exec.id, dueAt: event.wakeAt });
      break;
    }
    case 'timer_fired': {
      const exec = current(event.executionId, ['waiting']);
      if (isDecision(exec)) return exec;
      if (exec.waitingFor !== 'wait') return refuse('stale_event', `Phase "${exec.phaseId}" is waiting for ${exec.waitingFor}, not a timer.`);
      exec.status = 'succeeded';
      exec.output = { ...(isRecord(exec.output) ? exec.output : {}), waitedUntil: new Date(ctx.now).toISOString() };
      exec.endedAt = ctx.now;
      exec.waitingFor = null;
      advance(exec);
      break;
    }
    case 'gate_decided': {
      const exec = current(event.executionId, ['waiting']);
      if (isDecision(exec)) return exec;
      if (exec.waitingFor !== 'approval') return refuse('stale_event', `Phase "${exec.phaseId}" is waiting for ${exec.waitingFor}, not for approvers.`);
      exec.status = 'succeeded';
      exec.output = event.output ?? { decision: event.decision };
      exec.endedAt = ctx.now;
      exec.waitingFor = null;
      commands.push({ type: 'cancel_timers' }, { type: 'close_links' });
      if (event.targetVersion !== undefined) s.targetVersionSeen = event.targetVersion;
      if (event.decision === 'approve') advance(exec);
      else {
        const onDeny = phases[exec.index]?.onDeny ?? 'end';
        if (onDeny === 'end') finish('completed', 'denied');
        else advance(exec, onDeny.goto);
      }
      break;
    }
    case 'gate_escalated': {
      const exec = current(event.executionId, ['waiting']);
      if (isDecision(exec)) return exec;
      if (exec.waitingFor !== 'approval') return refuse('stale_event', `Phase "${exec.phaseId}" is waiting for ${exec.waitingFor}, not for approvers.`);
      // The run stays where it is; only the gate's deadline (as the run shows it) and output move.
      exec.wakeAt = event.wakeAt;
      exec.output = event.output;
      break;
    }
    case 'held': {
      if (isTerminal(s.status)) return refuse('stale_event', `Run ${s.id} is already ${s.status}.`);
      s.waitingFor = 'flow_control';
      commands.push({ type: 'park', event: event.event });
      break;
    }
    case 'delete': {
      if (!isTerminal(s.status)) return refuse('conflict', `Run ${s.id} is ${s.status}; only finished runs can be deleted (cancel it first).`);
      if (s.deletedAt !== null) return refuse('conflict', `Run ${s.id} is already deleted.`);
      s.deletedAt = ctx.now;
      audit.push({ action: 'run.deleted', data: event.bulkOperationId ? { bulkOperationId: event.bulkOperationId } : {} });
      break;
    }
    case 'cancel': {
      if (isTerminal(s.status)) return refuse('conflict', `Run ${s.id} is already ${s.status}; only unfinished runs can be cancelled.`);
      const exec = openExecution(s);
      if (exec) {
        exec.status = 'cancelled';
        exec.endedAt = ctx.now;
        exec.waitingFor = null;
        commands.push({ type: 'abort', executionId: exec.id });
      }
      commands.push({ type: 'cancel_timers' }, { type: 'close_links' });
      finish('cancelled', null);
      audit[audit.length - 1]!.data = { by: event.by, reason: event.reason ?? null, phaseId: exec?.phaseId ?? null };
      break;
    }
    case 'skip': {
      if (isTerminal(s.status)) return refuse('conflict', `Run ${s.id} is ${s.status}; there is nothing to skip.`);
      const exec = openExecution(s);
      if (!exec || exec.phaseId !== event.phaseId) {
        return refuse('conflict', `Phase "${event.phaseId}" is not the active or waiting phase of run ${s.id}${exec ? ` ("${exec.phaseId}" is)` : ''}.`);
      }
      if (!SKIPPABLE_TYPES.includes(exec.type)) {
        return refuse('conflict', `A ${exec.type} phase cannot be skipped; only ${SKIPPABLE_TYPES.join(', ')} phases can.`);
      }
      if (exec.status === 'running') commands.push({ type: 'abort', executionId: exec.id });
      exec.status = 'skipped';
      exec.skippedBy = event.by;
      exec.skipReason = event.reason;
      exec.endedAt = ctx.now;
      exec.waitingFor = null;
      commands.push({ type: 'cancel_timers' }, { type: 'close_links' });
      audit.push({ action: 'phase.skipped', data: { phaseId: exec.phaseId, attempt: exec.attempt, by: event.by, reason: event.reason } });
      advance(exec, undefined);
      break;
    }
    case 'retry': {
      if (s.status !== 'failed') return refuse('conflict', `Run ${s.id} is ${s.status}; only failed runs can be retried.`);
      const failed = [...s.phases].reverse().find((p) => p.status === 'failed');
      if (!failed) return refuse('conflict', `Run ${s.id} has no failed phase to retry.`);
      if (!RETRYABLE_TYPES.includes(failed.type)) {
        return refuse('conflict', `A failed ${failed.type} phase cannot be retried; ${RETRYABLE_TYPES.join(', ')} phases can.`);
      }
      const attempt = Math.max(...s.phases.filter((p) => p.phaseId === failed.phaseId).map((p) => p.attempt)) + 1;
      s.error = null;
      s.outcome = null;
      s.endedAt = null;
      // Retrying a mutate that failed `stale` means "apply it to the target as it is now": the
      // staleness check runs again, against the version the person retried on.
      if (failed.type === 'mutate' && failed.error?.code === 'stale' && event.targetVersion !== undefined) s.targetVersionSeen = event.targetVersion;
      audit.push({ action: 'run.retried', data: { by: event.by, phaseId: failed.phaseId, attempt } });
      openPhase(failed.index, attempt);
      break;
    }
    default: {
      const never: never = event;
      throw new Error(`unknown event ${(never as { type: string }).type}`);
    }
  }
  return { ok: true, state: s, commands, audit };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
