/** `comment`: adds a comment on the target, in the run's transaction (exactly once). */
import { renderTemplate, type CommentPhase } from '../definitions/index.js';
import { addComment } from '../store/targets.js';
import { failed, type PhaseHandler } from './types.js';

export const commentPhase: PhaseHandler<CommentPhase> = {
  mode: 'tx',
  async execute({ spec, scope, run, target, targetDeleted, trx, now }) {
    const body = renderTemplate(spec.body, scope);
    if (!run.target_type || !run.target_id) return failed('internal', 'This run has no target to comment on.', { body });
    if (targetDeleted || !target) return failed('deleted', `The ${run.target_type} this run works on was deleted.`, { body });
    const comment = await addComment(trx, {
      orgId: run.org_id,
      type: run.target_type,
      targetId: run.target_id,
      body,
      author: { workflowRunId: run.id },
      source: 'workflow',
      runId: run.id,
      now,
    });
    return { kind: 'succeeded', input: { body }, output: { commentId: comment.id } };
  },
};
