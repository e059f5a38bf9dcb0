/**
 * A summary as text: Markdown or HTML laid out as the paper's tables — one table per metric, rows the
 * methods (perturb: none → DARTS, random → SDARTS-RS, pgd_linf → SDARTS-ADV), columns the other
 * grouping keys (e.g. space × dataset), each cell `mean ± std (n)` — or CSV/JSON with one row per group
 * at full precision.
 */
import { SdartsError } from '../util/errors.js';
import { SUMMARY_FORMATS } from '../run/sweep-commands.js';
import { METRICS, type MetricName, type MetricStats, type Summary } from './summarize.js';

export { SUMMARY_FORMATS };
export type SummaryFormat = (typeof SUMMARY_FORMATS)[number];

export const METRIC_TITLES: Record<MetricName, string> = {
  validAcc: 'search valid accuracy (%)',
  eigenvalue: 'final dominant eigenvalue λ_max',
  paramFreeOps: 'parameter-free ops in the final normal cell',
  nb101TestError: 'NAS-Bench-101 test error of the final architecture',
  testError: 'test error after training (%)',
  params: 'parameters of the trained network',
};

const METHODS: Record<string, string> = { none: 'DARTS', random: 'SDARTS-RS', pgd_linf: 'SDARTS-ADV' };

function num(metric: MetricName, v: number): string {
  if (metric === 'params') return v >= 1e5 ? `${(v / 1e6).toFixed(2)}M` : v.toFixed(0);
  if (metric === 'eigenvalue') return v.toPrecision(3);
  if (metric === 'nb101TestError') return v.toFixed(4);
  if (metric === 'paramFreeOps') return v.toFixed(1);
  return v.toFixed(2);
}

function cellText(metric: MetricName, s: MetricStats | undefined): string {
  if (!s) return '–';
  return `${num(metric, s.mean)}${s.std !== null ? ` ± ${num(metric, s.std)}` : ''} (${s.n})`;
}

function label(key: string, v: unknown): string {
  if (key === 'perturb' && typeof v === 'string') return METHODS[v] ?? v;
  return v === null ? '–' : String(v);
}

interface Table {
  title: string;
  head: string[];
  rows: string[][];
}

/** The paper-style tables: rows = values of the perturbation (or the first key), columns = the other keys. */
function tables(s: Summary): Table[] {
  const rowKey = s.by.includes('perturb') ? 'perturb' : s.by[0]!;
  const colKeys = s.by.filter((k) => k !== rowKey);
  const rowIds = [...new Set(s.groups.map((g) => JSON.stringify(g.key[rowKey] ?? null)))];
  const colIds = [...new Set(s.groups.map((g) => JSON.stringify(colKeys.map((k) => g.key[k] ?? null))))];
  const out: Table[] = [];
  for (const metric of METRICS) {
    if (!s.groups.some((g) => g.metrics[metric])) continue;
    const head = [
      rowKey === 'perturb' ? 'method' : rowKey,
      ...colIds.map((c) => (JSON.parse(c) as unknown[]).map((v, i) => label(colKeys[i]!, v)).join(' · ') || 'all'),
    ];
    const rows = rowIds.map((r) => {
      const rv = JSON.parse(r) as unknown;
      return [
        label(rowKey, rv),
        ...colIds.map((c) => {
          const cv = JSON.parse(c) as unknown[];
          const g = s.groups.find(
            (g) => JSON.stringify(g.key[rowKey] ?? null) === r && colKeys.every((k, i) => JSON.stringify(g.key[k] ?? null) === JSON.stringify(cv[i])),
          );
          return cellText(metric, g?.metrics[metric]);
        }),
      ];
    });
    out.push({ title: METRIC_TITLES[metric], head, rows });
  }
  return out;
}

function csvField(v: unknown): string {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function formatSummary(s: Summary, format: SummaryFormat): string {
  switch (format) {
    case 'json':
      return JSON.stringify(s, null, 1) + '\n';
    case 'csv': {
      const head = [...s.by, ...METRICS.flatMap((m) => [`${m}_mean`, `${m}_std`, `${m}_n`])];
      const rows = s.groups.map((g) => [...s.by.map((k) => g.key[k]), ...METRICS.flatMap((m) => [g.metrics[m]?.mean, g.metrics[m]?.std, g.metrics[m]?.n])]);
      return [head, ...rows].map((r) => r.map(csvField).join(',')).join('\n') + '\n';
    }
    case 'md':
      return (
        tables(s)
          .map((t) =>
            [
              `**${t.title}** — mean ± std (n)`,
              '',
              `| ${t.head.join(' | ')} |`,
              `|${t.head.map(() => '---').join('|')}|`,
              ...t.rows.map((r) => `| ${r.join(' | ')} |`),
            ].join('\n'),
          )
          .join('\n\n') + '\n'
      );
    case 'html':
      return (
        tables(s)
          .map(
            (t) =>
              `<table>\n<caption>${escapeHtml(t.title)} — mean ± std (n)</caption>\n<tr>${t.head.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>\n` +
              t.rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('\n') +
              '\n</table>',
          )
          .join('\n') + '\n'
      );
    default:
      throw new SdartsError('ERR_SDARTS_SWEEP_OPTIONS', `--format must be one of ${SUMMARY_FORMATS.join(', ')}; got ${String(format)}`);
  }
}
