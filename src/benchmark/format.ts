import type { LookupResult } from './nasbench.js';
import { meansOverRepeats, type RepeatMeans } from './repeat-means.js';
import type { RunStats } from './nasbench-index.js';

/**
 * Presentation of a `NasBench.lookup` result for `sdarts nasbench query`: a readable multi-line
 * text, and a plain JSON object (the reference's key names, full-precision doubles).
 */

export interface LookupJson {
  status: 'found' | 'not-in-benchmark';
  hash: string;
  query_spec: { matrix: number[][]; ops: string[] } | null;
  fixed?: { module_adjacency: number[][]; module_operations: string[]; trainable_parameters: number };
  /** epochs → repeats in file order. */
  computed?: Record<string, RunStats[]>;
  /** epochs → means over the repeats. */
  means?: Record<string, RepeatMeans>;
}

export function lookupToJson(result: LookupResult): LookupJson {
  if (result.status === 'not-in-benchmark') return { status: result.status, hash: result.hash, query_spec: result.querySpec };
  const means: Record<string, RepeatMeans> = {};
  for (const [epochs, runs] of Object.entries(result.computed)) if (runs.length > 0) means[epochs] = meansOverRepeats(runs);
  return { status: result.status, hash: result.hash, query_spec: result.querySpec, fixed: result.fixed, computed: result.computed, means };
}

const f6 = (x: number): string => x.toFixed(6);
const f2 = (x: number): string => x.toFixed(2);

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: string[]): string =>
    '    ' +
    cells
      .map((x, c) => pad(x, widths[c]!))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

export function formatLookupText(result: LookupResult): string {
  const lines: string[] = [];
  if (result.status === 'not-in-benchmark') {
    lines.push(`NAS-Bench-101 module ${result.hash}: NOT IN THE BENCHMARK FILE`);
    lines.push('  The spec is valid, but the opened file has no record of this module (partial or truncated file?).');
    return lines.join('\n');
  }
  const { fixed } = result;
  const v = fixed.module_operations.length;
  const edges = fixed.module_adjacency.reduce((s, row) => s + row.reduce((a, b) => a + b, 0), 0);
  lines.push(`NAS-Bench-101 module ${result.hash}`);
  lines.push(`  stored spec: ${v} vertices, ${edges} edges`);
  fixed.module_operations.forEach((op, i) => {
    lines.push(`    ${i}  ${pad(op, 16)} -> ${fixed.module_adjacency[i]!.join(' ')}`);
  });
  lines.push(`  trainable parameters: ${fixed.trainable_parameters}`);
  for (const [epochs, runs] of Object.entries(result.computed)) {
    lines.push('');
    lines.push(`  ${epochs} epochs, ${runs.length} repeat${runs.length === 1 ? '' : 's'} (final | halfway):`);
    const row = (name: string, s: Record<string, number>, key: (k: string) => string): string[] => [
      name,
      f6(s[key('final_train_accuracy')]!),
      f6(s[key('final_validation_accuracy')]!),
      f6(s[key('final_test_accuracy')]!),
      f2(s[key('final_training_time')]!),
      f6(s[key('halfway_validation_accuracy')]!),
      f6(s[key('halfway_test_accuracy')]!),
      f2(s[key('halfway_training_time')]!),
    ];
    const rows = runs.map((r, i) => row(`repeat ${i}`, r, (k) => k));
    if (runs.length > 0) {
      const means = meansOverRepeats(runs);
      rows.push(row('mean', means, (k) => `mean_${k}`));
      lines.push(
        ...table(
          ['', 'train acc', 'valid acc', 'test acc', 'time (s)', '| half valid', 'half test', 'half time'],
          rows.map((r) => {
            const copy = r.slice();
            copy[5] = '| ' + copy[5]!;
            return copy;
          }),
        ),
      );
      lines.push(`    mean final test error ${f6(means.mean_final_test_error)}, valid error ${f6(means.mean_final_valid_error)}`);
    }
  }
  return lines.join('\n');
}
