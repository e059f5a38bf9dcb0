/**
 * The HTML reports in a real browser: three real 2-epoch searches (DARTS, SDARTS-RS, SDARTS-ADV) on the
 * embedded Fashion-MNIST at tiny sizes, `sdarts report` of one and `sdarts compare` of all three, opened
 * in headless Chromium with network features off. Checked: every chart, drawing and heat map rendered
 * (non-empty boxes, the expected series per chart), the plotted values are those of the runs'
 * events.jsonl, the epoch slider switches frames, and the page logged no error (a fetch would have). The
 * screenshots are kept under build/test-artifacts/ (docs/images/report.png is report-top.png).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEvents } from '../../src/run/events-log.js';
import { ROOT, sdarts } from '../e2e/cli.js';
import { Browser } from './chromium.js';

const ARTIFACTS = process.env['SDARTS_ARTIFACTS'] ?? join(ROOT, 'build', 'test-artifacts');
const PERTURBS = ['none', 'random', 'pgd_linf'] as const;
const TINY = [
  '--dataset',
  'fashion-mnist',
  '--epochs',
  '2',
  '--layers',
  '2',
  '--init-channels',
  '4',
  '--batch-size',
  '16',
  '--limit-train',
  '64',
  '--threads',
  '1',
];

interface Rendered {
  charts: { title: string; series: string[]; points: number[]; box: [number, number]; values: string[] }[];
  cells: { title: string; nodes: number; edges: number; box: [number, number] }[];
  heatmaps: { title: string; rows: number; box: [number, number] }[];
  frames: number;
  shownEpoch: string | null;
  status: string | null;
}

/** What the page shows, read from its DOM after layout: boxes of visible elements only. */
const READ_PAGE = `(() => {
  const box = (el) => { const r = el.getBoundingClientRect(); return [Math.round(r.width), Math.round(r.height)]; };
  const shown = (el) => el.getClientRects().length > 0;
  return {
    charts: [...document.querySelectorAll('svg.chart')].filter(shown).map((s) => ({
      title: s.dataset.title,
      series: [...s.querySelectorAll('path.series')].map((p) => p.dataset.series),
      points: [...s.querySelectorAll('path.series')].map((p) => Number(p.dataset.points)),
      box: box(s),
      values: [...s.querySelectorAll('circle > title')].map((t) => t.textContent),
    })),
    cells: [...document.querySelectorAll('svg.sdarts-cell g.cell')].filter(shown).map((g) => ({
      title: g.dataset.title, nodes: g.querySelectorAll('g.node').length, edges: g.querySelectorAll('g.edge').length, box: box(g),
    })),
    heatmaps: [...document.querySelectorAll('svg.heatmap')].filter(shown).map((s) => ({ title: s.dataset.title, rows: s.querySelectorAll('rect.weight').length / Number(s.dataset.cols), box: box(s) })),
    frames: document.querySelectorAll('#epoch-frames > .frame').length,
    shownEpoch: document.getElementById('epoch-shown') ? document.getElementById('epoch-shown').textContent : null,
    status: document.getElementById('run-status') ? document.getElementById('run-status').textContent : null,
  };
})()`;

let work: string;
let browser: Browser;
const runs: string[] = [];

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'sdarts-report-'));
  for (const p of PERTURBS) {
    const dir = join(work, `search-${p}`);
    const r = sdarts(['search', ...TINY, '--perturb', p, '--analyze-every', '1', '--save', dir, '--json']);
    expect(r.status, r.stderr).toBe(0);
    runs.push(dir);
  }
  mkdirSync(ARTIFACTS, { recursive: true });
  browser = new Browser();
});

afterAll(async () => {
  await browser?.close();
  rmSync(work, { recursive: true, force: true });
});

/** `name: value at epoch` of a run's epoch events, as the chart's point titles print them. */
function epochValues(dir: string, key: string, name: string): string[] {
  return readEvents(dir)
    .filter((e) => e['type'] === 'epoch')
    .map((e) => `${name}: ${String(e[key])} at ${String(e['epoch'])}`);
}

describe('sdarts report in Chromium', () => {
  it('renders the config, the cells, every curve, the α heat maps and a working slider, with no console error', async () => {
    const out = join(work, 'report.html');
    const r = sdarts(['report', runs[0]!, '--output', out]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe(`wrote ${out}\n`);
    const page = await browser.open(pathToFileURL(out).href);
    const seen = await page.evaluate<Rendered>(READ_PAGE);
    writeFileSync(join(ARTIFACTS, 'report.png'), await page.screenshot());
    writeFileSync(join(ARTIFACTS, 'report-top.png'), await page.screenshot(1150)); // the README's picture (docs/images/report.png)

    expect(seen.status).toBe('completed');
    const byTitle = new Map(seen.charts.map((c) => [c.title, c]));
    expect([...byTitle.keys()]).toEqual([
      'loss',
      'accuracy',
      'learning rate',
      'perturbation radius ε',
      'dominant Hessian eigenvalue',
      'parameter-free ops in the genotype',
      'time per epoch',
      'train loss per step',
    ]);
    expect(byTitle.get('loss')!.series).toEqual(['train', 'valid']);
    expect(byTitle.get('accuracy')!.series).toEqual(['train', 'valid']);
    expect(byTitle.get('parameter-free ops in the genotype')!.series).toEqual(['normal cell', 'reduction cell']);
    for (const c of seen.charts) {
      expect(c.box[0]).toBeGreaterThan(300);
      expect(c.box[1]).toBeGreaterThan(200);
      if (c.title !== 'train loss per step') expect(c.points.every((n) => n === 2)).toBe(true);
    }
    // The plotted numbers are the run's own.
    expect(byTitle.get('loss')!.values).toEqual([...epochValues(runs[0]!, 'trainLoss', 'train'), ...epochValues(runs[0]!, 'validLoss', 'valid')]);
    expect(byTitle.get('dominant Hessian eigenvalue')!.values).toEqual(epochValues(runs[0]!, 'eigenvalue', 'λ_max'));
    expect(byTitle.get('train loss per step')!.points).toEqual([readEvents(runs[0]!).filter((e) => e['type'] === 'step').length]);

    // The final cell (normal + reduce: c_{k-2}, c_{k-1}, 4 nodes, c_{k}; 8 op edges + 4 into c_{k}) and the last epoch's frame (heat maps and its cell).
    expect(seen.cells.map((c) => [c.title, c.nodes, c.edges])).toEqual([
      ['normal cell', 7, 12],
      ['reduction cell', 7, 12],
      ['normal cell', 7, 12],
      ['reduction cell', 7, 12],
    ]);
    for (const c of seen.cells) expect(c.box[0] * c.box[1]).toBeGreaterThan(10_000);
    expect(seen.heatmaps.map((h) => [h.title, h.rows])).toEqual([
      ['normal cell', 14],
      ['reduce cell', 14],
    ]);
    expect(seen.frames).toBe(2);
    expect(seen.shownEpoch).toBe('1');
    const slid = await page.evaluate<{ shown: string; visible: string[] }>(`(() => {
      const s = document.querySelector('input.epoch-slider'); s.value = '0'; s.dispatchEvent(new Event('input'));
      return { shown: document.getElementById('epoch-shown').textContent, visible: [...document.querySelectorAll('#epoch-frames > .frame')].filter((f) => !f.hidden).map((f) => f.dataset.epoch) };
    })()`);
    expect(slid).toEqual({ shown: '0', visible: ['0'] });
    expect(page.logs).toEqual([]);
  });

  it('sdarts compare overlays the three runs: one series per run in every chart, three cells, no console error', async () => {
    const out = join(work, 'compare.html');
    const r = sdarts(['compare', ...runs, '--output', out]);
    expect(r.status, r.stderr).toBe(0);
    const page = await browser.open(pathToFileURL(out).href);
    const seen = await page.evaluate<Rendered>(READ_PAGE);
    writeFileSync(join(ARTIFACTS, 'compare.png'), await page.screenshot());

    const titles = seen.charts.map((c) => c.title);
    expect(titles).toEqual(
      expect.arrayContaining([
        'loss: train',
        'loss: valid',
        'accuracy: train',
        'accuracy: valid',
        'dominant Hessian eigenvalue',
        'parameter-free ops in the genotype: normal cell',
      ]),
    );
    const labels = ['none seed 2', 'random seed 2', 'pgd_linf seed 2'];
    for (const c of seen.charts) {
      expect(c.series).toEqual(labels);
      expect(c.box[0] * c.box[1]).toBeGreaterThan(60_000);
    }
    const valid = seen.charts.find((c) => c.title === 'accuracy: valid')!;
    expect(valid.values).toEqual(runs.flatMap((dir, i) => epochValues(dir, 'validAcc', labels[i]!)));
    expect(seen.cells).toHaveLength(6);
    expect(seen.cells.every((c) => c.nodes === 7 && c.edges === 12)).toBe(true);
    expect(page.logs).toEqual([]);
  });
});
