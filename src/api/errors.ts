/**
 * The one place errors become HTTP answers, in the shape of docs/API.md "Errors":
 * {"error": {"code", "message", "details"?}}.
 */
import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import {
  ConflictError,
  FlowgateError,
  ForbiddenError,
  GoneError,
  IllegalStateError,
  InvalidInputError,
  NotFoundError,
  RateLimitedError,
  UnauthenticatedError,
} from '../core/errors.js';

/** HTTP status by error class: a new code needs no entry here, only the right class. */
const STATUS_BY_CLASS: Array<[new (...args: never[]) => FlowgateError, number]> = [
  [InvalidInputError, 400],
  [UnauthenticatedError, 401],
  [ForbiddenError, 403],
  [NotFoundError, 404],
  [ConflictError, 409],
  [IllegalStateError, 409],
  [GoneError, 410],
  [RateLimitedError, 429],
];

export function httpStatusFor(err: FlowgateError): number {
  for (const [cls, status] of STATUS_BY_CLASS) if (err instanceof cls) return status;
  return 500;
}

type Issue = { path?: PropertyKey[]; instancePath?: string; message?: string };

function issuePath(issue: Issue, part: string | undefined): string {
  const segs = issue.path?.map(String) ?? (issue.instancePath ?? '').split('/').filter(Boolean);
  const p = segs.join('.');
  if (part && part !== 'body') return p ? `${part}.${p}` : part;
  return p;
}

export function registerErrorHandling(app: FastifyInstance) {
  app.setErrorHandler((error: unknown, req, reply) => {
    const err = error as FastifyError;
    if (hasZodFastifySchemaValidationErrors(err)) {
      const part = (err as { validationContext?: string }).validationContext;
      const details = err.validation.map((v) => {
        const issue = ((v.params as { issue?: Issue })?.issue ?? v) as Issue;
        return { path: issuePath(issue, part), message: issue.message ?? v.message ?? 'is invalid' };
      });
      return reply.code(400).send({
        error: {
          code: 'invalid_input',
          message: `The request ${part ?? 'body'} is invalid: ${details.map((d) => `${d.path || part || 'body'}: ${d.message}`).join('; ')}`,
          details,
        },
      });
    }
    if (error instanceof FlowgateError) {
      const status = httpStatusFor(error);
      if (status >= 500) req.log.error({ err: error }, 'request failed');
      return reply.code(status).send({ error: { code: error.code, message: error.message, ...(error.details !== undefined ? { details: error.details } : {}) } });
    }
    const status = err.statusCode ?? 500;
    if (status === 413 || err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return reply.code(413).send({ error: { code: 'payload_too_large', message: 'The request body is larger than the 1 MiB limit.' } });
    }
    if (status >= 400 && status < 500) {
      const code = status === 415 ? 'unsupported_media_type' : status === 404 ? 'not_found' : 'invalid_input';
      const message = err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || err instanceof SyntaxError ? 'The request body is not valid JSON.' : err.message;
      return reply.code(status).send({ error: { code, message, details: [] } });
    }
    req.log.error({ err }, 'request failed');
    return reply.code(500).send({ error: { code: 'internal', message: 'Something went wrong on the server; it has been logged.' } });
  });
  app.setNotFoundHandler((req, reply) => {
    reply.code(404).send({ error: { code: 'not_found', message: `No route for ${req.method} ${req.url.split('?')[0]}.` } });
  });
}
