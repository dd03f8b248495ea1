/**
 * Guest review links (docs/REQUIREMENTS.md section 5, docs/API.md "Review links"): the review page at
 * `/review/{token}` for people, and `/api/guest/{token}` for API clients. No sign-in: the
 * token in the URL is the credential, so it is looked up only by its hash, and never
 * written to a log, an answer, the audit log or the page (the form posts to the page's own
 * URL without naming it).
 *
 * Opening a link decides nothing (mail scanners open links before people do): GET and HEAD
 * only read. A decision or comment is a POST that must not come from another site
 * (`Sec-Fetch-Site` / `Origin`), and, from the page, must carry the nonce the page was
 * served with. Approval links die when used, when their gate is decided or when the run
 * ends; share links (view and comment, never decide) live until they expire. Refusing a
 * known link is an audit event (`guest_link.refused`); all guest routes are rate-limited
 * per IP (src/api/rate-limit.ts).
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { appendAudit } from '../../audit/log.js';
import { ConflictError, FlowgateError, ForbiddenError, GoneError, InvalidInputError, NotFoundError, RateLimitedError } from '../../core/errors.js';
import { recordDecision } from '../../runtime/approvals.js';
import { findLink, linkState, type LinkState } from '../../runtime/guest-links.js';
import { diffFromVersion, lastLook, recordView, type Viewer } from '../../runtime/target-versions.js';
import type { GuestLinksTable } from '../../store/schema.js';
import { addComment, closedObject, commentBodySchema, getTarget, listComments, TargetDeletedError, type Comment, type Target } from '../../store/targets.js';
import type { AppContext } from '../context.js';
import { httpStatusFor } from '../errors.js';
import {
  checkNonce,
  makeNonce,
  PAGE_HEADERS,
  pageSecret,
  renderCommentForm,
  renderMessagePage,
  renderReviewPage,
  type GateStatus,
  type GuestComment,
  type GuestTarget,
  type ReviewChanges,
} from '../guest-page.js';
import { GuestRateLimits } from '../rate-limit.js';
import { sha256 } from '../secrets.js';
import { decisionBody } from './approvals.js';
import { guestComment as guestCommentAnswer, guestDecisionAnswer, guestReview } from '../schemas.js';

const API_HEADERS = { 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' } as const;
/** Comments shown on the page and in the API view, oldest first. */
const COMMENTS_SHOWN = 500;
const DECISION_COMMENT_MAX = 5000;

type Refusal = Exclude<LinkState, 'valid'>;
type Attempt = 'view' | 'decision' | 'comment';

const GONE: Record<Refusal, { code: string; title: string; message: string }> = {
  expired: { code: 'link_expired', title: 'This link has expired', message: 'This review link has expired. Ask the person who sent it for a new one.' },
  used: { code: 'link_used', title: 'This link was already used', message: 'This link was already used: your decision has been recorded.' },
  closed: { code: 'link_closed', title: 'This review is closed', message: 'This review is closed: the decision has been made or the workflow run has ended.' },
};

/** A known link, refused: the error the caller answers with. */
function goneError(reason: Refusal): GoneError {
  return new GoneError(GONE[reason].message, GONE[reason].code);
}

const header = (req: FastifyRequest, name: string): string | undefined => {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

/**
 * Why a state-changing request must be refused as cross-site, or null. Browsers send
 * `Sec-Fetch-Site`; only `same-origin` (and `none`, a user's own navigation) pass. Without it,
 * an `Origin` must be this server's (its Host, or the public URL). `Origin: null` passes only
 * with `Sec-Fetch-Site: same-origin`: under `Referrer-Policy: no-referrer` a browser sends
 * `null` for the page's own form. Clients that send neither header (curl, scripts) pass.
 */
export function crossSiteRefusal(req: FastifyRequest, publicUrl: string): string | null {
  const site = header(req, 'sec-fetch-site')?.toLowerCase();
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return `the request came from another site (Sec-Fetch-Site: ${site})`;
  const origin = header(req, 'origin')?.toLowerCase();
  if (origin === undefined) return null;
  if (origin === 'null') return site === 'same-origin' ? null : 'the request came from an opaque origin';
  const own = new Set<string>();
  if (req.headers.host) own.add(`${req.protocol}://${req.headers.host}`.toLowerCase());
  try {
    own.add(new URL(publicUrl).origin.toLowerCase());
  } catch {
    // A malformed public URL names no origin; the Host header still does.
  }
  return own.has(origin) ? null : 'the request came from another origin';
}

function guestTarget(t: Target): GuestTarget {
  return t.type === 'content'
    ? { type: 'content', id: t.id, title: t.title, caption: t.caption, status: t.status, platforms: t.platforms, scheduledAt: t.scheduledAt, tags: t.tags, version: t.version, updatedAt: t.updatedAt }
    : { type: 'task', id: t.id, title: t.title, description: t.description, status: t.status, dueAt: t.dueAt, version: t.version, updatedAt: t.updatedAt };
}

/** Members appear by name only (no user ids for outsiders), guests by email. */
function guestComment(c: Comment): GuestComment {
  const a = c.author;
  const author = !a ? null : 'email' in a ? { email: a.email } : 'workflowRunId' in a ? { workflow: true as const } : { name: a.name };
  return { id: c.id, body: c.body, author, source: c.source, createdAt: c.createdAt };
}

export function guestRoutes(app: FastifyInstance, ctx: AppContext) {
  const limits = new GuestRateLimits();
  const { db } = ctx;

  // ---- shared steps --------------------------------------------------------------------

  function admit(req: FastifyRequest, reply: FastifyReply, token: string) {
    const v = limits.admit(req.ip, sha256(String(token)).slice(0, 32), ctx.now());
    if (!v.ok) {
      reply.header('retry-after', String(Math.max(1, Math.ceil(v.retryAfterMs / 1000))));
      throw new RateLimitedError('Too many requests for review links from your address; try again in a minute.');
    }
  }

  async function find(req: FastifyRequest, reply: FastifyReply, token: string): Promise<GuestLinksTable> {
    const link = await findLink(db.k, token);
    if (!link) {
      const v = limits.failed(req.ip, ctx.now());
      if (!v.ok) {
        // Unknown tokens belong to no org, so no org's audit log can hold this: the server log does, once per address and window (never the token).
        if (limits.firstRefusal(req.ip, ctx.now())) req.log.warn({ ip: req.ip, failedLookups: limits.failedLookups, windowSeconds: Math.ceil(v.retryAfterMs / 1000) }, 'review link guessing limited');
        reply.header('retry-after', String(Math.max(1, Math.ceil(v.retryAfterMs / 1000))));
        throw new RateLimitedError('Too many unknown review links tried from your address; try again in a minute.');
      }
      throw new NotFoundError('Review link');
    }
    return link;
  }

  /**
   * Every guest route starts the same way: its security headers, the rate limit, for a POST
   * the cross-site check, then the link the token names (404, or 429 for a guesser).
   */
  async function openLink(req: FastifyRequest<{ Params: { token: string } }>, reply: FastifyReply, headers: Record<string, string>): Promise<GuestLinksTable> {
    reply.headers(headers);
    admit(req, reply, req.params.token);
    if (req.method === 'POST') refuseCrossSite(req);
    return find(req, reply, req.params.token);
  }

  function refuseCrossSite(req: FastifyRequest) {
    const why = crossSiteRefusal(req, ctx.config.publicUrl);
    if (why) throw new ForbiddenError(`Refused: ${why}. Use the buttons on the review page.`, 'cross_site_request');
  }

  async function auditRefusal(link: GuestLinksTable, reason: Refusal, attempt: Attempt, req: FastifyRequest) {
    const now = ctx.now();
    await db.tx((trx) =>
      appendAudit(trx, db.dialect, {
        orgId: link.org_id,
        actor: `guest:${link.email}`,
        action: 'guest_link.refused',
        subject: `guest_link:${link.id}`,
        runId: link.run_id,
        data: { linkId: link.id, kind: link.kind, phaseId: link.phase_id, reason, attempt, ip: req.ip, userAgent: header(req, 'user-agent') ?? null },
        at: now,
      }),
    );
  }

  async function refuse(link: GuestLinksTable, reason: Refusal, attempt: Attempt, req: FastifyRequest): Promise<never> {
    await auditRefusal(link, reason, attempt, req);
    throw goneError(reason);
  }

  /** Approval links comment while not expired and not closed (a used link may add a follow-up); share links until they expire. */
  const mayComment = (state: LinkState) => state === 'valid' || state === 'used';

  /** What the link shows, as of now. */
  async function review(link: GuestLinksTable) {
    let target: GuestTarget | null = null;
    let targetGone: 'none' | 'deleted' | null = null;
    let comments: GuestComment[] = [];
    if (link.target_type && link.target_id) {
      const t = await getTarget(db.k, link.org_id, link.target_type, link.target_id, { includeDeleted: true });
      if (!t || t.deletedAt !== null) targetGone = 'deleted';
      else {
        target = guestTarget(t);
        comments = (await listComments(db.k, t.type, t.id, { limit: COMMENTS_SHOWN })).items.map(guestComment);
      }
    } else targetGone = 'none';
    let gate: { phaseId: string; status: GateStatus } | null = null;
    if (link.kind === 'approval') {
      const exec = await db.k.selectFrom('phase_executions').select(['status', 'output']).where('id', '=', link.execution_id).executeTakeFirst();
      const out = exec?.output ? (JSON.parse(exec.output) as { decision?: string }) : {};
      const status: GateStatus = exec?.status === 'waiting' ? 'waiting' : exec?.status === 'succeeded' ? (out.decision === 'deny' ? 'denied' : 'approved') : 'closed';
      gate = { phaseId: link.phase_id, status };
    }
    return {
      kind: link.kind as 'approval' | 'share',
      email: link.email,
      target,
      targetGone,
      gate,
      comments,
      expiresAt: new Date(link.expires_at).toISOString(),
    };
  }

  async function decide(link: GuestLinksTable, decision: 'approve' | 'deny', comment: string | null, req: FastifyRequest) {
    if (link.kind !== 'approval') throw new ForbiddenError('A shared review link can view and comment, but not approve or deny.', 'share_link_cannot_decide');
    const state = linkState(link, ctx.now());
    if (state !== 'valid') await refuse(link, state, 'decision', req);
    try {
      const { applied, outcome } = await recordDecision(db, {
        runId: link.run_id,
        phaseId: link.phase_id,
        approver: { email: link.email, link },
        decision,
        comment,
        via: 'link',
        ip: req.ip,
        userAgent: header(req, 'user-agent') ?? null,
      }, ctx.now());
      ctx.engine.afterCommit(applied);
      ctx.engine.notifier.runChanged(link.run_id, link.org_id);
      return { phaseId: link.phase_id, status: outcome, decision };
    } catch (err) {
      // The link or its gate died between our look and the decision's transaction.
      if (err instanceof GoneError) await auditRefusal(link, err.code === 'link_expired' ? 'expired' : err.code === 'link_used' ? 'used' : 'closed', 'decision', req);
      throw err;
    }
  }

  async function comment(link: GuestLinksTable, body: string, req: FastifyRequest): Promise<GuestComment> {
    const first = linkState(link, ctx.now());
    if (!mayComment(first)) await refuse(link, first as Refusal, 'comment', req);
    if (!link.target_type || !link.target_id) throw new ConflictError('This review has no content item or task to comment on.', 'no_target');
    const now = ctx.now();
    let refused: Refusal | null = null;
    let created: Comment;
    try {
      created = await db.tx(async (trx) => {
        // Checked again in the comment's transaction: the link may have died since.
        const fresh = await trx.selectFrom('guest_links').selectAll().where('id', '=', link.id).executeTakeFirstOrThrow();
        const state = linkState(fresh, now);
        if (!mayComment(state)) {
          refused = state as Refusal;
          throw goneError(refused);
        }
        const c = await addComment(trx, {
          orgId: link.org_id,
          type: link.target_type!,
          targetId: link.target_id!,
          body,
          author: { email: link.email },
          source: 'guest',
          runId: link.run_id,
          now,
        });
        await appendAudit(trx, db.dialect, {
          orgId: link.org_id,
          actor: `guest:${link.email}`,
          action: 'guest.comment',
          subject: `${link.target_type}:${link.target_id}`,
          runId: link.run_id,
          data: { commentId: c.id, targetType: link.target_type, targetId: link.target_id, linkId: link.id, kind: link.kind, ip: req.ip, userAgent: header(req, 'user-agent') ?? null },
          at: now,
        });
        return c;
      });
    } catch (err) {
      if (refused) await auditRefusal(link, refused, 'comment', req);
      if (err instanceof TargetDeletedError) throw new GoneError('The item this review is about has been deleted.', 'target_deleted');
      throw err;
    }
    // A comment may fire `comment.created` workflows.
    ctx.engine.wake();
    return guestComment(created);
  }

  // ---- JSON API ------------------------------------------------------------------------

  const r = app.withTypeProvider<ZodTypeProvider>();
  const params = z.object({ token: z.string().min(1).max(500) });

  r.get('/api/guest/:token', {
    schema: {
      tags: ['guest'],
      summary: 'What a guest review link shows: the target as it is now, its comments, and the gate. No sign-in; 404 unknown, 410 expired/used/closed.',
      params,
      security: [],
      response: { 200: guestReview },
    },
  }, async (req, reply) => {
    const link = await openLink(req, reply, API_HEADERS);
    const state = linkState(link, ctx.now());
    if (state !== 'valid') await refuse(link, state, 'view', req);
    return review(link);
  });

  r.post('/api/guest/:token/decision', {
    schema: {
      tags: ['guest'],
      summary: "Approves or denies the link's gate as its external reviewer. 403 for share links and cross-site requests; 410 expired, used, or gate no longer waiting.",
      params,
      body: decisionBody,
      security: [],
      response: { 200: guestDecisionAnswer },
    },
  }, async (req, reply) => {
    const link = await openLink(req, reply, API_HEADERS);
    return decide(link, req.body.decision, req.body.comment ?? null, req);
  });

  r.post('/api/guest/:token/comments', {
    schema: {
      tags: ['guest'],
      summary: 'Comments on the target as the link’s reviewer (approval and share links). 410 expired or closed.',
      params,
      body: closedObject({ body: commentBodySchema }),
      security: [],
      response: { 201: guestCommentAnswer },
    },
  }, async (req, reply) => {
    const link = await openLink(req, reply, API_HEADERS);
    const c = await comment(link, (req.body as { body: string }).body, req);
    return reply.code(201).send(c);
  });

  // ---- the review page -----------------------------------------------------------------

  void app.register(async (page) => {
    // Forms post application/x-www-form-urlencoded; only these routes accept it (the server's 1 MiB body limit applies).
    page.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
      const fields: Record<string, string> = {};
      for (const [k, v] of new URLSearchParams(body as string)) if (!(k in fields)) fields[k] = v;
      done(null, fields);
    });
    page.setErrorHandler((error: unknown, req, reply) => {
      const { status, title, message } = pageError(error);
      if (status >= 500) req.log.error({ err: error }, 'guest review page failed');
      return reply.code(status).headers(PAGE_HEADERS).send(renderMessagePage(title, message));
    });

    /**
     * What changed since the reviewer last looked (their last decision on the run, or the
     * last time this link's page was opened); opening the page (`look`) records that they
     * have now seen the current version.
     */
    async function sinceLastLook(link: GuestLinksTable, target: GuestTarget | null, look: boolean): Promise<ReviewChanges | null> {
      if (!target || !link.target_type || !link.target_id) return null;
      const viewer: Viewer = { linkId: link.id, email: link.email };
      const since = await lastLook(db.k, link.run_id, viewer);
      const mine = await db.k
        .selectFrom('gate_decisions')
        .select(['decision', 'target_version', 'created_at'])
        .where('run_id', '=', link.run_id)
        .where('email', '=', link.email.toLowerCase())
        .orderBy('id')
        .execute();
      if (look) await recordView(db.k, link.run_id, viewer, target.version, ctx.now());
      const decisions = mine.map((d) => ({ decision: d.decision, version: d.target_version, at: new Date(d.created_at).toISOString() }));
      if (!since || since.version >= target.version) return decisions.length ? { since, changes: [], recorded: true, decisions } : null;
      const t = await getTarget(db.k, link.org_id, link.target_type, link.target_id);
      const changes = t ? await diffFromVersion(db.k, link.org_id, t, since.version) : [];
      return { since, changes: changes ?? [], recorded: changes !== null, decisions };
    }

    async function reviewPage(link: GuestLinksTable, notice?: string, look = false): Promise<string> {
      const now = ctx.now();
      const v = await review(link);
      const state = linkState(link, now);
      return renderReviewPage({
        ...v,
        sinceLastLook: await sinceLastLook(link, v.target, look),
        nonce: makeNonce(await pageSecret(db), link.id, now),
        canDecide: link.kind === 'approval' && state === 'valid' && v.gate?.status === 'waiting',
        canComment: v.target !== null && mayComment(state),
        notice,
      });
    }

    page.get<{ Params: { token: string } }>('/review/:token', { schema: { hide: true } }, async (req, reply) => {
      const link = await openLink(req, reply, PAGE_HEADERS);
      const state = linkState(link, ctx.now());
      if (state !== 'valid') await refuse(link, state, 'view', req);
      return reviewPage(link, undefined, true);
    });

    page.post<{ Params: { token: string } }>('/review/:token', { schema: { hide: true } }, async (req, reply) => {
      const link = await openLink(req, reply, PAGE_HEADERS);
      if (!/^application\/x-www-form-urlencoded\b/i.test(header(req, 'content-type') ?? '')) {
        throw new InvalidInputError('Send the review form from the review page.', [{ path: 'body', message: 'must be application/x-www-form-urlencoded' }]);
      }
      const form = (req.body ?? {}) as Record<string, string>;
      const nonce = checkNonce(await pageSecret(db), link.id, form.nonce, ctx.now());
      if (nonce !== 'ok') {
        throw new ForbiddenError(
          nonce === 'stale' ? 'The review page was open too long. Open the link from your email again, then decide.' : 'This form was not sent from the review page. Open the link from your email and use its buttons.',
          'invalid_form_nonce',
        );
      }
      const action = form.action;
      const text = (form.comment ?? '').trim();
      if (action === 'comment') {
        if (!text) throw new InvalidInputError('Write a comment before sending it.', [{ path: 'comment', message: 'must not be empty' }]);
        await comment(link, text, req);
        const fresh = (await db.k.selectFrom('guest_links').selectAll().where('id', '=', link.id).executeTakeFirst()) ?? link;
        if (linkState(fresh, ctx.now()) === 'valid') return reviewPage(fresh, 'Thanks — your comment was added.');
        return renderMessagePage('Thanks — your comment was added', 'Your comment is on the item now.');
      }
      if (action !== 'approve' && action !== 'deny') throw new InvalidInputError('Choose Approve, Deny, or Comment only.', [{ path: 'action', message: 'must be approve, deny or comment' }]);
      if (text.length > DECISION_COMMENT_MAX) throw new InvalidInputError(`A comment sent with a decision may be at most ${DECISION_COMMENT_MAX} characters.`, [{ path: 'comment', message: 'is too long' }]);
      const result = await decide(link, action, text || null, req);
      const fresh = await db.k.selectFrom('guest_links').selectAll().where('id', '=', link.id).executeTakeFirst();
      const more = fresh && link.target_type && mayComment(linkState(fresh, ctx.now())) ? renderCommentForm(makeNonce(await pageSecret(db), link.id, ctx.now())) : '';
      const outcome =
        result.status === 'waiting'
          ? 'The review is still waiting for other reviewers.'
          : `The review is complete: ${result.status}. Nothing more is needed from you.`;
      return renderMessagePage(action === 'approve' ? 'Thanks — your approval was recorded' : 'Thanks — your denial was recorded', outcome, more);
    });
  });
}

/** The page a failed guest request shows. */
function pageError(error: unknown): { status: number; title: string; message: string } {
  if (error instanceof GoneError) {
    const reason = (Object.keys(GONE) as Refusal[]).find((k) => GONE[k].code === error.code);
    return { status: 410, title: reason ? GONE[reason].title : 'This review is closed', message: error.message };
  }
  if (error instanceof FlowgateError) {
    const status = httpStatusFor(error);
    if (status === 404) return { status, title: 'This link is not valid', message: 'No review matches this link. Check that you opened the whole address from the email: each link is unique to one reviewer.' };
    if (status === 429) return { status, title: 'Too many requests', message: error.message };
    if (status === 403) return { status, title: error.code === 'invalid_form_nonce' ? 'This form has expired' : 'This request was refused', message: error.message };
    if (status === 400) return { status, title: 'Something is missing', message: error.message };
    if (status < 500) return { status, title: 'This cannot be done now', message: error.message };
  }
  const e = error as FastifyError;
  if (e?.statusCode === 413 || e?.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return { status: 413, title: 'Too much text', message: 'The form is larger than the 1 MiB limit.' };
  if (e?.statusCode === 415) return { status: 415, title: 'Something is missing', message: 'Send the review form from the review page.' };
  if (e?.statusCode && e.statusCode >= 400 && e.statusCode < 500) return { status: e.statusCode, title: 'Something is missing', message: 'The request could not be read. Open the link from your email again.' };
  return { status: 500, title: 'Something went wrong', message: 'Something went wrong on the server; it has been logged. Please try again in a moment.' };
}
