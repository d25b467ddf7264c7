// Lists import cycles (type-only ones too) between the source files of packages/ and apps/
// (issue 18: "the loops broken"). Usage: node tools/size/check-cycles.mjs
import { readFileSync, existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
const files = execFileSync('git', ['ls-files', 'packages', 'apps'], { encoding: 'utf8' }).split('\n').filter(f => /\.ts$/.test(f) && !/\.test\.ts$|\.d\.ts$/.test(f));
const set = new Set(files); const g = new Map();
for (const f of files) {
  const s = readFileSync(f, 'utf8'); const deps = [];
  for (const m of s.matchAll(/(?:import|export)\s[^'"]*?from\s+['"](\.[^'"]+)['"]/g)) {
    let t = path.normalize(path.join(path.dirname(f), m[1])).replace(/\.js$/, '.ts');
    if (!set.has(t) && set.has(t.replace(/\.ts$/, '/index.ts'))) t = t.replace(/\.ts$/, '/index.ts');
    if (set.has(t)) deps.push(t);
  }
  g.set(f, deps);
}
// Tarjan SCC
let idx = 0; const st = [], on = new Set(), ix = new Map(), low = new Map(), sccs = [];
function sc(v) { ix.set(v, idx); low.set(v, idx); idx++; st.push(v); on.add(v);
  for (const w of g.get(v)) { if (!ix.has(w)) { sc(w); low.set(v, Math.min(low.get(v), low.get(w))); } else if (on.has(w)) low.set(v, Math.min(low.get(v), ix.get(w))); }
  if (low.get(v) === ix.get(v)) { const c = []; let w; do { w = st.pop(); on.delete(w); c.push(w); } while (w !== v); if (c.length > 1) sccs.push(c); } }
for (const v of g.keys()) if (!ix.has(v)) sc(v);
for (const c of sccs) console.log('cycle:', c.join(' , '));
console.log(sccs.length, 'cycles');
if (process.argv.includes('--fail') && sccs.length) process.exit(1);
