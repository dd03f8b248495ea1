// `npm test`: starts a PostgreSQL for the suite unless FLOWGATE_TEST_PG_URL names one, runs
// vitest over every test, stops the server, and prints a closing "N passed, N failed" line.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { startPostgres } from './postgres-server.mjs';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
// The browser tests need the built web UI; this is a no-op when the build is up to date.
await new Promise((resolve, reject) => {
  const b = spawn(process.execPath, [path.join(root, 'scripts/build-web.mjs')], { stdio: 'inherit', cwd: root });
  b.on('exit', (c) => (c === 0 ? resolve() : reject(new Error(`building the web UI failed (exit ${c})`))));
});
let pg = null;
if (!process.env.FLOWGATE_TEST_PG_URL) {
  pg = await startPostgres();
  process.env.FLOWGATE_TEST_PG_URL = pg.url;
  console.log(`test PostgreSQL started at ${pg.url}`);
}
fs.mkdirSync(path.join(root, '.tmp'), { recursive: true });
const report = path.join(root, '.tmp', 'vitest-report.json');
fs.rmSync(report, { force: true });
const code = await new Promise((resolve) => {
  const child = spawn(
    process.execPath,
    [path.join(root, 'node_modules/vitest/vitest.mjs'), 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...process.argv.slice(2)],
    { stdio: 'inherit', cwd: root, env: process.env },
  );
  child.on('exit', (c, sig) => resolve(c ?? (sig ? 1 : 0)));
});
if (pg) await pg.stop();
if (fs.existsSync(report)) {
  const r = JSON.parse(fs.readFileSync(report, 'utf8'));
  const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  console.log(`\nTests: ${r.numPassedTests} passed, ${r.numFailedTests} failed${skipped ? `, ${skipped} skipped` : ''}`);
  if (r.numTotalTests === 0) {
    console.log('No test ran.');
    process.exit(1);
  }
}
process.exit(code);
