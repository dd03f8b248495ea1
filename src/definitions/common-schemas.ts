import { z } from 'zod';
import { humanError } from './messages.js';

/** Any JSON value. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

// One shared instance: each z.json() call would become its own $defs entry in the OpenAPI
// document.
export const jsonValueSchema: z.ZodType<JsonValue> = z.json().meta({ id: 'JsonValue', description: 'Any JSON value.' });

export const stringSchema = () => z.string(humanError);
export const textSchema = () => z.string(humanError).min(1, 'must not be empty');
export const booleanSchema = () => z.boolean(humanError);
export const emailSchema = () => z.email(humanError);

export function listSchema<T extends z.ZodType>(item: T) {
  return z.array(item, humanError);
}

export function objectSchema<T extends z.ZodRawShape>(shape: T) {
  return z.strictObject(shape, humanError);
}

export const PHASE_ID_RE = /^[a-z0-9_-]+$/;

export const phaseIdSchema = z
  .string(humanError)
  .min(1, { message: 'must not be empty', abort: true })
  .regex(PHASE_ID_RE, 'must use only lowercase letters, digits, "_" and "-"')
  .max(64, 'must be at most 64 characters long')
  .refine((id) => id !== 'end', { message: '"end" is reserved for finishing the run; choose another id' })
  .meta({ description: 'Unique within the workflow: lowercase letters, digits, "_" and "-". "end" is reserved.' });

/** Where to go next: a later phase id, or "end" to finish the run. */
export const jumpSchema = () =>
  textSchema().meta({ description: 'A later phase id, or "end" to finish the run.' });
