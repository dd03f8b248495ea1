/**
 * Live lists: `GET /api/stream?topics=runs,inbox` — one Server-Sent Events stream per page
 * (docs/API.md "Live lists"). Every API process keeps one hub: it hears run changes from the
 * notifier (from other processes too, over LISTEN/NOTIFY on PostgreSQL), coalesces them for
 * 250 ms, reads the changed runs in one batched query per window (never one per event or per
 * connection), numbers the resulting events and fans them out to the connections whose org
 * and readable spaces they belong to. The last events are kept in a ring, so a client that
 * reconnects with `Last-Event-ID` gets what it missed, or a `reset` when it missed too much.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { ServerResponse } from 'node:http';
import { z } from 'zod';
import { readableSpaceIds } from '../access.js';
import { requireAuth, type AppContext, type Auth } from '../context.js';
import { eventStream } from '../schemas.js';

/** Changes of one run within this window become one event. */
export const COALESCE_MS = 250;
/** Events kept for resuming; a client further behind gets `reset`. */
export const RING_SIZE = 10_000;
/** A resume older than this gets `reset` even if the events are still in the ring. */
export const RING_MAX_AGE_MS = 5 * 60_000;
const KEEP_ALIVE_MS = 15_000;
/** How often a connection's readable spaces and its session are read again. */
const SCOPE_REFRESH_MS = 30_000;
/** A client whose unsent output grows past this is cut off; it resumes (or resets) on reconnect. */
const MAX_BUFFERED = 1 << 20;
/** Most ids in one `IN (…)` list. */
const CHUNK = 500;

type Topic = 'runs' | 'inbox';

interface LiveEvent {
  epoch: string;
  seq: number;
  at: number;
  orgId: string;
  topic: Topic;
  /** runs: the run's space; inbox: null. */
  spaceId: string | null;
  workflowId: string | null;
  /** inbox: whose notifications. */
  userId: string | null;
  /** The `event:` line and the `data:` JSON. */
  name: string;
  data: string;
}

interface Conn {
  auth: Auth;
  topics: Set<Topic>;
  spaces: Set<string>;
  spaceId?: string;
  workflowId?: string;
  res: ServerResponse;
  end(): void;
}

const topicsParam = z
  .string()
  .max(100)
  .default('runs')
  .transform((s, c) => {
    const out = new Set<Topic>();
    for (const t of s.split(',').map((x) => x.trim()).filter(Boolean)) {
      if (t !== 'runs' && t !== 'inbox') {
        c.addIssue({ code: 'custom', message: `unknown topic "${t}" (runs, inbox)` });
        return z.NEVER;
      }
      out.add(t);
    }
    if (!out.size) out.add('runs');
    return [...out];
  })
  .describe('Comma-separated: `runs` (runs in your readable spaces), `inbox` (your notifications). Default `runs`.');

/** The smallest UUIDv7 of a millisecond: notification ids compare as creation times. */
function uuidv7Floor(ms: number): string {
  const h = Math.max(0, Math.floor(ms)).toString(16).padStart(12, '0');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-7000-8000-000000000000`;
}

class LiveHub {
  /** Distinguishes this process's numbering: an id from another process or an earlier start resets. */
  readonly epoch = randomBytes(4).toString('hex');
  private seq = 0;
  private ring: LiveEvent[] = [];
  private byOrg = new Map<string, Set<Conn>>();
  private pendingRuns = new Set<string>();
  private pendingScan = false;
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();
  /** Recently announced new (`triggered`) runs and notifications, so a rescan does not repeat them. */
  private announcedNew = new Map<string, number>();
  private seenNotifications = new Map<string, number>();
  private offs: Array<() => void> = [];
  private stopped = false;

  constructor(private readonly ctx: AppContext, private readonly log: FastifyBaseLogger) {
    const n = ctx.engine.notifier;
    this.offs.push(
      n.onRunChanged((id) => {
        if (!this.byOrg.size) return;
        this.pendingRuns.add(id);
        this.schedule();
      }),
      // A run just created is `triggered` and may wait there (flow control) without any transition:
      // its creation wakes the workers, which is the signal to look for new runs.
      n.onJobsDue(() => {
        if (!this.byOrg.size) return;
        this.pendingScan = true;
        this.schedule();
      }),
    );
  }

  position(): string {
    return `${this.epoch}.${this.seq}`;
  }

  add(c: Conn) {
    let set = this.byOrg.get(c.auth.orgId);
    if (!set) this.byOrg.set(c.auth.orgId, (set = new Set()));
    set.add(c);
  }

  remove(c: Conn) {
    const set = this.byOrg.get(c.auth.orgId);
    if (!set) return;
    set.delete(c);
    if (!set.size) this.byOrg.delete(c.auth.orgId);
  }

  /** The events after `lastId` this connection may see, or null when they are no longer all kept. */
  missed(c: Conn, lastId: string): LiveEvent[] | null {
    const m = /^([0-9a-f]{8})\.(\d{1,15})$/.exec(lastId);
    if (!m || m[1] !== this.epoch) return null;
    const after = Number(m[2]);
    if (after > this.seq) return null;
    if (after === this.seq) return [];
    const oldest = this.ring[0];
    if (!oldest || oldest.seq > after + 1) return null;
    const next = this.ring[after + 1 - oldest.seq];
    if (!next || next.at < Date.now() - RING_MAX_AGE_MS) return null;
    return this.ring.filter((e) => e.seq > after && visible(c, e));
  }

  private schedule() {
    if (this.timer || this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.flushing = this.flushing.then(() => this.flush()).catch((err) => this.log.warn({ err }, 'live stream batch failed'));
    }, COALESCE_MS);
  }

  private async flush() {
    const ids = [...this.pendingRuns];
    this.pendingRuns.clear();
    const scan = this.pendingScan;
    this.pendingScan = false;
    const orgs = [...this.byOrg.keys()];
    if (!orgs.length || (!ids.length && !scan)) return;
    const db = this.ctx.db.k;
    // Real time, not the engine's clock: ids (UUIDv7) and the ring's age are in real time.
    const now = Date.now();
    const cols = ['id', 'org_id', 'space_id', 'workflow_id', 'status', 'outcome', 'current_phase_id', 'waiting_for', 'updated_at', 'deleted_at'] as const;
    const rows: Array<{ id: string; org_id: string; space_id: string; workflow_id: string; status: string; outcome: string | null; current_phase_id: string | null; waiting_for: string | null; updated_at: number; deleted_at: number | null }> = [];
    for (let i = 0; i < ids.length; i += CHUNK) {
      rows.push(...(await db.selectFrom('runs').select(cols).where('id', 'in', ids.slice(i, i + CHUNK)).where('org_id', 'in', orgs).execute()));
    }
    if (scan) {
      const fresh = await db.selectFrom('runs').select(cols).where('org_id', 'in', orgs).where('status', '=', 'triggered').where('deleted_at', 'is', null).orderBy('id', 'desc').limit(CHUNK).execute();
      const have = new Set(rows.map((r) => r.id));
      for (const r of fresh) {
        if (have.has(r.id) || this.announcedNew.has(r.id)) continue;
        rows.push(r);
      }
    }
    for (const r of rows) if (r.status === 'triggered') this.announcedNew.set(r.id, now);
    prune(this.announcedNew, now - RING_MAX_AGE_MS);

    // Who got new notifications: one indexed query over the inbox listeners' users (ids are time-ordered).
    const inboxUsers = new Map<string, string>();
    if (ids.length || scan) {
      for (const set of this.byOrg.values()) for (const c of set) if (c.topics.has('inbox')) inboxUsers.set(c.auth.userId, c.auth.orgId);
    }
    const notified: Array<{ id: string; user_id: string; org_id: string; run_id: string | null }> = [];
    const users = [...inboxUsers.keys()];
    for (let i = 0; i < users.length; i += CHUNK) {
      const got = await db
        .selectFrom('notifications')
        .select(['id', 'user_id', 'org_id', 'run_id'])
        .where('user_id', 'in', users.slice(i, i + CHUNK))
        .where('id', '>', uuidv7Floor(now - 60_000))
        .execute();
      for (const n of got) if (!this.seenNotifications.has(n.id) && inboxUsers.get(n.user_id) === n.org_id) notified.push(n);
    }
    for (const n of notified) this.seenNotifications.set(n.id, now);
    prune(this.seenNotifications, now - 120_000);

    if (!rows.length && !notified.length) return;
    // What is told must be durable first, as with every answer.
    await this.ctx.db.durable();
    const events: LiveEvent[] = [];
    for (const r of rows) {
      const data = {
        id: r.id,
        spaceId: r.space_id,
        workflowId: r.workflow_id,
        status: r.status,
        outcome: r.outcome,
        currentPhaseId: r.current_phase_id,
        waitingFor: r.waiting_for,
        deleted: r.deleted_at !== null,
        updatedAt: new Date(r.updated_at).toISOString(),
      };
      events.push({ epoch: this.epoch, seq: ++this.seq, at: now, orgId: r.org_id, topic: 'runs', spaceId: r.space_id, workflowId: r.workflow_id, userId: null, name: 'run', data: JSON.stringify(data) });
    }
    const perUser = new Map<string, typeof notified>();
    for (const n of notified) perUser.set(n.user_id, [...(perUser.get(n.user_id) ?? []), n]);
    for (const [userId, list] of perUser) {
      const data = { notifications: list.map((n) => ({ id: n.id, runId: n.run_id })) };
      events.push({ epoch: this.epoch, seq: ++this.seq, at: now, orgId: list[0]!.org_id, topic: 'inbox', spaceId: null, workflowId: null, userId, name: 'inbox', data: JSON.stringify(data) });
    }
    this.ring.push(...events);
    if (this.ring.length > RING_SIZE) this.ring.splice(0, this.ring.length - RING_SIZE);

    const byOrg = new Map<string, LiveEvent[]>();
    for (const e of events) byOrg.set(e.orgId, [...(byOrg.get(e.orgId) ?? []), e]);
    for (const [orgId, list] of byOrg) {
      for (const c of [...(this.byOrg.get(orgId) ?? [])]) {
        const out = list.filter((e) => visible(c, e)).map(frame).join('');
        if (out) write(c, out);
      }
    }
  }

  stop() {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    for (const off of this.offs) off();
  }
}

function prune(m: Map<string, number>, before: number) {
  for (const [k, at] of m) {
    if (at >= before) break;
    m.delete(k);
  }
}

function visible(c: Conn, e: LiveEvent): boolean {
  if (e.orgId !== c.auth.orgId || !c.topics.has(e.topic)) return false;
  if (e.topic === 'inbox') return e.userId === c.auth.userId;
  if (!e.spaceId || !c.spaces.has(e.spaceId)) return false;
  if (c.spaceId && e.spaceId !== c.spaceId) return false;
  if (c.workflowId && e.workflowId !== c.workflowId) return false;
  return true;
}

function frame(e: LiveEvent): string {
  return `id: ${e.epoch}.${e.seq}\nevent: ${e.name}\ndata: ${e.data}\n\n`;
}

function write(c: Conn, text: string) {
  if (c.res.writableEnded || c.res.destroyed) return;
  c.res.write(text);
  if (c.res.writableLength > MAX_BUFFERED) c.end();
}

export function liveRoutes(app: FastifyInstance, ctx: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  let hub: LiveHub | null = null;
  const conns = new Set<Conn>();
  app.addHook('preClose', async () => {
    for (const c of [...conns]) c.end();
    hub?.stop();
    hub = null;
  });

  r.get('/api/stream', {
    schema: {
      tags: ['runs'],
      summary: 'Server-Sent Events for live lists: `run` events for runs in your readable spaces, `inbox` events for your notifications; resumable with Last-Event-ID.',
      querystring: z.object({
        topics: topicsParam,
        spaceId: z.string().max(100).optional().describe('Only runs of this space.'),
        workflowId: z.string().max(100).optional().describe('Only runs of this workflow.'),
      }),
      headers: z.looseObject({ 'last-event-id': z.string().max(100).optional() }),
      response: { 200: eventStream },
    },
  }, async (req, reply) => {
    const auth = requireAuth(req);
    const spaces = new Set(await readableSpaceIds(ctx.db.k, auth));
    hub ??= new LiveHub(ctx, app.log);
    const h = hub;
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    const open = () => !res.writableEnded && !res.destroyed;
    const c: Conn = {
      auth,
      topics: new Set(req.query.topics),
      spaces,
      spaceId: req.query.spaceId,
      workflowId: req.query.workflowId,
      res,
      end: () => {
        close();
        if (open()) res.end();
      },
    };
    const refresh = setInterval(() => {
      void (async () => {
        const token = await ctx.db.k.selectFrom('auth_tokens').select(['id']).where('id', '=', auth.tokenId).where('revoked_at', 'is', null).where('expires_at', '>', ctx.now()).executeTakeFirst();
        if (!token) return c.end();
        c.spaces = new Set(await readableSpaceIds(ctx.db.k, auth));
      })().catch(() => {});
    }, SCOPE_REFRESH_MS);
    const keepAlive = setInterval(() => open() && res.write(': keep-alive\n\n'), KEEP_ALIVE_MS);
    const close = () => {
      if (!conns.delete(c)) return;
      h.remove(c);
      clearInterval(keepAlive);
      clearInterval(refresh);
    };
    conns.add(c);
    res.on('close', close);

    // What this stream starts from is durable, like the run stream's first event.
    await ctx.db.durable();
    if (!open()) return;
    const last = req.headers['last-event-id'];
    const missed = typeof last === 'string' && last ? h.missed(c, last) : [];
    // `hello` carries the current position; `reset` says the missed events are gone: read the list again.
    res.write(`retry: 2000\n`);
    if (missed === null) res.write(`id: ${h.position()}\nevent: reset\ndata: ${JSON.stringify({ reason: 'missed events are no longer kept' })}\n\n`);
    else {
      for (const e of missed) res.write(frame(e));
      res.write(`id: ${h.position()}\nevent: hello\ndata: ${JSON.stringify({ topics: [...c.topics], resumed: typeof last === 'string' && last !== '' })}\n\n`);
    }
    h.add(c);
  });
}
