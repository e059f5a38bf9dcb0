#!/usr/bin/env node
// Summarise a SDARTS_TOL_REPORT file written by the test suite (test/helpers/tolerance.ts): per
// comparison kind, the number of comparisons and the worst value with where it was seen.
//   SDARTS_TOL_REPORT=/tmp/tol.jsonl npx vitest run test/search && node scripts/tolerance-report.mjs /tmp/tol.jsonl
import { readFileSync } from 'node:fs';

const file = process.argv[2];
if (!file) {
  console.error('usage: node scripts/tolerance-report.mjs <SDARTS_TOL_REPORT file>');
  process.exit(2);
}
/** @type {Map<string, {n: number, worst: number, where: string}>} */
const byKind = new Map();
for (const line of readFileSync(file, 'utf8').split('\n')) {
  if (!line.trim()) continue;
  const { kind, label, value, test } = JSON.parse(line);
  const k = byKind.get(kind) ?? { n: 0, worst: -1, where: '' };
  k.n++;
  if (value > k.worst) Object.assign(k, { worst: value, where: `${test} — ${label}` });
  byKind.set(kind, k);
}
for (const [kind, { n, worst, where }] of [...byKind].sort()) {
  console.log(`${kind.padEnd(24)} n=${String(n).padStart(6)}  worst=${worst.toExponential(2)}  (${where})`);
}
