/**
 * The report of one run (`sdarts report`) and the overlay of several (`sdarts compare`) as ONE
 * self-contained HTML file: inline CSS, inline SVG (drawings, charts, heat maps), one small inline
 * script for the epoch slider, and a Content-Security-Policy that forbids every fetch, so the file
 * opens the same offline, mailed, or years later.
 */
import { cellsToSvg, escapeXml, genotypeGraphs, nasbenchGraph, rnnCellGraph } from '../space/draw/index.js';
import { formatGenotype, formatRnnGenotype } from '../space/genotype/index.js';
import { heatmap } from './heatmap.js';
import { lineChart, type Series } from './line-chart.js';
import type { Architecture, RunData } from './run-data.js';

/** The per-epoch curves a report draws, each from the fields a job logs (absent fields: no series). */
interface MetricGroup {
  title: string;
  yLabel: string;
  keys: readonly (readonly [key: string, name: string])[];
  /** Keys found by pattern (recurrent jobs' perplexities). */
  match?: RegExp;
}

export const METRIC_GROUPS: readonly MetricGroup[] = [
  {
    title: 'loss',
    yLabel: 'cross-entropy',
    keys: [
      ['trainLoss', 'train'],
      ['validLoss', 'valid'],
      ['testLoss', 'test'],
    ],
  },
  {
    title: 'accuracy',
    yLabel: 'top-1 %',
    keys: [
      ['trainAcc', 'train'],
      ['validAcc', 'valid'],
      ['testAcc', 'test'],
    ],
  },
  { title: 'perplexity', yLabel: 'ppl', keys: [], match: /ppl/i },
  { title: 'learning rate', yLabel: 'lr', keys: [['lr', 'lr']] },
  { title: 'perturbation radius ε', yLabel: 'ε', keys: [['epsilon', 'ε']] },
  { title: 'dominant Hessian eigenvalue', yLabel: 'λ_max', keys: [['eigenvalue', 'λ_max']] },
  {
    title: 'NAS-Bench-101 error',
    yLabel: 'error',
    keys: [
      ['testError', 'test'],
      ['validError', 'valid'],
    ],
  },
  {
    title: 'parameter-free ops in the genotype',
    yLabel: 'count',
    keys: [
      ['parameterFree.normal', 'normal cell'],
      ['parameterFree.reduce', 'reduction cell'],
      ['parameterFree.recurrent', 'recurrent cell'],
      ['parameterFree.cell', 'cell'],
    ],
  },
  { title: 'drop-path probability', yLabel: 'p', keys: [['dropPathProb', 'drop-path']] },
  { title: 'time per epoch', yLabel: 'seconds', keys: [['seconds', 'seconds']] },
];

function groupKeys(g: MetricGroup, runs: readonly RunData[]): (readonly [string, string])[] {
  if (!g.match) return g.keys.filter(([k]) => runs.some((r) => r.epochs.some((e) => k in e.values)));
  const found = new Set<string>();
  for (const r of runs) for (const e of r.epochs) for (const k of Object.keys(e.values)) if (g.match.test(k)) found.add(k);
  return [...found].sort().map((k) => [k, k] as const);
}

function seriesOf(r: RunData, key: string): [number, number][] {
  return r.epochs.filter((e) => key in e.values).map((e) => [e.epoch, e.values[key]!]);
}

export function architectureSvg(a: Architecture): string {
  if (a.kind === 'cnn') return cellsToSvg(genotypeGraphs(a.genotype));
  if (a.kind === 'rnn') return cellsToSvg([rnnCellGraph(a.genotype)]);
  return cellsToSvg([nasbenchGraph(a.spec)]);
}

export function architectureText(a: Architecture): string {
  if (a.kind === 'cnn') return formatGenotype(a.genotype);
  if (a.kind === 'rnn') return formatRnnGenotype(a.genotype);
  return `${a.hash ? `hash ${a.hash}: ` : ''}ops ${JSON.stringify(a.spec.ops)} matrix ${JSON.stringify(a.spec.matrix)}`;
}

const CSS = `
body{font-family:DejaVu Sans,Helvetica,Arial,sans-serif;margin:24px;color:#222;max-width:1400px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
.status{display:inline-block;padding:2px 8px;border-radius:10px;font-size:13px;background:#eee}
.status.completed{background:#d9ead3}.status.failed{background:#f4cccc}.status.in-progress{background:#fff2cc}.status.interrupted{background:#fce5cd}
table.facts{border-collapse:collapse;font-size:13px}table.facts td,table.facts th{border:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}
.charts{display:flex;flex-wrap:wrap;gap:12px}.drawing{overflow-x:auto}.drawing svg{max-width:100%;height:auto}
.genotype{font-family:DejaVu Sans Mono,monospace;font-size:12px;background:#f7f7f7;padding:6px;white-space:pre-wrap;word-break:break-all}
.frames{display:flex;flex-wrap:wrap;gap:12px;align-items:flex-start}.muted{color:#777}
pre.config{font-size:12px;background:#f7f7f7;padding:8px;overflow-x:auto}
`;

/** The epoch slider: shows the frame whose index is the slider's value (no frame visible without script is the first). */
const SCRIPT = `
document.querySelectorAll('input.epoch-slider').forEach(function (s) {
  var frames = document.querySelectorAll('#' + s.getAttribute('data-frames') + ' > .frame');
  var label = document.getElementById(s.getAttribute('data-label'));
  function show() {
    frames.forEach(function (f, i) { f.hidden = String(i) !== s.value; });
    label.textContent = frames[Number(s.value)].getAttribute('data-epoch');
  }
  s.addEventListener('input', show);
  show();
});
`;

function page(title: string, body: string[]): string {
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    // Nothing may be fetched: the report is one file.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">`,
    `<meta name="generator" content="sdarts">`,
    `<title>${escapeXml(title)}</title><style>${CSS}</style></head><body>`,
    ...body,
    `<script>${SCRIPT}</script>`,
    '</body></html>',
    '',
  ].join('\n');
}

const fmt = (v: unknown): string => (v === null || v === undefined ? '—' : typeof v === 'number' ? String(Number(v.toPrecision(6))) : String(v));

function facts(r: RunData): [string, string][] {
  const c = r.config,
    env = r.environment;
  const secs = r.epochs.map((e) => e.values['seconds']).filter((s): s is number => s !== undefined);
  const mean = secs.length ? secs.reduce((a, b) => a + b, 0) / secs.length : null;
  const rows: [string, unknown][] = [
    ['command', `sdarts ${r.command}`],
    ['status', r.status + (r.error ? `: ${r.error.code ?? ''} ${r.error.message}` : '')],
    ['run directory', r.dir],
    ['started', r.created],
    ['last event', r.updated],
    ['epochs done', `${r.epochs.length}${r.totalEpochs !== null ? ` of ${r.totalEpochs}` : ''}`],
    ['steps per epoch', r.stepsPerEpoch],
    ['parameters', r.params],
    ['dataset', c['dataset']],
    ['space', c['space']],
    ['perturbation', c['perturb']],
    ['architecture', c['arch']],
    ['seed', c['seed']],
    ['device', c['device']],
    ['threads', env['threads'] ?? c['threads']],
    ['time per epoch (mean)', mean !== null ? `${mean.toFixed(2)} s` : null],
    ['time, all epochs', secs.length ? `${secs.reduce((a, b) => a + b, 0).toFixed(1)} s` : null],
    ['sdarts', env['sdarts']],
    ['LibTorch', env['libtorch'] !== undefined ? `${String(env['libtorch'])}${env['libtorchCuda'] ? ' (CUDA build)' : ' (CPU build)'}` : null],
    ['Node.js', env['node']],
    ['platform', env['platform']],
    ['CPU', env['cpu'] !== undefined ? `${String(env['cpu'])} × ${String(env['cpus'])}` : null],
    ['host', env['host']],
  ];
  return rows.filter(([, v]) => v !== undefined && v !== null && v !== '').map(([k, v]) => [k, fmt(v)]);
}

function factsTable(rows: [string, string][]): string {
  return `<table class="facts">${rows.map(([k, v]) => `<tr><th>${escapeXml(k)}</th><td>${escapeXml(v)}</td></tr>`).join('')}</table>`;
}

function drawing(a: Architecture | null, what: string): string {
  if (!a) return `<p class="muted">No ${what} yet: a search writes one at the end of each epoch.</p>`;
  return `<div class="drawing">${architectureSvg(a)}</div><div class="genotype">${escapeXml(architectureText(a))}</div>`;
}

function curves(r: RunData): string {
  const charts: string[] = [];
  for (const g of METRIC_GROUPS) {
    const series: Series[] = groupKeys(g, [r])
      .map(([k, name]) => ({ name, points: seriesOf(r, k) }))
      .filter((s) => s.points.length > 0);
    if (series.length) charts.push(lineChart({ title: g.title, xLabel: 'epoch', yLabel: g.yLabel, series, integerX: true }));
  }
  if (r.steps.length) {
    const every = Math.max(1, Math.ceil(r.steps.length / 400));
    const pts = r.steps.filter((_, i) => i % every === 0 || i === r.steps.length - 1).map((s) => [s.globalStep, s.loss] as const);
    charts.push(
      lineChart({ title: 'train loss per step', xLabel: 'step', yLabel: 'batch loss', series: [{ name: 'train (batch)', points: pts }], integerX: true }),
    );
  }
  return charts.length ? `<div class="charts">${charts.join('\n')}</div>` : '<p class="muted">No epoch or step has been logged yet.</p>';
}

function epochFrames(r: RunData): string {
  const byEpoch = new Map(r.alphas.map((a) => [a.epoch, a.matrices]));
  const epochs = [...new Set([...r.alphas.map((a) => a.epoch), ...r.epochs.filter((e) => e.architecture).map((e) => e.epoch)])].sort((a, b) => a - b);
  if (!epochs.length)
    return `<p class="muted">${r.command === 'train' ? 'A train run keeps one cell: no architecture weights.' : 'No epoch has finished yet.'}</p>`;
  const arch = new Map(r.epochs.map((e) => [e.epoch, e.architecture]));
  const frames = epochs.map((ep, i) => {
    const a = arch.get(ep) ?? null;
    const parts = (byEpoch.get(ep) ?? []).map(heatmap);
    if (a) parts.push(`<div class="drawing">${architectureSvg(a)}</div>`);
    return `<div class="frame" data-epoch="${ep}"${i === epochs.length - 1 ? '' : ' hidden'}><div class="frames">${parts.join('\n')}</div></div>`;
  });
  return [
    `<p><label>epoch <input type="range" class="epoch-slider" min="0" max="${epochs.length - 1}" value="${epochs.length - 1}" step="1" data-frames="epoch-frames" data-label="epoch-shown"></label> <b id="epoch-shown">${epochs[epochs.length - 1]}</b> <span class="muted">(softmax of α per edge, and the genotype derived from it)</span></p>`,
    `<div id="epoch-frames">${frames.join('\n')}</div>`,
  ].join('\n');
}

/** The HTML report of one run. */
export function buildReport(r: RunData): string {
  const statusClass = r.status.replace(' ', '-');
  return page(`sdarts report: ${r.name}`, [
    `<h1>${escapeXml(r.name)}</h1>`,
    `<p><span class="status ${statusClass}" id="run-status">${escapeXml(r.status)}</span> <span class="muted">sdarts ${escapeXml(r.command)} · report made ${escapeXml(new Date().toISOString())}</span></p>`,
    `<h2>${r.command === 'train' ? 'Cell' : r.status === 'completed' ? 'Final cell' : 'Latest cell'}</h2>`,
    `<section id="final-cell">${drawing(r.final, 'architecture')}</section>`,
    '<h2>Curves per epoch</h2>',
    `<section id="curves">${curves(r)}</section>`,
    '<h2>Architecture weights per epoch</h2>',
    `<section id="alphas">${epochFrames(r)}</section>`,
    '<h2>Run</h2>',
    factsTable(facts(r)),
    '<h2>Configuration</h2>',
    `<details><summary>config.json</summary><pre class="config">${escapeXml(JSON.stringify({ command: r.command, config: r.config, environment: r.environment }, null, 2))}</pre></details>`,
  ]);
}

/** Legend names for runs: perturbation and seed where the config has them, the directory name where those repeat. */
export function runLabels(runs: readonly RunData[]): string[] {
  const oneCommand = runs.every((r) => r.command === runs[0]!.command);
  const base = runs.map((r) => {
    const p = r.config['perturb'],
      s = r.config['seed'];
    return p !== undefined ? `${oneCommand ? '' : `${r.command} `}${String(p)} seed ${String(s)}` : r.name;
  });
  return base.map((b, i) => (base.filter((x) => x === b).length > 1 ? `${b} (${runs[i]!.name})` : b));
}

/** The HTML overlay of several runs: one chart per metric, a series per run. */
export function buildCompare(runs: readonly RunData[]): string {
  const labels = runLabels(runs);
  const charts: string[] = [];
  for (const g of METRIC_GROUPS) {
    for (const [key, name] of groupKeys(g, runs)) {
      const series = runs.map((r, i) => ({ name: labels[i]!, points: seriesOf(r, key) })).filter((s) => s.points.length > 0);
      const title = g.keys.length > 1 || g.match ? `${g.title}: ${name}` : g.title;
      if (series.length) charts.push(lineChart({ title, xLabel: 'epoch', yLabel: g.yLabel, series, integerX: true }));
    }
  }
  const table = [
    '<table class="facts"><tr><th>run</th><th>command</th><th>status</th><th>epochs</th><th>final valid acc</th><th>final test acc</th><th>final λ_max</th><th>directory</th></tr>',
    ...runs.map((r, i) => {
      const last = r.epochs[r.epochs.length - 1]?.values ?? {};
      const cells = [
        labels[i]!,
        r.command,
        r.status,
        `${r.epochs.length}${r.totalEpochs !== null ? `/${r.totalEpochs}` : ''}`,
        fmt(last['validAcc']),
        fmt(last['testAcc']),
        fmt(last['eigenvalue']),
        r.dir,
      ];
      return `<tr>${cells.map((c) => `<td>${escapeXml(c)}</td>`).join('')}</tr>`;
    }),
    '</table>',
  ].join('');
  return page(`sdarts compare: ${runs.length} runs`, [
    `<h1>Compare ${runs.length} runs</h1>`,
    `<p class="muted">report made ${escapeXml(new Date().toISOString())}</p>`,
    '<h2>Runs</h2>',
    table,
    '<h2>Curves per epoch</h2>',
    `<section id="curves">${charts.length ? `<div class="charts">${charts.join('\n')}</div>` : '<p class="muted">No run has finished an epoch yet.</p>'}</section>`,
    '<h2>Cells</h2>',
    `<section id="cells">${runs.map((r, i) => `<h3>${escapeXml(labels[i]!)}</h3>${drawing(r.final, 'architecture')}`).join('\n')}</section>`,
  ]);
}
