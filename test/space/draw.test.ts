/**
 * Cell drawings: the SVG of every shipped genotype (CNN normal and reduce cells, recurrent cells) and of
 * the NAS-Bench-101 specs of the reference hash vectors, read back and checked against the genotype it
 * draws: one node per state, one edge per gene (labelled with its op) and per concat entry, no two
 * nodes overlapping, labels at paper size, the same picture every time; and the DOT text of the same graphs.
 */
import { describe, expect, it } from 'vitest';
import { CNN_GENOTYPE_NAMES, getGenotype, getRnnGenotype, RNN_GENOTYPE_NAMES } from '../../src/space/genotype/index.js';
import { cellsToDot, cellsToSvg, genotypeGraphs, nasbenchGraph, rnnCellGraph } from '../../src/space/draw/index.js';
import { loadFixture, type HashVector } from '../benchmark/nasbench-fixtures.js';

interface Box {
  id: string;
  x: number;
  y: number;
  w: number;
  h: number;
}
interface ReadCell {
  title: string;
  nodes: Box[];
  edges: { from: string; to: string; op: string; labelled: boolean }[];
}

const attr = (tag: string, name: string): string => {
  const m = new RegExp(`\\s${name}="([^"]*)"`).exec(tag);
  if (!m) throw new Error(`no ${name} in ${tag}`);
  return m[1]!
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');
};

/** The cells of an SVG drawing, as the picture holds them (node rects, edge paths and labels). */
function readSvg(svg: string): ReadCell[] {
  const cells = svg.split('<g class="cell"').slice(1);
  return cells.map((c) => {
    const title = attr(c.slice(0, c.indexOf('>') + 1), 'data-title');
    const nodes = [...c.matchAll(/<g class="node"[^>]*>\s*<rect[^>]*>/g)].map((m) => {
      const [g, rect] = m[0].split(/>\s*</);
      return {
        id: attr(g!, 'data-id'),
        x: Number(attr(rect!, 'x')),
        y: Number(attr(rect!, 'y')),
        w: Number(attr(rect!, 'width')),
        h: Number(attr(rect!, 'height')),
      };
    });
    const edges = [...c.matchAll(/<g class="edge"[^>]*>([\s\S]*?)<\/g>/g)].map((m) => ({
      from: attr(m[0], 'data-from'),
      to: attr(m[0], 'data-to'),
      op: attr(m[0], 'data-op'),
      labelled: /class="edge-label"/.test(m[1]!),
    }));
    return { title, nodes, edges };
  });
}

function expectNoOverlap(nodes: Box[]): void {
  for (let i = 0; i < nodes.length; i++)
    for (let j = i + 1; j < nodes.length; j++) {
      const a = nodes[i]!,
        b = nodes[j]!;
      const apart = a.x + a.w <= b.x || b.x + b.w <= a.x || a.y + a.h <= b.y || b.y + b.h <= a.y;
      expect(apart, `${a.id} and ${b.id} overlap`).toBe(true);
    }
}

/** Opening and closing tags balance (the document is well formed as far as its elements go). */
function expectBalanced(svg: string): void {
  const stack: string[] = [];
  for (const m of svg.matchAll(/<(\/?)([a-zA-Z]+)[^>]*?(\/?)>/g)) {
    if (m[3] === '/') continue;
    if (m[1] === '/') expect(stack.pop()).toBe(m[2]);
    else stack.push(m[2]!);
  }
  expect(stack).toEqual([]);
}

function expectPaperSize(svg: string): void {
  const sizes = [...svg.matchAll(/font-size="(\d+)"/g)].map((m) => Number(m[1]));
  expect(sizes.length).toBeGreaterThan(0);
  expect(Math.min(...sizes)).toBeGreaterThanOrEqual(11);
  const [w, h] = [Number(/width="(\d+)"/.exec(svg)![1]), Number(/height="(\d+)"/.exec(svg)![1])];
  expect(svg).toContain(`viewBox="0 0 ${w} ${h}"`);
}

describe('CNN cell drawings', () => {
  it.each(CNN_GENOTYPE_NAMES.map((n) => [n]))('%s: both cells, every gene an op-labelled edge', (name) => {
    const g = getGenotype(name);
    const svg = cellsToSvg(genotypeGraphs(g));
    expectBalanced(svg);
    expectPaperSize(svg);
    const cells = readSvg(svg);
    expect(cells.map((c) => c.title)).toEqual(['normal cell', 'reduction cell']);
    const parts = [
      [g.normal, g.normalConcat],
      [g.reduce, g.reduceConcat],
    ] as const;
    parts.forEach(([genes, concat], k) => {
      const cell = cells[k]!;
      const steps = genes.length / 2;
      expect(cell.nodes.map((n) => n.id)).toEqual(['c_{k-2}', 'c_{k-1}', ...Array.from({ length: steps }, (_, i) => String(i)), 'c_{k}']);
      expect(cell.edges).toHaveLength(genes.length + concat.length);
      const state = (j: number): string => (j === 0 ? 'c_{k-2}' : j === 1 ? 'c_{k-1}' : String(j - 2));
      const opEdges = cell.edges.filter((e) => e.to !== 'c_{k}');
      expect(opEdges).toEqual(genes.map(([op, j], i) => ({ from: state(j), to: String(Math.floor(i / 2)), op, labelled: true })));
      expect(cell.edges.filter((e) => e.to === 'c_{k}').map((e) => e.from)).toEqual(concat.map(state));
      expectNoOverlap(cell.nodes);
    });
    expect(cellsToSvg(genotypeGraphs(g))).toBe(svg);
  });

  it('DOT text: one cluster per cell, one labelled edge per gene', () => {
    for (const name of CNN_GENOTYPE_NAMES) {
      const g = getGenotype(name);
      const dot = cellsToDot(genotypeGraphs(g));
      expect(dot.startsWith('digraph sdarts {\n  rankdir=LR;')).toBe(true);
      expect(dot.match(/subgraph cluster_/g)).toHaveLength(2);
      expect(dot.match(/ -> /g)).toHaveLength(g.normal.length + g.normalConcat.length + g.reduce.length + g.reduceConcat.length);
      for (const [, j] of g.normal) expect(dot).toContain(`"c0:${j === 0 ? 'c_{k-2}' : j === 1 ? 'c_{k-1}' : j - 2}" -> `);
      const labels = [...dot.matchAll(/ -> "c(\d):[^"]+" \[label="([^"]+)"/g)].map((m) => [Number(m[1]), m[2]]);
      expect(labels).toEqual([...g.normal.map(([op]) => [0, op]), ...g.reduce.map(([op]) => [1, op])]);
    }
  });
});

describe('recurrent cell drawings', () => {
  it.each(RNN_GENOTYPE_NAMES.map((n) => [n]))('%s', (name) => {
    const g = getRnnGenotype(name);
    const svg = cellsToSvg([rnnCellGraph(g)]);
    expectBalanced(svg);
    expectPaperSize(svg);
    const [cell] = readSvg(svg);
    expect(cell!.nodes.map((n) => n.id)).toEqual(['x_{t}', 'h_{t-1}', '0', ...g.recurrent.map((_, i) => String(i + 1)), 'h_{t}']);
    expect(cell!.edges).toHaveLength(2 + g.recurrent.length + g.concat.length);
    expect(cell!.edges.filter((e) => e.labelled)).toEqual(g.recurrent.map(([act, p], i) => ({ from: String(p), to: String(i + 1), op: act, labelled: true })));
    expect(cell!.edges.filter((e) => e.to === 'h_{t}').map((e) => e.from)).toEqual(g.concat.map(String));
    expectNoOverlap(cell!.nodes);
  });
});

describe('NAS-Bench-101 spec drawings (the reference hash vectors)', () => {
  const specs = loadFixture<{ vectors: HashVector[] }>('hash_vectors.json').vectors.filter((v) => v.expected.status === 'ok' && v.expected.pruned_matrix);
  it('has specs to draw', () => expect(specs.length).toBeGreaterThan(10));
  it.each(specs.map((v) => [v.id, v] as const))('%s', (_id, v) => {
    const matrix = v.expected.pruned_matrix!,
      ops = v.expected.pruned_ops!;
    const svg = cellsToSvg([nasbenchGraph({ matrix, ops })]);
    expectBalanced(svg);
    const [cell] = readSvg(svg);
    expect(cell!.nodes.map((n) => n.id)).toEqual(ops.map((_, i) => `v${i}`));
    for (const op of ops) expect(svg).toContain(`>${op}</text>`);
    const ones = matrix.flat().filter((x) => x === 1).length;
    expect(cell!.edges).toHaveLength(ones);
    expect(cell!.edges.every((e) => matrix[Number(e.from.slice(1))]![Number(e.to.slice(1))] === 1)).toBe(true);
    expectNoOverlap(cell!.nodes);
    expect(cellsToDot([nasbenchGraph({ matrix, ops })]).match(/ -> /g)?.length ?? 0).toBe(ones);
  });
});
