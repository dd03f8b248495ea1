import { z } from 'zod';

const UNIT_MS = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
} as const;

// Whole numbers only: "1.5h" invites rounding questions, and "90m" says the same thing.
const DURATION_RE = /^(\d{1,15})(ms|s|m|h|d|w)$/;
const OFFSET_RE = /^([+-]?)(\d{1,15})(ms|s|m|h|d|w)$/;

function toMs(amount: string, unit: string): number | null {
  const ms = Number(amount) * UNIT_MS[unit as keyof typeof UNIT_MS];
  return Number.isSafeInteger(ms) ? ms : null;
}

/** "90s", "15m", "48h", "2d", "500ms", "1w" → milliseconds; null unless well-formed and > 0. */
export function parseDuration(s: string): number | null {
  if (typeof s !== 'string') return null;
  const m = DURATION_RE.exec(s);
  if (!m) return null;
  const ms = toMs(m[1]!, m[2]!);
  return ms !== null && ms > 0 ? ms : null;
}

/** A signed duration such as "-1h", "+30m" or "15m" → milliseconds (negative for "-"). */
export function parseOffset(s: string): number | null {
  if (typeof s !== 'string') return null;
  const m = OFFSET_RE.exec(s);
  if (!m) return null;
  const ms = toMs(m[2]!, m[3]!);
  if (ms === null) return null;
  // Avoid -0, which JSON turns into 0 anyway and which surprises Object.is comparisons.
  return m[1] === '-' && ms !== 0 ? -ms : ms;
}

export const DURATION_MESSAGE = 'must be a duration like "90s", "15m", "48h" or "2d"';
export const OFFSET_MESSAGE = `${DURATION_MESSAGE}, optionally signed like "-1h"`;

export const durationSchema = z
  .string({ error: DURATION_MESSAGE })
  .refine((s) => parseDuration(s) !== null, { message: DURATION_MESSAGE })
  .meta({
    description: 'A positive duration: a whole number followed by ms, s, m, h, d or w.',
    examples: ['90s', '15m', '48h', '2d'],
  });

export const offsetSchema = z
  .string({ error: OFFSET_MESSAGE })
  .refine((s) => parseOffset(s) !== null, { message: OFFSET_MESSAGE })
  .meta({
    description: 'A signed duration added to a time: "-1h" is one hour before, "+30m" thirty minutes after.',
    examples: ['-1h', '+30m', '15m'],
  });
