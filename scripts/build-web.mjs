#!/usr/bin/env node
// Builds the web UI (web/ → web/dist) when its sources are newer than the last build, or
// always with --force. `npm start` and `npm test` run it first; a fresh build takes seconds.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const web = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'web');
const stamp = path.join(web, 'dist', '.built');

function newest(p) {
  const st = fs.statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  let t = st.mtimeMs;
  for (const e of fs.readdirSync(p)) if (e !== 'dist' && e !== 'node_modules') t = Math.max(t, newest(path.join(p, e)));
  return t;
}

const force = process.argv.includes('--force');
const built = fs.existsSync(stamp) ? fs.statSync(stamp).mtimeMs : 0;
if (!force && built >= newest(web)) process.exit(0);

const { build } = await import('vite');
const started = Date.now();
await build({ configFile: path.join(web, 'vite.config.ts') });
fs.writeFileSync(stamp, new Date().toISOString() + '\n');
console.error(`web UI built in ${((Date.now() - started) / 1000).toFixed(1)} s → ${path.relative(process.cwd(), path.join(web, 'dist')) || 'web/dist'}`);
