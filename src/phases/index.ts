/** The handler table: one entry per phase type, and the compiler insists on every one. */
import type { Phase, PhaseType } from '../definitions/index.js';
import { approvalPhase } from './approval.js';
import { aiPhase } from './ai.js';
import { commentPhase } from './comment.js';
import { conditionPhase } from './condition.js';
import { httpPhase } from './http.js';
import { mutatePhase } from './mutate.js';
import { notifyPhase } from './notify.js';
import { shareEmailPhase } from './share-email.js';
import type { PhaseHandler } from './types.js';
import { notImplemented } from './unimplemented.js';
import { waitPhase } from './wait.js';

type HandlerTable = { [T in PhaseType]: PhaseHandler<Extract<Phase, { type: T }>> };

export const PHASE_HANDLERS: HandlerTable = {
  wait: waitPhase,
  mutate: mutatePhase,
  notify: notifyPhase,
  comment: commentPhase,
  condition: conditionPhase,
  approval: approvalPhase,
  share_email: shareEmailPhase,
  ai: aiPhase,
  http: httpPhase,
};

export function handlerFor(type: string): PhaseHandler {
  const h = (PHASE_HANDLERS as Record<string, PhaseHandler>)[type];
  return h ?? notImplemented(type);
}
