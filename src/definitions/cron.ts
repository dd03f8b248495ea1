/*
 * A cheap, dependency-free check of cron expressions, so that a typo is refused when the
 * workflow is saved rather than when the scheduler first reads it. It accepts the syntax
 * the scheduler (croner) understands, including L, W and # in the day fields; it does not
 * try to prove that an expression ever fires (e.g. "0 0 31 2 *").
 */

type Field = { name: string; min: number; max: number; names?: readonly string[]; dayField?: 'dom' | 'dow' };

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

const SECOND: Field = { name: 'second', min: 0, max: 59 };
const FIVE_FIELDS: readonly Field[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31, dayField: 'dom' },
  { name: 'month', min: 1, max: 12, names: MONTHS },
  { name: 'day of week', min: 0, max: 7, names: DAYS, dayField: 'dow' },
];

// Day-field extensions: last day (L), last weekday (LW), nearest weekday (15W), days before
// the last (L-3); in day of week, last Friday (5L) and second Monday (1#2).
const DOM_SPECIAL = /^(L|LW|L-\d{1,2}|\d{1,2}W)$/i;
const DOW_SPECIAL = /^(\d|[A-Za-z]{3})(L|#[1-5])$/;

function value(token: string, field: Field): number | null {
  if (/^\d{1,2}$/.test(token)) return Number(token);
  const i = field.names?.indexOf(token.toUpperCase()) ?? -1;
  if (i < 0) return null;
  return field.names === MONTHS ? i + 1 : i;
}

function partProblem(part: string, field: Field): string | null {
  if (field.dayField === 'dom' && DOM_SPECIAL.test(part)) return null;
  if (field.dayField === 'dow' && DOW_SPECIAL.test(part)) {
    const day = value(part.replace(/(L|#\d)$/, ''), field);
    return day !== null && day <= field.max ? null : `has "${part}", which is not a day of the week`;
  }
  const [range, step, extra] = part.split('/');
  if (extra !== undefined) return `has "${part}", with more than one "/"`;
  if (step !== undefined && !(/^\d{1,2}$/.test(step) && Number(step) >= 1 && Number(step) <= field.max + 1)) {
    return `has a step "${step}" that is not a whole number from 1 to ${field.max + 1}`;
  }
  if (range === '*' || (range === '?' && field.dayField)) return null;
  const ends = range!.split('-');
  if (ends.length > 2) return `has "${range}", which is not a value or a range`;
  const nums = ends.map((t) => value(t, field));
  for (let i = 0; i < ends.length; i++) {
    const n = nums[i];
    if (n === null || n === undefined) return `has "${ends[i]}", which is not a valid ${field.name}`;
    if (n < field.min || n > field.max) return `has ${n}, which is outside ${field.min}-${field.max}`;
  }
  if (nums.length === 2 && nums[0]! > nums[1]!) return `has the range "${range}", which runs backwards`;
  return null;
}

/** Why a cron expression is not valid, or null when it is. */
export function cronProblem(expr: string): string | null {
  const parts = expr.trim().split(/\s+/);
  if (parts.length !== 5 && parts.length !== 6) {
    return `must have 5 fields (minute hour day-of-month month day-of-week), or 6 with seconds first; "${expr}" has ${expr.trim() === '' ? 0 : parts.length}`;
  }
  const fields = parts.length === 6 ? [SECOND, ...FIVE_FIELDS] : FIVE_FIELDS;
  for (let i = 0; i < parts.length; i++) {
    const field = fields[i]!;
    for (const part of parts[i]!.split(',')) {
      const problem = part === '' ? 'has an empty list item' : partProblem(part, field);
      if (problem) return `${field.name} field ${problem}`;
    }
  }
  return null;
}

/** Whether the runtime's Intl knows this IANA time zone ("Europe/Paris", "UTC"). */
export function isTimeZone(tz: string): boolean {
  if (typeof tz !== 'string' || tz === '') return false;
  try {
    new Intl.DateTimeFormat(undefined, { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
