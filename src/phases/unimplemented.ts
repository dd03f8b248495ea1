/** Phase types this build accepts in definitions but cannot execute yet fail loudly, never succeed silently. */
import type { PhaseHandler } from './types.js';

export function notImplemented(type: string): PhaseHandler {
  return {
    mode: 'tx',
    async execute() {
      return { kind: 'failed', code: 'not_implemented', message: `Phase type "${type}" cannot run in this version of Flowgate yet.` };
    },
  };
}
