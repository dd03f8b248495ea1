/**
 * Builds the Fastify app: zod validation (the same schemas generate the OpenAPI document),
 * auth, one error mapping, and every resource's routes.
 */
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { jsonSchemaTransform, jsonSchemaTransformObject, validatorCompiler } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import { InvalidInputError } from '../core/errors.js';
import { registerAuth } from './auth.js';
import type { AppContext } from './context.js';
import { registerErrorHandling } from './errors.js';
import { finishDocument, okAnswer, responseSerializer } from './schemas.js';
import { identityRoutes } from './routes/identity.js';
import { spaceRoutes } from './routes/spaces.js';
import { homeRoutes } from './routes/home.js';
import { extraRoutes } from './routes/index.js';
import { webRoutes } from './routes/web.js';
import { metricsRoutes } from './routes/metrics.js';

export const BODY_LIMIT = 1024 * 1024;

/** The dotted path of a string (or key) in `value` holding a NUL character, or null; walks without recursing. */
function findNul(value: unknown, root: string): string | null {
  const stack: Array<[unknown, string]> = [[value, root]];
  while (stack.length) {
    const [v, path] = stack.pop()!;
    if (typeof v === 'string') {
      if (v.includes('\0')) return path;
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    for (const [k, child] of Object.entries(v)) {
      const at = path ? `${path}.${k}` : k;
      if (k.includes('\0')) return at;
      stack.push([child, at]);
    }
  }
  return null;
}

export async function buildApp(ctx: AppContext, opts: { logger?: Logger | boolean } = {}): Promise<FastifyInstance> {
  const { headersTimeoutMs, requestTimeoutMs } = ctx.config;
  const app = Fastify({
    // Headers (and whole requests) that trickle in are cut off with a 408: Node checks the
    // deadlines every connectionsCheckingInterval, so that follows the shorter deadline.
    http: { headersTimeout: headersTimeoutMs, connectionsCheckingInterval: Math.max(100, Math.min(1000, headersTimeoutMs / 4)) },
    requestTimeout: requestTimeoutMs,
    loggerInstance: typeof opts.logger === 'object' ? opts.logger : undefined,
    logger: typeof opts.logger === 'boolean' ? opts.logger : undefined,
    bodyLimit: BODY_LIMIT,
    trustProxy: false,
    // Guest tokens ride in URLs; per-request logs would carry them. Errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    // An address the router cannot read (a path segment over 100 characters, broken
    // percent-encoding) is a 400 in the documented shape, and does not echo the address: it
    // may hold a review-link token.
    frameworkErrors: (err, _req, reply) => {
      const long = err.code === 'FST_ERR_MAX_PARAM_LENGTH';
      void (reply as unknown as { code(n: number): { send(b: unknown): unknown } }).code(400).send({
        error: { code: 'invalid_input', message: long ? 'A part of the address is longer than 100 characters.' : 'The address is not valid: it has broken percent-encoding.', details: [{ path: 'url', message: long ? 'has a part longer than 100 characters' : 'is not valid percent-encoding' }] },
      });
    },
  }) as unknown as FastifyInstance;
  // An empty body sent with `Content-Type: application/json` (common in clients that always
  // set the header) means "no body", as if the header were absent; anything else is parsed by
  // Fastify's own JSON parser, which also refuses prototype-poisoning keys.
  const json = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    if (typeof body === 'string' && body.trim() === '') return done(null, undefined);
    // No stored text may hold a NUL character (PostgreSQL refuses it): a string with one is
    // refused here, by name, instead of failing in the database.
    if (typeof body === 'string' && (body.includes('\\u0000') || body.includes('\0'))) {
      return json(req, body, (err, value) => {
        if (err) return done(err, undefined);
        const nul = findNul(value, '');
        if (nul !== null) return done(new InvalidInputError('Text in the request may not contain the NUL character (\\u0000).', [{ path: nul, message: 'contains the NUL character' }]), undefined);
        done(null, value);
      });
    }
    return json(req, body as string, done);
  });
  // Bodies are taken as sent: a compressed one would be read as garbage (or, decompressed,
  // could be a bomb), so it is refused before it is read, by name.
  app.addHook('onRequest', async (req) => {
    if (/%00|\0/.test(req.url)) {
      throw new InvalidInputError('The address may not contain the NUL character (%00).', [{ path: 'url', message: 'contains the NUL character' }]);
    }
    const encoding = req.headers['content-encoding'];
    if (encoding && encoding.trim().toLowerCase() !== 'identity') {
      throw new InvalidInputError(`Content-Encoding ${JSON.stringify(encoding)} is not accepted; send the request body uncompressed.`, [{ path: 'content-encoding', message: 'must be absent or "identity"' }]);
    }
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(responseSerializer());
  registerErrorHandling(app);
  // No answer leaves before every commit it could show is durable (Database.durable): a
  // client never sees a change that a power cut could still take back.
  app.addHook('onSend', async () => {
    await ctx.db.durable();
  });
  metricsRoutes(app, ctx);

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Flowgate API', version: '1', description: 'Workflow runs, approval gates and audit for content teams. The contract in words: docs/API.md in the Flowgate repository.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
    // Answer schemas with an id (src/api/schemas.ts) become named components; every
    // operation documents the error shape.
    transformObject: (doc) => finishDocument(jsonSchemaTransformObject(doc) as never),
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs' });

  registerAuth(app, ctx);

  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  app.get('/api/health', { schema: { tags: ['meta'], summary: 'Liveness: 200 {"ok": true} once the server is ready.', response: { 200: okAnswer } } }, async () => ({ ok: true }));

  identityRoutes(app, ctx);
  spaceRoutes(app, ctx);
  homeRoutes(app, ctx);
  await webRoutes(app);
  for (const register of extraRoutes) register(app, ctx);
  return app;
}
