/**
 * The guest review page (docs/REQUIREMENTS.md section 5): server-rendered HTML that needs no JavaScript
 * and loads nothing, from this server or elsewhere, beyond the document itself. Decisions
 * and comments are a plain form POST back to the page's own URL (the form has no `action`,
 * so the token is not written into the page a second time).
 *
 * The form carries a nonce: HMAC-SHA256 over the link id and the time the page was served,
 * keyed by a per-instance secret kept in `instance_settings` ('page_secret', created on
 * first use). A POST without a fresh nonce for the same link was not made from the page.
 */
import crypto from 'node:crypto';
import { escapeHtml } from '../mail/outbox.js';
import type { Database } from '../store/db.js';

// ---------------------------------------------------------------------------------------
// Headers

const STYLE = `*{box-sizing:border-box}body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;background:#f4f6fa;color:#1d2430}
main{max-width:44rem;margin:0 auto;padding:1.5rem 1rem 3rem}.brand{font-size:.85rem;color:#5b6475;margin:0 0 1rem;letter-spacing:.02em}
.card{background:#fff;border:1px solid #dde2ec;border-radius:6px;padding:1.25rem 1.5rem;margin:0 0 1rem}
h1{font-size:1.5rem;line-height:1.3;margin:0 0 .5rem}h2{font-size:1.1rem;margin:0 0 .75rem}
.meta{color:#5b6475;font-size:.9rem;margin:0 0 .25rem}.state{display:inline-block;padding:.1rem .5rem;border-radius:999px;background:#eef1f6;font-size:.85rem}
.state.waiting{background:#fff4d6}.state.approved{background:#dcf5e3}.state.denied{background:#fde2e2}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.4rem 1rem;margin:0}dt{color:#5b6475}dd{margin:0;white-space:pre-wrap;overflow-wrap:anywhere}
ol.comments{list-style:none;margin:0;padding:0}ol.comments li{border-top:1px solid #eef1f6;padding:.6rem 0}ol.comments li:first-child{border-top:0}
.who{font-weight:600}.when{color:#5b6475;font-size:.85rem;margin-left:.5rem}.body{white-space:pre-wrap;overflow-wrap:anywhere;margin:.2rem 0 0}
label{display:block;font-weight:600;margin:0 0 .4rem}textarea{width:100%;min-height:7rem;padding:.6rem;font:inherit;border:1px solid #c5ccd9;border-radius:4px}
.actions{display:flex;flex-wrap:wrap;gap:.6rem;margin-top:.9rem}button{padding:.6rem 1.3rem;font:inherit;font-weight:600;border:0;border-radius:4px;cursor:pointer;color:#fff;background:#5b6475}
button.approve{background:#1a7340}button.deny{background:#c0392b}.hint{color:#5b6475;font-size:.85rem;margin:.6rem 0 0}
.notice{background:#dcf5e3;border:1px solid #b5e3c4;border-radius:6px;padding:.6rem 1rem;margin:0 0 1rem}.empty{color:#5b6475}
.changes{border-left:4px solid #b7791f}ul.diff,ul.mine{list-style:none;margin:0;padding:0}ul.diff li{border-top:1px solid #eef1f6;padding:.5rem 0}ul.diff li:first-child{border-top:0}
.k{display:inline-block;min-width:2.5rem;color:#5b6475;font-size:.85rem}del{background:#fde2e2;color:#7a1f1f;white-space:pre-wrap;overflow-wrap:anywhere}ins{background:#dcf5e3;color:#14532d;text-decoration:none;white-space:pre-wrap;overflow-wrap:anywhere}ul.mine{margin-top:.6rem;color:#5b6475;font-size:.9rem}`;

const STYLE_HASH = `'sha256-${crypto.createHash('sha256').update(STYLE).digest('base64')}'`;

/** Every guest page answer carries these (the API answers carry the caching and referrer ones). */
export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'content-security-policy': `default-src 'none'; style-src ${STYLE_HASH}; img-src 'none'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'x-robots-tag': 'noindex, nofollow',
};

// ---------------------------------------------------------------------------------------
// What the page shows (the same shapes the guest JSON API answers with)

export type GuestTarget =
  | { type: 'content'; id: string; title: string; caption: string | null; status: string; platforms: string[]; scheduledAt: string | null; tags: string[]; version: number; updatedAt: string }
  | { type: 'task'; id: string; title: string; description: string | null; status: string; dueAt: string | null; version: number; updatedAt: string };

export interface GuestComment {
  id: string;
  body: string;
  /** A member by name, a guest by email, or the workflow itself. */
  author: { name: string | null } | { email: string } | { workflow: true } | null;
  source: string;
  createdAt: string;
}

export type GateStatus = 'waiting' | 'approved' | 'denied' | 'closed';

export interface ReviewView {
  kind: 'approval' | 'share';
  email: string;
  target: GuestTarget | null;
  /** Why there is no target: the run has none, or it was deleted. */
  targetGone: 'none' | 'deleted' | null;
  gate: { phaseId: string; status: GateStatus } | null;
  comments: GuestComment[];
  expiresAt: string;
  nonce: string;
  /** Whether the form may decide (an approval link whose gate waits). */
  canDecide: boolean;
  /** Whether the form may comment (there is a live target). */
  canComment: boolean;
  notice?: string;
  /** What changed since the reviewer last looked, and their own decisions with the version each was made on. */
  sinceLastLook?: ReviewChanges | null;
}

export interface ReviewChanges {
  since: { version: number; reason: 'decided' | 'viewed' | 'requested'; at: string | null } | null;
  changes: Array<{ field: string; label: string; before: unknown; after: unknown }>;
  /** False when the version last seen predates version history. */
  recorded: boolean;
  decisions: Array<{ decision: 'approve' | 'deny'; version: number | null; at: string }>;
}

const when = (iso: string) => new Date(iso).toUTCString().replace(' GMT', ' UTC');

function layout(title: string, body: string): string {
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">` +
    `<meta name="robots" content="noindex,nofollow"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head>` +
    `<body><main><p class="brand">Flowgate review</p>${body}</main></body></html>`
  );
}

function fieldsOf(t: GuestTarget): Array<[string, string]> {
  const rows: Array<[string, string | null]> =
    t.type === 'content'
      ? [
          ['Status', t.status],
          ['Caption', t.caption],
          ['Platforms', t.platforms.join(', ') || null],
          ['Scheduled', t.scheduledAt ? when(t.scheduledAt) : null],
          ['Tags', t.tags.join(', ') || null],
        ]
      : [
          ['Status', t.status],
          ['Description', t.description],
          ['Due', t.dueAt ? when(t.dueAt) : null],
        ];
  return rows.map(([k, v]) => [k, v === null || v === '' ? '—' : v]);
}

function authorLabel(a: GuestComment['author']): string {
  if (!a) return 'Someone';
  if ('email' in a) return a.email;
  if ('workflow' in a) return 'Workflow';
  return a.name ?? 'A team member';
}

const GATE_LABEL: Record<GateStatus, string> = {
  waiting: 'Waiting for decisions',
  approved: 'Approved',
  denied: 'Denied',
  closed: 'Closed',
};

function showValue(field: string, v: unknown): string {
  if (v === null || v === undefined || v === '' || (Array.isArray(v) && v.length === 0)) return '—';
  if (Array.isArray(v)) return v.join(', ');
  if ((field === 'scheduledAt' || field === 'dueAt') && typeof v === 'string') return when(v);
  return String(v);
}

function renderChanges(c: ReviewChanges, current: number): string {
  const decided = c.decisions.length
    ? `<ul class="mine">${c.decisions
        .map((d) => `<li>You ${d.decision === 'approve' ? 'approved' : 'denied'} on version ${d.version ?? '—'}, ${escapeHtml(when(d.at))}.</li>`)
        .join('')}</ul>`
    : '';
  let body = '';
  if (c.since && c.since.version < current) {
    const what = c.since.reason === 'decided' ? 'you decided' : 'you last looked';
    const head = `<h2>Changed since ${what} (version ${c.since.version} → ${current})</h2>`;
    body = !c.recorded
      ? `${head}<p class="empty">Version ${c.since.version} was not recorded, so the changes cannot be listed.</p>`
      : head +
        `<ul class="diff">${c.changes
          .map(
            (f) =>
              `<li data-field="${escapeHtml(f.field)}"><b>${escapeHtml(f.label)} changed</b>` +
              `<div class="was"><span class="k">Was</span> <del>${escapeHtml(showValue(f.field, f.before))}</del></div>` +
              `<div class="now"><span class="k">Now</span> <ins>${escapeHtml(showValue(f.field, f.after))}</ins></div></li>`,
          )
          .join('')}</ul>`;
  } else if (c.since) body = `<p class="meta">Nothing has changed since ${c.since.reason === 'decided' ? 'you decided' : 'you last looked'} (version ${c.since.version}).</p>`;
  if (!body && !decided) return '';
  return `<section class="card changes" aria-label="What changed">${body}${decided}</section>`;
}

export function renderReviewPage(v: ReviewView): string {
  const title = v.target?.title ?? (v.targetGone === 'deleted' ? 'A deleted item' : 'A workflow run');
  const intro =
    v.kind === 'approval'
      ? 'Read it, leave a comment if you like, then approve or deny. Nothing is decided until you press a button.'
      : 'Read it and leave a comment if you like.';
  const gate = v.gate ? `<p class="meta">Review: <span class="state ${v.gate.status}">${GATE_LABEL[v.gate.status]}</span></p>` : '';
  const content = v.target
    ? `<dl>${fieldsOf(v.target).map(([k, val]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(val)}</dd>`).join('')}</dl>` +
      `<p class="hint">As of now: version ${v.target.version}, last changed ${escapeHtml(when(v.target.updatedAt))}.</p>`
    : `<p class="empty">${v.targetGone === 'deleted' ? 'The item this review is about has been deleted.' : 'This review is about a workflow run that has no content item or task.'}</p>`;
  const comments = v.target
    ? `<section class="card"><h2>Comments (${v.comments.length})</h2>` +
      (v.comments.length
        ? `<ol class="comments">${v.comments
            .map((c) => `<li><span class="who">${escapeHtml(authorLabel(c.author))}</span><span class="when">${escapeHtml(when(c.createdAt))}</span><p class="body">${escapeHtml(c.body)}</p></li>`)
            .join('')}</ol>`
        : '<p class="empty">No comments yet.</p>') +
      `</section>`
    : '';
  let form = '';
  if (v.canDecide || v.canComment) {
    const buttons = v.canDecide
      ? `<button type="submit" name="action" value="approve" class="approve">Approve</button><button type="submit" name="action" value="deny" class="deny">Deny</button>` +
        (v.canComment ? `<button type="submit" name="action" value="comment">Comment only</button>` : '')
      : `<button type="submit" name="action" value="comment">Add comment</button>`;
    const label = v.canDecide ? 'Comment (optional; sent with your decision)' : 'Your comment';
    form =
      `<section class="card"><form method="post"><input type="hidden" name="nonce" value="${escapeHtml(v.nonce)}">` +
      `<label for="comment">${label}</label><textarea id="comment" name="comment" maxlength="5000"></textarea>` +
      `<div class="actions">${buttons}</div>` +
      (v.canDecide ? `<p class="hint">Each reviewer decides once. “Comment only” adds your comment without deciding.</p>` : '') +
      `</form></section>`;
  }
  return layout(
    `Review: ${title}`,
    (v.notice ? `<p class="notice" role="status">${escapeHtml(v.notice)}</p>` : '') +
      `<section class="card"><h1>${escapeHtml(title)}</h1>` +
      `<p class="meta">${escapeHtml(intro)}</p>` +
      `<p class="meta">Reviewing as <b>${escapeHtml(v.email)}</b>. This link works until ${escapeHtml(when(v.expiresAt))}.</p>${gate}</section>` +
      (v.target && v.sinceLastLook ? renderChanges(v.sinceLastLook, v.target.version) : '') +
      `<section class="card">${content}</section>${comments}${form}`,
  );
}

/** A page with one message: a result, a refusal or an error. `extra` is trusted HTML. */
export function renderMessagePage(title: string, message: string, extra = ''): string {
  return layout(title, `<section class="card"><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p>${extra}</section>`);
}

/** A small form to comment once more after a decision (while the link still allows comments). */
export function renderCommentForm(nonce: string): string {
  return (
    `<form method="post"><input type="hidden" name="nonce" value="${escapeHtml(nonce)}">` +
    `<label for="comment">Add a comment</label><textarea id="comment" name="comment" maxlength="5000"></textarea>` +
    `<div class="actions"><button type="submit" name="action" value="comment">Add comment</button></div></form>`
  );
}

// ---------------------------------------------------------------------------------------
// The form nonce

/** How long a served page's form stays usable. */
export const NONCE_TTL_MS = 4 * 3600_000;
/** Clock skew tolerated between processes sharing one database. */
const NONCE_SKEW_MS = 5 * 60_000;

const secrets = new WeakMap<Database, Promise<Buffer>>();

/**
 * The instance's page secret, created on first use. Concurrent first uses (or processes)
 * agree: the insert does nothing when a row exists, and everyone reads the stored one.
 */
export function pageSecret(db: Database): Promise<Buffer> {
  let p = secrets.get(db);
  if (!p) {
    p = loadSecret(db);
    p.catch(() => secrets.delete(db));
    secrets.set(db, p);
  }
  return p;
}

async function loadSecret(db: Database): Promise<Buffer> {
  const read = async () => (await db.k.selectFrom('instance_settings').select('value').where('key', '=', 'page_secret').executeTakeFirst())?.value;
  let value = await read();
  if (!value) {
    await db.k
      .insertInto('instance_settings')
      .values({ key: 'page_secret', value: crypto.randomBytes(32).toString('base64url') })
      .onConflict((oc) => oc.column('key').doNothing())
      .execute();
    value = await read();
  }
  if (!value) throw new Error('instance_settings.page_secret could not be created');
  return Buffer.from(value, 'base64url');
}

function mac(secret: Buffer, linkId: string, issuedAt: number): string {
  return crypto.createHmac('sha256', secret).update(`guest-form\u0000${linkId}\u0000${issuedAt}`).digest('base64url');
}

export function makeNonce(secret: Buffer, linkId: string, issuedAt: number): string {
  return `${issuedAt.toString(36)}.${mac(secret, linkId, issuedAt)}`;
}

export type NonceCheck = 'ok' | 'missing' | 'invalid' | 'stale';

export function checkNonce(secret: Buffer, linkId: string, nonce: string | undefined, now: number): NonceCheck {
  if (!nonce) return 'missing';
  const m = /^([0-9a-z]{1,12})\.([A-Za-z0-9_-]{43})$/.exec(nonce);
  if (!m) return 'invalid';
  const issuedAt = parseInt(m[1]!, 36);
  const expected = Buffer.from(mac(secret, linkId, issuedAt));
  const got = Buffer.from(m[2]!);
  if (expected.length !== got.length || !crypto.timingSafeEqual(expected, got)) return 'invalid';
  if (issuedAt > now + NONCE_SKEW_MS || now - issuedAt > NONCE_TTL_MS) return 'stale';
  return 'ok';
}
