import { z } from 'zod';

const UNIT_MS = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
} as const;

// A whole or decimal amount ("90m", "1.5h") and a unit. Decimals must come to a whole number
// of milliseconds: "1.5h" is 90 minutes, "1.5ms" is refused rather than rounded.
const DURATION_RE = /^(\d{1,15})(?:\.(\d{1,9}))?(ms|s|m|h|d|w)$/;
const OFFSET_RE = /^([+-]?)(\d{1,15}(?:\.\d{1,9})?(?:ms|s|m|h|d|w))$/;

/** Exact arithmetic on the decimal digits, so "1.1h" is 3_960_000 and not 3_960_000.0000000005. */
function toMs(whole: string, fraction: string, unit: string): number | null {
  const scale = 10n ** BigInt(fraction.length);
  const scaled = BigInt(whole + fraction) * BigInt(UNIT_MS[unit as keyof typeof UNIT_MS]);
  if (scaled % scale !== 0n) return null;
  const ms = Number(scaled / scale);
  return Number.isSafeInteger(ms) ? ms : null;
}

/**
 * "90s", "15m", "1.5h", "2d", "500ms", "1w", "0s" → milliseconds (0 for a zero duration);
 * null unless well-formed. Unsigned: a negative duration is not a duration. Whether zero is
 * allowed is the schema's business (durationSchema refuses it, waitDurationSchema does not).
 */
export function parseDuration(s: string): number | null {
  if (typeof s !== 'string') return null;
  const m = DURATION_RE.exec(s);
  if (!m) return null;
  return toMs(m[1]!, m[2] ?? '', m[3]!);
}

/** A signed duration such as "-1h", "+30m", "-1.5h" or "15m" → milliseconds (negative for "-"). */
export function parseOffset(s: string): number | null {
  if (typeof s !== 'string') return null;
  const m = OFFSET_RE.exec(s);
  if (!m) return null;
  const ms = parseDuration(m[2]!);
  if (ms === null) return null;
  // Avoid -0, which JSON turns into 0 anyway and which surprises Object.is comparisons.
  return m[1] === '-' && ms !== 0 ? -ms : ms;
}

export const DURATION_MESSAGE = 'must be a duration like "90s", "15m", "48h" or "2d"';
export const OFFSET_MESSAGE = `${DURATION_MESSAGE}, optionally signed like "-1h"`;
export const ZERO_DURATION_MESSAGE = 'must be longer than zero, like "90s", "15m" or "48h"';

const UNITS_DESCRIPTION = 'a whole or decimal number followed by ms, s, m, h, d or w ("1.5h" is 90 minutes)';

/**
 * A duration that must be longer than zero: approval timeouts, link lifetimes, the http
 * timeout, where zero would time out, or expire, at once. `why` ends the message for "0s".
 */
export function positiveDurationSchema(why?: string) {
  const zeroMessage = why ? `must be longer than zero: ${why}` : ZERO_DURATION_MESSAGE;
  return z
    .string({ error: DURATION_MESSAGE })
    .superRefine((s, ctx) => {
      const ms = parseDuration(s);
      if (ms === null) ctx.addIssue({ code: 'custom', message: DURATION_MESSAGE });
      else if (ms === 0) ctx.addIssue({ code: 'custom', message: zeroMessage });
    })
    .meta({
      description: `A duration longer than zero: ${UNITS_DESCRIPTION}.`,
      examples: ['90s', '15m', '1.5h', '48h', '2d'],
    });
}

export const durationSchema = positiveDurationSchema();

/** The duration of a `wait` phase: zero ("0s") is allowed and waits no time. */
export const waitDurationSchema = z
  .string({ error: DURATION_MESSAGE })
  .refine((s) => parseDuration(s) !== null, { message: DURATION_MESSAGE })
  .meta({
    description: `A duration, zero or more: ${UNITS_DESCRIPTION}.`,
    examples: ['10s', '15m', '1.5h', '0s'],
  });

export const offsetSchema = z
  .string({ error: OFFSET_MESSAGE })
  .refine((s) => parseOffset(s) !== null, { message: OFFSET_MESSAGE })
  .meta({
    description: 'A signed duration added to a time: "-1h" is one hour before, "+30m" thirty minutes after, "0s" none.',
    examples: ['-1h', '+30m', '-1.5h', '15m'],
  });
