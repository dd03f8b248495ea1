/**
 * Checks a model's answer against the phase's `output` JSON Schema (draft-07 by default;
 * 2019-09 and 2020-12 when `$schema` names them), collecting every error. `format` is not
 * checked, as when the workflow was saved. A throwaway Ajv per schema: a shared one would
 * keep every compiled schema for the life of the process.
 */
import { Ajv, type ErrorObject, type Options } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { Ajv2020 } from 'ajv/dist/2020.js';

export type AnswerCheck = { ok: true; value: unknown } | { ok: false; errors: string };

const OPTIONS: Options = { allErrors: true, strict: false, validateFormats: false, logger: false };

function createAjv(schema: Record<string, unknown>): Ajv {
  const uri = typeof schema.$schema === 'string' ? schema.$schema : '';
  if (uri.includes('2020-12')) return new Ajv2020(OPTIONS);
  if (uri.includes('2019-09')) return new Ajv2019(OPTIONS);
  return new Ajv(OPTIONS);
}

/** Compiles the schema (throws if it cannot be compiled) and returns a checker for answer texts. */
export function answerChecker(schema: Record<string, unknown>): (text: string) => AnswerCheck {
  const ajv = createAjv(schema);
  const validate = ajv.compile(schema);
  return (text) => {
    let value: unknown;
    try {
      value = JSON.parse(stripFences(text));
    } catch (err) {
      return { ok: false, errors: `the answer is not valid JSON (${(err as Error).message})` };
    }
    if (validate(value)) return { ok: true, value };
    return { ok: false, errors: describeErrors(validate.errors ?? []) };
  };
}

/** Some models wrap JSON in a Markdown code fence even when asked not to. */
function stripFences(text: string): string {
  const m = /^\s*```(?:json)?\s*\n?([\s\S]*?)\n?\s*```\s*$/i.exec(text);
  return m ? m[1]! : text;
}

function describeErrors(errors: ErrorObject[]): string {
  const lines = errors.slice(0, 20).map((e) => {
    const where = e.instancePath === '' ? 'the answer' : `answer${e.instancePath}`;
    const extra = e.keyword === 'additionalProperties' ? ` ("${(e.params as { additionalProperty: string }).additionalProperty}")` : e.keyword === 'enum' ? ` (${JSON.stringify((e.params as { allowedValues: unknown }).allowedValues)})` : '';
    return `${where} ${e.message ?? 'is invalid'}${extra}`;
  });
  if (errors.length > 20) lines.push(`and ${errors.length - 20} more`);
  return lines.join('; ');
}
