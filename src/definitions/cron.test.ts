import { describe, expect, it } from 'vitest';
import { cronProblem, isTimeZone } from './cron.js';

describe('cronProblem', () => {
  it.each([
    '0 9 * * 2',
    '*/15 * * * *',
    '0 9-17 * * MON-FRI',
    '0 0 1,15 JAN,jul *',
    '30 0 9 * * 1',
    '0 0 L * *',
    '0 0 ? * 5L',
    '0 0 * * 1#2',
    '0 0 15W * *',
    '0 0 * * 7',
  ])('accepts %j', (expr) => {
    expect(cronProblem(expr)).toBeNull();
  });

  it.each([
    ['', /must have 5 fields/],
    ['0 9 * *', /has 4/],
    ['0 9 * * * * *', /has 7/],
    ['60 * * * *', /minute field has 60, which is outside 0-59/],
    ['0 24 * * *', /hour field/],
    ['0 0 0 * *', /day of month field/],
    ['0 0 * 13 *', /month field/],
    ['0 0 * * 8', /day of week field/],
    ['0 0 * * FUNDAY', /day of week field/],
    ['0 17-9 * * *', /runs backwards/],
    ['*/0 * * * *', /step/],
    ['1,,2 * * * *', /empty list item/],
    ['? * * * *', /minute field/],
  ])('refuses %j', (expr, why) => {
    expect(cronProblem(expr)).toMatch(why);
  });
});

describe('isTimeZone', () => {
  it('knows IANA zones and nothing else', () => {
    expect(isTimeZone('Europe/Paris')).toBe(true);
    expect(isTimeZone('UTC')).toBe(true);
    expect(isTimeZone('Mars/Olympus_Mons')).toBe(false);
    expect(isTimeZone('')).toBe(false);
  });
});
