/** Resource route modules, registered in order by buildApp. */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import { auditRoutes } from './audit.js';
import { workflowRoutes } from './workflows.js';
import { targetRoutes } from './targets.js';
import { outboxRoutes } from './outbox.js';
import { runRoutes } from './runs.js';
import { approvalRoutes } from './approvals.js';
import { hookRoutes } from './hooks.js';
import { notificationRoutes } from './notifications.js';
import { guestRoutes } from './guest.js';
import { bulkRoutes } from './bulk.js';
import { meRunsRoutes } from './me-runs.js';
import { templateRoutes } from './templates.js';
import { describeRoutes } from './describe.js';
import { liveRoutes } from './live.js';

export const extraRoutes: Array<(app: FastifyInstance, ctx: AppContext) => void> = [workflowRoutes, auditRoutes, targetRoutes, outboxRoutes, runRoutes, notificationRoutes, approvalRoutes, hookRoutes, guestRoutes, bulkRoutes, meRunsRoutes, templateRoutes, describeRoutes, liveRoutes];
