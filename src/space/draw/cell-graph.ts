/**
 * A cell as a small labelled graph, the one input of the drawings (svg.ts, dot.ts): built from a CNN
 * genotype's normal or reduce cell, a recurrent genotype, or a NAS-Bench-101 spec. Pure data, no layout.
 *
 * CNN cells read as DARTS's `visualize.py` draws them: inputs c_{k-2}, c_{k-1}, nodes 0..n-1, output c_{k}
 * fed by every node in `concat`; an edge carries its op. Recurrent cells: x_{t} and h_{t-1} feed node 0,
 * gene i builds node i+1 from its predecessor with an activation, and h_{t} averages the `concat` states.
 */
import type { Gene, Genotype, RnnGenotype } from '../genotype/index.js';
import type { SpecJson } from '../../benchmark/model-spec.js';

export type NodeKind = 'input' | 'node' | 'output';

export interface GraphNode {
  readonly id: string;
  readonly label: string;
  readonly kind: NodeKind;
}

export interface GraphEdge {
  readonly from: string;
  readonly to: string;
  /** The op on the edge; '' for a plain connection (into the output, NAS-Bench-101 edges). */
  readonly label: string;
}

export interface CellGraph {
  readonly title: string;
  readonly nodes: readonly GraphNode[];
  readonly edges: readonly GraphEdge[];
}

/** Ops without parameters: the ones a collapsing search piles up (SDARTS paper, §1). */
export const PARAMETER_FREE_OPS: ReadonlySet<string> = new Set(['skip_connect', 'max_pool_3x3', 'avg_pool_3x3', 'identity', 'maxpool3x3', 'none']);

/** One CNN cell (normal or reduce genes with their concat list). */
export function cnnCellGraph(genes: readonly Gene[], concat: readonly number[], title: string): CellGraph {
  const steps = genes.length / 2;
  const state = (j: number): string => (j === 0 ? 'c_{k-2}' : j === 1 ? 'c_{k-1}' : String(j - 2));
  const nodes: GraphNode[] = [
    { id: 'c_{k-2}', label: 'c_{k-2}', kind: 'input' },
    { id: 'c_{k-1}', label: 'c_{k-1}', kind: 'input' },
  ];
  for (let i = 0; i < steps; i++) nodes.push({ id: String(i), label: String(i), kind: 'node' });
  nodes.push({ id: 'c_{k}', label: 'c_{k}', kind: 'output' });
  const edges: GraphEdge[] = genes.map(([op, j], g) => ({ from: state(j), to: String(Math.floor(g / 2)), label: op }));
  for (const s of concat) edges.push({ from: state(s), to: 'c_{k}', label: '' });
  return { title, nodes, edges };
}

/** The two cells of a CNN genotype: normal, then reduce. */
export function genotypeGraphs(g: Genotype): [CellGraph, CellGraph] {
  return [cnnCellGraph(g.normal, g.normalConcat, 'normal cell'), cnnCellGraph(g.reduce, g.reduceConcat, 'reduction cell')];
}

/** A recurrent cell. */
export function rnnCellGraph(g: RnnGenotype, title = 'recurrent cell'): CellGraph {
  const nodes: GraphNode[] = [
    { id: 'x_{t}', label: 'x_{t}', kind: 'input' },
    { id: 'h_{t-1}', label: 'h_{t-1}', kind: 'input' },
    { id: '0', label: '0', kind: 'node' },
  ];
  for (let i = 1; i <= g.recurrent.length; i++) nodes.push({ id: String(i), label: String(i), kind: 'node' });
  nodes.push({ id: 'h_{t}', label: 'h_{t}', kind: 'output' });
  const edges: GraphEdge[] = [
    { from: 'x_{t}', to: '0', label: '' },
    { from: 'h_{t-1}', to: '0', label: '' },
  ];
  g.recurrent.forEach(([act, pred], i) => edges.push({ from: String(pred), to: String(i + 1), label: act }));
  for (const s of g.concat) edges.push({ from: String(s), to: 'h_{t}', label: '' });
  return { title, nodes, edges };
}

/** A NAS-Bench-101 cell: vertices labelled with their op, edges from the upper-triangular adjacency matrix. */
export function nasbenchGraph(spec: SpecJson, title = 'NAS-Bench-101 cell'): CellGraph {
  const n = spec.ops.length;
  const kind = (i: number): NodeKind => (i === 0 ? 'input' : i === n - 1 ? 'output' : 'node');
  const nodes: GraphNode[] = spec.ops.map((op, i) => ({ id: `v${i}`, label: op, kind: kind(i) }));
  const edges: GraphEdge[] = [];
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) if (spec.matrix[i]![j] === 1) edges.push({ from: `v${i}`, to: `v${j}`, label: '' });
  return { title, nodes, edges };
}
