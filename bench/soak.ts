/**
 * The kill -9 soak: N runs through every phase type (approvals decided over the API and
 * through guest links, wait, mutate, notify with email to a real SMTP server, comment,
 * condition, http to a local server that records Idempotency-Keys, share email, ai against a
 * local chat-completions server) while K SIGKILLs land at seeded random moments; then what
 * was lost, doubled or repeated, read from the database and the side servers, and how long
 * the engine took to resume after each kill. See bench/lib/soak.ts for the world and the
 * driver, docs/RELIABILITY.md for the last figures.
 *
 *   npx tsx bench/soak.ts [--runs 10000] [--kills 50] [--store sqlite|pg|both] [--seed n] [--workers 4] [--window 300] [--lease 5000] [--budget-min m]
 *
 * SQLite: one `flowgate serve` (API + engine), killed and restarted. PostgreSQL: one
 * `flowgate serve --no-worker` and `--workers` × `flowgate worker`; each kill picks one of
 * them. PostgreSQL comes from FLOWGATE_BENCH_PG_URL or FLOWGATE_TEST_PG_URL, or a throw-away
 * durable server is started. Prints a table per store; writes bench/results/soak-latest.json.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stopAllProcesses } from '../test/helpers/processes.js';
import { option } from './lib/options.js';
import { createDatabase, dropDatabase, startDurablePostgres } from './lib/postgres.js';
import { formatReport, runSoak, type SoakReport, type SoakStore } from './lib/soak.js';

const RUNS = Number(option('runs', '10000'));
const KILLS = Number(option('kills', '50'));
const STORE = option('store', 'both');
const SEED = Number(option('seed', String(Math.floor(Math.random() * 2 ** 31))));
const WORKERS = Number(option('workers', '4'));
const WINDOW = Number(option('window', '300'));
const LEASE_MS = Number(option('lease', '5000'));
/** Minutes after which no more runs are started (those started are finished and counted). */
const BUDGET_MIN = Number(option('budget-min', 'Infinity'));
const stores: SoakStore[] = STORE === 'both' ? ['sqlite', 'pg'] : [STORE as SoakStore];
if (!stores.every((s) => s === 'sqlite' || s === 'pg')) throw new Error(`--store must be sqlite, pg or both, not ${STORE}`);

const here = path.dirname(fileURLToPath(import.meta.url));
const stamp = () => new Date().toISOString().slice(11, 19);
const log = (line: string) => console.log(`${stamp()} ${line}`);

const reports: SoakReport[] = [];
let ownPg: { url: string; stop(): Promise<void> } | null = null;
let failed = false;
try {
  console.log(`kill -9 soak: ${RUNS} runs, ${KILLS} kills, seed ${SEED} (--seed ${SEED} replays the kill moments), stores ${stores.join(', ')}`);
  for (const store of stores) {
    let dbUrl: string;
    let base: string | undefined;
    if (store === 'sqlite') {
      dbUrl = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'flowgate-soak-')), 'flowgate.db');
    } else {
      base = process.env.FLOWGATE_BENCH_PG_URL ?? process.env.FLOWGATE_TEST_PG_URL;
      if (!base) {
        ownPg = await startDurablePostgres();
        base = ownPg.url;
      }
      dbUrl = await createDatabase(base, 'flowgate_soak');
    }
    const report = await runSoak({ store, dbUrl, runs: RUNS, kills: KILLS, seed: SEED, workers: WORKERS, window: WINDOW, leaseMs: LEASE_MS, budgetMs: BUDGET_MIN * 60_000, log });
    reports.push(report);
    console.log(`\n${formatReport(report)}\n`);
    if (store === 'sqlite') fs.rmSync(path.dirname(dbUrl), { recursive: true, force: true });
    else await dropDatabase(base!, 'flowgate_soak');
  }
  const out = path.join(here, 'results', 'soak-latest.json');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  // One entry per store: a run of one store keeps the other store's last report.
  let kept: Array<SoakReport & { at?: string }> = [];
  try {
    kept = (JSON.parse(fs.readFileSync(out, 'utf8')).reports ?? []).filter((r: SoakReport) => !stores.includes(r.store));
  } catch {}
  const at = new Date().toISOString();
  const all = [...kept, ...reports.map((r) => ({ at, ...r }))].sort((a, b) => a.store.localeCompare(b.store));
  fs.writeFileSync(out, `${JSON.stringify({ machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version }, reports: all }, null, 2)}\n`);
  console.log(`written to ${path.relative(process.cwd(), out)}`);
  const bad = reports.filter((r) => r.stalled || r.runsLost || r.runsDoubled || r.runsNotSucceeded || r.runsWithWrongPhases || r.phaseExecutionsDoubled || r.gateDecisionsDoubled || r.commentsDoubled || r.mutationsDoubled || r.notificationsDoubled || r.outboxRowsDoubled || r.emails.notDelivered || r.http.runsWithOtherThanOneKey || r.http.runsNeverCalled || !r.auditVerified);
  if (bad.length) {
    failed = true;
    console.log(`LOST OR DOUBLED on ${bad.map((r) => r.store).join(', ')}`);
  }
} catch (err) {
  failed = true;
  console.error(err);
} finally {
  await stopAllProcesses();
  await ownPg?.stop();
}
process.exit(failed ? 1 : 0);
