import { Ajv, type Options } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { Ajv2020 } from 'ajv/dist/2020.js';

/*
 * An ai phase's `output` is a JSON Schema its answer must match. Compiling it when the
 * workflow is saved turns a bad schema into a 400 instead of a failed run days later.
 *
 * Two steps, for cost: the schema is checked against its meta-schema by a shared Ajv per
 * dialect (which compiled the meta-schema once), then compiled by a throwaway Ajv that skips
 * that check. The throwaway instance is on purpose: a shared one would cache every compiled
 * schema for the life of the process, and refuse a second schema with the same `$id`.
 */

type Dialect = 'draft-07' | '2019-09' | '2020-12';

const OPTIONS: Options = { strict: false, allErrors: false, validateFormats: false };

function dialectOf(schema: Record<string, unknown>): Dialect {
  const uri = typeof schema.$schema === 'string' ? schema.$schema : '';
  if (uri.includes('2020-12')) return '2020-12';
  if (uri.includes('2019-09')) return '2019-09';
  return 'draft-07';
}

function create(dialect: Dialect, options: Options): Ajv {
  if (dialect === '2020-12') return new Ajv2020(options);
  if (dialect === '2019-09') return new Ajv2019(options);
  return new Ajv(options);
}

const metaCheckers = new Map<Dialect, Ajv>();

function metaChecker(dialect: Dialect): Ajv {
  let ajv = metaCheckers.get(dialect);
  if (!ajv) {
    ajv = create(dialect, OPTIONS);
    metaCheckers.set(dialect, ajv);
  }
  return ajv;
}

/** Why `schema` is not a usable JSON Schema, or null when it compiles. */
export function jsonSchemaProblem(schema: Record<string, unknown>): string | null {
  const dialect = dialectOf(schema);
  try {
    const checker = metaChecker(dialect);
    if (!checker.validateSchema(schema)) {
      return `is not a valid JSON Schema: ${checker.errorsText(checker.errors, { dataVar: 'schema' })}`;
    }
    create(dialect, { ...OPTIONS, validateSchema: false }).compile(schema);
    return null;
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    return `is not a valid JSON Schema: ${reason}`;
  }
}
