/**
 * The template gallery: ready workflows to start from (src/definitions/gallery.ts). A
 * template is not a workflow: using one opens the builder with its definition for a space
 * the user picks, and nothing is saved until they fill in its people and save.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { GALLERY } from '../../definitions/gallery.js';
import { requireAuth, type AppContext } from '../context.js';

const template = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  tags: z.array(z.string()),
  definition: z
    .looseObject({ name: z.string(), trigger: z.looseObject({ type: z.string() }), phases: z.array(z.looseObject({ id: z.string(), type: z.string() })) })
    .describe('The workflow definition, with its people fields (approvers, escalation, recipients) left empty.'),
  fill: z.array(z.object({ path: z.string(), label: z.string() })).describe('What the user fills in before saving: a dotted path into the definition and what goes there.'),
});

export function templateRoutes(app: FastifyInstance, _ctx: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get('/api/templates', {
    schema: {
      tags: ['workflows'],
      summary: 'The template gallery: ready workflows a content team uses, each with a description and the people fields to fill in.',
      response: { 200: z.object({ items: z.array(template) }) },
    },
  }, async (req) => {
    requireAuth(req);
    return { items: GALLERY.map((t) => ({ ...t, definition: structuredClone(t.definition) })) };
  });
}
