/** `wait`: pauses for a duration, or until a time (fixed, or from a target field) plus an offset. */
import { parseDuration, parseOffset, renderValue, type WaitPhase } from '../definitions/index.js';
import { failed, type PhaseHandler } from './types.js';

export const waitPhase: PhaseHandler<WaitPhase> = {
  mode: 'tx',
  async execute({ spec, scope, now }) {
    let wakeAt: number;
    if (spec.duration !== undefined) {
      wakeAt = now + (parseDuration(spec.duration) ?? 0);
    } else {
      const raw = renderValue(spec.until, scope);
      const t = typeof raw === 'number' ? raw : typeof raw === 'string' && raw !== '' ? Date.parse(raw) : NaN;
      if (!Number.isFinite(t)) {
        return failed('internal', `The wait has no time to wait for: "${spec.until}" gave ${raw === undefined || raw === null || raw === '' ? 'nothing' : JSON.stringify(raw)}.`, { until: spec.until });
      }
      wakeAt = t + (spec.offset ? (parseOffset(spec.offset) ?? 0) : 0);
    }
    const input = { ...(spec.duration ? { duration: spec.duration } : { until: spec.until }), ...(spec.offset ? { offset: spec.offset } : {}) };
    // A time already past still waits through the timer queue: one path for every wait.
    return { kind: 'waiting', waitingFor: 'wait', wakeAt: Math.max(wakeAt, now), input, output: { wakeAt: new Date(Math.max(wakeAt, now)).toISOString() } };
  },
};
