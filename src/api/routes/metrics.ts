/**
 * `GET /metrics` (Prometheus text format) and the HTTP request metrics behind it. The route
 * is outside /api and the OpenAPI document. It needs no sign-in: operators keep it behind
 * their proxy, or set FLOWGATE_METRICS_TOKEN to require `Authorization: Bearer <token>`.
 *
 * Registered before any plugin, so the response hook sees every route, Swagger UI included.
 */
import type { FastifyInstance } from 'fastify';
import { UnauthenticatedError } from '../../core/errors.js';
import { metricsAuthorized } from '../../observability/metrics.js';
import type { AppContext } from '../context.js';

export function metricsRoutes(app: FastifyInstance, ctx: AppContext) {
  const metrics = ctx.engine.metrics;
  app.addHook('onResponse', async (req, reply) => {
    // The route pattern, never the raw URL: ids and guest tokens would make a series each.
    metrics.httpRequest(req.method, req.is404 ? null : (req.routeOptions.url ?? null), reply.statusCode, reply.elapsedTime / 1000);
  });

  app.get('/metrics', { schema: { hide: true } }, async (req, reply) => {
    if (!metricsAuthorized(req.headers.authorization, ctx.config.metricsToken)) {
      throw new UnauthenticatedError('Send "Authorization: Bearer <FLOWGATE_METRICS_TOKEN>".');
    }
    return reply.header('content-type', metrics.contentType).send(await metrics.text());
  });
}
