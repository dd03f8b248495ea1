/**
 * Bar chart of runs/s from the latest benchmark results, rendered to
 * docs/benchmarks-runs-per-s.png:
 *
 *   npx tsx bench/plot.ts     (npm run bench:plot)
 *
 * Reads bench/results/peers-latest.json (bench/peers/run.ts) and, if present,
 * bench/results/engine-latest.json (any `summary` or `rows` list of objects with a numeric
 * `runsPerSec` and a `describe`, `setup` or `name`). The chart is an SVG drawn here and
 * screenshot by the system's Chromium through playwright-core: no plotting library, and no
 * browser download.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PEERS = path.join(ROOT, 'bench/results/peers-latest.json');
const ENGINE = path.join(ROOT, 'bench/results/engine-latest.json');
const OUT = path.join(ROOT, 'docs/benchmarks-runs-per-s.png');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

interface Bar {
  label: string;
  value: number;
  min?: number;
  max?: number;
  color: string;
}
interface Group {
  title: string;
  bars: Bar[];
}

/** One colour per system, lighter for the variants of one system. */
const COLORS: Record<string, string> = {
  'flowgate-pg1': '#1f5fa8',
  'flowgate-pg4': '#5b8fd0',
  'flowgate-sqlite': '#9cc0ea',
  dbos: '#c0392b',
  'graphile-worker': '#2e8b57',
};
const LABELS: Record<string, string> = {
  'flowgate-pg1': 'Flowgate PG, 1 worker',
  'flowgate-pg4': 'Flowgate PG, 4 workers',
  'flowgate-sqlite': 'Flowgate SQLite',
  dbos: 'DBOS Transact',
  'graphile-worker': 'graphile-worker',
};
const WORKLOAD_TITLES: Record<string, string> = {
  three: 'three steps (notify → mutate → comment)',
  gated: 'gated (step → decision via API → 2 steps)',
};

const groups: Group[] = [];
const notes: string[] = [];

if (!fs.existsSync(PEERS)) throw new Error(`${path.relative(ROOT, PEERS)} not found: run npm run bench:peers first`);
const peers = JSON.parse(fs.readFileSync(PEERS, 'utf8'));
for (const workload of ['three', 'gated']) {
  const rows = (peers.summary as any[]).filter((s) => s.workload === workload && typeof s.runsPerSec === 'number');
  if (!rows.length) continue;
  groups.push({
    title: WORKLOAD_TITLES[workload] ?? workload,
    bars: rows.map((s) => ({ label: LABELS[s.setup] ?? s.setup, value: s.runsPerSec, min: s.runsPerSecMin, max: s.runsPerSecMax, color: COLORS[s.setup] ?? '#777' })),
  });
}
const o = peers.options;
const pgInfo = peers.postgres ? `PostgreSQL ${String(peers.postgres.version).split(' ')[0]}, fsync ${peers.postgres.fsync}` : 'no PostgreSQL';
notes.push(
  `Peers: ${o.runs} runs per trial, ${o.trials} trial${o.trials > 1 ? 's' : ''} (median; whiskers min–max), ${peers.machine.cpus} CPUs, Node ${peers.machine.node}, ${pgInfo}; ` +
    `DBOS ${peers.versions.dbos}, graphile-worker ${peers.versions.graphileWorker}; ${String(peers.startedAt).slice(0, 16).replace('T', ' ')} UTC`,
);
if (peers.sqlite) notes.push(`SQLite one-row commit bound: ${Math.round(peers.sqlite.boundCommitsPerSec)} commits/s; Flowgate SQLite = ${peers.sqlite.runsPerBoundCommit.toFixed(3)} × the bound`);

if (fs.existsSync(ENGINE)) {
  const engine = JSON.parse(fs.readFileSync(ENGINE, 'utf8'));
  const list: any[] = Array.isArray(engine) ? engine : (engine.summary ?? engine.rows ?? []);
  const bars = list
    .filter((r) => typeof r?.runsPerSec === 'number')
    .map((r, i) => ({ label: String(r.describe ?? r.setup ?? r.name ?? `set-up ${i + 1}`), value: r.runsPerSec, min: r.runsPerSecMin ?? r.min, max: r.runsPerSecMax ?? r.max, color: '#6c5b7b' }));
  if (bars.length) {
    groups.push({ title: 'engine bench (bench/engine.ts)', bars });
    notes.push(`Engine bench: ${path.relative(ROOT, ENGINE)}`);
  }
}
if (!groups.length) throw new Error('no runs/s figures to plot');

// ---------------------------------------------------------------------------------------------
// SVG: one horizontal bar per set-up, grouped by workload, on one shared scale.

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const W = 1100;
const LEFT = 250;
const RIGHT = 60;
const BAR_H = 26;
const BAR_GAP = 8;
const GROUP_GAP = 26;
const GROUP_TITLE = 28;
const TOP = 70;
const plotW = W - LEFT - RIGHT;
const maxValue = Math.max(...groups.flatMap((g) => g.bars.map((b) => Math.max(b.value, b.max ?? 0))));
const step = niceStep(maxValue / 6);
const axisMax = Math.ceil(maxValue / step) * step;
const x = (v: number) => LEFT + (v / axisMax) * plotW;

function niceStep(raw: number): number {
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= raw) return m * p;
  return 10 * p;
}

const parts: string[] = [];
let y = TOP;
for (const g of groups) {
  parts.push(`<text x="${LEFT}" y="${y + 18}" class="group">${esc(g.title)}</text>`);
  y += GROUP_TITLE;
  for (const b of g.bars) {
    parts.push(`<text x="${LEFT - 10}" y="${y + BAR_H / 2 + 5}" class="label" text-anchor="end">${esc(b.label)}</text>`);
    parts.push(`<rect x="${LEFT}" y="${y}" width="${Math.max(1, x(b.value) - LEFT)}" height="${BAR_H}" fill="${b.color}" rx="2"/>`);
    if (b.min !== undefined && b.max !== undefined && b.max > b.min) {
      const cy = y + BAR_H / 2;
      parts.push(`<line x1="${x(b.min)}" x2="${x(b.max)}" y1="${cy}" y2="${cy}" class="whisker"/>`);
      parts.push(`<line x1="${x(b.min)}" x2="${x(b.min)}" y1="${cy - 6}" y2="${cy + 6}" class="whisker"/>`);
      parts.push(`<line x1="${x(b.max)}" x2="${x(b.max)}" y1="${cy - 6}" y2="${cy + 6}" class="whisker"/>`);
    }
    const vx = Math.max(x(b.value), b.max !== undefined ? x(b.max) : 0) + 6;
    parts.push(`<text x="${vx}" y="${y + BAR_H / 2 + 5}" class="value">${b.value.toFixed(1)}</text>`);
    y += BAR_H + BAR_GAP;
  }
  y += GROUP_GAP;
}
const axisY = y - GROUP_GAP + 4;
const grid: string[] = [];
for (let v = 0; v <= axisMax + 1e-9; v += step) {
  grid.push(`<line x1="${x(v)}" x2="${x(v)}" y1="${TOP}" y2="${axisY}" class="grid"/>`);
  grid.push(`<text x="${x(v)}" y="${axisY + 18}" class="tick" text-anchor="middle">${Number(v.toFixed(2))}</text>`);
}
const H = axisY + 44 + notes.length * 18 + 12;
const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">
<style>
  text { font-family: 'DejaVu Sans', 'Liberation Sans', Arial, sans-serif; fill: #222; }
  .title { font-size: 20px; font-weight: bold; }
  .group { font-size: 15px; font-weight: bold; fill: #444; }
  .label { font-size: 14px; }
  .value { font-size: 13px; font-weight: bold; }
  .tick { font-size: 12px; fill: #555; }
  .note { font-size: 12px; fill: #555; }
  .grid { stroke: #e3e3e3; stroke-width: 1; }
  .whisker { stroke: #222; stroke-width: 1.5; }
</style>
<rect width="100%" height="100%" fill="#fff"/>
<text x="${LEFT}" y="34" class="title">Runs completed per second (higher is better)</text>
${grid.join('\n')}
<line x1="${LEFT}" x2="${LEFT}" y1="${TOP}" y2="${axisY}" stroke="#999"/>
${parts.join('\n')}
<text x="${LEFT + plotW / 2}" y="${axisY + 36}" class="tick" text-anchor="middle">runs/s</text>
${notes.map((n, i) => `<text x="20" y="${axisY + 62 + i * 18}" class="note">${esc(n)}</text>`).join('\n')}
</svg>`;

// ---------------------------------------------------------------------------------------------
// Render

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const page = await browser.newPage({ viewport: { width: W, height: H }, deviceScaleFactor: 1 });
  await page.setContent(`<!doctype html><html><body style="margin:0">${svg}</body></html>`);
  fs.mkdirSync(path.dirname(OUT), { recursive: true });
  await page.locator('svg').screenshot({ path: OUT });
} finally {
  await browser.close();
}
console.log(`wrote ${path.relative(ROOT, OUT)} (${W}×${H})`);
