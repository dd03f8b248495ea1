import { describe, expect, it } from 'vitest';
import { durationSchema, offsetSchema, parseDuration, parseOffset } from './durations.js';

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['90s', 90_000],
    ['15m', 900_000],
    ['48h', 172_800_000],
    ['2d', 172_800_000],
    ['1w', 604_800_000],
  ])('reads %s', (s, ms) => {
    expect(parseDuration(s)).toBe(ms);
  });

  it.each(['', '0s', '-1h', '+1h', '1.5h', '15', 'm', '15 m', ' 15m', '15M', '1h30m', '15min', '99999999999999d'])(
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
  ])('reads %s', (s, ms) => {
    expect(parseOffset(s)).toBe(ms);
  });

  it.each(['', '--1h', '1', 'h', '- 1h', '+-1h'])('refuses %j', (s) => {
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

  it('offsets may be signed', () => {
    expect(offsetSchema.safeParse('-1h').success).toBe(true);
    expect(offsetSchema.safeParse('-1 hour').error?.issues[0]?.message).toMatch(/^must be a duration like "90s"/);
  });
});
