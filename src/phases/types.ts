/**
 * What a phase type does when it runs. Each type has one file here and one entry in the
 * handler table (src/phases/index.ts), which the compiler forces to cover every type.
 *
 * Two modes:
 * - `tx`: the handler's writes (a comment, a mutation, notifications, outbox rows) happen in
 *   the same transaction as the run's transition, so they happen exactly once.
 * - `io`: the handler talks to the outside world (HTTP, an LLM) outside any transaction,
 *   with an AbortSignal and an idempotency key; its result is applied afterwards, guarded.
 */
import type { Transaction } from 'kysely';
import type { PhaseExec } from '../core/decide.js';
import { FlowgateError } from '../core/errors.js';
import type { PhaseErrorCode } from '../core/states.js';
import type { Phase, Scope } from '../definitions/index.js';
import type { Config } from '../config.js';
import type { Database } from '../store/db.js';
import type { DB, RunsTable } from '../store/schema.js';
import type { Target } from '../store/targets.js';

export type PhaseResult =
  | { kind: 'succeeded'; input?: unknown; output?: unknown; next?: string; targetVersion?: number }
  | { kind: 'failed'; input?: unknown; code: PhaseErrorCode | string; message: string }
  | { kind: 'waiting'; input?: unknown; waitingFor: 'wait' | 'approval'; wakeAt: number | null; output?: unknown };

export interface PhaseContext<P extends Phase = Phase> {
  spec: P;
  /** Every phase of the run's workflow version. */
  phases: readonly Phase[];
  run: RunsTable;
  exec: PhaseExec;
  /** The target as it is now (null for targetless runs, or when deleted). */
  target: Target | null;
  targetDeleted: boolean;
  scope: Scope;
  now: number;
  signal: AbortSignal;
  db: Database;
  config: Config;
}

export interface TxPhaseContext<P extends Phase = Phase> extends PhaseContext<P> {
  trx: Transaction<DB>;
}

export type PhaseHandler<P extends Phase = Phase> =
  | {
      mode: 'tx';
      /**
       * Its writes refer to its execution's row (foreign keys): an inline chain writes the
       * run's state before running it (see the worker's continueInline).
       */
      refersToExecution?: boolean;
      execute(ctx: TxPhaseContext<P>): Promise<PhaseResult>;
    }
  | { mode: 'io'; execute(ctx: PhaseContext<P>): Promise<PhaseResult> };

/** A phase's own failure with a stable code (docs/REQUIREMENTS.md section 8); becomes a `failed` result. */
export class PhaseError extends FlowgateError {
  constructor(code: PhaseErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(code, message, options);
  }
}

export function failed(code: PhaseErrorCode, message: string, input?: unknown): PhaseResult {
  return { kind: 'failed', code, message, input };
}
