/*
 * The canonical form of a valid definition, which is what validateDefinition returns and so
 * what is stored and run. Only two spellings change, both to the one that means the same
 * thing everywhere:
 *
 * - an http `method` in any case ("post", "Get") becomes upper case, the method that goes out;
 * - a fixed wait `until` without a zone offset ("2026-12-01T09:00:00") gets "Z": it means
 *   UTC, whatever the zone of the server that runs it.
 *
 * Everything else stays exactly as sent, and nothing absent is filled in (see DEFAULTS).
 */
import { utcUntil } from './phases.js';
import type { Phase, WorkflowDefinition } from './schema.js';
import { hasTemplate } from './templates.js';

function canonicalPhase(phase: Phase): Phase {
  if (phase.type === 'http' && phase.method !== undefined) {
    const method = phase.method.toUpperCase();
    return method === phase.method ? phase : { ...phase, method };
  }
  if (phase.type === 'wait' && phase.until !== undefined && !hasTemplate(phase.until)) {
    const until = utcUntil(phase.until);
    return until === phase.until ? phase : { ...phase, until };
  }
  return phase;
}

/** The definition with canonical spellings; the same object when nothing needs changing. */
export function canonicalDefinition(definition: WorkflowDefinition): WorkflowDefinition {
  const phases = definition.phases.map(canonicalPhase);
  return phases.every((p, i) => p === definition.phases[i]) ? definition : { ...definition, phases };
}
