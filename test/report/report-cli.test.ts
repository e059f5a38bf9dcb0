/**
 * The commands end to end (compiled CLI): `sdarts genotype draw` in each format and from each kind of
 * argument (compared with the library's drawing of the same genotype), and `sdarts report` on what real
 * `train` and `nasbench search` runs write (a search run's report is checked in a browser in
 * report-browser.test.ts).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cellsToDot, cellsToSvg, genotypeGraphs, nasbenchGraph, rnnCellGraph } from '../../src/space/draw/index.js';
import { genotypeFromJSON, getGenotype, getRnnGenotype } from '../../src/space/genotype/index.js';
import { readEvents } from '../../src/run/events-log.js';
import { sdarts, sdartsAsync } from '../e2e/cli.js';

const tiny = (epochs = 2): string[] => [
  '--dataset',
  'fashion-mnist',
  '--epochs',
  String(epochs),
  '--batch-size',
  '16',
  '--limit-train',
  '64',
  '--threads',
  '1',
  '--init-channels',
  '4',
  '--json',
];
const TINY = tiny();
let work: string, search: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'sdarts-report-cli-'));
  search = join(work, 'search');
  const r = sdarts(['search', ...TINY, '--layers', '2', '--save', search]);
  expect(r.status, r.stderr).toBe(0);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('sdarts genotype draw', () => {
  it('prints the SVG of a library genotype, of a recurrent one (--rnn, or a name only that table has), and DOT', () => {
    expect(sdarts(['genotype', 'draw', 'DARTS_V2']).stdout).toBe(cellsToSvg(genotypeGraphs(getGenotype('DARTS_V2'))));
    expect(sdarts(['genotype', 'draw', 'DARTS_V2', '--rnn']).stdout).toBe(cellsToSvg([rnnCellGraph(getRnnGenotype('DARTS_V2'))]));
    expect(sdarts(['genotype', 'draw', 'ENAS']).stdout).toBe(cellsToSvg([rnnCellGraph(getRnnGenotype('ENAS'))]));
    expect(sdarts(['genotype', 'draw', 'c10_s3_pgd', '--format', 'dot']).stdout).toBe(cellsToDot(genotypeGraphs(getGenotype('c10_s3_pgd'))));
  });

  it('draws a run directory (its final genotype) and a NAS-Bench-101 spec given inline', () => {
    const final = genotypeFromJSON((JSON.parse(readFileSync(join(search, 'genotype.json'), 'utf8')) as { final: unknown }).final);
    expect(sdarts(['genotype', 'draw', search]).stdout).toBe(cellsToSvg(genotypeGraphs(final)));
    const spec = {
      matrix: [
        [0, 1, 1],
        [0, 0, 1],
        [0, 0, 0],
      ],
      ops: ['input', 'conv3x3-bn-relu', 'output'],
    };
    expect(sdarts(['genotype', 'draw', JSON.stringify(spec)]).stdout).toBe(cellsToSvg([nasbenchGraph(spec)]));
  });

  it('writes PNG (format from the extension) at --scale pixels per SVG unit', () => {
    const out = join(work, 'cell.png');
    const r = sdarts(['genotype', 'draw', 'DARTS_V2', '--output', out, '--scale', '1.5']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe(`wrote ${out}\n`);
    const png = readFileSync(out);
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    const svg = cellsToSvg(genotypeGraphs(getGenotype('DARTS_V2')));
    const [w, h] = [Number(/width="(\d+)"/.exec(svg)![1]), Number(/height="(\d+)"/.exec(svg)![1])];
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([Math.ceil(w * 1.5), Math.ceil(h * 1.5)]);
    const dot = join(work, 'cell.dot');
    expect(sdarts(['genotype', 'draw', 'DARTS_V2', '--output', dot]).status).toBe(0);
    expect(readFileSync(dot, 'utf8')).toBe(cellsToDot(genotypeGraphs(getGenotype('DARTS_V2'))));
  });

  it('usage errors exit 2 with what to do', () => {
    const png = sdarts(['genotype', 'draw', 'DARTS_V2', '--format', 'png']);
    expect([png.status, png.stderr]).toEqual([2, 'sdarts: PNG output is binary: pass --output cell.png (or use --format svg to print SVG).\n']);
    const typo = sdarts(['genotype', 'draw', 'DARTS_V3']);
    expect(typo.status).toBe(2);
    expect(typo.stderr).toContain('Did you mean DARTS_V1, DARTS_V2');
    const notRun = sdarts(['report', work]);
    expect(notRun.status).toBe(2);
    expect(notRun.stderr).toContain(`${work} is not a run directory (no config.json)`);
  });
});

describe('sdarts report on a run still going', () => {
  it('paused after its first epoch: in progress, one epoch plotted, the latest cell drawn', async () => {
    const dir = join(work, 'going');
    let reported: { status: number | null; stdout: string; stderr: string } | null = null;
    const r = await sdartsAsync(['search', ...tiny(3), '--layers', '2', '--save', dir], (line, child) => {
      const ev = JSON.parse(line) as { type: string; epoch?: number };
      if (ev.type !== 'epoch' || ev.epoch !== 0) return;
      child.kill('SIGSTOP'); // the search waits while the report reads its directory
      reported = sdarts(['report', dir]);
      child.kill('SIGCONT');
    });
    expect(r.code, r.stderr).toBe(0);
    expect(reported!.status, reported!.stderr).toBe(0);
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    expect(html).toContain('<span class="status in-progress" id="run-status">in progress</span>');
    expect(html).toContain('<tr><th>epochs done</th><td>1 of 3</td></tr>');
    expect(html).toContain('<h2>Latest cell</h2>');
    const first = readEvents(dir).find((e) => e['type'] === 'epoch' && e['epoch'] === 0)!;
    expect(html).toContain(`<title>valid: ${String(first['validLoss'])} at 0</title>`);
    expect(html).toContain(cellsToSvg(genotypeGraphs(genotypeFromJSON(first['architectureJSON']))));
  });
});

describe('sdarts report on train and nasbench search runs', () => {
  it('a train run: its cell and its test curves', () => {
    const dir = join(work, 'train');
    expect(sdarts(['train', ...TINY, '--arch', search, '--layers', '3', '--limit-test', '32', '--save', dir]).status).toBe(0);
    const r = sdarts(['report', dir]);
    expect(r.status, r.stderr).toBe(0);
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    const titles = [...html.matchAll(/class="chart" data-title="([^"]*)" data-series-count="(\d+)"/g)].map((m) => `${m[1]}:${m[2]}`);
    expect(titles).toEqual(['loss:2', 'accuracy:2', 'learning rate:1', 'drop-path probability:1', 'time per epoch:1', 'train loss per step:1']);
    const testAcc = readEvents(dir)
      .filter((e) => e['type'] === 'epoch')
      .map((e) => `test: ${String(e['testAcc'])} at ${String(e['epoch'])}`);
    for (const t of testAcc) expect(html).toContain(`<title>${t}</title>`);
    const final = genotypeFromJSON((JSON.parse(readFileSync(join(search, 'genotype.json'), 'utf8')) as { final: unknown }).final);
    expect(html).toContain(cellsToSvg(genotypeGraphs(final)));
  });

  it('a nasbench search run: the NAS-Bench-101 cell and the one-shot α per epoch', () => {
    const dir = join(work, 'nasbench');
    expect(sdarts(['nasbench', 'search', ...TINY, '--layers', '2', '--save', dir]).status).toBe(0);
    expect(sdarts(['report', dir, '--output', join(work, 'nb.html')]).status).toBe(0);
    const html = readFileSync(join(work, 'nb.html'), 'utf8');
    const last = readEvents(dir).filter((e) => e['type'] === 'end')[0]!['architectureJSON'] as { spec: { matrix: number[][]; ops: string[] } };
    expect(html).toContain(cellsToSvg([nasbenchGraph(last.spec)]));
    expect(html).toContain('class="heatmap" data-title="alphasMixedOp"');
    expect(html).toContain('data-title="dominant Hessian eigenvalue" data-series-count="1"');
  });
});
