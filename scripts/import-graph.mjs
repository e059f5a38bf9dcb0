#!/usr/bin/env node
// The import graph between src/ folders (module-level import edges counted per folder pair, type-only
// imports in brackets), from dependency-cruiser's own analysis with the project's rules file:
//   node scripts/import-graph.mjs
import { execFileSync } from 'node:child_process';

const json = execFileSync('npx', ['depcruise', 'src', '--config', '.dependency-cruiser.cjs', '--output-type', 'json'], {
  encoding: 'utf8',
  maxBuffer: 64 << 20,
});
/** @type {{ modules: { source: string, dependencies: { resolved: string, dependencyTypes: string[] }[] }[] }} */
const { modules } = JSON.parse(json);
const folder = (/** @type {string} */ p) => (p.startsWith('src/') ? (p.split('/').length > 2 ? p.split('/')[1] : 'index.ts') : null);
/** @type {Map<string, Map<string, [number, number]>>} */
const edges = new Map();
for (const m of modules) {
  const from = folder(m.source);
  if (!from) continue;
  for (const d of m.dependencies) {
    const to = folder(d.resolved);
    if (!to || to === from) continue;
    const row = edges.get(from) ?? new Map();
    const c = row.get(to) ?? [0, 0];
    c[0]++;
    if (d.dependencyTypes.includes('type-only')) c[1]++;
    row.set(to, c);
    edges.set(from, row);
  }
}
for (const from of [...edges.keys()].sort()) {
  const row = [...(edges.get(from) ?? [])].sort(([a], [b]) => a.localeCompare(b)).map(([to, [n, t]]) => `${to} ${n}${t ? ` (${t})` : ''}`);
  console.log(`${from.padEnd(10)} -> ${row.join(', ')}`);
}
console.log(`${modules.filter((m) => m.source.startsWith('src/')).length} modules`);
