/**
 * The kill -9 soak, short: 120 runs through every phase type on each store while real
 * `flowgate` processes are killed with SIGKILL five times at seeded random moments (SQLite:
 * the one `serve`; PostgreSQL: the HTTP-only `serve` or one of four workers). Nothing is lost
 * or doubled: every run finishes once, each phase executes once, one comment and one edit per
 * item, one counting decision per gate, one Idempotency-Key per http phase, every email
 * delivered. An email or an http call may go out twice (at least once is the contract: a
 * process killed between the send and its record sends again, with the same Message-ID or
 * Idempotency-Key); those are counted, not refused. The long run is `bench/soak.ts`.
 * `FLOWGATE_TEST_SEED=<n>` replays a failure's kill moments.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { formatReport, runSoak, type SoakReport, type SoakStore } from '../bench/lib/soak.js';
import { freshDbUrl } from './helpers/databases.js';
import { stopAllProcesses } from './helpers/processes.js';

/** The two stores side by side take about a minute on a quiet two-core machine; the timeout leaves room for a loaded one. */
const RUNS = 120;
const KILLS = 5;
/** PostgreSQL: a worker killed holding jobs leaves them for this long; short, so the test stays short. */
const PG_LEASE_MS = 5000;

afterAll(async () => {
  const leaked = await stopAllProcesses();
  expect(leaked, 'a flowgate child process outlived its test').toBe(0);
});

function expectNothingLostOrDoubled(r: SoakReport) {
  expect(r.kills).toBe(KILLS);
  expect({
    stalled: r.stalled,
    runsLost: r.runsLost,
    runsDoubled: r.runsDoubled,
    runsNotSucceeded: r.runsNotSucceeded,
    runsWithWrongPhases: r.runsWithWrongPhases,
    phaseExecutionsDoubled: r.phaseExecutionsDoubled,
    gateDecisionsDoubled: r.gateDecisionsDoubled,
    commentsDoubled: r.commentsDoubled,
    mutationsDoubled: r.mutationsDoubled,
    notificationsDoubled: r.notificationsDoubled,
    outboxRowsDoubled: r.outboxRowsDoubled,
    emailsNotDelivered: r.emails.notDelivered,
    runsWithOtherThanOneKey: r.http.runsWithOtherThanOneKey,
    runsNeverCalled: r.http.runsNeverCalled,
    auditVerified: r.auditVerified,
    rawTokensFound: r.rawTokensFound.inDatabase + r.rawTokensFound.inLogs + r.rawTokensFound.inAnswers,
  }).toEqual({
    stalled: false,
    runsLost: 0,
    runsDoubled: 0,
    runsNotSucceeded: 0,
    runsWithWrongPhases: 0,
    phaseExecutionsDoubled: 0,
    gateDecisionsDoubled: 0,
    commentsDoubled: 0,
    mutationsDoubled: 0,
    notificationsDoubled: 0,
    outboxRowsDoubled: 0,
    emailsNotDelivered: 0,
    runsWithOtherThanOneKey: 0,
    runsNeverCalled: 0,
    auditVerified: true,
    rawTokensFound: 0,
  });
  // Every run called out once at least, and each key is one run's: calls − repeats = runs.
  expect(r.http.distinctKeys).toBe(RUNS);
  expect(r.http.calls - r.http.repeatedSameKey).toBe(RUNS);
  // Four emails a run (notify to the owner and to an address, the gate's request to its approver, the share link), each received.
  expect(r.emails.queued).toBe(RUNS * 4);
  expect(r.emails.received - r.emails.sentTwice).toBe(r.emails.queued);
  // Every gate was decided once (all runs succeeded through their gate, no decision doubled);
  // the driver's own counts of decisions miss those whose answer a kill cut off.
}

// The two stores soak side by side: each has its own processes, database and side servers.
describe.concurrent('kill -9 soak (short)', () => {
  for (const store of ['sqlite', 'pg'] as SoakStore[]) {
    it(`${store === 'sqlite' ? 'SQLite' : 'PostgreSQL'}: ${RUNS} runs through every phase type, ${KILLS} SIGKILLs, nothing lost or doubled`, async () => {
      const seed = process.env.FLOWGATE_TEST_SEED ? Number(process.env.FLOWGATE_TEST_SEED) : Math.floor(Math.random() * 2 ** 31);
      const dbUrl = await freshDbUrl(store === 'sqlite' ? 'sqlite' : 'postgres');
      let report: SoakReport;
      try {
        report = await runSoak({ store, dbUrl, runs: RUNS, kills: KILLS, seed, window: 100, stallMs: 60_000, leaseMs: store === 'pg' ? PG_LEASE_MS : undefined, log: (l) => console.log(`[soak ${store}] ${l}`) });
      } catch (err) {
        throw new Error(`soak failed (FLOWGATE_TEST_SEED=${seed}): ${(err as Error).stack}`);
      }
      console.log(`${formatReport(report)}\n(FLOWGATE_TEST_SEED=${seed} replays the kill moments)`);
      expectNothingLostOrDoubled(report);
    }, 240_000);
  }
});
