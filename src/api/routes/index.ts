/** Resource route modules, registered in order by buildApp. */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';

export const extraRoutes: Array<(app: FastifyInstance, ctx: AppContext) => void> = [];
