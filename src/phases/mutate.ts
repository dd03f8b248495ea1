/**
 * `mutate`: sets target fields. Applies only if the target is at the version the run last
 * saw (at start, after its own last mutation, or at the last approval); the check and the
 * write are one guarded UPDATE in the run's transaction, so a stale or deleted target fails
 * the phase and nothing is written.
 */
import { renderValue, type MutatePhase } from '../definitions/index.js';
import { ConflictError, InvalidInputError, NotFoundError } from '../core/errors.js';
import { editTarget } from '../store/targets.js';
import { failed, type PhaseHandler } from './types.js';

export const mutatePhase: PhaseHandler<MutatePhase> = {
  mode: 'tx',
  async execute({ spec, scope, run, trx, now, targetDeleted }) {
    const changes: Record<string, unknown> = {};
    for (const [field, value] of Object.entries(spec.set)) changes[field] = renderValue(value, scope) ?? null;
    const input = { set: changes, expectedVersion: run.target_version_seen };
    if (!run.target_type || !run.target_id) return failed('internal', 'This run has no target to change.', input);
    if (targetDeleted) return failed('deleted', `The ${run.target_type} this run works on was deleted; nothing was written.`, input);
    try {
      const res = await editTarget(trx, {
        orgId: run.org_id,
        type: run.target_type,
        id: run.target_id,
        changes,
        expectedVersion: run.target_version_seen ?? undefined,
        by: { runId: run.id },
        now,
      });
      return { kind: 'succeeded', input, output: { changed: res.changed, version: res.after.version }, targetVersion: res.after.version };
    } catch (err) {
      if (err instanceof NotFoundError) return failed('deleted', `The ${run.target_type} this run works on was deleted; nothing was written.`, input);
      if (err instanceof ConflictError) {
        return failed('stale', `The ${run.target_type} changed since this run last saw it (version ${run.target_version_seen}); nothing was written. ${err.message}`, input);
      }
      if (err instanceof InvalidInputError) return failed('internal', `The mutation is not valid for this ${run.target_type}: ${err.message}`, input);
      throw err;
    }
  },
};
