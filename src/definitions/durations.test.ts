import { describe, expect, it } from 'vitest';
import { durationSchema, offsetSchema, parseDuration, parseOffset, positiveDurationSchema, waitDurationSchema } from './durations.js';

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['90s', 90_000],
    ['15m', 900_000],
    ['48h', 172_800_000],
    ['2d', 172_800_000],
    ['1w', 604_800_000],
    ['0s', 0],
    ['0ms', 0],
    ['1.5h', 5_400_000],
    ['0.5d', 43_200_000],
    ['1.1h', 3_960_000],
    ['2.50m', 150_000],
    ['1.5s', 1_500],
  ])('reads %s', (s, ms) => {
    expect(parseDuration(s)).toBe(ms);
  });

  it.each([
    '',
    '-1h',
    '+1h',
    '-0s',
    '15',
    'm',
    '15 m',
    ' 15m',
    '15M',
    '1h30m',
    '15min',
    '99999999999999d',
    '1.5ms',
    '0.0001s',
    '1.',
    '.5h',
    '1.5.h',
    '1,5h',
    '1e3s',
    '1.5y',
    '2y',
    'NaNh',
  ])(
    'refuses %j',
    (s) => {
      expect(parseDuration(s)).toBeNull();
    },
  );

  it('refuses non-strings without throwing', () => {
    expect(parseDuration(15 as unknown as string)).toBeNull();
  });
});

describe('parseOffset', () => {
  it.each([
    ['-1h', -3_600_000],
    ['+30m', 1_800_000],
    ['15m', 900_000],
    ['0s', 0],
    ['-0s', 0],
    ['-1.5h', -5_400_000],
    ['+0.5m', 30_000],
  ])('reads %s', (s, ms) => {
    expect(parseOffset(s)).toBe(ms);
  });

  it.each(['', '--1h', '1', 'h', '- 1h', '+-1h', '-1.5ms', '-.5h', '-1y'])('refuses %j', (s) => {
    expect(parseOffset(s)).toBeNull();
  });
});

describe('duration schemas', () => {
  it('accept durations and explain refusals', () => {
    expect(durationSchema.safeParse('48h').success).toBe(true);
    const bad = durationSchema.safeParse('48 hours');
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.message).toBe('must be a duration like "90s", "15m", "48h" or "2d"');
    expect(durationSchema.safeParse(48).error?.issues[0]?.message).toBe(
      'must be a duration like "90s", "15m", "48h" or "2d"',
    );
  });

  it('refuse zero where it would fire at once, saying so, and accept it for a wait', () => {
    expect(durationSchema.safeParse('1.5h').success).toBe(true);
    expect(durationSchema.safeParse('0s').error?.issues[0]?.message).toBe('must be longer than zero, like "90s", "15m" or "48h"');
    expect(positiveDurationSchema('links would expire at once').safeParse('0.0h').error?.issues[0]?.message).toBe(
      'must be longer than zero: links would expire at once',
    );
    expect(durationSchema.safeParse('-1h').error?.issues[0]?.message).toMatch(/^must be a duration like/);
    expect(waitDurationSchema.safeParse('0s').success).toBe(true);
    expect(waitDurationSchema.safeParse('1.5h').success).toBe(true);
    expect(waitDurationSchema.safeParse('-1h').error?.issues[0]?.message).toMatch(/^must be a duration like/);
    expect(waitDurationSchema.safeParse('3 fortnights').success).toBe(false);
  });

  it('offsets may be signed', () => {
    expect(offsetSchema.safeParse('-1h').success).toBe(true);
    expect(offsetSchema.safeParse('-1 hour').error?.issues[0]?.message).toMatch(/^must be a duration like "90s"/);
  });
});
