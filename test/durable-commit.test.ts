/**
 * SQLite durability off the event loop (src/store/sqlite.ts, walSyncer): COMMIT writes the
 * WAL and the process syncs it with fdatasync on the thread pool. These tests hold the disk
 * sync back (fs.fdatasync waits until the test lets it finish, as a slow disk would) and
 * check what must wait for it and what must not:
 * - a transaction's promise settles only once the sync that covers its commit is done;
 * - the next group-commit batch runs (and commits) while the previous one is being synced;
 * - an HTTP answer that could show a commit leaves only after that commit is synced;
 * - one sync covers every commit written before it started;
 * - an email and an `io` phase's outside call wait for the sync of the commits that made them.
 */
import fs from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/store/db.js';
import { newId } from '../src/store/ids.js';
import { openDatabase } from '../src/store/open.js';
import { freshDbUrl } from './helpers/databases.js';
import { setupWorld, startTestServer, type TestServer } from './helpers/server.js';
import { listenLocal, type LocalHttp } from './helpers/local-http.js';
import { startSmtp, type TestSmtp } from './helpers/smtp.js';
import { sleep, until } from './helpers/wait.js';

const realFdatasync = fs.fdatasync;

/** Holds every fdatasync until released; counts them. */
function holdDiskSyncs() {
  const held: Array<() => void> = [];
  let calls = 0;
  (fs as { fdatasync: typeof fs.fdatasync }).fdatasync = ((fd: number, cb: (err: NodeJS.ErrnoException | null) => void) => {
    calls++;
    held.push(() => realFdatasync(fd, cb));
  }) as typeof fs.fdatasync;
  return {
    get calls() {
      return calls;
    },
    get waiting() {
      return held.length;
    },
    releaseAll() {
      for (const go of held.splice(0)) go();
    },
  };
}

afterEach(() => {
  (fs as { fdatasync: typeof fs.fdatasync }).fdatasync = realFdatasync;
});

const now = 1_750_000_000_000;
const writeOrg = (name: string) => async (trx: Parameters<Parameters<Database['tx']>[0]>[0]) => {
  await trx.insertInto('orgs').values({ id: newId(), name, max_active_runs: 100, created_at: now }).execute();
  return name;
};

describe('SQLite: a commit is synced before anything depends on it', { timeout: 60_000 }, () => {
  let db: Database;
  beforeAll(async () => {
    db = await openDatabase({ db: await freshDbUrl('sqlite') });
  });
  afterAll(async () => db?.close());

  it("settles a transaction's promise only after the WAL sync that covers its commit", async () => {
    const disk = holdDiskSyncs();
    let settled = false;
    const p = db.tx(writeOrg('held-1')).then((v) => {
      settled = true;
      return v;
    });
    await until('the sync to be asked for', async () => disk.waiting === 1);
    // Committed (readable by the connection) but not yet durable: the promise waits.
    expect((await db.k.selectFrom('orgs').select('name').where('name', '=', 'held-1').execute()).length).toBe(1);
    await sleep(50);
    expect(settled).toBe(false);
    disk.releaseAll();
    expect(await p).toBe('held-1');
    // Nothing new was written: being durable needs no other sync.
    const before = disk.calls;
    await db.durable();
    expect(disk.calls).toBe(before);
  });

  it('runs the next batch while the previous one syncs, and one sync then covers both', async () => {
    const disk = holdDiskSyncs();
    const first = db.tx(writeOrg('batch-a'));
    await until('the first sync to be asked for', async () => disk.waiting === 1);
    let ran = false;
    const second = db.tx(async (trx) => {
      ran = true;
      return writeOrg('batch-b')(trx);
    });
    // The second transaction runs and commits while the first one's sync is still held.
    await until('the second transaction to commit', async () => ran && (await db.k.selectFrom('orgs').select('name').where('name', '=', 'batch-b').execute()).length === 1);
    expect(disk.waiting).toBe(1);
    disk.releaseAll();
    await first;
    // The first sync started before batch-b committed, so batch-b needs one more; it covers it alone.
    await until('the second sync to be asked for', async () => disk.waiting === 1);
    disk.releaseAll();
    expect(await second).toBe('batch-b');
    expect(disk.calls).toBe(2);
  });

  it('has many commits share one sync', async () => {
    const disk = holdDiskSyncs();
    const blocker = db.tx(writeOrg('share-0'));
    await until('the first sync to be asked for', async () => disk.waiting === 1);
    // Ten transactions commit while that sync is held …
    const rest = Array.from({ length: 10 }, (_, i) => db.tx(writeOrg(`share-${i + 1}`)));
    await until('all ten to commit', async () => (await db.k.selectFrom('orgs').select('name').where('name', 'like', 'share-%').execute()).length === 11);
    disk.releaseAll();
    await blocker;
    // … and the next single sync makes all ten durable.
    await until('the next sync', async () => disk.waiting === 1);
    disk.releaseAll();
    await Promise.all(rest);
    expect(disk.calls).toBe(2);
  });
});

describe('SQLite: HTTP answers wait for the commits they could show', { timeout: 60_000 }, () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer('sqlite');
  });
  afterAll(async () => s?.close());

  it('answers a write only once it is synced, and a read of it too', async () => {
    const w = await setupWorld(s);
    const disk = holdDiskSyncs();
    let answered = false;
    const created = s.call('POST', `/api/spaces/${w.spaceId}/content`, { token: w.owner.token, body: { title: 'Synced first' } }).then((r) => {
      answered = true;
      return r;
    });
    await until('the sync to be asked for', async () => disk.waiting >= 1);
    await sleep(100);
    expect(answered).toBe(false);
    disk.releaseAll();
    const res = await created;
    expect(res.status).toBe(201);
    // A write made by someone else and not yet synced holds back a read that could show it.
    const pending = s.db.tx(async (trx) => {
      await trx.updateTable('content_items').set({ title: 'Changed, not yet synced' }).where('id', '=', res.body.id).execute();
    });
    await until('the second sync to be asked for', async () => disk.waiting >= 1);
    let read = false;
    const get = s.call('GET', `/api/content/${res.body.id}`, { token: w.owner.token }).then((r) => {
      read = true;
      return r;
    });
    await sleep(100);
    expect(read).toBe(false);
    disk.releaseAll();
    await pending;
    // Later syncs (if any) go through at once from here on.
    (fs as { fdatasync: typeof fs.fdatasync }).fdatasync = realFdatasync;
    const got = await get;
    expect(got.status).toBe(200);
    expect(got.body.title).toBe('Changed, not yet synced');
  });
});

describe('SQLite: nothing leaves for the outside before the commit behind it is synced', { timeout: 60_000 }, () => {
  let s: TestServer;
  let smtp: TestSmtp;
  let service: LocalHttp;
  const calls: string[] = [];
  beforeAll(async () => {
    smtp = await startSmtp();
    service = await listenLocal((req, res) => {
      calls.push(req.url ?? '');
      req.resume();
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
    });
    s = await startTestServer('sqlite', { smtpUrl: smtp.url });
  });
  afterAll(async () => {
    await s?.close();
    await smtp?.close();
    await service?.close();
  });

  it("holds an email and an http phase's call until the commits that made them are synced", async () => {
    const w = await setupWorld(s);
    const item = await s.call('POST', `/api/spaces/${w.spaceId}/content`, { token: w.owner.token, body: { title: 'Launch' } });
    const wf = await s.call('POST', `/api/spaces/${w.spaceId}/workflows`, {
      token: w.owner.token,
      body: {
        name: 'Mail, then call out',
        trigger: { type: 'manual' },
        phases: [
          { id: 'tell', type: 'notify', to: ['client@brand.example'], channels: ['email'], message: '{{target.title}} is ready' },
          { id: 'pub', type: 'http', url: `${service.url}/publish` },
        ],
      },
    });
    expect(wf.status).toBe(201);
    const disk = holdDiskSyncs();
    const started = s.call('POST', `/api/workflows/${wf.body.id}/runs`, { token: w.owner.token, body: { target: { type: 'content', id: item.body.id } } });
    // The control: the email is in the outbox and the http phase's job is claimable, both
    // committed (the worker and the mailer look for due work at least every second or two) …
    await until('the outbox row and the http job to be committed', async () => {
      const mail = await s.db.k.selectFrom('outbox').select('id').execute();
      const job = await s.db.k.selectFrom('jobs').select('id').where('kind', '=', 'phase.execute').execute();
      return mail.length === 1 && job.length === 1;
    });
    await sleep(3_000);
    // … and still nothing went out, because those commits are not on the disk yet.
    expect(smtp.messages).toHaveLength(0);
    expect(calls).toEqual([]);
    (fs as { fdatasync: typeof fs.fdatasync }).fdatasync = realFdatasync;
    disk.releaseAll();
    expect((await started).status).toBe(201);
    await until('the email', async () => smtp.messages.length === 1);
    await until('the call', async () => calls.length === 1);
    expect(calls).toEqual(['/publish']);
  });
});
