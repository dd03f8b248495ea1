/**
 * Targets: content items and tasks, and their comments. docs/API.md "Targets".
 *
 * The same routes serve both kinds: `/api/spaces/{spaceId}/content` + `/api/content/{id}`
 * and `/api/spaces/{spaceId}/tasks` + `/api/tasks/{id}`. Every change goes through the
 * store's createTarget / editTarget / deleteTarget / addComment (the single paths the engine
 * also uses), with its audit event in the same transaction; the engine is woken after commit.
 * `PATCH` and `DELETE` take an optional `If-Match: <version>` (`3`, `"3"` or `W/"3"`); reads
 * and writes answer with `ETag: "<version>"`.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { appendAudit } from '../../audit/log.js';
import { InvalidInputError, NotFoundError } from '../../core/errors.js';
import {
  addComment,
  closedObject,
  commentBodySchema,
  contentChangesSchema,
  contentCreateSchema,
  createTarget,
  deleteTarget,
  editTarget,
  getTarget,
  listComments,
  listTargets,
  TARGET_LABEL,
  taskChangesSchema,
  taskCreateSchema,
  type ChangesOf,
  type FieldsOf,
  type Target,
  type TargetOf,
  type TargetType,
} from '../../store/targets.js';
import { spaceAccess } from '../access.js';
import { requireAuth, type AppContext, type Auth } from '../context.js';
import { decodeCursor, encodeCursor, pageQuery } from '../pagination.js';
import { comment, contentItem, idParam, noContent, pageOf, task } from '../schemas.js';

interface Kind<T extends TargetType> {
  type: T;
  /** The path segment: /api/{collection}/{id} */
  collection: string;
  create: z.ZodType;
  changes: z.ZodType;
  /** The item as answered. */
  item: z.ZodType;
}

const KINDS = [
  { type: 'content', collection: 'content', create: contentCreateSchema, changes: contentChangesSchema, item: contentItem } satisfies Kind<'content'>,
  { type: 'task', collection: 'tasks', create: taskCreateSchema, changes: taskChangesSchema, item: task } satisfies Kind<'task'>,
];

/**
 * The version named by an `If-Match` header: `3`, `"3"` or `W/"3"`; `*` (or no header)
 * means any version.
 */
export function parseIfMatch(header: string | string[] | undefined): number | undefined {
  if (header === undefined) return undefined;
  const value = (Array.isArray(header) ? header.join(',') : header).trim();
  if (value === '*' || value === '') return undefined;
  const m = /^(?:W\/)?(?:"(\d{1,9})"|(\d{1,9}))$/.exec(value);
  if (!m) {
    throw new InvalidInputError(`The If-Match header must be one version, such as 3 or "3"; got ${JSON.stringify(value)}.`, [
      { path: 'headers.if-match', message: 'must be a version number such as 3 or "3"' },
    ]);
  }
  return Number(m[1] ?? m[2]);
}

const subject = (type: TargetType, id: string) => `${type}:${id}`;

export function targetRoutes(app: FastifyInstance, ctx: AppContext) {
  for (const kind of KINDS) registerKind(app, ctx, kind as Kind<TargetType>);
}

function registerKind<T extends TargetType>(app: FastifyInstance, ctx: AppContext, kind: Kind<T>) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { type, collection } = kind;
  const label = TARGET_LABEL[type];
  const tags = [type === 'content' ? 'content' : 'tasks'];
  const itemPath = `/api/${collection}/:id`;
  const db = ctx.db;

  /** The live target, if the caller may `need` it: another org's id or a deleted one is 404. */
  async function load(auth: Auth, id: string, need: 'read' | 'write'): Promise<TargetOf<T>> {
    const target = await getTarget(db.k, auth.orgId, type, id);
    if (!target) throw new NotFoundError(label);
    await spaceAccess(db.k, auth, target.spaceId, need);
    return target;
  }

  const sendItem = (reply: FastifyReply, item: Target, code = 200) => reply.code(code).header('etag', `"${item.version}"`).send(item);
  const actor = (auth: Auth) => `user:${auth.userId}`;

  r.post(`/api/spaces/:spaceId/${collection}`, {
    schema: {
      tags,
      summary: `Creates a ${label.toLowerCase()} at version 1 (space editors). Its status defaults to the first of the space's statuses.`,
      params: idParam('spaceId'),
      body: kind.create,
      response: { 201: kind.item },
    },
  }, async (req, reply) => {
    const auth = requireAuth(req);
    const { space } = await spaceAccess(db.k, auth, (req.params as { spaceId: string }).spaceId, 'write');
    const now = ctx.now();
    const item = await db.tx(async (trx) => {
      const created = await createTarget(trx, { orgId: auth.orgId, spaceId: space.id, type, fields: req.body as FieldsOf<T>, by: { userId: auth.userId }, now });
      await appendAudit(trx, db.dialect, { orgId: auth.orgId, actor: actor(auth), action: `${type}.created`, subject: subject(type, created.id), data: { spaceId: space.id, version: created.version }, at: now });
      return created;
    });
    ctx.engine?.wake();
    return sendItem(reply, item, 201);
  });

  r.get(`/api/spaces/:spaceId/${collection}`, {
    schema: { tags, summary: `The space's ${collection === 'content' ? 'content items' : 'tasks'}, newest first.`, params: idParam('spaceId'), querystring: pageQuery, response: { 200: pageOf(kind.item) } },
  }, async (req) => {
    const auth = requireAuth(req);
    const { space } = await spaceAccess(db.k, auth, (req.params as { spaceId: string }).spaceId, 'read');
    const q = req.query as z.infer<typeof pageQuery>;
    const res = await listTargets(db.k, { orgId: auth.orgId, spaceId: space.id, type, limit: q.limit, after: decodeCursor(q.cursor) });
    return { items: res.items, nextCursor: res.nextAfter ? encodeCursor(res.nextAfter) : null };
  });

  r.get(itemPath, { schema: { tags, summary: `A ${label.toLowerCase()}, with its version (also in the ETag header).`, params: idParam('id'), response: { 200: kind.item } } }, async (req, reply) => {
    const auth = requireAuth(req);
    return sendItem(reply, await load(auth, (req.params as { id: string }).id, 'read'));
  });

  r.patch(itemPath, {
    schema: {
      tags,
      summary: `Changes fields of a ${label.toLowerCase()} (space editors). The version grows by one when a field changes, not for a PATCH that changes nothing. With If-Match: <version>, another version answers 409 version_mismatch.`,
      params: idParam('id'),
      body: kind.changes,
      response: { 200: kind.item },
    },
  }, async (req: FastifyRequest, reply) => {
    const auth = requireAuth(req);
    const expectedVersion = parseIfMatch(req.headers['if-match']);
    const { id } = req.params as { id: string };
    await load(auth, id, 'write');
    const now = ctx.now();
    const res = await db.tx(async (trx) => {
      const edit = await editTarget(trx, { orgId: auth.orgId, type, id, changes: req.body as ChangesOf<T>, expectedVersion, by: { userId: auth.userId }, now });
      if (edit.changed.length > 0) {
        await appendAudit(trx, db.dialect, {
          orgId: auth.orgId,
          actor: actor(auth),
          action: `${type}.updated`,
          subject: subject(type, id),
          data: { changed: edit.changed, fromVersion: edit.before.version, toVersion: edit.after.version },
          at: now,
        });
      }
      return edit;
    });
    if (res.changed.length > 0) ctx.engine?.wake();
    return sendItem(reply, res.after);
  });

  r.delete(itemPath, {
    schema: { tags, summary: `Deletes a ${label.toLowerCase()} (space editors); it then answers 404. Takes an optional If-Match like PATCH.`, params: idParam('id'), response: { 204: noContent } },
  }, async (req, reply) => {
    const auth = requireAuth(req);
    const expectedVersion = parseIfMatch(req.headers['if-match']);
    const { id } = req.params as { id: string };
    await load(auth, id, 'write');
    const now = ctx.now();
    await db.tx(async (trx) => {
      const deleted = await deleteTarget(trx, { orgId: auth.orgId, type, id, expectedVersion, by: { userId: auth.userId }, now });
      await appendAudit(trx, db.dialect, { orgId: auth.orgId, actor: actor(auth), action: `${type}.deleted`, subject: subject(type, id), data: { version: deleted.version }, at: now });
    });
    ctx.engine?.wake();
    return reply.code(204).send(null);
  });

  r.post(`${itemPath}/comments`, {
    schema: {
      tags,
      summary: `Comments on a ${label.toLowerCase()} (space editors). Does not change its version.`,
      params: idParam('id'),
      body: closedObject({ body: commentBodySchema }),
      response: { 201: comment },
    },
  }, async (req, reply) => {
    const auth = requireAuth(req);
    const { id } = req.params as { id: string };
    await load(auth, id, 'write');
    const now = ctx.now();
    const comment = await db.tx(async (trx) => {
      const c = await addComment(trx, { orgId: auth.orgId, type, targetId: id, body: (req.body as { body: string }).body, author: { userId: auth.userId }, source: 'app', now });
      await appendAudit(trx, db.dialect, {
        orgId: auth.orgId,
        actor: actor(auth),
        action: 'comment.created',
        subject: subject(type, id),
        data: { commentId: c.id, targetType: type, targetId: id, source: c.source },
        at: now,
      });
      return c;
    });
    ctx.engine?.wake();
    return reply.code(201).send(comment);
  });

  r.get(`${itemPath}/comments`, {
    schema: { tags, summary: `The comments on a ${label.toLowerCase()}, oldest first.`, params: idParam('id'), querystring: pageQuery, response: { 200: pageOf(comment) } },
  }, async (req) => {
    const auth = requireAuth(req);
    const { id } = req.params as { id: string };
    await load(auth, id, 'read');
    const q = req.query as z.infer<typeof pageQuery>;
    const res = await listComments(db.k, type, id, { limit: q.limit, after: decodeCursor(q.cursor) });
    return { items: res.items, nextCursor: res.nextAfter ? encodeCursor(res.nextAfter) : null };
  });
}
