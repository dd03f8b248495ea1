import type { z } from 'zod';

/*
 * Zod's default messages ("Invalid input: expected string, received undefined") are for
 * developers. Problems are shown to the people who write workflows, next to the path of the
 * field, so each message reads as the rest of a sentence: "phases.2.message: is required".
 * The schema attaches this map to its own types, so the same wording comes out whether the
 * definition is checked by validateDefinition or by Fastify's request validation.
 */

type RawIssue = z.core.$ZodRawIssue;

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'an object',
  array: 'a list',
  null: 'null',
};

export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'number' && Number.isFinite(value) && !Number.isInteger(value)) return 'a fraction';
  return TYPE_NAMES[typeof value] ?? `a ${typeof value}`;
}

export function quoteList(values: readonly unknown[]): string {
  const quoted = values.map((v) => JSON.stringify(v) ?? String(v));
  if (quoted.length <= 1) return quoted.join('');
  return `${quoted.slice(0, -1).join(', ')} or ${quoted[quoted.length - 1]}`;
}

export function unknownFieldMessage(key: string): string {
  return `unknown field ${JSON.stringify(key)}`;
}

function sizeMessage(iss: RawIssue & { code: 'too_small' | 'too_big' }): string | undefined {
  const small = iss.code === 'too_small';
  const bound = Number(small ? (iss as { minimum: unknown }).minimum : (iss as { maximum: unknown }).maximum);
  const inclusive = (iss as { inclusive?: boolean }).inclusive !== false;
  switch (iss.origin) {
    case 'array':
    case 'set':
      if (small && bound === 1) return 'must not be empty';
      return small ? `must have at least ${bound} items` : `must have at most ${bound} items`;
    case 'string':
      if (small && bound === 1) return 'must not be empty';
      return small ? `must be at least ${bound} characters long` : `must be at most ${bound} characters long`;
    case 'number':
    case 'int':
      if (small) return inclusive ? `must be at least ${bound}` : `must be greater than ${bound}`;
      return inclusive ? `must be at most ${bound}` : `must be less than ${bound}`;
    default:
      return undefined;
  }
}

/** Human wording for a raw zod issue; undefined lets zod fall back to its own message. */
export function humanMessage(iss: RawIssue): string | undefined {
  switch (iss.code) {
    case 'invalid_type': {
      if (iss.input === undefined) return 'is required';
      const expected = TYPE_NAMES[iss.expected] ?? iss.expected;
      return `must be ${expected}, not ${describeValue(iss.input)}`;
    }
    case 'unrecognized_keys':
      return iss.keys.length === 1 ? unknownFieldMessage(iss.keys[0]!) : `unknown fields ${quoteList(iss.keys)}`;
    case 'invalid_value':
      return iss.values.length === 1 ? `must be ${quoteList(iss.values)}` : `must be one of ${quoteList(iss.values)}`;
    case 'too_small':
    case 'too_big':
      return sizeMessage(iss);
    case 'invalid_format':
      if (iss.format === 'email') return 'must be an email address';
      return `must be in ${iss.format} format`;
    case 'invalid_union':
      return 'does not match any of the allowed shapes';
    case 'invalid_key':
      return 'has an invalid name';
    default:
      return undefined;
  }
}

/** For zod's `error` parameter: `z.string(humanError)`. */
export const humanError = { error: humanMessage } as const;
