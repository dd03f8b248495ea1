/**
 * `flowgate audit verify`: recomputes every org's audit hash chain straight from the store
 * (no server needed), prints one line per org, and exits 1 when any chain is broken.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Option, type Command } from 'commander';
import { verifyAuditChain, type VerifyResult } from '../audit/verify.js';
import { sealAudit } from '../audit/log.js';
import { loadConfig } from '../config.js';
import type { Database } from '../store/db.js';
import { isPostgresUrl, openDatabase } from '../store/open.js';

export interface OrgVerification {
  orgId: string;
  name: string;
  result: VerifyResult;
}

/** Verifies the chain of one org, or of every org in id order. */
export async function verifyAllChains(db: Database, orgId?: string): Promise<OrgVerification[]> {
  let q = db.k.selectFrom('orgs').select(['id', 'name']).orderBy('id');
  if (orgId) q = q.where('id', '=', orgId);
  const orgs = await q.execute();
  if (orgId && orgs.length === 0) throw new Error(`there is no organization with id ${orgId} in this store`);
  const out: OrgVerification[] = [];
  for (const org of orgs) {
    // Events committed but not chained yet (PostgreSQL) are chained first.
    if (db.dialect === 'postgres') await sealAudit(db.k, org.id);
    out.push({ orgId: org.id, name: org.name, result: await verifyAuditChain(db.k, org.id) });
  }
  return out;
}

export function formatVerification(v: OrgVerification): string {
  const who = `org ${v.orgId} (${v.name})`;
  if (v.result.ok) return `${who}: ok, ${v.result.checked} event${v.result.checked === 1 ? '' : 's'}`;
  return `${who}: BROKEN at seq ${v.result.firstBad}: ${v.result.reason ?? 'the chain does not add up'}`;
}

export function registerAuditCommand(program: Command): void {
  const audit = program.commands.find((c) => c.name() === 'audit') ?? program.command('audit').description('the tamper-evident audit log');
  audit
    .command('verify')
    .description("recompute each org's audit hash chain from the store; exit 1 if any chain is broken")
    .addOption(new Option('--db <sqlite-path|postgres-url>', 'store: a SQLite file or a postgres:// URL (env DATABASE_URL; default ./data/flowgate.db)'))
    .option('--org <id>', 'verify only this organization')
    .action(async (opts: { db?: string; org?: string }) => {
      const config = loadConfig(opts.db ? { db: opts.db } : {});
      const target = config.db ?? path.join(config.dataDir, 'flowgate.db');
      if (!isPostgresUrl(target) && !fs.existsSync(target)) {
        console.error(`flowgate: there is no database at ${path.resolve(target)}`);
        process.exitCode = 1;
        return;
      }
      let db: Database | undefined;
      try {
        // Verification only reads: the schema is left as it is.
        db = await openDatabase({ db: target, migrate: false });
        const results = await verifyAllChains(db, opts.org);
        for (const v of results) console.log(formatVerification(v));
        const broken = results.filter((v) => !v.result.ok).length;
        if (broken > 0) {
          console.error(`flowgate: ${broken} of ${results.length} audit chain${results.length === 1 ? ' is' : 's are'} broken`);
          process.exitCode = 1;
        }
      } catch (err) {
        console.error(`flowgate: ${(err as Error).message}`);
        process.exitCode = 1;
      } finally {
        await db?.close();
      }
    });
}
