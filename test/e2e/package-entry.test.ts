/**
 * The drawing and report API is part of the package entry (dist/index.js, what examples/search.ipynb imports):
 * the same functions as the modules that define them, and usable from there.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './cli.js';

const dist = (p: string) => import(join(ROOT, 'dist', p));

describe('package entry', () => {
  it('exports the drawings, charts and reports', async () => {
    const entry = await dist('index.js');
    const draw = await dist('space/draw/index.js');
    const chart = await dist('report/line-chart.js');
    const report = await dist('report/report.js');
    const runData = await dist('report/run-data.js');
    for (const name of ['cellsToSvg', 'cellsToDot', 'genotypeGraphs', 'rnnCellGraph', 'nasbenchGraph', 'layoutGraph'])
      expect(entry[name], name).toBe(draw[name]);
    expect(entry.lineChart).toBe(chart.lineChart);
    expect(entry.writeReport).toBe(report.writeReport);
    expect(entry.writeCompare).toBe(report.writeCompare);
    expect(entry.readRun).toBe(runData.readRun);
    const svg: string = entry.cellsToSvg(entry.genotypeGraphs(entry.getGenotype('DARTS_V2')));
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('normal cell');
    expect(svg).toContain('reduction cell');
  });
});
