// Summarises a V8 .cpuprofile: self time by function and by package, and the idle share.
//   node bench/profile-summary.mjs FILE.cpuprofile [top=30]
import fs from 'node:fs';
const [file, topArg] = process.argv.slice(2);
const prof = JSON.parse(fs.readFileSync(file, 'utf8'));
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const self = new Map();
const dt = prof.timeDeltas;
for (let i = 0; i < prof.samples.length; i++) self.set(prof.samples[i], (self.get(prof.samples[i]) ?? 0) + (dt[i] ?? 0));
const total = [...self.values()].reduce((a, b) => a + b, 0);
const fn = new Map();
const pkg = new Map();
const where = (url) => {
  if (!url) return '(native)';
  const m = url.match(/node_modules\/((@[^/]+\/)?[^/]+)/);
  if (m) return m[1];
  if (url.includes('/src/')) return 'flowgate:' + url.split('/src/')[1].split('/')[0];
  if (url.startsWith('node:')) return 'node:' + url.slice(5).split('/')[0];
  return url.split('/').slice(-1)[0];
};
for (const [id, t] of self) {
  const n = byId.get(id);
  const cf = n.callFrame;
  const key = `${cf.functionName || '(anon)'} ${where(cf.url)}:${cf.lineNumber + 1}`;
  fn.set(key, (fn.get(key) ?? 0) + t);
  const p = ['(idle)', '(program)', '(garbage collector)'].includes(cf.functionName) ? cf.functionName : where(cf.url);
  pkg.set(p, (pkg.get(p) ?? 0) + t);
}
const pct = (t) => ((100 * t) / total).toFixed(1).padStart(5) + ' %';
console.log(`total ${(total / 1e6).toFixed(2)} s sampled`);
console.log('\nby package:');
for (const [k, t] of [...pkg].sort((a, b) => b[1] - a[1]).slice(0, 20)) console.log(pct(t), k);
console.log('\nby function (self):');
for (const [k, t] of [...fn].sort((a, b) => b[1] - a[1]).slice(0, Number(topArg ?? 30))) console.log(pct(t), k);
